"""The agenda staff run, through the admin API on a real uvicorn: book for any customer
by phone, move and cancel — the customer told on WhatsApp through the normal outbound
path — block a resource's time, refuse changes that would orphan bookings (or resolve
them on request), validate every input, and log every change with who and when.

The suite's clock stands on Tuesday 2026-11-17 10:00 in São Paulo (the demo shop: two
bath stations, a groomer and a vet; weekdays 08–18, Saturday 08–12)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from atende.storage import orgs
from atende.storage.db import transaction
from atende.storage.models import Booking, Message, Organization, Pet, ResourceBlock
from tests.conftest import Shop

NEW = "+5511999990501"
WED = "2026-11-18"


def _ids(shop: Shop) -> dict[str, int]:
    got = shop.api("GET", "/api/resources").json()["items"]
    return {r["name"]: r["id"] for r in got}


def _service_id(shop: Shop, name: str) -> int:
    got = shop.api("GET", "/api/services").json()["items"]
    return next(s["id"] for s in got if s["name"] == name)


def _agenda_messages(shop: Shop) -> list[Message]:
    with shop.runtime.sessions() as s:
        return list(
            s.scalars(select(Message).where(Message.author == "agenda").order_by(Message.id))
        )


def _book(shop: Shop, **extra: Any) -> dict[str, Any]:
    body = {
        "phone": NEW,
        "name": "Carla Dias",
        "service": "Banho",
        "starts_at": f"{WED}T10:00:00",
        "pet": {"name": "Pipoca", "species": "cachorro", "breed": "poodle", "size": "P"},
        **extra,
    }
    answer = shop.api("POST", "/api/bookings", json=body)
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


@pytest.fixture
def staffed(shop_factory: Callable[..., Shop], db_url: str) -> Shop:
    shop = shop_factory(db_url)
    with transaction(shop.runtime.sessions) as s:
        shop.api_key = orgs.issue_api_key(s, shop.org_id, "recepcao")
        org = s.get(Organization, shop.org_id)
        assert org is not None  # customers who never wrote: outside the 24-hour window
        org.settings = {**org.settings, "templates": {"twilio": {"content_sid": "HX" + "a" * 32}}}
    return shop


def test_staff_book_move_and_cancel_and_the_customer_is_told(staffed: Shop) -> None:
    shop = staffed
    booked = _book(shop)
    assert booked["status"] == "booked" and booked["notice"] == "queued"
    assert booked["resource"] == "Banho 1" and booked["starts_at"] == f"{WED}T10:00:00-03:00"
    assert booked["price"] == "50.00"  # a small poodle: porte P
    with shop.runtime.sessions() as s:
        pet = s.scalars(select(Pet).where(Pet.name == "Pipoca")).one()
        assert (pet.species, pet.breed, pet.size) == ("cachorro", "poodle", "pequeno")
    moved = shop.api(
        "POST", f"/api/bookings/{booked['id']}/move", json={"starts_at": f"{WED}T15:00:00-03:00"}
    ).json()
    assert moved["id"] == booked["id"] and moved["starts_at"] == f"{WED}T15:00:00-03:00"
    quiet = shop.api(
        "POST", f"/api/bookings/{booked['id']}/move",
        json={"starts_at": f"{WED}T16:00:00-03:00", "notify": False},
    ).json()  # fmt: skip
    assert quiet["notice"] == "not_asked"
    cancelled = shop.api("POST", f"/api/bookings/{booked['id']}/cancel", json={}).json()
    assert cancelled["status"] == "cancelled" and cancelled["notice"] == "queued"
    rows = _agenda_messages(shop)
    assert [r.body.split("Pet Shop")[0] for r in rows] == [
        "Oi, Carla! Marcamos um horário de banho para Pipoca: amanhã (18/11) às 10:00 🐾 — ",
        "Oi, Carla! Seu horário de banho para Pipoca mudou: era amanhã (18/11) às 10:00, "
        "agora é amanhã (18/11) às 15:00 🐾 — ",
        "Oi, Carla! Cancelamos o horário de banho para Pipoca marcado para amanhã (18/11) "
        "às 16:00. Para marcar outro, é só responder aqui 🐾 — ",
    ]
    assert {r.direction for r in rows} == {"out"}
    shop.settle()  # the dispatcher sent them on WhatsApp (a template: the customer never wrote)
    sent = [m.form for m in shop.twilio.sent if m.form.get("To") == f"whatsapp:{NEW}"]
    assert len(sent) == 3 and all(f["ContentSid"].startswith("HX") for f in sent)
    log = shop.api("GET", "/api/audit?limit=3").json()
    assert [e["action"] for e in log["items"]] == ["booking.cancel", "booking.move", "booking.move"]
    assert {e["actor"] for e in log["items"]} == {"recepcao"}
    assert log["next"] is not None
    older = shop.api("GET", f"/api/audit?cursor={log['next']}").json()["items"]
    assert [e["action"] for e in older] == ["booking.create"]
    assert older[0]["details"]["phone"] == NEW


def test_staff_bookings_keep_to_the_calendar_and_the_resources(staffed: Shop) -> None:
    shop = staffed
    lunch = shop.api("POST", "/api/bookings", json={
        "phone": NEW, "service": "Banho", "starts_at": f"{WED}T19:00:00"})  # fmt: skip
    assert lunch.status_code == 409 and "outside opening hours" in lunch.json()["detail"]
    holiday = shop.api("POST", "/api/bookings", json={
        "phone": NEW, "service": "Banho", "starts_at": "2026-12-25T10:00:00"})  # fmt: skip
    assert holiday.status_code == 409 and "holiday" in holiday.json()["detail"]
    first, second = _book(shop), _book(shop, phone="+5511999990502")
    assert {first["resource"], second["resource"]} == {"Banho 1", "Banho 2"}
    third = shop.api("POST", "/api/bookings", json={
        "phone": "+5511999990503", "service": "Banho", "starts_at": f"{WED}T10:30:00"})  # fmt: skip
    assert third.status_code == 409 and "no resource" in third.json()["detail"]
    assert len(_agenda_messages(shop)) == 2  # a refused booking tells nobody


def test_a_block_makes_the_resource_busy(staffed: Shop) -> None:
    shop = staffed
    ids = _ids(shop)
    block = shop.api("POST", "/api/blocks", json={
        "resource_id": ids["Ana (tosadora)"], "starts_at": f"{WED}T09:00:00",
        "ends_at": f"{WED}T12:00:00", "note": "médico"})  # fmt: skip
    assert block.status_code == 201, block.text
    tosa = shop.api("POST", "/api/bookings", json={
        "phone": NEW, "service": "Tosa", "starts_at": f"{WED}T10:00:00"})  # fmt: skip
    assert tosa.status_code == 409  # Ana is the only groomer
    agenda = shop.api("GET", f"/api/agenda?day={WED}").json()["items"]
    assert [(e["kind"], e["resource"], e["note"]) for e in agenda] == [
        ("block", "Ana (tosadora)", "médico")
    ]
    both = _book(shop, service="Banho e tosa")  # a bath station can still do it
    assert both["resource"] == "Banho 1"
    over = shop.api("POST", "/api/blocks", json={
        "resource_id": ids["Banho 1"], "starts_at": f"{WED}T10:30:00",
        "ends_at": f"{WED}T11:00:00"})  # fmt: skip
    assert over.status_code == 409 and over.json()["bookings"] == [both["id"]]
    assert shop.api("DELETE", f"/api/blocks/{block.json()['id']}").status_code == 200
    assert _book(shop, service="Tosa", phone="+5511999990504")["resource"] == "Ana (tosadora)"
    with shop.runtime.sessions() as s:
        assert s.scalars(select(ResourceBlock)).all() == []


def test_changes_that_would_orphan_bookings_are_refused_or_resolved(staffed: Shop) -> None:
    shop = staffed
    ids = _ids(shop)
    booked = _book(shop)  # on Banho 1
    gone = shop.api("DELETE", f"/api/resources/{ids['Banho 1']}")
    assert gone.status_code == 409 and gone.json()["bookings"] == [booked["id"]]
    moved = shop.api("DELETE", f"/api/resources/{ids['Banho 1']}?move=true")
    assert moved.status_code == 200 and moved.json()["moved"] == [
        {"booking": booked["id"], "to": "Banho 2"}
    ]
    banho = _service_id(shop, "Banho")
    refused = shop.api("DELETE", f"/api/services/{banho}")
    assert refused.status_code == 409 and refused.json()["bookings"] == [booked["id"]]
    closed = shop.api("PUT", f"/api/special-days/{WED}", json={"closed": True})
    assert closed.status_code == 409 and closed.json()["bookings"] == [booked["id"]]
    lunch = shop.api("PUT", "/api/hours", json={"days": {"qua": "08-18 almoço 10-11"}})
    assert lunch.status_code == 409
    assert shop.api("GET", "/api/hours").json()["items"][2]["breaks"] == []  # unchanged
    assert _agenda_messages(shop)[1:] == []  # nobody told of what did not happen
    done = shop.api("PUT", f"/api/special-days/{WED}?cancel_bookings=true", json={"closed": True})
    assert done.status_code == 200
    with shop.runtime.sessions() as s:
        row = s.get(Booking, booked["id"])
        assert row is not None and row.status == "cancelled"
    assert "Cancelamos" in _agenda_messages(shop)[-1].body
    assert shop.api("DELETE", f"/api/services/{banho}").status_code == 200  # nothing left
    actions = [e["action"] for e in shop.api("GET", "/api/audit").json()["items"]]
    assert actions[:4] == ["service.remove", "special_day.set", "booking.cancel", "resource.remove"]


BAD = [
    ("POST", "/api/services", {"name": "Hidratação", "price": "-1", "duration": 30}),
    ("POST", "/api/services", {"name": "Hidratação", "price": "40", "duration": 0}),
    ("POST", "/api/services", {"name": "Hidratação", "price": "40", "duration": 30, "x": 1}),
    ("POST", "/api/services", {"name": "Hidratação", "price": "40", "duration": 30,
                               "by_size": [{"size": "enorme", "price": "50"}]}),
    ("POST", "/api/resources", {"name": "", "does": ["Banho"]}),
    ("POST", "/api/resources", {"name": "Banho 3", "kind": "robot", "does": ["Banho"]}),
    ("PUT", "/api/hours", {"days": {"qua": {"open": "18:00", "close": "08:00"}}}),
    ("PUT", "/api/hours", {"days": {"xyz": "08-18"}}),
    ("PUT", "/api/hours", {"days": {"qua": "08-18 almoço 19-20"}}),
    ("PUT", "/api/special-days/2026-12-24", {"closed": True, "hours": ["08-12"]}),
    ("PATCH", "/api/calendar", {"horizon_days": 0}),
    ("POST", "/api/bookings", {"phone": NEW, "service": "Banho"}),
    ("POST", "/api/bookings", {"phone": NEW, "service": "Banho", "starts_at": "amanhã"}),
    ("POST", "/api/blocks", {"resource_id": 1, "starts_at": f"{WED}T10:00:00"}),
    ("GET", "/api/agenda?days=40", None),
    ("GET", "/api/audit?limit=500", None),
]  # fmt: skip


def test_bad_input_is_a_4xx_that_changes_nothing(staffed: Shop) -> None:
    shop = staffed
    before = shop.api("GET", "/api/shop").json()
    for method, path, body in BAD:
        answer = shop.api(method, path, json=body)
        assert answer.status_code in (400, 422), (method, path, answer.status_code, answer.text)
        assert "detail" in answer.json()
    wrong = [
        ("PATCH", "/api/calendar", {"state": "XX"}),
        ("POST", "/api/resources", {"name": "Banho 3", "does": ["Massagem"]}),
        ("POST", "/api/bookings", {"phone": "abc", "service": "Banho",
                                   "starts_at": f"{WED}T10:00:00"}),
    ]  # fmt: skip
    for method, path, body in wrong:
        answer = shop.api(method, path, json=body)
        assert answer.status_code in (400, 404), (path, answer.text)
    assert shop.api("GET", "/api/shop").json() == before
    assert shop.api("GET", "/api/audit").json()["items"] == []


def test_the_shop_through_the_api(staffed: Shop) -> None:
    shop = staffed
    body = {
        "name": "Hidratação",
        "price": "40",
        "duration": 30,
        "gender": "f",
        "by_size": [{"size": "G", "price": "55", "duration": 45}],
        "done_by": ["Banho 2"],
    }
    added = shop.api("POST", "/api/services", json=body)
    assert added.status_code == 201, added.text
    detail = added.json()
    assert detail["by_size"] == [
        {"size": "grande", "coat": None, "price": "55.00", "duration": 45}
    ] and detail["done_by"] == ["Banho 2"]
    patched = shop.api("PATCH", f"/api/services/{detail['id']}", json={"price": "45,00"})
    assert patched.status_code == 422  # a JSON decimal, not "45,00"
    patched = shop.api("PATCH", f"/api/services/{detail['id']}", json={"price": "45", "cleanup": 5})
    assert patched.json()["price"] == "45.00" and patched.json()["cleanup"] == 5
    listed = shop.api("GET", "/api/services").json()["items"]
    assert any(s["name"] == "Hidratação" for s in listed)
    week = shop.api("PUT", "/api/hours", json={
        "days": {"sab": {"open": "08:00", "close": "14:00", "breaks": ["11:00-11:30"]},
                 "dom": None}}).json()["items"]  # fmt: skip
    assert week[5] == {"weekday": "sab", "closed": False, "open": "08:00", "close": "14:00",
                       "breaks": ["11:00-11:30"]}  # fmt: skip
    assert week[0]["open"] == "08:00" and week[6]["closed"]
    cal = shop.api("PATCH", "/api/calendar", json={"min_notice_minutes": 60, "open_holidays": []})
    assert cal.json()["min_notice_minutes"] == 60 and cal.json()["state"] == "SP"
    holidays = shop.api("GET", "/api/holidays?year=2026").json()["items"]
    assert {"date": "2026-11-20", "name": "Dia Nacional de Zumbi e da Consciência Negra",
            "open": False} in holidays  # fmt: skip
    day = shop.api(
        "PUT", "/api/special-days/2026-12-24", json={"hours": ["08-12"], "note": "Véspera"}
    )
    assert day.json()["hours"] == ["08:00-12:00"]
    assert shop.api("GET", "/api/special-days").json()["items"][0]["date"] == "2026-12-24"
    again = shop.api("PUT", "/api/shop", json=shop.api("GET", "/api/shop").json())
    assert again.json() == {"changes": []}  # the shop file through the API: idempotent


def test_a_service_named_like_a_removed_one_and_an_active_one_is_a_conflict(
    staffed: Shop,
) -> None:
    """'Hidratação' removed, 'hidratação' added: a third 'hidratação' is a 409 naming it,
    never a 500 from reviving the removed one under the active one's name."""
    shop = staffed
    body = {"price": "40", "duration": 30}
    first = shop.api("POST", "/api/services", json={"name": "Hidratação", **body}).json()["id"]
    assert shop.api("DELETE", f"/api/services/{first}").status_code == 200
    assert shop.api("POST", "/api/services", json={"name": "hidratação", **body}).status_code == 201
    again = shop.api("POST", "/api/services", json={"name": "hidratação", **body})
    assert again.status_code == 409 and "hidratação" in again.json()["detail"]
    names = [s["name"] for s in shop.api("GET", "/api/services").json()["items"]]
    assert names.count("hidratação") == 1 and "Hidratação" not in names
    spaced = {"name": "Tosa  higiênica", **body}  # blanks inside a name: one service still
    assert shop.api("POST", "/api/services", json=spaced).status_code == 201
    assert shop.api("POST", "/api/services", json=spaced).status_code == 409
    station = {"name": "Banho  3", "does": ["Banho"]}  # the same for resources
    assert shop.api("POST", "/api/resources", json=station).status_code == 201
    assert shop.api("POST", "/api/resources", json=station).status_code == 409
