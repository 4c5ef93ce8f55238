"""The shop's whole setup in and out (``atende shop export`` / ``import``), and what a
shop still lacks before customers can be answered (``gaps``).

``export`` gives plain data (``domain/shopfile.py``'s shape, ready for YAML); ``apply``
makes the shop what a validated ``ShopFile`` says, writing only what differs — so the
same file twice changes nothing — and checks everything that needs the database
(timezone, settings, phones) before it writes anything. Services and resources left out
of the file are removed; a removal, or new hours, that would orphan future bookings
raises ``OrphansBookings`` and the caller's transaction changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from atende.domain.hours_text import WEEKDAY_KEYS, describe, span
from atende.domain.opening import WorkDay
from atende.domain.org_settings import OrgSettings, error_fields
from atende.domain.phones import normalize_typed_phone
from atende.domain.shopfile import (
    ResourceDoc,
    RuleSpec,
    ServiceDoc,
    ServiceSpec,
    ShopDoc,
    ShopFile,
    SizeRuleDoc,
    SpecialDayDoc,
    SpecialDaySpec,
    week_of,
)
from atende.domain.text import fold
from atende.errors import InvalidInput, InvalidPhone, OrphansBookings
from atende.storage import calendar, orgs, resources, services
from atende.storage.models import OpeningHours, Organization, Resource

CALENDAR_KEYS = ("state", "open_holidays", "min_notice_minutes", "horizon_days")
NOT_EXPORTED = ("tts",)  # may hold secrets; the LLM's api_key is left out of ``llm``


def gaps(session: Session, org_id: int) -> list[str]:
    """What customers cannot be answered without: ``services``, ``hours``, ``resources``
    (none does any service). Empty when the shop is set up."""
    missing = []
    if services.count_active(session, org_id) == 0:
        missing.append("services")
    has_hours = session.scalar(
        select(OpeningHours.id).where(OpeningHours.organization_id == org_id).limit(1)
    )
    if has_hours is None:
        missing.append("hours")
    if "services" not in missing and not services.doers(session, org_id):
        missing.append("resources")
    return missing


# --- out -------------------------------------------------------------------------------


def export(session: Session, org: Organization) -> ShopDoc:
    current = orgs.settings_of(org)
    week = calendar.week(session, org.id)
    rows = services.active(session, org.id)
    names = {s.id: s.name for s in rows}
    return {
        "version": 1,
        "shop": {
            "name": org.name,
            "timezone": org.timezone,
            "owner_phones": list(org.owner_phones or []),
        },
        "settings": _settings_out(current),
        "calendar": {
            "state": current.state,
            "open_holidays": list(current.open_holidays),
            "min_notice_minutes": current.min_notice_minutes,
            "horizon_days": current.horizon_days,
        },
        "hours": {key: describe(week.get(i)) for i, key in enumerate(WEEKDAY_KEYS)},
        "services": [_service_out(services.spec_of(session, org.id, s)) for s in rows],
        "resources": [
            ResourceDoc(
                name=r.name,
                kind=r.kind,
                does=[names[i] for i in sorted(r.service_ids) if i in names],
            )
            for r in resources.resources(session, org.id)
        ],
        "special_days": [_special_out(d) for d in special_specs(session, org.id)],
    }


def _settings_out(current: OrgSettings) -> dict[str, Any]:
    dumped = current.dump()
    extra = set(current.model_extra or {})
    out = {
        k: v
        for k, v in dumped.items()
        if k not in CALENDAR_KEYS and k not in NOT_EXPORTED and k not in extra
    }
    llm = {k: v for k, v in out.pop("llm", {}).items() if k != "api_key"}
    if llm:
        out["llm"] = llm
    return out


def _service_out(spec: ServiceSpec) -> ServiceDoc:
    out = ServiceDoc(
        name=spec.name,
        price=f"{spec.price:.2f}",
        duration=spec.duration,
        gender=spec.gender,
        plural=spec.plural,
    )
    if spec.cleanup:
        out["cleanup"] = spec.cleanup
    if spec.return_days is not None:
        out["return_days"] = spec.return_days
    if spec.by_size:
        out["by_size"] = [_rule_out(rule) for rule in spec.by_size]
    return out


def _rule_out(rule: RuleSpec) -> SizeRuleDoc:
    """Only what the rule says, in the order it is read back: size, coat, price, duration."""
    out = SizeRuleDoc()
    if rule.size is not None:
        out["size"] = rule.size
    if rule.coat is not None:
        out["coat"] = rule.coat
    if rule.price is not None:
        out["price"] = f"{rule.price:.2f}"
    if rule.duration is not None:
        out["duration"] = rule.duration
    return out


def special_specs(session: Session, org_id: int) -> list[SpecialDaySpec]:
    found = calendar.special_days(session, org_id, date.min)
    out = []
    for day in sorted(found.values(), key=lambda d: d.day):
        hours = [f"{o:%H:%M}-{c:%H:%M}" for o, c in day.spans]
        kinds = {"closed": day.kind == "closed", "open": day.kind == "open", "hours": hours}
        out.append(SpecialDaySpec(date=day.day, note=day.note, **kinds))
    return out


def _special_out(spec: SpecialDaySpec) -> SpecialDayDoc:
    out = SpecialDayDoc(date=spec.date)
    if spec.kind == "hours":
        out["hours"] = list(spec.hours)
    elif spec.kind == "closed":
        out["closed"] = True
    else:
        out["open"] = True
    if spec.note:
        out["note"] = spec.note
    return out


# --- in --------------------------------------------------------------------------------


def _checked_settings(org: Organization, spec: ShopFile) -> OrgSettings:
    changes: dict[str, Any] = {**spec.settings, **spec.calendar.model_dump()}
    try:
        return orgs.settings_of(org).change(**changes)
    except ValidationError as exc:
        where = {k: ("calendar" if k in CALENDAR_KEYS else "settings") for k in changes}
        found = [f"{where.get(f.split('.')[0], 'settings')}.{f}: {m}" for f, m in error_fields(exc)]
        raise InvalidInput("; ".join(found)) from None


def _checked_profile(spec: ShopFile, country: str) -> list[str]:
    try:
        ZoneInfo(spec.shop.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(f"shop.timezone: unknown time zone {spec.shop.timezone!r}") from None
    phones = []
    for i, raw in enumerate(spec.shop.owner_phones):
        try:
            phones.append(normalize_typed_phone(raw, country))
        except InvalidPhone as exc:
            raise InvalidInput(f"shop.owner_phones[{i}]: {exc}") from None
    return phones


def apply(session: Session, org: Organization, spec: ShopFile, now: datetime) -> list[str]:
    """Make the shop what ``spec`` says; the changes made, one line each (none: the shop
    was this already)."""
    new_settings = _checked_settings(org, spec)
    phones = _checked_profile(spec, new_settings.country)
    tz = ZoneInfo(spec.shop.timezone)
    old_tz, old_settings = ZoneInfo(org.timezone), orgs.settings_of(org)
    before = {b.id for b in calendar.outside_hours(session, org.id, old_tz, old_settings, now)}
    changes: list[str] = []
    if (org.name, org.timezone, list(org.owner_phones or [])) != (
        spec.shop.name,
        spec.shop.timezone,
        phones,
    ):
        org.name, org.timezone, org.owner_phones = spec.shop.name, spec.shop.timezone, phones
        changes.append("shop profile")
    if new_settings.model_dump() != orgs.settings_of(org).model_dump():
        orgs.save_settings(org, new_settings)
        changes.append("settings and calendar")
    changes += _apply_services(session, org.id, spec, now)
    changes += _apply_resources(session, org.id, spec, now)
    changes += _apply_hours(session, org.id, spec)
    changes += _apply_special_days(session, org.id, spec)
    session.flush()
    orphans = [
        b.id
        for b in calendar.outside_hours(session, org.id, tz, new_settings, now)
        if b.id not in before
    ]
    if orphans:
        raise OrphansBookings(
            f"the new hours leave future bookings {', '.join(map(str, orphans))} outside "
            "opening hours: move or cancel them first (nothing was changed)",
            orphans,
        )
    return changes


def _apply_services(session: Session, org_id: int, spec: ShopFile, now: datetime) -> list[str]:
    changes = []
    wanted = {fold(s.name) for s in spec.services}
    for old in services.active(session, org_id):
        if fold(old.name) not in wanted:
            services.remove(session, org_id, old.id, now)
            changes.append(f"service {old.name}: removed")
    for item in spec.services:
        row = services.named(session, org_id, item.name, active_only=False)
        if row is None or not row.active:
            services.create(session, org_id, item)
            changes.append(f"service {item.name}: added")
        elif services.apply(session, org_id, row, item):
            changes.append(f"service {item.name}: changed")
    return changes


def _apply_resources(session: Session, org_id: int, spec: ShopFile, now: datetime) -> list[str]:
    changes = []
    wanted = {fold(r.name) for r in spec.resources}
    for info in resources.resources(session, org_id):
        if fold(info.name) not in wanted:
            resources.remove(session, org_id, info.id, now)
            changes.append(f"resource {info.name}: removed")
    ids = {fold(s.name): s.id for s in services.active(session, org_id)}
    for item in spec.resources:
        does = [ids[fold(n)] for n in item.does]
        row: Resource | None = resources.find(session, org_id, item.name, active_only=False)
        if row is None or not row.active:
            resources.create(session, org_id, item.name, item.kind, does)
            changes.append(f"resource {item.name}: added")
        elif resources.change(
            session, org_id, row.id, now, name=item.name, kind=item.kind, service_ids=does
        ):
            changes.append(f"resource {item.name}: changed")
    return changes


def _apply_hours(session: Session, org_id: int, spec: ShopFile) -> list[str]:
    wanted: dict[int, WorkDay] = {d: w for d, w in week_of(spec.hours).items() if w is not None}
    if calendar.week(session, org_id) == wanted:
        return []
    calendar.set_week(session, org_id, dict(wanted))
    return ["weekly hours"]


def _apply_special_days(session: Session, org_id: int, spec: ShopFile) -> list[str]:
    current = {d.date: d for d in special_specs(session, org_id)}
    wanted = {d.date: d for d in spec.special_days}
    changes = []
    for day in sorted(set(current) | set(wanted)):
        item = wanted.get(day)
        if item == current.get(day):
            continue
        if item is None:
            calendar.clear_day(session, org_id, day)
        else:
            set_special_day(session, org_id, item)
        changes.append(f"special day {day.isoformat()}")
    return changes


def set_special_day(session: Session, org_id: int, item: SpecialDaySpec) -> None:
    if item.kind == "closed":
        calendar.close_day(session, org_id, item.date, item.note)
    elif item.kind == "open":
        calendar.open_day(session, org_id, item.date, item.note)
    else:
        hours = WorkDay.from_spans([span(h) for h in item.hours])
        calendar.set_special_hours(session, org_id, item.date, hours, item.note)
