"""The demo pet shop that `atende init --demo` creates."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from atende.domain.grammar import Gender
from atende.storage import followups, orgs
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


DEMO_FAQ = str(Path(__file__).with_name("demo_faq.md"))


def create_demo(session: Session) -> Organization:
    org = orgs.create_org(session, DEMO_SLUG, "Pet Shop Amigo Fiel", "America/Sao_Paulo")
    settings = orgs.settings_of(org)
    orgs.save_settings(
        org, settings.change(emergency_phone=DEMO_EMERGENCY_PHONE, address=DEMO_ADDRESS)
    )
    for name, price, minutes, gender, plural in DEMO_SERVICES:
        orgs.add_service(session, org.id, name, price, minutes, gender, plural)
    for name, days in DEMO_RETURN_DAYS.items():
        followups.set_return_days(session, org.id, name, days)
    orgs.set_opening_hours(session, org.id, WEEKDAY_HOURS)
    orgs.add_channel(session, org.id, "simulator", "simulator", {})
    return org
