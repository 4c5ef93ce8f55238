"""Voice reply clips: stored with an expiry, served until it, then deleted."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from atende.storage.models import VoiceClip
from atende.storage.types import utcnow


def store(session: Session, org_id: int, data: bytes, content_type: str, ttl_seconds: float) -> str:
    token = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(seconds=ttl_seconds)
    session.add(
        VoiceClip(
            token=token,
            organization_id=org_id,
            content_type=content_type,
            data=data,
            expires_at=expires,
        )
    )
    return token


def fetch(session: Session, token: str) -> VoiceClip | None:
    """The clip while it is valid; None when unknown or expired."""
    return session.scalar(
        select(VoiceClip).where(VoiceClip.token == token, VoiceClip.expires_at > utcnow())
    )


def purge_expired(session: Session) -> int:
    result = session.execute(delete(VoiceClip).where(VoiceClip.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
