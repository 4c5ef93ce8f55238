"""Resources as the unit of capacity: N capable resources take N bookings of one time and
no more, under concurrency, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from atende.domain.entities import Busy, OpeningInterval, ResourceInfo, ServiceInfo
from atende.domain.opening import Calendar
from atende.domain.slots import free_slots, pick_resource
from atende.errors import InvalidInput, NotFound, SlotTaken
from atende.storage import bookings, orgs, resources
from atende.storage.db import make_engine, make_sessionmaker, transaction
from atende.storage.models import Booking, Contact
from tests.support.dialogue import TZ, next_weekday


@dataclass
class Shop:
    sessions: sessionmaker[Session]
    org_id: int
    services: dict[str, int]
    resources: dict[str, int]
    contacts: list[int]


def _shop(db_url: str, stations: int = 3, cleanup: int = 0) -> Shop:
    """Banho on ``stations`` bath stations; Consulta and Vacinação on one vet."""
    sessions = make_sessionmaker(make_engine(db_url))
    with transaction(sessions) as s:
        org = orgs.create_org(s, "parallel", "Parallel Pets")
        add = orgs.add_service
        banho = add(
            s, org.id, "Banho", Decimal("60"), 60, own_resource=False, cleanup_minutes=cleanup
        )
        consulta = add(s, org.id, "Consulta", Decimal("150"), 30, own_resource=False)
        vacina = add(s, org.id, "Vacinação", Decimal("90"), 30, own_resource=False)
        made = {
            f"Banho {n}": resources.add_resource(s, org.id, f"Banho {n}", [banho.id]).id
            for n in range(1, stations + 1)
        }
        made["Dra. Paula"] = resources.add_resource(
            s, org.id, "Dra. Paula", [consulta.id, vacina.id], "person"
        ).id
        contacts = []
        for n in range(stations + 3):
            contact = Contact(organization_id=org.id, phone=f"+55119999902{n:02d}")
            s.add(contact)
            s.flush()
            contacts.append(contact.id)
        ids = {"Banho": banho.id, "Consulta": consulta.id, "Vacinação": vacina.id}
        return Shop(sessions, org.id, ids, made, contacts)


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(next_weekday(0), time(hour, minute), tzinfo=TZ)


def _race(db_url: str, shop: Shop, service: str, starts: list[datetime]) -> list[str]:
    """Everyone books at once, each thread on its own engine (as separate workers would)."""
    outcomes: list[str] = []
    barrier = threading.Barrier(len(starts))

    def attempt(n: int) -> None:
        engine = make_engine(db_url)
        try:
            barrier.wait()
            with transaction(make_sessionmaker(engine)) as s:
                made = bookings.book(
                    s, shop.org_id, shop.contacts[n], shop.services[service], None, starts[n]
                )
                outcomes.append(f"booked:{made.resource_id}")
        except SlotTaken:
            outcomes.append("taken")
        finally:
            engine.dispose()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(len(starts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_n_plus_one_concurrent_bookings_with_n_resources_let_exactly_n_win(db_url: str) -> None:
    shop = _shop(db_url, stations=3)
    outcomes = _race(db_url, shop, "Banho", [_at(10)] * 4)
    won = sorted(o for o in outcomes if o.startswith("booked"))
    assert outcomes.count("taken") == 1 and len(won) == 3
    stations = sorted(shop.resources[f"Banho {n}"] for n in (1, 2, 3))
    assert won == sorted(f"booked:{r}" for r in stations)  # one per station
    with shop.sessions() as s:
        assert len(s.scalars(select(Booking)).all()) == 3


def test_a_service_only_one_resource_does_is_serialized(db_url: str) -> None:
    shop = _shop(db_url)
    # six customers, overlapping starts (0, 5, ..., 25 min) for a 30-minute consultation
    outcomes = _race(db_url, shop, "Consulta", [_at(10, 5 * i) for i in range(6)])
    assert outcomes.count("taken") == 5
    with shop.sessions() as s:
        assert len(s.scalars(select(Booking)).all()) == 1


def test_a_resource_is_held_across_its_services_and_never_double_booked(db_url: str) -> None:
    shop = _shop(db_url, stations=2)
    with transaction(shop.sessions) as s:
        book = bookings.book
        first = book(s, shop.org_id, shop.contacts[0], shop.services["Banho"], None, _at(10))
        second = book(s, shop.org_id, shop.contacts[1], shop.services["Banho"], None, _at(10))
        # the first capable free resource, in a fixed order
        assert (first.resource_id, second.resource_id) == (
            shop.resources["Banho 1"],
            shop.resources["Banho 2"],
        )
        vet = book(s, shop.org_id, shop.contacts[2], shop.services["Consulta"], None, _at(10))
        assert vet.resource_id == shop.resources["Dra. Paula"]
    with pytest.raises(SlotTaken), transaction(shop.sessions) as s:  # the vet, other service
        bookings.book(
            s, shop.org_id, shop.contacts[3], shop.services["Vacinação"], None, _at(10, 15)
        )
    with pytest.raises(SlotTaken), transaction(shop.sessions) as s:  # asked: Banho 1, busy
        bookings.book(
            s,
            shop.org_id,
            shop.contacts[3],
            shop.services["Banho"],
            None,
            _at(10, 30),
            resource_id=shop.resources["Banho 1"],
        )
    with transaction(shop.sessions) as s:
        bookings.cancel(s, shop.org_id, second.id)
        asked = bookings.book(
            s,
            shop.org_id,
            shop.contacts[3],
            shop.services["Banho"],
            None,
            _at(10, 30),
            resource_id=shop.resources["Banho 2"],
        )
        assert asked.resource_id == shop.resources["Banho 2"]


def test_a_resource_that_cannot_do_the_service_or_no_resource_at_all(db_url: str) -> None:
    shop = _shop(db_url, stations=1)
    with pytest.raises(InvalidInput), transaction(shop.sessions) as s:
        bookings.book(
            s,
            shop.org_id,
            shop.contacts[0],
            shop.services["Banho"],
            None,
            _at(10),
            resource_id=shop.resources["Dra. Paula"],
        )
    with pytest.raises(NotFound), transaction(shop.sessions) as s:
        bookings.book(s, shop.org_id, shop.contacts[0], 999_999, None, _at(10))
    with pytest.raises(SlotTaken), transaction(shop.sessions) as s:
        hotel = orgs.add_service(s, shop.org_id, "Hotel", Decimal("80"), 60, own_resource=False)
        bookings.book(s, shop.org_id, shop.contacts[0], hotel.id, None, _at(10))
    with transaction(shop.sessions) as s:  # by default a new service gets its own resource
        creche = orgs.add_service(s, shop.org_id, "Creche", Decimal("50"), 60)
        made = bookings.book(s, shop.org_id, shop.contacts[0], creche.id, None, _at(10))
        own = resources.resource_named(s, shop.org_id, "Creche")
        assert own is not None and made.resource_id == own.id


def test_the_cleanup_gap_keeps_the_resource_free_after_each_appointment(db_url: str) -> None:
    shop = _shop(db_url, stations=1, cleanup=15)
    with transaction(shop.sessions) as s:
        made = bookings.book(
            s, shop.org_id, shop.contacts[0], shop.services["Banho"], None, _at(10)
        )
        assert made.ends_at == _at(11) and made.held_until == _at(11, 15)
    with pytest.raises(SlotTaken), transaction(shop.sessions) as s:
        bookings.book(s, shop.org_id, shop.contacts[1], shop.services["Banho"], None, _at(11))
    with pytest.raises(SlotTaken), transaction(shop.sessions) as s:  # its cleanup would hit 10h
        bookings.book(s, shop.org_id, shop.contacts[1], shop.services["Banho"], None, _at(8, 50))
    with transaction(shop.sessions) as s:
        bookings.book(s, shop.org_id, shop.contacts[1], shop.services["Banho"], None, _at(11, 15))


def test_the_database_refuses_overlapping_rows_that_bypass_book(db_url: str) -> None:
    """The last line of defence, for a writer that does not go through ``book``."""
    shop = _shop(db_url, stations=1)
    with transaction(shop.sessions) as s:
        made = bookings.book(
            s, shop.org_id, shop.contacts[0], shop.services["Banho"], None, _at(10)
        )
        row = {
            "organization_id": shop.org_id,
            "service_id": shop.services["Banho"],
            "resource_id": made.resource_id,
        }
    with pytest.raises(IntegrityError), transaction(shop.sessions) as s:  # same start
        s.add(
            Booking(
                contact_id=shop.contacts[1],
                starts_at=_at(10),
                ends_at=_at(11),
                held_until=_at(11),
                **row,
            )
        )
        s.flush()
    if not db_url.startswith("postgresql"):
        return
    with pytest.raises(IntegrityError), transaction(shop.sessions) as s:  # overlapping
        s.add(
            Booking(
                contact_id=shop.contacts[1],
                starts_at=_at(10, 30),
                ends_at=_at(11, 30),
                held_until=_at(11, 30),
                **row,
            )
        )
        s.flush()


def _hhmm(moments: list[datetime]) -> str:
    return " ".join(f"{m:%H:%M}" for m in moments)


def test_free_slots_count_every_capable_resource() -> None:
    monday = next_weekday(0)
    banho = ServiceInfo(1, "Banho", Decimal("60"), 60, cleanup_minutes=30)
    first, second = (ResourceInfo(n, f"Banho {n}", "station", frozenset({1})) for n in (1, 2))
    stations = [second, first]  # tried by id whatever the order given
    calendar = Calendar(TZ, (OpeningInterval(0, time(8), time(12)),))
    now = datetime.combine(monday - timedelta(days=1), time(12), tzinfo=TZ)
    one = [Busy(_at(9), _at(10, 30), 1)]  # a bath 9:00-10:00 and its cleanup, on Banho 1
    both = [*one, Busy(_at(9), _at(10, 30), 2)]
    assert pick_resource(banho, _at(8), 60, stations, []) == first
    assert pick_resource(banho, _at(9), 60, stations, one) == second
    assert pick_resource(banho, _at(9), 60, stations, both) is None
    free = free_slots(banho, 60, monday, calendar, stations, one, now)
    assert _hhmm(free) == "08:00 08:30 09:00 09:30 10:00 10:30 11:00"
    # both held until 10:30; from 08:00 a bath would end at 09:00 and be cleaned until 09:30
    assert _hhmm(free_slots(banho, 60, monday, calendar, stations, both, now)) == "10:30 11:00"
