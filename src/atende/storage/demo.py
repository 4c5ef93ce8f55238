"""The demo pet shop that `atende init --demo` creates."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from atende.storage import orgs
from atende.storage.models import Organization

DEMO_SLUG = "demo"
DEMO_SERVICES = [
    ("Banho", Decimal("60.00"), 60),
    ("Tosa", Decimal("70.00"), 60),
    ("Banho e tosa", Decimal("110.00"), 90),
    ("Consulta veterinária", Decimal("150.00"), 30),
    ("Vacinação", Decimal("90.00"), 30),
]
WEEKDAY_HOURS = [(d, time(8), time(18)) for d in range(5)] + [(5, time(8), time(12))]


DEMO_FAQ = str(Path(__file__).with_name("demo_faq.md"))


def create_demo(session: Session) -> Organization:
    org = orgs.create_org(session, DEMO_SLUG, "Pet Shop Amigo Fiel", "America/Sao_Paulo")
    for name, price, minutes in DEMO_SERVICES:
        orgs.add_service(session, org.id, name, price, minutes)
    orgs.set_opening_hours(session, org.id, WEEKDAY_HOURS)
    orgs.add_channel(session, org.id, "simulator", "simulator", {})
    return org
