"""The business calendar: breaks, closures, special hours, holidays, notice and horizon,
each refused with its own reason, and the next free time found past them — in the
domain, through the turn's context on both databases, and in a conversation.

The suite's clock stands on Tuesday 2026-11-17 10:00 in São Paulo; Friday 2026-11-20 is
Consciência Negra, a national holiday since 2024."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from atende.brain.base import OrgProfile, Turn
from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.state import DialogueState
from atende.clock import ShiftedClock
from atende.domain.opening import WorkDay, holiday_on
from atende.errors import InvalidInput
from atende.storage import bookings, calendar, orgs
from atende.storage.db import make_engine, make_sessionmaker, transaction
from atende.storage.models import Contact, Organization
from atende.storage.types import utcnow
from tests.conftest import demo_runtime
from tests.support.clock import move_to
from tests.support.dialogue import TZ, Customer

NOV = 11
LUNCH = ((time(12), time(13)),)


def at(day: int, hour: int, minute: int = 0, month: int = NOV) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def _shop(session: Session) -> tuple[Organization, int]:
    """Weekdays 8–18 with lunch 12–13, closed on weekends; São Paulo; two hours' notice,
    thirty days ahead; closed on Monday 23/11, only the afternoon on Tuesday 24/11."""
    org = orgs.create_org(session, "agenda", "Agenda Pet")
    orgs.save_settings(
        org,
        orgs.settings_of(org).change(state="SP", min_notice_minutes=120, horizon_days=30),
    )
    service = orgs.add_service(session, org.id, "Banho", Decimal("60"), 60)
    day = WorkDay(time(8), time(18), LUNCH)
    calendar.set_week(session, org.id, {weekday: day for weekday in range(5)})
    calendar.close_day(session, org.id, date(2026, 11, 23), "Dedetização")
    calendar.set_special_hours(session, org.id, date(2026, 11, 24), WorkDay(time(14), time(18)))
    return org, service.id


def _context(session: Session, org: Organization) -> DialogueContext:
    """The context of a turn of one customer, read afresh (as every turn is)."""
    phone = "+5511999990301"
    contact = session.scalar(select(Contact).where(Contact.phone == phone))
    if contact is None:
        contact = Contact(organization_id=org.id, phone=phone)
        session.add(contact)
        session.flush()
    profile = OrgProfile(org.id, org.name, org.timezone, org.locale, orgs.settings_of(org))
    turn = Turn(profile, 0, contact.id, contact.phone, None, [], DialogueState(), utcnow())
    return DialogueContext(session, turn)


@pytest.fixture
def shop(db_url: str) -> Iterator[tuple[Session, DialogueContext, int]]:
    engine = make_engine(db_url)
    with transaction(make_sessionmaker(engine)) as s:
        org, service_id = _shop(s)
        yield s, _context(s, org), service_id
    engine.dispose()


def test_each_refusal_has_its_reason(shop: tuple[Session, DialogueContext, int]) -> None:
    _, ctx, service_id = shop
    banho = ctx.service(service_id)
    assert banho is not None
    problems = {
        "past": at(17, 9),
        "too_soon": at(17, 11),  # two hours' notice: from 12:00 on
        "break": at(18, 12, 30),
        "holiday": at(20, 10),
        "closed": at(22, 10),  # a Sunday
        "closure": at(23, 10),
        "too_far": at(18, 10, month=12),  # thirty days from 17/11 is 17/12
    }
    for reason, start in problems.items():
        assert ctx.slot_problem(banho, start) == reason, start
    assert ctx.slot_problem(banho, at(18, 11, 30)) == "break"  # would run into lunch
    assert ctx.slot_problem(banho, at(18, 17, 30)) == "closed"  # would end after closing
    assert ctx.slot_problem(banho, at(24, 10)) == "closed"  # the special day opens at 14h
    assert ctx.slot_problem(banho, at(24, 14)) is None
    assert ctx.slot_problem(banho, at(17, 10, month=12)) is None
    day = ctx.day(date(2026, 11, 20))
    assert day.closed == "holiday" and day.holiday and "Consciência Negra" in day.holiday


def test_free_times_skip_breaks_and_closed_days(shop: tuple[Session, DialogueContext, int]) -> None:
    _, ctx, service_id = shop
    banho = ctx.service(service_id)
    assert banho is not None
    hours = [f"{s:%H:%M}" for s in ctx.free(banho, date(2026, 11, 18))]
    assert "11:00" in hours and "13:00" in hours
    assert not {"11:30", "12:00", "12:30"} & set(hours)  # lunch
    assert [f"{s:%H:%M}" for s in ctx.free(banho, date(2026, 11, 17))][:2] == ["13:00", "13:30"]
    for closed in (20, 21, 22, 23):
        assert ctx.free(banho, date(2026, 11, closed)) == []
    assert ctx.free(banho, date(2026, 12, 18)) == []  # past the horizon
    assert ctx.next_free(banho) == at(17, 13)  # past the notice and the lunch break


def test_the_next_free_time_is_found_past_them(
    shop: tuple[Session, DialogueContext, int], test_clock: ShiftedClock
) -> None:
    session, ctx, service_id = shop
    move_to(test_clock, at(19, 17))  # Thursday evening: then holiday, weekend, closure…
    org = session.get(Organization, ctx.turn.org.id)
    assert org is not None
    later = _context(session, org)
    banho = later.service(service_id)
    assert banho is not None
    assert later.slot_problem(banho, at(19, 17, 30)) == "too_soon"
    assert later.next_free(banho) == at(24, 14)  # … and a special day open from 14h
    bookings.book(session, org.id, ctx.turn.contact_id, service_id, None, at(24, 14))
    assert later.slot_problem(banho, at(24, 14)) == "taken"
    assert later.next_free(banho) == at(24, 15)


def test_a_holiday_can_be_opened_by_date_or_by_name(db_url: str) -> None:
    engine = make_engine(db_url)
    with transaction(make_sessionmaker(engine)) as s:
        org, service_id = _shop(s)
        calendar.open_day(s, org.id, date(2026, 11, 20), "abrimos no feriado")
        ctx = _context(s, org)
        banho = ctx.service(service_id)
        assert banho is not None and ctx.slot_problem(banho, at(20, 10)) is None
        assert ctx.day(date(2026, 11, 20)).holiday is not None  # still a holiday, open
        calendar.clear_day(s, org.id, date(2026, 11, 20))
        assert _context(s, org).slot_problem(banho, at(20, 10)) == "holiday"
        orgs.save_settings(org, orgs.settings_of(org).change(open_holidays=["consciencia negra"]))
        assert _context(s, org).slot_problem(banho, at(20, 10)) is None
    engine.dispose()


def test_state_holidays_and_the_week_with_breaks(db_url: str) -> None:
    assert holiday_on(date(2026, 7, 9), "BR", "SP") is not None  # Revolução Constitucionalista
    assert holiday_on(date(2026, 7, 9), "BR", "RJ") is None
    assert holiday_on(date(2026, 12, 25), "BR") == "Natal"
    engine = make_engine(db_url)
    with transaction(make_sessionmaker(engine)) as s:
        org, _ = _shop(s)
        week = calendar.week(s, org.id)
        assert sorted(week) == [0, 1, 2, 3, 4]
        assert week[0] == WorkDay(time(8), time(18), LUNCH)
        calendar.set_day_hours(s, org.id, 5, WorkDay(time(8), time(12)))
        calendar.set_day_hours(s, org.id, 0, None)
        assert sorted(calendar.week(s, org.id)) == [1, 2, 3, 4, 5]
        with pytest.raises(InvalidInput):
            calendar.set_day_hours(s, org.id, 1, WorkDay(time(8), time(18), ((time(7), time(9)),)))
        with pytest.raises(InvalidInput):
            WorkDay(time(18), time(8)).spans()
    engine.dispose()


def test_a_holiday_and_a_lunch_break_are_refused_in_conversation(
    db_url: str, tmp_path: Path
) -> None:
    def lunch(session: Session, org: Organization) -> None:
        day = WorkDay(time(8), time(18), LUNCH)
        week = {weekday: day for weekday in range(5)} | {5: WorkDay(time(8), time(12))}
        calendar.set_week(session, org.id, week)

    runtime = demo_runtime(db_url, tmp_path, prepare=lunch)
    try:
        rita = Customer(runtime, "demo", "+5511999990302")
        reply = rita.say("quero agendar um banho dia 25/12 às 10h")
        assert words.SLOT_PROBLEM["holiday"] in reply
        assert "próximo horário livre" in reply  # and the next free time is offered
        rui = Customer(runtime, "demo", "+5511999990303")
        reply = rui.say("quero agendar um banho amanhã às 12h30")
        assert words.SLOT_PROBLEM["break"] in reply
        assert "13:00" in reply and "11:00" in reply and "12:00" not in reply
    finally:
        runtime.close()
