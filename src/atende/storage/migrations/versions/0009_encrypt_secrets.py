"""encrypt stored secrets

Channel credentials and the secret fields of organization settings (``api_key``,
``*_token``, ``*_secret``) become Fernet tokens, ``"fernet:…"``. The key is found as the
app finds it (storage/keys.py): the key given to ``upgrade(url, secret_key)``, else the
ATENDE_SECRET_KEY environment variable, else, for SQLite, the key file beside the
database (generated now if missing). Downgrading decrypts them back to plain JSON.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 20:40:00.000000
"""

from __future__ import annotations

from alembic import op

from atende.storage.secrets import box_for, open_all, reseal_all

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    reseal_all(bind, box_for(bind))


def downgrade() -> None:
    bind = op.get_bind()
    open_all(bind, box_for(bind))
