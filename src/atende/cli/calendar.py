"""The shop's calendar from the command line: ``hours``, ``closure``, ``holidays``.

atende hours set petfeliz "seg-sex 08-18 almoço 12-13" "sab 08-12" "dom fechado"
atende hours set petfeliz --weekday seg --open 08:00 --close 18:00 --break 12:00-13:00
atende closure add petfeliz 2026-12-24 --hours 08-12 --note "Véspera de Natal"
atende holidays petfeliz --state SP --open "Consciência Negra" --notice 60
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from pydantic import ValidationError
from rich.table import Table

from atende.cli.common import CliError, actor, console, database, day, find_org, settings
from atende.domain.hours_text import WEEKDAY_KEYS, day_line, describe
from atende.domain.opening import WorkDay
from atende.errors import InvalidInput

hours_app = typer.Typer(help="Weekly opening hours with breaks.")
closure_app = typer.Typer(help="Special days: closed, open on a holiday, or hours of their own.")

Slug = Annotated[str, typer.Argument(help="the organization's slug")]
CancelBookings = Annotated[
    bool, typer.Option(help="cancel the bookings the change leaves outside opening hours")
]
Notify = Annotated[bool, typer.Option("--notify/--no-notify", help="tell those customers")]


def _week_from(
    lines: list[str],
    wd: str | None,
    opens: str | None,
    closes: str | None,
    breaks: list[str],
    closed: bool,
) -> dict[int, WorkDay | None]:
    week: dict[int, WorkDay | None] = {}
    try:
        for line in lines:
            parsed = day_line(line)
            week.update({d: parsed.hours for d in parsed.weekdays})
        if wd is not None:
            text = "fechado" if closed else f"{opens}-{closes}"
            if not closed and (opens is None or closes is None):
                raise CliError("--weekday needs --open and --close (or --closed)")
            if breaks and not closed:
                text += " almoço " + " ".join(breaks)
            parsed = day_line(f"{wd} {text}")
            week.update({d: parsed.hours for d in parsed.weekdays})
    except InvalidInput as exc:
        raise CliError(str(exc)) from None
    if not week:
        raise CliError('say the hours: "seg-sex 08-18 almoço 12-13" or --weekday seg --open …')
    return week


@hours_app.command("set")
def set_hours(
    slug: Slug,
    lines: Annotated[
        list[str] | None,
        typer.Argument(help="'seg-sex 08-18 almoço 12-13', 'sab 08-12', 'dom fechado'"),
    ] = None,
    wd: Annotated[str | None, typer.Option("--weekday", help="seg, ter… or seg-sex")] = None,
    opens: Annotated[str | None, typer.Option("--open", help="08:00")] = None,
    closes: Annotated[str | None, typer.Option("--close", help="18:00")] = None,
    breaks: Annotated[
        list[str] | None, typer.Option("--break", help="12:00-13:00 (repeatable)")
    ] = None,
    closed: Annotated[bool, typer.Option("--closed", help="the weekday is closed")] = False,
    cancel_bookings: CancelBookings = False,
    notify: Notify = True,
) -> None:
    """Set the hours of the weekdays named; the others stay as they were."""
    from atende.pipeline import shop_admin
    from atende.pipeline.agenda import Desk

    week = _week_from(lines or [], wd, opens, closes, breaks or [], closed)
    with database(settings()) as session:
        org = find_org(session, slug)
        desk = Desk(session, org, actor())
        cancelled = shop_admin.set_hours(desk, week, cancel_bookings, notify)
    _cancelled(cancelled)
    show(slug)


def _cancelled(ids: list[int]) -> None:
    if ids:
        console().print(f"cancelled bookings: {', '.join(map(str, ids))}")


@hours_app.command()
def show(slug: Slug) -> None:
    """The weekly hours."""
    from atende.storage import calendar

    with database(settings()) as session:
        org = find_org(session, slug)
        week = calendar.week(session, org.id)
    out = console()
    for i, key in enumerate(WEEKDAY_KEYS):
        out.print(f"{key}: {describe(week.get(i))}")


@closure_app.command("add")
def add_closure(
    slug: Slug,
    when: Annotated[str, typer.Argument(metavar="DATE", help="2026-12-24")],
    hours: Annotated[
        str | None, typer.Option(help="open only these hours that day: 09-12 or 08-12,14-18")
    ] = None,
    opened: Annotated[
        bool, typer.Option("--open", help="open with the weekly hours although a holiday")
    ] = False,
    note: Annotated[str, typer.Option(help="why (for staff)")] = "",
    cancel_bookings: CancelBookings = False,
    notify: Notify = True,
) -> None:
    """Close a date (or open it only some hours, or open it on a holiday)."""
    from atende.domain.shopfile import SpecialDaySpec, problems
    from atende.pipeline import shop_admin
    from atende.pipeline.agenda import Desk

    spans = [h.strip() for h in (hours or "").split(",") if h.strip()]
    fields: dict[str, Any] = {
        "date": day(when, "DATE"),
        "closed": not spans and not opened,
        "open": opened,
        "hours": spans,
        "note": note,
    }
    try:
        spec = SpecialDaySpec.model_validate(fields)
    except ValidationError as exc:
        raise CliError("; ".join(problems(exc))) from None
    with database(settings()) as session:
        org = find_org(session, slug)
        desk = Desk(session, org, actor())
        cancelled = shop_admin.set_special_day(desk, spec, cancel_bookings, notify)
    _cancelled(cancelled)
    console().print(f"{spec.date.isoformat()}: {_kind_text(spec.kind, spec.hours)}")


def _kind_text(kind: str, spans: list[str] | tuple[str, ...]) -> str:
    if kind == "hours":
        return "open " + ", ".join(spans)
    return "closed" if kind == "closed" else "open with the weekly hours"


@closure_app.command("remove")
def remove_closure(
    slug: Slug,
    when: Annotated[str, typer.Argument(metavar="DATE")],
    cancel_bookings: CancelBookings = False,
    notify: Notify = True,
) -> None:
    """The date follows the weekly hours and the holidays again."""
    from atende.pipeline import shop_admin
    from atende.pipeline.agenda import Desk

    chosen = day(when, "DATE")
    with database(settings()) as session:
        org = find_org(session, slug)
        desk = Desk(session, org, actor())
        shop_admin.clear_special_day(desk, chosen, cancel_bookings, notify)
    console().print(f"{chosen.isoformat()}: weekly hours")


@closure_app.command("list")
def list_closures(slug: Slug) -> None:
    """Special days from today on."""
    from atende.storage import calendar
    from atende.storage.types import utcnow

    with database(settings()) as session:
        org = find_org(session, slug)
        today = utcnow().astimezone(ZoneInfo(org.timezone)).date()
        found = calendar.special_days(session, org.id, today)
    table = Table("date", "", "note")
    for item in found.values():
        spans = [f"{o:%H:%M}-{c:%H:%M}" for o, c in item.spans]
        table.add_row(item.day.isoformat(), _kind_text(item.kind, spans), item.note)
    console().print(table)


def holidays(
    slug: Slug,
    state: Annotated[
        str | None, typer.Option(help="the state's holidays too: SP, RJ… ('' none)")
    ] = None,
    open_holiday: Annotated[
        list[str] | None, typer.Option("--open", help="a holiday the shop opens on (repeatable)")
    ] = None,
    closed_holiday: Annotated[
        list[str] | None, typer.Option("--closed", help="a holiday it closes on again")
    ] = None,
    notice: Annotated[
        int | None, typer.Option(help="minimum notice for bookings, in minutes")
    ] = None,
    horizon: Annotated[
        int | None, typer.Option(help="bookings at most this many days ahead")
    ] = None,
    year: Annotated[int | None, typer.Option(help="the year to list (this one)")] = None,
    cancel_bookings: CancelBookings = False,
    notify: Notify = True,
) -> None:
    """The holidays the shop closes on (Brazil's and its state's, from the holidays
    library), the ones it opens on, the minimum notice and the horizon."""
    from atende.pipeline import shop_admin
    from atende.pipeline.agenda import Desk
    from atende.storage import orgs

    with database(settings()) as session:
        org = find_org(session, slug)
        current = orgs.settings_of(org)
        opened = [h for h in current.open_holidays if h not in (closed_holiday or [])]
        opened += [h for h in open_holiday or [] if h not in opened]
        changes: dict[str, Any] = {}
        if state is not None:
            changes["state"] = state.strip() or None
        if open_holiday or closed_holiday:
            changes["open_holidays"] = opened
        if notice is not None:
            changes["min_notice_minutes"] = notice
        if horizon is not None:
            changes["horizon_days"] = horizon
        if changes:
            desk = Desk(session, org, actor())
            _cancelled(shop_admin.set_calendar(desk, changes, cancel_bookings, notify))
        now_settings = orgs.settings_of(org)
    _print_holidays(now_settings, year)


def _print_holidays(current: Any, year: int | None) -> None:
    from atende.domain.opening import Calendar, holidays_in
    from atende.storage.types import utcnow

    chosen = year or utcnow().year
    cal = Calendar(
        tz=ZoneInfo("UTC"),
        weekly=(),
        country=current.country,
        subdivision=current.state,
        open_holidays=tuple(current.open_holidays),
    )
    found = holidays_in(chosen, current.country, current.state)
    out = console()
    out.print(f"country: {current.country}  state: {current.state or '-'}")
    out.print(f"notice: {current.min_notice_minutes} min  horizon: {current.horizon_days} days")
    table = Table("date", "holiday", "shop")
    for when, name in sorted(found.items()):
        assert isinstance(when, date)
        table.add_row(when.isoformat(), name, "open" if cal.opens_on_holiday(name) else "closed")
    out.print(table)
