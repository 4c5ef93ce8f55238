"""Organizations, their API keys and their channels.

Channel credentials and the secret fields of ``settings`` are encrypted by their column
types (``storage/secrets.py``): code here and its callers handle them in the clear.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import time
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atende.domain.grammar import Gender, guess_gender
from atende.domain.org_settings import OrgSettings
from atende.domain.phones import DEFAULT_COUNTRY, country_code
from atende.errors import InvalidInput, SlugTaken
from atende.storage import resources
from atende.storage.models import ApiKey, Channel, OpeningHours, Organization, Service


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_org(
    session: Session,
    slug: str,
    name: str,
    timezone: str = "America/Sao_Paulo",
    owner_phones: list[str] | None = None,
    locale: str = "pt-BR",
    country: str = DEFAULT_COUNTRY,
) -> Organization:
    """``country`` (ISO 3166 alpha-2) is where numbers typed without '+' belong."""
    region = country_code(country)
    if session.scalar(select(Organization.id).where(Organization.slug == slug)) is not None:
        raise SlugTaken(f"organization {slug!r} already exists")
    org = Organization(
        slug=slug,
        name=name,
        timezone=timezone,
        locale=locale,
        owner_phones=owner_phones or [],
        settings=OrgSettings(country=region).dump(),
    )
    session.add(org)
    session.flush()
    return org


def settings_of(org: Organization) -> OrgSettings:
    """The organization's settings, typed; invalid stored fields fall back to defaults."""
    return OrgSettings.load(org.settings, org_id=org.id)


def save_settings(org: Organization, settings: OrgSettings) -> OrgSettings:
    """Store ``settings`` (the column seals its secret fields)."""
    org.settings = settings.dump()
    return settings


def set_country(org: Organization, country: str) -> str:
    """The organization's default country for typed phone numbers; returns the code."""
    region = country_code(country)
    save_settings(org, settings_of(org).change(country=region))
    return region


def issue_api_key(session: Session, org_id: int, label: str | None = None) -> str:
    """Create an API key; only its hash is stored, so the caller shows it once.
    ``label`` names who holds it in the audit log ("recepcao", "ana")."""
    key = "atd_" + secrets.token_urlsafe(30)
    named = " ".join((label or "").split())[:64] or None
    session.add(
        ApiKey(organization_id=org_id, key_hash=hash_key(key), prefix=key[:10], label=named)
    )
    session.flush()
    return key


def key_holder(session: Session, key: str) -> tuple[Organization, str] | None:
    """The organization a key opens and who holds it, as the audit log names them: the
    key's label, else ``key:<prefix>``."""
    stmt = (
        select(Organization, ApiKey.label, ApiKey.prefix)
        .join(ApiKey, ApiKey.organization_id == Organization.id)
        .where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
    )
    row = session.execute(stmt).first()
    if row is None:
        return None
    org, label, prefix = row
    return org, (label or f"key:{prefix}")


def org_by_slug(session: Session, slug: str) -> Organization | None:
    return session.scalar(select(Organization).where(Organization.slug == slug))


def org_by_id(session: Session, org_id: int) -> Organization | None:
    return session.get(Organization, org_id)


def add_channel(
    session: Session,
    org_id: int,
    provider: str,
    address: str,
    credentials: dict[str, str],
    pacing: dict[str, Any] | None = None,
) -> Channel:
    """``pacing``: the channel's own settings over its provider's (domain/sending.py)."""
    channel = Channel(
        id="ch_" + secrets.token_hex(12),
        organization_id=org_id,
        provider=provider,
        address=address,
        credentials=credentials,
        pacing=pacing,
    )
    session.add(channel)
    session.flush()
    return channel


def channel_by_id(session: Session, channel_id: str) -> Channel | None:
    """Webhooks arrive before we know the tenant: the unguessable channel id resolves it."""
    return session.get(Channel, channel_id)


def channels_of(session: Session, org_id: int, provider: str | None = None) -> list[Channel]:
    stmt = select(Channel).where(Channel.organization_id == org_id)
    if provider:
        stmt = stmt.where(Channel.provider == provider)
    return list(session.scalars(stmt.order_by(Channel.created_at)))


def add_service(
    session: Session,
    org_id: int,
    name: str,
    price: Decimal,
    duration_minutes: int,
    gender: Gender | None = None,
    plural: bool | None = None,
    *,
    own_resource: bool = True,
    cleanup_minutes: int = 0,
) -> Service:
    """``gender`` ('m' | 'f') and ``plural`` are the name's grammar; what is not given is
    guessed from the name (``domain.grammar.guess_gender``).

    With ``own_resource`` the service gets a resource of its own, named after it, so it
    can be booked at once, one appointment at a time — as every service was before
    resources existed. A shop that declares its people and stations passes False and
    says which resources do it (``storage/resources.py``)."""
    if cleanup_minutes < 0:
        raise InvalidInput("cleanup_minutes must be ≥ 0")
    guessed_gender, guessed_plural = guess_gender(name)
    if gender not in (None, "m", "f"):
        raise InvalidInput(f"gender must be 'm' or 'f', not {gender!r}")
    service = Service(
        organization_id=org_id,
        name=name,
        price=price,
        duration_minutes=duration_minutes,
        gender=gender or guessed_gender,
        plural=guessed_plural if plural is None else plural,
        cleanup_minutes=cleanup_minutes,
    )
    session.add(service)
    session.flush()
    if own_resource:
        existing = resources.resource_named(session, org_id, name)
        if existing is None:
            resources.add_resource(session, org_id, name, [service.id])
        else:
            resources.add_capability(session, org_id, existing.id, service.id)
    return service


def set_opening_hours(session: Session, org_id: int, hours: list[tuple[int, time, time]]) -> None:
    for row in session.scalars(select(OpeningHours).where(OpeningHours.organization_id == org_id)):
        session.delete(row)
    for weekday, opens, closes in hours:
        session.add(
            OpeningHours(organization_id=org_id, weekday=weekday, opens=opens, closes=closes)
        )
    session.flush()
