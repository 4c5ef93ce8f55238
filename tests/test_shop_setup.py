"""A new shop set up without the demo — from the CLI or from a shop file — is answered
by the offline brain: prices by size, hours with the lunch break refused and the next
free time offered, a booking on the right resource. Before anything is entered the
customer is told the shop is being set up and a person is called. The shop file
round-trips, imports idempotently and a bad one changes nothing.

The suite's clock stands on Tuesday 2026-11-17 10:00 in São Paulo."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from atende.brain.dialogue import catalogue as words
from atende.cli import main
from atende.runtime import Runtime, build_runtime
from atende.storage import orgs
from atende.storage.db import make_engine, make_sessionmaker, transaction
from atende.storage.models import AuditEntry, Booking, Resource
from tests.conftest import settings_for
from tests.support.dialogue import TZ, Customer

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "shop.yaml"
WEDNESDAY = datetime(2026, 11, 18, tzinfo=TZ).date()  # "amanhã"

SETUP = [
    ["org", "create", "petfeliz", "--name", "Pet Feliz"],
    ["service", "add", "petfeliz", "Banho", "--price", "60", "--duration", "60",
     "--size", "P=50", "--size", "G=80:90", "--size", "G/longo=90", "--cleanup", "10"],
    ["service", "add", "petfeliz", "Tosa", "--price", "70", "--duration", "60", "--gender", "f"],
    ["resource", "add", "petfeliz", "Banho 1", "--does", "Banho"],
    ["resource", "add", "petfeliz", "Ana (tosadora)", "--kind", "person", "--does", "Tosa"],
    ["hours", "set", "petfeliz", "seg-sex 08-18 almoço 12-13", "sab 08-12", "dom fechado"],
    ["holidays", "petfeliz", "--state", "SP", "--open", "Consciência Negra"],
]  # fmt: skip


def cli(*args: str) -> int:
    return main(list(args))


@pytest.fixture
def db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ATENDE_DATABASE_URL", sqlite_url)
    return sqlite_url


def _simulator(url: str, slug: str) -> None:
    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as s:
        org = orgs.org_by_slug(s, slug)
        assert org is not None
        orgs.add_channel(s, org.id, "simulator", "simulator", {})
    engine.dispose()


@pytest.fixture
def runtime(db: str, tmp_path: Path) -> Iterator[Runtime]:
    assert cli("org", "create", "petfeliz", "--name", "Pet Feliz") == 0
    _simulator(db, "petfeliz")
    rt = build_runtime(settings_for(db, tmp_path, buffer_seconds=0))
    yield rt
    rt.close()


def _answered_correctly(runtime: Runtime) -> None:
    rui = Customer(runtime, "petfeliz", "+5511999990402", "Rui")
    prices = rui.say("quanto custa o banho?")
    assert "Banho: a partir de R$ 50,00" in prices  # priced by size: the lowest first
    assert "08:00" in rui.say("qual o horário de vocês?")
    refused = rui.say("quero agendar um banho amanhã às 12h30")
    assert words.SLOT_PROBLEM["break"] in refused
    assert "13:00" in refused and "12:30" not in refused.split("\n", 1)[1]
    assert "nome" in rui.say("às 13h")
    rui.say("Thor")
    rui.say("cachorro")
    assert "Posso confirmar?" in rui.say("shih-tzu")
    assert "Prontinho" in rui.say("sim")
    with runtime.sessions() as s:
        [booking] = s.scalars(select(Booking)).all()
        resource = s.get(Resource, booking.resource_id)
    assert booking.starts_at == datetime.combine(WEDNESDAY, time(13), tzinfo=TZ)
    assert resource is not None and resource.name == "Banho 1"
    assert booking.price == Decimal("50.00")  # a shih-tzu is pequeno


def test_a_shop_with_nothing_entered_says_so_and_calls_a_person(runtime: Runtime) -> None:
    maria = Customer(runtime, "petfeliz", "+5511999990401", "Maria")
    assert maria.say("oi, quanto custa o banho?") == words.SETTING_UP
    assert maria.conversation().state == "human"


def test_a_shop_set_up_from_the_cli_is_answered(
    runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("shop", "check", "petfeliz") == 1
    assert "missing: services, hours" in capsys.readouterr().out
    for args in SETUP[1:]:
        assert cli(*args) == 0, args
    assert cli("shop", "check", "petfeliz") == 0
    _answered_correctly(runtime)
    tosa_at = "2026-11-18 13:00"  # Ana does the grooming, while the bath station is busy
    assert cli("booking", "add", "petfeliz", "--phone", "11999990403", "--service", "Tosa",
               "--at", tosa_at, "--pet", "Mel", "--no-notify") == 0  # fmt: skip
    assert "resource: Ana (tosadora)" in capsys.readouterr().out


def test_a_shop_set_up_from_a_file_is_answered(
    runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("shop", "import", "petfeliz", str(EXAMPLE)) == 0
    out = capsys.readouterr().out
    assert "changed: service Banho: added" in out and "changed: weekly hours" in out
    _answered_correctly(runtime)
    assert cli("shop", "import", "petfeliz", str(EXAMPLE)) == 0  # the same file again
    assert "no changes" in capsys.readouterr().out
    with runtime.sessions() as s:
        imports = s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "shop.import")
        )
    assert imports == 1


def _export(slug: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert cli("shop", "export", slug) == 0
    return capsys.readouterr().out


def test_export_then_import_into_a_fresh_shop_gives_the_same_file(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("init", "--demo") == 0
    assert cli("closure", "add", "demo", "2026-12-24", "--hours", "08-12", "--note", "Véspera") == 0
    assert cli("closure", "add", "demo", "2026-11-20", "--open") == 0
    first = _export("demo", capsys)
    path = tmp_path / "demo.yaml"
    path.write_text(first, encoding="utf-8")
    assert cli("org", "create", "copia", "--name", "Cópia") == 0
    assert cli("shop", "import", "copia", str(path)) == 0
    assert _export("copia", capsys) == first
    assert cli("shop", "export", "copia", "-o", str(tmp_path / "again.yaml")) == 0
    assert (tmp_path / "again.yaml").read_text(encoding="utf-8") == first
    assert "Banho 2" in first and "grande" in first and "2026-12-24" in first


BAD_FILES = {
    "services[1].price": "services:\n- {name: Banho, price: 50, duration: 60}\n"
    "- {name: Tosa, price: -5, duration: 60}\n",
    "resources[0].does[0]": "services:\n- {name: Banho, price: 50, duration: 60}\n"
    "resources:\n- {name: Banho 1, does: [Tosa]}\n",
    "hours: ter": "hours:\n  ter: 08-18 almoço 19-20\n",
    "services[0].by_size[0].size": "services:\n- name: Banho\n  price: 50\n  duration: 60\n"
    "  by_size: [{size: enorme, price: 90}]\n",
    "special_days[0]": "special_days:\n- {date: 2026-12-24, closed: true, hours: [08-12]}\n",
    "calendar.state": "calendar: {state: XX}\n",
    "line 3": "services: [\n  - {name: Banho\n",
}


@pytest.mark.parametrize("where", list(BAD_FILES))
def test_a_bad_file_changes_nothing_and_says_where(
    where: str, db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("init", "--demo") == 0
    before = _export("demo", capsys)
    path = tmp_path / "bad.yaml"
    path.write_text("shop: {name: Outro nome}\n" + BAD_FILES[where], encoding="utf-8")
    assert cli("shop", "import", "demo", str(path)) == 2
    assert where in capsys.readouterr().err
    assert _export("demo", capsys) == before


def test_an_import_that_would_orphan_bookings_changes_nothing(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("init", "--demo") == 0
    assert cli("booking", "add", "demo", "--phone", "11999990404", "--service", "Tosa",
               "--at", "2026-11-18 10:00", "--no-notify") == 0  # fmt: skip
    text = _export("demo", capsys)
    without_tosa = text.replace("- name: Tosa\n", "- name: Tosa antiga\n")
    path = tmp_path / "shop.yaml"
    path.write_text(without_tosa.replace("  - Tosa\n", "  - Tosa antiga\n"), encoding="utf-8")
    assert cli("shop", "import", "demo", str(path)) == 2
    assert "future booking" in capsys.readouterr().err
    assert _export("demo", capsys) == text
