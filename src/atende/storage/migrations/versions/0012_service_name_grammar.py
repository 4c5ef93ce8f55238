"""services.gender and services.plural: the grammar of a service's name, for replies

Existing rows get a guess from the name's head word (its first word): ending in "ção",
"a", "gem", "ade"… is feminine, ending in "s" is plural ("Banho e tosa" is masculine,
"Vacinas" feminine plural). The rule is copied here, not imported, so this migration
does the same thing whatever ``domain/grammar.py`` becomes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 23:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_FEMININE = ("ção", "são", "a", "gem", "ade", "ie")
_SERVICES = sa.table(
    "services",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("gender", sa.String),
    sa.column("plural", sa.Boolean),
)


def guess(name: str) -> tuple[str, bool]:
    words = (name or "").strip().split()
    head = words[0].lower() if words else ""
    plural = len(head) > 3 and head.endswith("s") and not head.endswith(("ês", "ás", "ós", "us"))
    singular = head
    if plural and head.endswith("ões"):
        singular = head[:-3] + "ão"
    elif plural and head.endswith("ns"):
        singular = head[:-2] + "m"
    elif plural:
        singular = head[:-1]
    return ("f" if singular.endswith(_FEMININE) else "m"), plural


def upgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("gender", sa.String(length=1), server_default="m", nullable=False)
        )
        batch_op.add_column(
            sa.Column("plural", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_check_constraint("ck_services_gender", "gender IN ('m', 'f')")
    conn = op.get_bind()
    for row in conn.execute(sa.select(_SERVICES.c.id, _SERVICES.c.name)).all():
        gender, plural = guess(row.name)
        if (gender, plural) != ("m", False):
            conn.execute(
                _SERVICES.update()
                .where(_SERVICES.c.id == row.id)
                .values(gender=gender, plural=plural)
            )


def downgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_constraint("ck_services_gender", type_="check")
        batch_op.drop_column("plural")
        batch_op.drop_column("gender")
