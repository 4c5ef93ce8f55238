"""The demo pet shop that `atende init --demo` creates."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from atende.domain.grammar import Gender
from atende.storage import catalog, followups, orgs, resources
from atende.storage.models import Organization

DEMO_SLUG = "demo"
DEMO_SERVICES: list[tuple[str, Decimal, int, Gender, bool]] = [
    ("Banho", Decimal("60.00"), 60, "m", False),
    ("Tosa", Decimal("70.00"), 60, "f", False),
    ("Banho e tosa", Decimal("110.00"), 90, "m", False),
    ("Consulta veterinária", Decimal("150.00"), 30, "f", False),
    ("Vacinação", Decimal("90.00"), 30, "f", False),
]
# days after a visit when a pet is due again: the follow-ups (Consulta: none)
DEMO_RETURN_DAYS = {"Banho": 15, "Tosa": 30, "Banho e tosa": 30, "Vacinação": 365}
DEMO_EMERGENCY_PHONE = "+551133334444"  # a landline in São Paulo (fictional)
DEMO_ADDRESS = "Rua das Acácias, 123 - Vila Mariana, São Paulo - SP"
WEEKDAY_HOURS = [(d, time(8), time(18)) for d in range(5)] + [(5, time(8), time(12))]
# who does what: two bath stations, a groomer and a vet, each one appointment at a time
# (a bath-and-trim goes to a free bath station or to the groomer)
DEMO_RESOURCES: list[tuple[str, str, list[str]]] = [
    ("Banho 1", "station", ["Banho", "Banho e tosa"]),
    ("Banho 2", "station", ["Banho", "Banho e tosa"]),
    ("Ana (tosadora)", "person", ["Tosa", "Banho e tosa"]),
    ("Dra. Paula (veterinária)", "person", ["Consulta veterinária", "Vacinação"]),
]
# prices by size (porte); the service's own price (the médio one) stays the default
DEMO_SIZE_PRICES: dict[str, dict[str, Decimal]] = {
    "Banho": {
        "mini": Decimal("45.00"),
        "pequeno": Decimal("50.00"),
        "medio": Decimal("60.00"),
        "grande": Decimal("80.00"),
        "gigante": Decimal("100.00"),
    },
    "Tosa": {
        "mini": Decimal("55.00"),
        "pequeno": Decimal("60.00"),
        "medio": Decimal("70.00"),
        "grande": Decimal("90.00"),
        "gigante": Decimal("110.00"),
    },
}
DEMO_LONG_COAT = {"Banho": {"grande": Decimal("90.00"), "gigante": Decimal("115.00")}}
DEMO_STATE = "SP"
# closed on holidays, except the one much of São Paulo's commerce works on
DEMO_OPEN_HOLIDAYS = ["Consciência Negra"]


DEMO_FAQ = str(Path(__file__).with_name("demo_faq.md"))


def create_demo(session: Session) -> Organization:
    org = orgs.create_org(session, DEMO_SLUG, "Pet Shop Amigo Fiel", "America/Sao_Paulo")
    settings = orgs.settings_of(org)
    orgs.save_settings(
        org,
        settings.change(
            emergency_phone=DEMO_EMERGENCY_PHONE,
            address=DEMO_ADDRESS,
            state=DEMO_STATE,
            open_holidays=DEMO_OPEN_HOLIDAYS,
        ),
    )
    ids = {}
    for name, price, minutes, gender, plural in DEMO_SERVICES:
        service = orgs.add_service(
            session, org.id, name, price, minutes, gender, plural, own_resource=False
        )
        ids[name] = service.id
    for resource, kind, does in DEMO_RESOURCES:
        resources.add_resource(session, org.id, resource, [ids[s] for s in does], kind)
    for service_name, by_size in DEMO_SIZE_PRICES.items():
        for size, amount in by_size.items():
            catalog.set_size_price(session, org.id, ids[service_name], size, price=amount)
    for service_name, by_size in DEMO_LONG_COAT.items():
        for size, amount in by_size.items():
            catalog.set_size_price(session, org.id, ids[service_name], size, "longo", amount)
    for name, days in DEMO_RETURN_DAYS.items():
        followups.set_return_days(session, org.id, name, days)
    orgs.set_opening_hours(session, org.id, WEEKDAY_HOURS)
    orgs.add_channel(session, org.id, "simulator", "simulator", {})
    return org
