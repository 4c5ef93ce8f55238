"""Staff changing the shop: services, prices by size, durations, resources, hours with
breaks, special days, holidays, notice and horizon, the whole shop file. Each change is
logged with who and when, on the ``Desk`` of ``pipeline/agenda.py``.

A change that would orphan future appointments — removing a resource or a service that
has them, closing a day or shortening hours under them — is refused with
``OrphansBookings`` (naming them), or, on request, resolves them: a removed resource's
appointments move to another resource able to do them at the same time (all or none);
a removed service's, or a closed time's, are cancelled and each customer told.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from pydantic import ValidationError

from atende.domain.hours_text import describe
from atende.domain.opening import WorkDay
from atende.domain.org_settings import error_fields
from atende.domain.shopfile import ServiceSpec, ShopFile, SpecialDaySpec
from atende.errors import InvalidInput, NotFound, OrphansBookings
from atende.pipeline.agenda import Desk
from atende.storage import calendar, orgs, resources, services, shop
from atende.storage.models import Resource, Service


def _service_ids(desk: Desk, names: Iterable[str]) -> list[int]:
    ids = []
    for name in names:
        row = services.named(desk.session, desk.org.id, name)
        if row is None:
            raise NotFound(f"no service {name!r}")
        ids.append(row.id)
    return ids


# --- services ----------------------------------------------------------------------------


def add_service(desk: Desk, spec: ServiceSpec, done_by: Iterable[str] = ()) -> Service:
    """A new service; ``done_by`` names resources that do it (they keep what they did)."""
    row = services.create(desk.session, desk.org.id, spec)
    for name in done_by:
        resource = _resource(desk, name)
        resources.add_capability(desk.session, desk.org.id, resource.id, row.id)
    desk.log("service.add", f"service:{row.id}", **spec.model_dump(exclude_defaults=True))
    return row


def change_service(desk: Desk, service_id: int, changes: Mapping[str, Any]) -> Service:
    """Change some fields of a service (``ServiceSpec``'s names; ``by_size`` replaces
    every rule); the whole is validated again."""
    row = services.get(desk.session, desk.org.id, service_id)
    current = services.spec_of(desk.session, desk.org.id, row).model_dump()
    try:
        spec = ServiceSpec.model_validate({**current, **changes})
    except ValidationError as exc:
        raise InvalidInput("; ".join(f"{w}: {m}" for w, m in error_fields(exc))) from None
    other = services.named(desk.session, desk.org.id, spec.name, active_only=False)
    if other is not None and other.id != row.id:
        raise InvalidInput(f"another service is called {other.name!r}")
    if services.apply(desk.session, desk.org.id, row, spec):
        desk.log("service.change", f"service:{row.id}", **dict(changes))
    return row


def remove_service(
    desk: Desk, service_id: int, cancel_bookings: bool = False, notify: bool = True
) -> list[int]:
    """Remove a service; its future appointments refuse it, or are cancelled on request
    (returns their ids)."""
    cancelled = []
    if cancel_bookings:
        pending = services.future_bookings(
            desk.session, desk.org.id, desk.now, service_id=service_id
        )
        for booking in pending:
            desk.cancel(booking.id, notify=notify, why="service removed")
            cancelled.append(booking.id)
    row = services.remove(desk.session, desk.org.id, service_id, desk.now)
    desk.log("service.remove", f"service:{row.id}", name=row.name, cancelled=cancelled)
    return cancelled


# --- resources ---------------------------------------------------------------------------


def _resource(desk: Desk, name: str) -> Resource:
    row = resources.find(desk.session, desk.org.id, name)
    if row is None:
        raise NotFound(f"no resource {name!r}")
    return row


def add_resource(desk: Desk, name: str, kind: str, does: Iterable[str]) -> Resource:
    names = list(does)
    row = resources.create(desk.session, desk.org.id, name, kind, _service_ids(desk, names))
    desk.log("resource.add", f"resource:{row.id}", name=row.name, kind=kind, does=names)
    return row


def change_resource(
    desk: Desk,
    resource_id: int,
    name: str | None = None,
    kind: str | None = None,
    does: Iterable[str] | None = None,
) -> Resource:
    names = None if does is None else list(does)
    ids = None if names is None else _service_ids(desk, names)
    changed = resources.change(
        desk.session, desk.org.id, resource_id, desk.now, name=name, kind=kind, service_ids=ids
    )
    if changed:
        desk.log("resource.change", f"resource:{resource_id}", name=name, kind=kind, does=names)
    return resources.get(desk.session, desk.org.id, resource_id)


def remove_resource(desk: Desk, resource_id: int, move: bool = False) -> list[tuple[int, str]]:
    """Remove a resource; its future appointments refuse it, or with ``move`` go to
    another capable resource at the same time (the customer's time does not change)."""
    row = resources.get(desk.session, desk.org.id, resource_id)
    moved = resources.remove(desk.session, desk.org.id, resource_id, desk.now, move)
    desk.log(
        "resource.remove",
        f"resource:{resource_id}",
        name=row.name,
        moved=[{"booking": b, "to": to} for b, to in moved],
    )
    return moved


# --- the calendar ------------------------------------------------------------------------


def _guarded(desk: Desk, change: Callable[[], None], cancel: bool, notify: bool) -> list[int]:
    """Run ``change``; appointments it leaves outside opening hours refuse it, or are
    cancelled on request (their ids returned)."""
    tz = desk.tz

    def outside() -> list[int]:
        settings = orgs.settings_of(desk.org)
        found = calendar.outside_hours(desk.session, desk.org.id, tz, settings, desk.now)
        return [b.id for b in found]

    before = set(outside())
    change()
    desk.session.flush()
    orphans = [b for b in outside() if b not in before]
    if orphans and not cancel:
        raise OrphansBookings(
            f"future bookings {', '.join(map(str, orphans))} would fall outside opening "
            "hours: move or cancel them first, or ask for them to be cancelled "
            "(--cancel-bookings / ?cancel_bookings=true)",
            orphans,
        )
    for booking_id in orphans:
        desk.cancel(booking_id, notify=notify, why="the shop closed then")
    return orphans


def set_hours(
    desk: Desk, week: Mapping[int, WorkDay | None], cancel: bool = False, notify: bool = True
) -> list[int]:
    """Set these weekdays' hours (None: closed); the others stay."""
    current: dict[int, WorkDay | None] = dict(calendar.week(desk.session, desk.org.id))
    current.update(week)

    def change() -> None:
        calendar.set_week(desk.session, desk.org.id, current)

    cancelled = _guarded(desk, change, cancel, notify)
    shown = {str(d): describe(w) for d, w in sorted(week.items())}
    desk.log("hours.set", "hours", days=shown, cancelled=cancelled)
    return cancelled


def set_special_day(
    desk: Desk, spec: SpecialDaySpec, cancel: bool = False, notify: bool = True
) -> list[int]:
    cancelled = _guarded(
        desk, lambda: shop.set_special_day(desk.session, desk.org.id, spec), cancel, notify
    )
    desk.log(
        "special_day.set",
        f"day:{spec.date.isoformat()}",
        **spec.model_dump(exclude_defaults=True),
        cancelled=cancelled,
    )
    return cancelled


def clear_special_day(desk: Desk, day: date, cancel: bool = False, notify: bool = True) -> None:
    if day not in calendar.special_days(desk.session, desk.org.id, day):
        raise NotFound(f"no special day on {day.isoformat()}")
    _guarded(desk, lambda: calendar.clear_day(desk.session, desk.org.id, day), cancel, notify)
    desk.log("special_day.remove", f"day:{day.isoformat()}")


def set_calendar(
    desk: Desk, changes: Mapping[str, Any], cancel: bool = False, notify: bool = True
) -> list[int]:
    """Holidays (``state``, ``open_holidays``), ``min_notice_minutes``, ``horizon_days``."""
    current = orgs.settings_of(desk.org)
    try:
        updated = current.change(**changes)
    except ValidationError as exc:
        raise InvalidInput("; ".join(f"{w}: {m}" for w, m in error_fields(exc))) from None
    cancelled = _guarded(desk, lambda: _save(desk, updated), cancel, notify)
    desk.log("calendar.set", "calendar", **dict(changes), cancelled=cancelled)
    return cancelled


def _save(desk: Desk, updated: Any) -> None:
    orgs.save_settings(desk.org, updated)


def import_shop(desk: Desk, spec: ShopFile) -> list[str]:
    """The whole shop file (``storage/shop.py``); logged when it changed anything."""
    changes = shop.apply(desk.session, desk.org, spec, desk.now)
    if changes:
        desk.log("shop.import", "shop", changes=changes)
    return changes
