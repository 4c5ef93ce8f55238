"""Prices and durations by size (porte) and coat, the breed → size table, and what a
booking takes from them."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from atende.brain.dialogue import catalogue as words
from atende.domain.entities import ServiceInfo, SizeRule
from atende.domain.pricing import duration_for, hold_minutes, price_for, quote, varies
from atende.domain.sizes import parse_coat, parse_size, pet_size, size_for_breed
from atende.storage import bookings, catalog, orgs
from atende.storage.db import make_engine, make_sessionmaker, transaction
from atende.storage.demo import create_demo
from atende.storage.models import Booking, Contact, Service
from tests.support.dialogue import TZ, next_weekday

D = Decimal
BANHO = ServiceInfo(
    1,
    "Banho",
    D("60"),
    60,
    rules=(
        SizeRule("pequeno", None, D("50")),
        SizeRule("medio", None, D("60")),
        SizeRule("grande", None, D("80"), 90),
        SizeRule("grande", "longo", D("95"), 120),
        SizeRule(None, "longo", D("70")),
    ),
)
CONSULTA = ServiceInfo(2, "Consulta", D("150"), 30)


def test_the_most_specific_rule_wins_and_the_default_fills_in() -> None:
    assert price_for(BANHO, "pequeno") == D("50")
    assert price_for(BANHO, "grande", "curto") == D("80")  # size rule, coat does not matter
    assert price_for(BANHO, "grande", "longo") == D("95")  # size and coat
    assert price_for(BANHO, "pequeno", "longo") == D("50")  # a size beats a coat
    assert price_for(BANHO, "gigante", "longo") == D("70")  # only the coat rule matches
    assert price_for(BANHO, "mini") == D("60")  # no rule: the service's default
    assert price_for(BANHO, None) == D("60")
    assert duration_for(BANHO, "grande") == 90 and duration_for(BANHO, "grande", "longo") == 120
    assert duration_for(BANHO, "pequeno") == 60  # the rule sets a price only
    assert price_for(CONSULTA, "gigante", "longo") == D("150")


def test_an_unknown_size_quotes_from_the_lowest_and_holds_the_longest() -> None:
    assert quote(BANHO) == quote(BANHO, None, None)
    assert quote(BANHO).amount == D("50") and quote(BANHO).from_lowest
    assert quote(BANHO, "grande", "longo").amount == D("95")
    assert not quote(BANHO, "grande", "longo").from_lowest
    # the coat unknown: a grande pays 80 or 95
    assert quote(BANHO, "grande") == quote(BANHO, "grande", None)
    assert quote(BANHO, "grande").amount == D("80") and quote(BANHO, "grande").from_lowest
    assert not quote(CONSULTA).from_lowest and quote(CONSULTA).amount == D("150")
    assert hold_minutes(BANHO) == 120 and hold_minutes(BANHO, "pequeno", "curto") == 60
    assert hold_minutes(CONSULTA) == 30
    assert varies(BANHO) and not varies(CONSULTA)


def test_quote_text_says_a_partir_de_only_when_prices_vary() -> None:
    assert words.quote_text(quote(BANHO)) == "a partir de R$ 50,00"
    assert words.quote_text(quote(BANHO, "pequeno", "curto")) == "R$ 50,00"
    assert words.quote_text(quote(CONSULTA)) == "R$ 150,00"


@pytest.mark.parametrize(
    ("breed", "size"),
    [
        ("Shih-tzu", "pequeno"),
        ("shih tzu", "pequeno"),
        ("shitzu", "pequeno"),
        ("shitsu", "pequeno"),  # typo
        ("Yorkshire", "mini"),
        ("yorkshere", "mini"),  # typo
        ("golden", "grande"),
        ("goldem", "grande"),  # typo
        ("Golden Retriever", "grande"),
        ("labrador", "grande"),
        ("vira-lata", "medio"),
        ("SRD", "medio"),
        ("poodle", "pequeno"),
        ("poodel", "pequeno"),  # typo
        ("poodle toy", "mini"),
        ("Poodle gigante", "grande"),
        ("pinsher", "mini"),
        ("Lulu da Pomerânia", "mini"),
        ("Buldogue francês", "pequeno"),
        ("rotweiler", "grande"),
        ("São Bernardo", "gigante"),
        ("daschund", "pequeno"),  # typo
        ("mistura de poodle", "pequeno"),
        ("caramelo", "medio"),
        ("não sei", None),
        ("", None),
        ("Tulipa", None),
    ],
)
def test_breed_to_size_is_forgiving(breed: str, size: str | None) -> None:
    assert size_for_breed(breed) == size


def test_only_dogs_have_a_breed_size_and_a_stored_size_wins() -> None:
    assert size_for_breed("persa", "gato") is None
    assert size_for_breed("SRD", "gata") is None
    assert size_for_breed("poodle", "cachorro") == "pequeno"
    assert size_for_breed("poodle", "cadela") == "pequeno"
    assert pet_size("grande", "poodle", "cachorro") == "grande"  # the customer corrected it
    assert pet_size(None, "poodle", "cachorro") == "pequeno"
    assert pet_size("enorme", "poodle", "cachorro") == "pequeno"  # unreadable: the breed


def test_size_and_coat_words() -> None:
    assert parse_size("porte P") == "pequeno" and parse_size("é médio") == "medio"
    assert parse_size("G") == "grande" and parse_size("gigante") == "gigante"
    assert parse_size("pequeno ou médio") is None and parse_size("oi") is None
    assert parse_coat("pelo longo") == "longo" and parse_coat("curtinho") is None


def test_a_booking_takes_its_duration_and_price_from_the_pet(db_url: str) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    monday = datetime.combine(next_weekday(0), time(9), tzinfo=TZ)
    with transaction(sessions) as s:
        org = orgs.create_org(s, "tosa", "Tosa & Cia")
        banho = orgs.add_service(s, org.id, "Banho", D("60"), 60)
        catalog.set_size_price(s, org.id, banho.id, "pequeno", price=D("50"))
        catalog.set_size_price(s, org.id, banho.id, "grande", price=D("80"), duration_minutes=90)
        catalog.set_size_price(s, org.id, banho.id, "grande", price=D("85"), duration_minutes=90)
        client = Contact(organization_id=org.id, phone="+5511999990101")
        s.add(client)
        s.flush()
        thor = catalog.register_pet(s, org.id, client.id, "Thor", "cachorro", "golden")
        mel = catalog.register_pet(s, org.id, client.id, "Mel", "cachorro", "shih tzu")
        nina = catalog.register_pet(s, org.id, client.id, "Nina", "gato", "persa")
        big = bookings.book(s, org.id, client.id, banho.id, thor.id, monday)
        small = bookings.book(s, org.id, client.id, banho.id, mel.id, monday + timedelta(hours=2))
        cat = bookings.book(s, org.id, client.id, banho.id, nina.id, monday + timedelta(hours=4))
        assert (big.ends_at - big.starts_at, big.price) == (timedelta(minutes=90), D("85"))
        assert (small.ends_at - small.starts_at, small.price) == (timedelta(minutes=60), D("50"))
        # a cat has no breed size: it holds the longest a bath may take, priced at the default
        assert (cat.ends_at - cat.starts_at, cat.price) == (timedelta(minutes=90), D("60"))
        assert catalog.set_size(s, org.id, nina.id, "pequeno", "longo")
        info = catalog.service_by_id(s, org.id, banho.id)
        assert info is not None and len(info.rules) == 2  # the second grande rule replaced
    with sessions() as s:
        pet = catalog.pets_of(s, org.id, client.id)[2]
        assert catalog.measure(pet) == ("pequeno", "longo")
        stored = s.scalars(select(Booking).order_by(Booking.id)).all()
        assert [b.price for b in stored] == [D("85"), D("50"), D("60")]
    engine.dispose()


def test_the_demo_shop_prices_baths_and_trims_by_size(db_url: str) -> None:
    engine = make_engine(db_url)
    with transaction(make_sessionmaker(engine)) as s:
        org = create_demo(s)
        by_name = {x.name: x for x in catalog.services(s, org.id)}
        banho, tosa = by_name["Banho"], by_name["Tosa"]
        assert [price_for(banho, z) for z in ("pequeno", "medio", "grande")] == [
            D("50.00"),
            D("60.00"),
            D("80.00"),
        ]
        assert price_for(banho, "grande", "longo") == D("90.00")
        assert price_for(tosa, "mini") < price_for(tosa, "gigante")
        assert words.quote_text(quote(banho)) == "a partir de R$ 45,00"
        assert banho.price == D("60.00") and not varies(by_name["Consulta veterinária"])
        # durations do not vary in the demo: the same slots as before sizes existed
        assert hold_minutes(banho) == 60
        assert s.scalar(select(Service.cleanup_minutes).where(Service.id == banho.id)) == 0
    engine.dispose()
