"""The front desk in conversation, through the real pipeline: prices by size ("a partir
de" while the size is unknown, the pet's size's price in the confirmation, the size asked
once and stored), a professional asked for by name, the hours of a holiday, and a moved
booking counted as a reschedule in the owner's figures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from atende.brain.owner import insights
from atende.runtime import Runtime
from atende.storage import bookings, resources
from atende.storage.db import transaction
from atende.storage.models import Booking, Contact, Organization, Pet
from atende.storage.types import utcnow
from tests.conftest import demo_runtime
from tests.support.dialogue import TZ, Customer

ANA, BIA, CAIO = "+5511999990081", "+5511999990082", "+5511999990083"
OWNER = "+5511900000081"
TOMORROW = date(2026, 11, 18)  # the suite's Tuesday + 1, a Wednesday


def with_owner(session: object, org: Organization) -> None:
    org.owner_phones = [OWNER]


@pytest.fixture
def runtime(db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    rt = demo_runtime(db_url, tmp_path, with_owner)
    yield rt
    rt.close()


def customer(rt: Runtime, phone: str, pets: list[tuple[str, str, str]]) -> Customer:
    """A customer who wrote before, with (name, species, breed) pets."""
    who = Customer(rt, "demo", phone, "Ana Lima")
    who.say("oi")
    with transaction(rt.sessions) as s:
        contact = s.scalars(select(Contact).where(Contact.phone == phone)).one()
        for name, species, breed in pets:
            s.add(
                Pet(
                    organization_id=1,
                    contact_id=contact.id,
                    name=name,
                    species=species,
                    breed=breed,
                )
            )
    return who


def pet(rt: Runtime, name: str) -> Pet:
    with rt.sessions() as s:
        return s.scalars(select(Pet).where(Pet.name == name)).one()


def booked(rt: Runtime) -> list[Booking]:
    with rt.sessions() as s:
        return list(s.scalars(select(Booking).where(Booking.status == "booked")))


def test_a_quote_says_a_partir_de_with_the_price_of_each_size_until_the_pet_is_known(
    runtime: Runtime,
) -> None:
    ana = customer(runtime, ANA, [("Thor", "cachorro", "shih tzu")])
    unknown = ana.say("quanto custa o banho?")
    assert unknown.startswith(
        "Banho: a partir de R$ 45,00 (cerca de 1h) — por porte: mini R$ 45,00, "
        "pequeno R$ 50,00, médio R$ 60,00, grande R$ 80,00, gigante R$ 100,00."
    )
    known = ana.say("e quanto fica a tosa do Thor?")
    assert "Tosa para Thor (porte pequeno): R$ 60,00" in known and "a partir de" not in known
    flat = ana.say("e a consulta?")
    assert "Consulta veterinária: R$ 150,00" in flat and "a partir de" not in flat
    listed = ana.say("quais serviços vocês fazem?")
    assert "• Banho: a partir de R$ 45,00 (1h)" in listed
    assert "• Vacinação: R$ 90,00 (30 min)" in listed


def test_the_size_is_asked_once_when_the_breed_does_not_tell_and_is_stored(
    runtime: Runtime,
) -> None:
    ana = customer(runtime, ANA, [("Bob", "cachorro", "")])
    asked = ana.say("quero tosa pro Bob amanhã às 10h")
    assert asked == (
        "Qual o porte de Bob? *pequeno*, *médio* ou *grande* (o valor da tosa depende do porte) 🐾"
    )
    confirm = ana.say("grande")
    assert "Posso confirmar?" in confirm and "• R$ 90,00 (porte grande)" in confirm
    assert "Prontinho" in ana.say("sim")
    assert pet(runtime, "Bob").size == "grande"
    [first] = booked(runtime)
    assert first.price == Decimal("90.00")
    again = ana.say("quero outra tosa pro Bob dia 25/11 às 10h")  # known now: never again
    assert "Posso confirmar?" in again and "R$ 90,00 (porte grande)" in again


def test_an_unreadable_size_is_not_asked_again_and_a_cats_is_never_asked(
    runtime: Runtime,
) -> None:
    ana = customer(runtime, ANA, [("Bob", "cachorro", ""), ("Mimi", "gato", "")])
    assert "Qual o porte de Bob?" in ana.say("quero banho pro Bob amanhã às 10h")
    confirm = ana.say("não sei")
    assert "Posso confirmar?" in confirm
    assert "• a partir de R$ 45,00 (depende do porte)" in confirm
    assert "Prontinho" in ana.say("sim")
    assert pet(runtime, "Bob").size is None
    cat = ana.say("e uma tosa pra Mimi amanhã às 11h")
    assert cat.startswith("Posso confirmar?") and "• a partir de R$ 55,00\n" in cat


def test_a_professional_asked_for_by_name_is_the_one_booked(runtime: Runtime) -> None:
    ana = customer(runtime, ANA, [("Thor", "cachorro", "poodle")])
    confirm = ana.say("quero banho e tosa pro Thor amanhã às 10h com a Ana")
    assert "• com Ana (tosadora)" in confirm
    assert "Prontinho" in ana.say("sim")
    with runtime.sessions() as s:
        groomer = resources.resource_named(s, 1, "Ana (tosadora)")
        assert groomer is not None
    [done] = booked(runtime)
    assert done.resource_id == groomer.id  # though Banho 1, tried first, was free

    bia = customer(runtime, BIA, [("Mel", "cachorro", "poodle")])
    taken = bia.say("quero uma tosa pra Mel amanhã às 10h com a Ana")
    assert "Esse horário já está ocupado." in taken and "10:00" not in taken.split("\n", 1)[1]
    caio = customer(runtime, CAIO, [("Rex", "cachorro", "vira-lata")])
    wrong = caio.say("quero banho pro Rex amanhã às 15h com a Dra. Paula")
    assert wrong.startswith("Dra. Paula (veterinária) não faz o banho, então agendo com quem faz")
    assert "Posso confirmar?" in wrong and "• com" not in wrong


def test_the_hours_of_a_holiday_and_of_a_holiday_the_shop_works(runtime: Runtime) -> None:
    ana = customer(runtime, ANA, [])
    christmas = ana.say("vcs abrem dia 25/12?")
    assert christmas.startswith("Dia 25/12 é Natal e a loja fecha 🙂 Funcionamos: segunda a sexta")
    open_day = ana.say("e dia 20/11, abre?")
    assert (
        "Dia Nacional de Zumbi e da Consciência Negra, mas abrimos das 08:00 às 18:00" in open_day
    )
    plain = ana.say("e sábado, que horas abre?")
    assert "abrimos das 08:00 às 12:00" in plain


def test_a_moved_booking_is_a_reschedule_and_the_figures_show_occupancy_and_sizes(
    runtime: Runtime,
) -> None:
    ana = customer(runtime, ANA, [("Thor", "cachorro", "shih tzu")])
    assert "Posso confirmar?" in ana.say("quero banho pro Thor amanhã às 10h")
    ana.say("sim")
    asked = ana.say("quero remarcar o banho do Thor pra amanhã às 14h")
    assert "Posso remarcar?" in asked
    assert "remarcado" in ana.say("sim")
    with runtime.sessions() as s:
        rows = list(s.scalars(select(Booking).order_by(Booking.id)))
        assert [(b.status, b.moved_to_id) for b in rows] == [
            ("cancelled", rows[1].id),
            ("booked", None),
        ]
        figures = insights.figures(s, 1, "tomorrow", utcnow(), TZ)
    assert (figures.cancelled, figures.rescheduled, figures.upcoming) == (0, 1, 1)
    assert figures.by_size == [("pequeno", Decimal("50.00"))]
    assert figures.occupancy == [
        ("Banho 1", 10),  # one hour of ten
        ("Banho 2", 0),
        ("Ana (tosadora)", 0),
        ("Dra. Paula (veterinária)", 0),
    ]
    text = insights.figures_text(figures)
    assert "• cancelados: 0 · remarcados: 1 · faltas: 0" in text
    assert "• faturamento por porte: pequeno R$ 50,00" in text
    assert "• ocupação: Banho 1 10% · Banho 2 0%" in text

    owner = Customer(runtime, "demo", OWNER)
    assert "0 cancelamento(s) e 0 falta(s) (1 remarcado(s) à parte)" in owner.say(
        "quantos cancelamentos amanhã?"
    )
    assert "Ocupação amanhã: Banho 1 10%" in owner.say("como está a ocupação amanhã?")
    staff = bookings.move  # staff moving it again counts as one more reschedule, no cancel
    with transaction(runtime.sessions) as s:
        staff(s, 1, rows[1].id, datetime.combine(TOMORROW, time(16), TZ))
    with runtime.sessions() as s:
        again = insights.figures(s, 1, "tomorrow", utcnow(), TZ)
    assert (again.cancelled, again.rescheduled, again.upcoming) == (0, 2, 1)
    assert timedelta(0) < again.rows[-1].starts_at - datetime.combine(TOMORROW, time(8), TZ)
