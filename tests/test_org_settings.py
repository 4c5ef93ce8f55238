"""Organization settings as one typed model: validated on load (never crashing a worker),
dumped back to the JSON column with its secrets still sealed, edited through the CLI."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic import command
from pydantic import ValidationError

from atende.domain.org_settings import OrgSettings, error_fields
from atende.pipeline import periodic
from atende.storage import catalog, demo, orgs
from atende.storage.db import make_engine, make_sessionmaker, normalize_url, transaction
from atende.storage.migrate import alembic_config, upgrade
from atende.storage.models import Organization
from tests.conftest import Shop
from tests.support.raw_db import raw_secret_columns
from tests.test_cli import atende

LLM_KEY = "sk-org-own-llm-key-0123456789"
TTS_KEY = "el-tts-key-abcdef012345"
PHONE = "+5511999990001"

# what a hand-edited or older row may hold: every field wrong in its own way
CORRUPT = {
    "country": "Narnia",
    "language": 7,
    "brain": "gpt-9",
    "llm": {"base_url": "not a url", "model": "", "fast_path": "maybe", "api_key": 12},
    "llm_daily_tokens": "lots",
    "templates": "none",
    "tts": ["provider", "openai"],
    "voice_replies": "perhaps",
    "summary": {"on": True},
    "summary_time": "banana",
    "reminders": None,
    "reminder_hours": 0,
    "phone_quiet_minutes": -3,
    "emergency_phone": "12",
    "address": "",
}


# --- the model ------------------------------------------------------------------------


def test_defaults_and_every_field() -> None:
    empty = OrgSettings.load({})
    assert (empty.country, empty.language, empty.brain) == ("BR", "pt-BR", None)
    assert (empty.summary, empty.summary_time, empty.reminders, empty.reminder_hours) == (
        True,
        "19:00",
        True,
        24.0,
    )
    assert empty.emergency_phone is None and empty.address is None
    assert empty.llm.key() is None and empty.templates.for_provider() == {}
    assert empty.dump() == {}
    full = OrgSettings.load(
        {
            "country": "pt",
            "brain": "openai",
            "llm": {"base_url": "http://llm:8000/v1", "model": "m", "api_key": LLM_KEY},
            "llm_daily_tokens": "5000",
            "templates": {"twilio": {"content_sid": "HX" + "a" * 32}},
            "tts": {"provider": "elevenlabs", "api_key": TTS_KEY, "stability": 0.5},
            "voice_replies": True,
            "summary": "off",  # what older CLIs stored
            "summary_time": "7:05",
            "reminders": False,
            "reminder_hours": 12,
            "phone_quiet_minutes": 30,
            "emergency_phone": "912 345 678",  # national in the organization's country
            "address": "  Rua  Augusta,  10  ",
            "language": "pt-PT",
        }
    )
    assert full.country == "PT" and full.brain == "openai" and full.llm_daily_tokens == 5000
    assert full.llm.key() == LLM_KEY and full.tts["stability"] == "0.5"
    assert full.templates.for_provider() == {"twilio": {"content_sid": "HX" + "a" * 32}}
    assert (full.summary, full.summary_time, full.summary_at()) == (False, "07:05", (7, 5))
    assert full.emergency_phone == "+351912345678" and full.address == "Rua Augusta, 10"
    assert LLM_KEY not in repr(full) and TTS_KEY not in repr(full)
    again = OrgSettings.load(json.loads(json.dumps(full.dump())))
    assert again == full and again.dump() == full.dump()


def test_unknown_keys_are_kept_through_a_round_trip() -> None:
    loaded = OrgSettings.load({"future_flag": {"x": 1}, "brain": "offline"})
    assert loaded.dump() == {"future_flag": {"x": 1}, "brain": "offline"}
    assert loaded.change(address="Rua A, 1").dump()["future_flag"] == {"x": 1}


def test_an_invalid_field_falls_back_alone_and_is_logged_by_name(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    raw = {
        "summary_time": "25:99",
        "reminder_hours": 12,
        "llm": {"fast_path": "maybe", "api_key": LLM_KEY, "model": "m"},
    }
    loaded = OrgSettings.load(raw, org_id=7)
    assert loaded.summary_time == "19:00" and loaded.reminder_hours == 12
    assert loaded.llm.fast_path is None and loaded.llm.key() == LLM_KEY  # only the bad one
    assert "organization 7" in caplog.text and "summary_time" in caplog.text
    assert "llm.fast_path" in caplog.text and LLM_KEY not in caplog.text
    assert raw["summary_time"] == "25:99"  # the caller's dict is not touched


@pytest.mark.parametrize("raw", [CORRUPT, None, {"llm": "x"}, {"templates": {"meta": {}}}])
def test_nothing_stored_makes_load_raise(raw: dict[str, object] | None) -> None:
    loaded = OrgSettings.load(raw)
    assert loaded.country == "BR" and loaded.summary_time == "19:00"


def test_load_of_a_value_that_is_not_an_object() -> None:
    assert OrgSettings.load("garbage") == OrgSettings()  # type: ignore[arg-type]


def test_change_validates_the_whole_and_raises() -> None:
    base = OrgSettings.load({"llm": {"model": "a", "api_key": LLM_KEY}})
    merged = base.change(llm={"model": "b"})
    assert merged.llm.model == "b" and merged.llm.key() == LLM_KEY  # merged, not replaced
    with pytest.raises(ValidationError) as caught:
        base.change(reminder_hours=0, emergency_phone="abc")
    assert {where for where, _ in error_fields(caught.value)} == {
        "reminder_hours",
        "emergency_phone",
    }
    assert base.change(emergency_phone="(11) 3333-4444").emergency_phone == "+551133334444"
    assert base.change(address="Rua A").change(address=None).address is None


def test_a_corrupt_row_leaves_periodic_jobs_on_their_defaults() -> None:
    org = Organization(
        id=1, timezone="America/Sao_Paulo", owner_phones=["+5511900000000"], settings=CORRUPT
    )
    evening = datetime(2026, 3, 3, 19, 30, tzinfo=ZoneInfo("America/Sao_Paulo"))
    assert periodic._summary_day(org, evening) == "2026-03-03"
    assert periodic._reminder_hours(org) == 24.0


# --- through the database -------------------------------------------------------------


def test_settings_round_trip_through_the_database_with_secrets_sealed(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    chosen = OrgSettings.load(
        {
            "brain": "openai",
            "llm": {"model": "llama3.1", "api_key": LLM_KEY, "fast_path": True},
            "tts": {"provider": "elevenlabs", "api_key": TTS_KEY},
            "emergency_phone": "(11) 3333-4444",
            "address": "Rua das Acácias, 123",
            "summary_time": "18:30",
        }
    )
    try:
        with transaction(sessions) as s:
            org = orgs.create_org(s, "roundtrip", "Loja", country="BR")
            orgs.save_settings(org, orgs.settings_of(org).change(**chosen.dump()))
            org_id = org.id
        raw = raw_secret_columns(db_url)
        assert LLM_KEY not in raw and TTS_KEY not in raw and raw.count("fernet:") == 2
        assert "+551133334444" in raw and "18:30" in raw  # only secrets are sealed
        with sessions() as s:
            found = s.get(Organization, org_id)
            assert found is not None
            back = orgs.settings_of(found)
        assert back.llm.key() == LLM_KEY and back.tts["api_key"] == TTS_KEY
        assert back.emergency_phone == "+551133334444" and back.country == "BR"
        assert back.dump() == {**chosen.dump(), "country": "BR"}
    finally:
        engine.dispose()


def test_a_corrupt_settings_row_does_not_crash_a_turn(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    engine = sa.create_engine(normalize_url(str(shop.runtime.settings.database_url)))
    with engine.begin() as conn:  # plain SQL: what a hand edit leaves behind
        conn.execute(
            sa.text("UPDATE organizations SET settings = :s WHERE id = :id"),
            {"s": json.dumps(CORRUPT), "id": shop.org_id},
        )
    engine.dispose()
    shop.post_inbound("oi, quanto custa o banho?", phone=PHONE)
    [reply] = shop.wait_replies(PHONE, 1)
    shop.settle()
    assert "probleminha" not in reply and "60" in reply
    assert "settings" in caplog.text and "summary_time" in caplog.text
    assert "brain failed" not in caplog.text


# --- migration 0012 -------------------------------------------------------------------


def test_migration_0012_guesses_the_grammar_of_existing_services(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    with transaction(make_sessionmaker(engine)) as s:
        org = demo.create_demo(s)
        orgs.add_service(s, org.id, "Vacinas", Decimal("80"), 20)
        orgs.add_service(s, org.id, "Hospedagem", Decimal("120"), 60 * 24)
        org_id = org.id
    engine.dispose()
    command.downgrade(alembic_config(db_url), "0011")
    raw = sa.create_engine(normalize_url(db_url))
    with raw.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("services")}
    assert "gender" not in columns and "plural" not in columns
    raw.dispose()
    upgrade(db_url)
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as s:
        grammar = {x.name: (x.gender, x.plural) for x in catalog.services(s, org_id)}
    engine.dispose()
    assert grammar == {
        "Banho": ("m", False),
        "Tosa": ("f", False),
        "Banho e tosa": ("m", False),
        "Consulta veterinária": ("f", False),
        "Vacinação": ("f", False),
        "Vacinas": ("f", True),
        "Hospedagem": ("f", False),
    }


def test_services_keep_the_grammar_they_are_given(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    try:
        with transaction(make_sessionmaker(engine)) as s:
            org = orgs.create_org(s, "g", "G")
            orgs.add_service(s, org.id, "Creche", Decimal("50"), 480, gender="f")
            orgs.add_service(s, org.id, "Day use", Decimal("50"), 480, "m", True)
            with pytest.raises(ValueError, match="gender"):
                orgs.add_service(s, org.id, "X", Decimal("1"), 1, gender="x")  # type: ignore[arg-type]
            got = {x.name: (x.gender, x.plural) for x in catalog.services(s, org.id)}
        assert got == {"Creche": ("f", False), "Day use": ("m", True)}
    finally:
        engine.dispose()


# --- the CLI --------------------------------------------------------------------------


def shown(output: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in output.strip().splitlines() if ": " in line)


def test_cli_sets_emergency_phone_and_address_and_refuses_bad_values(tmp_path: Path) -> None:
    made = atende(tmp_path, "init", "--demo")
    assert made.returncode == 0, made.stderr
    before = atende(tmp_path, "org", "settings", "demo")
    assert before.returncode == 0, before.stderr
    assert shown(before.stdout)["emergency_phone"] == demo.DEMO_EMERGENCY_PHONE
    assert shown(before.stdout)["address"] == demo.DEMO_ADDRESS

    done = atende(
        tmp_path,
        "org",
        "settings",
        "demo",
        "--emergency-phone",
        "(11) 4004-0000",
        "--address",
        "Av. Paulista, 1000",
        "--language",
        "pt-BR",
    )
    assert done.returncode == 0, done.stderr
    now = shown(done.stdout)
    assert now["emergency_phone"] == "+551140040000" and now["address"] == "Av. Paulista, 1000"

    for args, option in [
        (["--emergency-phone", "12"], "--emergency-phone"),
        (["--summary-time", "25:00"], "--summary-time"),
        (["--reminder-hours", "0"], "--reminder-hours"),
        (["--llm-base-url", "ftp://x"], "--llm-base-url"),
        (["--language", "portuguese"], "--language"),
        (["--country", "ZZ"], "--country"),
        (["--address", "x" * 400], "--address"),
        # one bad value among good ones: the good ones are not stored either
        (["--brain", "openai", "--emergency-phone", "abc"], "--emergency-phone"),
    ]:
        wrong = atende(tmp_path, "org", "settings", "demo", *args)
        assert wrong.returncode == 2, (args, wrong.stdout, wrong.stderr)
        assert wrong.stderr.startswith("error: ") and option in wrong.stderr, wrong.stderr
    after = atende(tmp_path, "org", "settings", "demo")
    assert shown(after.stdout) == now  # nothing changed

    removed = atende(tmp_path, "org", "settings", "demo", "--address", "")
    assert removed.returncode == 0 and "address" not in shown(removed.stdout)


def test_cli_never_prints_the_organizations_keys(tmp_path: Path) -> None:
    atende(tmp_path, "init", "--demo")
    done = atende(
        tmp_path, "org", "settings", "demo", "--llm-api-key", LLM_KEY, "--fast-path", "on"
    )
    assert done.returncode == 0, done.stderr
    assert LLM_KEY not in done.stdout and "'api_key': '***'" in done.stdout
    assert "'fast_path': True" in done.stdout
