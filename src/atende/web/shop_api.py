"""The shop's setup through the admin API: services with prices and durations by size,
resources, weekly hours with breaks, special days, holidays, notice and horizon, and the
whole shop file as JSON. Bodies are the shop file's own specs (``domain/shopfile.py``),
strict: an unknown field or a bad value is a 422 and changes nothing. A change that
would orphan future bookings is a 409 naming them (``bookings``), unless asked to move
(``?move=true``, resources) or cancel (``?cancel_bookings=true``) them.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

from atende.domain.hours_text import WEEKDAY_KEYS
from atende.domain.opening import Calendar, holidays_in
from atende.domain.shopfile import (
    Day,
    DaySpec,
    ResourceSpec,
    ServiceSpec,
    ShopDoc,
    ShopFile,
    SpecialDaySpec,
    week_of,
)
from atende.errors import NotFound
from atende.pipeline import shop_admin
from atende.storage import calendar, orgs, resources, services, shop
from atende.storage.paging import After
from atende.storage.types import utcnow
from atende.web.api import RESPONSES
from atende.web.deps import ResourceId, RuntimeDep, ServiceId, StaffDep
from atende.web.paging import PageRequest, encode, pager
from atende.web.schemas import Items
from atende.web.shop_schemas import (
    CalendarOut,
    CalendarPatch,
    DayOut,
    HolidayOut,
    Moved,
    Removed,
    ResourceOut,
    ResourcePatch,
    ServiceDetail,
    ServiceIn,
    ServicePatch,
    SpecialDayIn,
    WeekIn,
)

router = APIRouter(prefix="/api", tags=["shop"], responses=RESPONSES)
Notify = Annotated[bool, Query(description="tell customers whose bookings are cancelled")]
CancelBookings = Annotated[
    bool, Query(description="cancel the future bookings the change would orphan")
]


# --- services ----------------------------------------------------------------------------


def _detail(runtime: Any, org_id: int, service_id: int) -> ServiceDetail:
    with runtime.sessions() as s:
        row = services.get(s, org_id, service_id)
        spec = services.spec_of(s, org_id, row)
        doers = services.doers(s, org_id).get(row.id, [])
    return ServiceDetail(
        id=row.id,
        name=spec.name,
        price=f"{spec.price:.2f}",
        duration=spec.duration,
        gender=spec.gender or "m",
        plural=bool(spec.plural),
        cleanup=spec.cleanup,
        return_days=spec.return_days,
        by_size=spec.by_size,
        done_by=doers,
    )


@router.post("/services", status_code=201)
def add_service(body: ServiceIn, staff: StaffDep, runtime: RuntimeDep) -> ServiceDetail:
    """A new service with its prices and durations by size; ``done_by`` names the
    resources that do it."""
    spec = ServiceSpec.model_validate(body.model_dump(exclude={"done_by"}))
    with runtime.pipeline.agenda.desk(staff.org.id, staff.actor) as desk:
        row = shop_admin.add_service(desk, spec, body.done_by)
    return _detail(runtime, staff.org.id, row.id)


@router.get("/services/{service_id}")
def get_service(service_id: ServiceId, staff: StaffDep, runtime: RuntimeDep) -> ServiceDetail:
    return _detail(runtime, staff.org.id, service_id)


@router.patch("/services/{service_id}")
def change_service(
    service_id: ServiceId, body: ServicePatch, staff: StaffDep, runtime: RuntimeDep
) -> ServiceDetail:
    """Change some fields; ``by_size`` replaces every rule."""
    changes = body.model_dump(exclude_unset=True)
    if "return_days" in changes:
        changes["return_days"] = changes["return_days"] or None
    with runtime.pipeline.agenda.desk(staff.org.id, staff.actor) as desk:
        shop_admin.change_service(desk, service_id, changes)
    return _detail(runtime, staff.org.id, service_id)


@router.delete("/services/{service_id}")
def remove_service(
    service_id: ServiceId,
    staff: StaffDep,
    runtime: RuntimeDep,
    cancel_bookings: CancelBookings = False,
    notify: Notify = True,
) -> Removed:
    """Remove a service: 409 while it has future bookings, unless ``cancel_bookings``."""
    with runtime.pipeline.agenda.desk(staff.org.id, staff.actor) as desk:
        cancelled = shop_admin.remove_service(desk, service_id, cancel_bookings, notify)
    return Removed(id=service_id, cancelled=cancelled)


# --- resources ---------------------------------------------------------------------------


def _resources(runtime: Any, org_id: int) -> list[ResourceOut]:
    with runtime.sessions() as s:
        names = {x.id: x.name for x in services.active(s, org_id)}
        rows = resources.resources(s, org_id)
    return [
        ResourceOut(
            id=r.id,
            name=r.name,
            kind=r.kind,
            does=[names[i] for i in sorted(r.service_ids) if i in names],
        )
        for r in rows
    ]


def _resource(runtime: Any, org_id: int, resource_id: int) -> ResourceOut:
    found = next((r for r in _resources(runtime, org_id) if r.id == resource_id), None)
    if found is None:
        raise NotFound(f"resource {resource_id} not found")
    return found


@router.get("/resources")
def list_resources(
    staff: StaffDep,
    runtime: RuntimeDep,
    page: Annotated[PageRequest, Depends(pager("resources"))],
) -> Items[ResourceOut]:
    """The active resources and what each does, oldest first."""
    rows = [r for r in _resources(runtime, staff.org.id) if not page.after or r.id > page.after.id]
    more = len(rows) > page.limit
    kept = rows[: page.limit]
    return Items(items=kept, next=encode("resources", After(kept[-1].id)) if more else None)


@router.post("/resources", status_code=201)
def add_resource(body: ResourceSpec, staff: StaffDep, runtime: RuntimeDep) -> ResourceOut:
    with runtime.pipeline.agenda.desk(staff.org.id, staff.actor) as desk:
        row = shop_admin.add_resource(desk, body.name, body.kind, body.does)
    return _resource(runtime, staff.org.id, row.id)


@router.patch("/resources/{resource_id}")
def change_resource(
    resource_id: ResourceId, body: ResourcePatch, staff: StaffDep, runtime: RuntimeDep
) -> ResourceOut:
    """Rename, change the kind or what it does: 409 while it has future bookings of a
    service it would no longer do."""
    with runtime.pipeline.agenda.desk(staff.org.id, staff.actor) as desk:
        shop_admin.change_resource(desk, resource_id, body.name, body.kind, body.does)
    return _resource(runtime, staff.org.id, resource_id)


@router.delete("/resources/{resource_id}")
def remove_resource(
    resource_id: ResourceId,
    staff: StaffDep,
    runtime: RuntimeDep,
    move: Annotated[
        bool, Query(description="move its future bookings to another capable resource")
    ] = False,
) -> Removed:
    """Remove a resource: 409 while it has future bookings, unless ``move`` finds each
    another resource free at the same time (all or nothing; the 409 lists the rest)."""
    with runtime.pipeline.agenda.desk(staff.org.id, staff.actor) as desk:
        moved = shop_admin.remove_resource(desk, resource_id, move)
    return Removed(id=resource_id, moved=[Moved(booking=b, to=to) for b, to in moved])


# --- hours, special days, holidays --------------------------------------------------------


def _week(runtime: Any, org_id: int) -> Items[DayOut]:
    with runtime.sessions() as s:
        week = calendar.week(s, org_id)
    out = []
    for i, key in enumerate(WEEKDAY_KEYS):
        day = week.get(i)
        if day is None:
            out.append(DayOut(weekday=key, closed=True))
        else:
            spec = DaySpec.of(day)
            out.append(
                DayOut(
                    weekday=key, closed=False, open=spec.open, close=spec.close, breaks=spec.breaks
                )
            )
    return Items(items=out)


@router.get("/hours")
def get_hours(staff: StaffDep, runtime: RuntimeDep) -> Items[DayOut]:
    """Monday (seg) to Sunday (dom): open, close and breaks, or closed."""
    return _week(runtime, staff.org.id)


@router.put("/hours")
def set_hours(
    body: WeekIn,
    staff: StaffDep,
    runtime: RuntimeDep,
    cancel_bookings: CancelBookings = False,
    notify: Notify = True,
) -> Items[DayOut]:
    """Set the hours of the weekdays given: 409 when future bookings would fall outside
    them, unless ``cancel_bookings``."""
    with runtime.pipeline.agenda.desk(staff.org.id, staff.actor) as desk:
        shop_admin.set_hours(desk, week_of(body.days), cancel_bookings, notify)
    return _week(runtime, staff.org.id)


@router.get("/special-days")
def list_special_days(
    staff: StaffDep,
    runtime: RuntimeDep,
    since: Annotated[Day | None, Query(description="from this date (today)")] = None,
) -> Items[SpecialDaySpec]:
    """Dates closed, open on a holiday, or with hours of their own."""
    with runtime.sessions() as s:
        found = shop.special_specs(s, staff.org.id)
    first = since or utcnow().astimezone(ZoneInfo(staff.org.timezone)).date()
    return Items(items=[d for d in found if d.date >= first])


@router.put("/special-days/{day}")
def set_special_day(
    day: Day,
    body: SpecialDayIn,
    staff: StaffDep,
    runtime: RuntimeDep,
    cancel_bookings: CancelBookings = False,
    notify: Notify = True,
) -> SpecialDaySpec:
    """Close a date (``closed``), open it on a holiday (``open``) or give it ``hours``:
    409 when bookings that day would fall outside, unless ``cancel_bookings``."""
    spec = SpecialDaySpec.model_validate({"date": day, **body.model_dump()})
    with runtime.pipeline.agenda.desk(staff.org.id, staff.actor) as desk:
        shop_admin.set_special_day(desk, spec, cancel_bookings, notify)
    return spec


@router.delete("/special-days/{day}")
def clear_special_day(
    day: Day,
    staff: StaffDep,
    runtime: RuntimeDep,
    cancel_bookings: CancelBookings = False,
    notify: Notify = True,
) -> dict[str, object]:
    """The date follows the weekly hours and holidays again."""
    with runtime.pipeline.agenda.desk(staff.org.id, staff.actor) as desk:
        shop_admin.clear_special_day(desk, day, cancel_bookings, notify)
    return {"date": day.isoformat(), "removed": True}


def _calendar(runtime: Any, org_id: int, cancelled: list[int] | None = None) -> CalendarOut:
    with runtime.sessions() as s:
        org = orgs.org_by_id(s, org_id)
        assert org is not None
        current = orgs.settings_of(org)
    return CalendarOut(
        country=current.country,
        state=current.state,
        open_holidays=list(current.open_holidays),
        min_notice_minutes=current.min_notice_minutes,
        horizon_days=current.horizon_days,
        cancelled=cancelled or [],
    )


@router.get("/calendar")
def get_calendar(staff: StaffDep, runtime: RuntimeDep) -> CalendarOut:
    """Holidays (country, state, the ones the shop opens on), notice and horizon."""
    return _calendar(runtime, staff.org.id)


@router.patch("/calendar")
def change_calendar(
    body: CalendarPatch,
    staff: StaffDep,
    runtime: RuntimeDep,
    cancel_bookings: CancelBookings = False,
    notify: Notify = True,
) -> CalendarOut:
    changes = body.model_dump(exclude_unset=True)
    if "state" in changes:
        changes["state"] = (changes["state"] or "").strip() or None
    with runtime.pipeline.agenda.desk(staff.org.id, staff.actor) as desk:
        cancelled = shop_admin.set_calendar(desk, changes, cancel_bookings, notify)
    return _calendar(runtime, staff.org.id, cancelled)


@router.get("/holidays")
def list_holidays(
    staff: StaffDep,
    runtime: RuntimeDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Items[HolidayOut]:
    """The year's public holidays (country and state) and whether the shop opens."""
    current = _calendar(runtime, staff.org.id)
    cal = Calendar(
        tz=ZoneInfo("UTC"),
        weekly=(),
        country=current.country,
        subdivision=current.state,
        open_holidays=tuple(current.open_holidays),
    )
    found = holidays_in(year or utcnow().year, current.country, current.state)
    out = [HolidayOut(date=d, name=n, open=cal.opens_on_holiday(n)) for d, n in found.items()]
    return Items(items=out)


# --- the whole shop ----------------------------------------------------------------------


@router.get("/shop")
def export_shop(staff: StaffDep, runtime: RuntimeDep) -> ShopDoc:
    """The shop file (``atende shop export``) as JSON."""
    with runtime.sessions() as s:
        org = orgs.org_by_id(s, staff.org.id)
        assert org is not None
        return shop.export(s, org)


@router.put("/shop")
def import_shop(body: ShopFile, staff: StaffDep, runtime: RuntimeDep) -> dict[str, list[str]]:
    """Make the shop what the file says (``atende shop import``): the same file twice
    changes nothing; services and resources left out are removed."""
    with runtime.pipeline.agenda.desk(staff.org.id, staff.actor) as desk:
        changes = shop_admin.import_shop(desk, body)
    return {"changes": changes}
