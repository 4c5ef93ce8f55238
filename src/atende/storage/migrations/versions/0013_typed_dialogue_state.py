"""Dialogue states in the typed shape of version 2 (a booking frame instead of flat keys)

Version 1 stored ``{"flow", "awaiting", "service_id", "date", "time", "period",
"pet_id", "new_pet", "booking_id", "offered", "pending", "campaigns", ...}``; version 2
nests what belongs to the booking under ``frame``. The conversion is written out here
(not imported from the brain) so this migration means the same thing forever. Rows
that cannot be read are reset to an empty state: the conversation starts over rather
than failing every turn.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 00:30:00.000000
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_CONVERSATIONS = sa.table(
    "conversations", sa.column("id", sa.BigInteger), sa.column("dialogue_state", sa.JSON)
)
_FRAME_KEYS = {
    "service_id": "service_id",
    "date": "day",
    "time": "at",
    "period": "period",
    "pet_id": "pet_id",
    "booking_id": "booking_id",
}


def _v2(old: dict[str, Any]) -> dict[str, Any]:
    frame = {new: old[key] for key, new in _FRAME_KEYS.items() if old.get(key) is not None}
    if isinstance(old.get("new_pet"), dict):
        frame["new_pet"] = old["new_pet"]
    state: dict[str, Any] = {"version": 2, "frame": frame}
    for key in ("flow", "awaiting", "pending", "campaign_pending"):
        if old.get(key) is not None:
            state[key] = old[key]
    for key in ("offered", "campaigns"):
        if isinstance(old.get(key), list):
            state[key] = old[key]
    return state


def _v1(new: dict[str, Any]) -> dict[str, Any]:
    frame = new.get("frame") or {}
    old = {key: frame[value] for key, value in _FRAME_KEYS.items() if frame.get(value) is not None}
    if frame.get("new_pet"):
        old["new_pet"] = {k: v for k, v in frame["new_pet"].items() if v is not None}
    for key in ("flow", "awaiting", "pending", "campaign_pending", "offered", "campaigns"):
        if new.get(key):
            old[key] = new[key]
    return old


def _rewrite(convert: Any, wanted_version: int | None) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(_CONVERSATIONS.c.id, _CONVERSATIONS.c.dialogue_state)).all()
    for row in rows:
        state = row.dialogue_state
        if isinstance(state, str):
            try:
                state = json.loads(state)
            except ValueError:
                state = None
        if not state:
            continue
        if not isinstance(state, dict):
            new: dict[str, Any] = {}
        elif state.get("version") == wanted_version:
            continue
        else:
            new = convert(state)
        conn.execute(
            _CONVERSATIONS.update().where(_CONVERSATIONS.c.id == row.id).values(dialogue_state=new)
        )


def upgrade() -> None:
    _rewrite(_v2, 2)


def downgrade() -> None:
    _rewrite(_v1, None)
