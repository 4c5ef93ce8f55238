"""Phone numbers as providers send them and as people type them: one number, one form."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from atende.domain.phones import country_of, normalize_phone, normalize_typed_phone
from atende.errors import InvalidInput, InvalidPhone
from atende.storage import orgs
from atende.storage.db import transaction
from atende.storage.models import Contact, Organization
from tests.conftest import Shop

FULL_WIDTH = "+５５１１９９９９９０００１"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("whatsapp:+5511999990001", "+5511999990001"),
        ("WhatsApp:+14155550100", "+14155550100"),
        ("whatsapp:" + FULL_WIDTH, "+5511999990001"),  # full-width digits
        ("+٥٥١١٩٩٩٩٩٠٠٠١", "+5511999990001"),  # Arabic-Indic digits
        ("۵۵۱۱۹۹۹۹۹۰۰۰۱", "+5511999990001"),  # Extended Arabic-Indic, no '+'
        ("５５ (11) ９９９９９-０００１", "+5511999990001"),  # mixed, with punctuation
        ("5511999990001@s.whatsapp.net", "+5511999990001"),
        ("5511999990001:17@s.whatsapp.net", "+5511999990001"),  # a linked device
        ("5511999990001@c.us", "+5511999990001"),
        ("+55 (11) 99999-0001", "+5511999990001"),
        ("55 11 99999.0001", "+5511999990001"),  # digits alone are international
        ("551188889999", "+551188889999"),  # pre-ninth-digit mobile: kept, not "fixed"
        (" +351 912 345 678 ", "+351912345678"),
    ],
)
def test_provider_numbers(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "abc",
        "whatsapp:",
        "+5511999",  # too short for Brazil
        "+55119999900011234",  # too long
        "+999 1234 5678",  # no such country code
        "+1 800 FLOWERS",  # letters are not digits here
        "+55¹¹999990001",  # superscripts are not decimal digits
        "178204639925511@lid",  # a WhatsApp id that is not a phone number
        "120363025246125486@g.us",  # a group
        "++5511999990001",
    ],
)
def test_what_is_not_a_phone_number_is_refused(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


@pytest.mark.parametrize(
    ("typed", "region", "expected"),
    [
        ("(11) 90000-0000", "BR", "+5511900000000"),  # national mobile: gets +55
        ("11 3004-0001", "BR", "+551130040001"),  # national landline
        ("55 99123-4567", "BR", "+5555991234567"),  # area code 55 is still national
        ("(１１) ９００００-００００", "BR", "+5511900000000"),  # typed on a full-width keyboard
        ("+1 415 555 0100", "BR", "+14155550100"),  # '+' means international
        ("5511999990001", "BR", "+5511999990001"),  # with its country code: international
        ("(415) 555-0100", "US", "+14155550100"),
        ("912 345 678", "pt", "+351912345678"),  # the code in any case
        ("+55 11 99999-0001", "PT", "+5511999990001"),
    ],
)
def test_typed_numbers_take_the_organizations_country(
    typed: str, region: str, expected: str
) -> None:
    assert normalize_typed_phone(typed, region) == expected


def test_typed_numbers_default_to_brazil() -> None:
    assert normalize_typed_phone("(11) 90000-0000") == "+5511900000000"
    with pytest.raises(InvalidPhone):
        normalize_typed_phone("abc")


def test_an_unknown_country_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput, match="unknown country 'Brasil'"):
        normalize_typed_phone("11 3004-0001", "Brasil")


def test_an_organization_keeps_its_country(shop: Shop) -> None:
    with transaction(shop.runtime.sessions) as s:
        org = orgs.create_org(s, "lisboa", "Loja de Lisboa", "Europe/Lisbon", country="pt")
        assert country_of(org.settings) == "PT"
        assert normalize_typed_phone("912 345 678", country_of(org.settings)) == "+351912345678"
        demo = orgs.org_by_slug(s, "demo")
        assert demo is not None and country_of(demo.settings) == "BR"
        assert orgs.set_country(demo, "us") == "US" and country_of(demo.settings) == "US"
    with pytest.raises(InvalidInput), transaction(shop.runtime.sessions) as s:
        orgs.create_org(s, "nenhures", "Nenhures", country="ZZ")
    with shop.runtime.sessions() as s:
        assert s.scalar(select(Organization).where(Organization.slug == "nenhures")) is None
    assert country_of({}) == "BR"


def test_full_width_and_ascii_forms_of_one_number_make_one_contact(shop: Shop) -> None:
    assert shop.post_inbound("oi", phone=FULL_WIDTH).status_code == 200
    assert shop.post_inbound("vocês abrem sábado?", phone="+5511999990001").status_code == 200
    shop.settle()
    with shop.runtime.sessions() as s:
        phones = list(
            s.scalars(select(Contact.phone).where(Contact.organization_id == shop.org_id))
        )
    assert phones == ["+5511999990001"]
    bodies = [m.body for m in shop.messages_of("+5511999990001") if m.direction == "in"]
    assert bodies == ["oi", "vocês abrem sábado?"]
