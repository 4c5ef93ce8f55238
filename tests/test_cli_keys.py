"""`atende rotate-key` and an organization's country for typed numbers, as a user runs them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from atende.storage.db import make_engine, make_sessionmaker
from atende.storage.models import Channel
from tests.test_cli import atende, field

TWILIO = (
    "--account-sid",
    "AC" + "2" * 32,
    "--auth-token",
    "tok-secret-1",
    "--number",
    "+551130040001",
)


def credentials(tmp_path: Path, channel_id: str) -> dict[str, str]:
    """The channel's credentials as the CLI reads them: with the key file beside the database
    (this test process has ATENDE_SECRET_KEY set, so the file's key is passed)."""
    key = (tmp_path / "atende.secret").read_text().strip()
    engine = make_engine(f"sqlite:///{tmp_path / 'atende.db'}", key)
    try:
        with make_sessionmaker(engine)() as s:
            channel = s.scalar(select(Channel).where(Channel.id == channel_id))
            assert channel is not None
            return dict(channel.credentials)
    finally:
        engine.dispose()


def test_rotate_key_writes_a_new_key_and_every_credential_still_opens(tmp_path: Path) -> None:
    atende(tmp_path, "init", "--demo")
    added = atende(tmp_path, "channel", "add", "demo", "twilio", *TWILIO)
    assert added.returncode == 0, added.stderr
    channel_id = field(added.stdout, "id")
    key_file = tmp_path / "atende.secret"
    old_key = key_file.read_text()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    rotated = atende(tmp_path, "rotate-key")
    assert rotated.returncode == 0, rotated.stderr
    assert (
        "re-encrypted 2 channel(s)" in rotated.stdout
    )  # simulator + twilio and str(key_file) in rotated.stdout
    new_key = key_file.read_text()
    assert new_key != old_key and old_key.strip() not in new_key  # the old key is gone
    assert credentials(tmp_path, channel_id)["auth_token"] == "tok-secret-1"
    assert "tok-secret-1" not in rotated.stdout + rotated.stderr


def test_rotate_key_with_one_environment_key_says_what_to_do(tmp_path: Path) -> None:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    atende(tmp_path, "init", "--demo", ATENDE_SECRET_KEY=key)
    once = atende(tmp_path, "rotate-key", ATENDE_SECRET_KEY=key)
    assert once.returncode == 2 and "NEW,OLD" in once.stderr and key not in once.stderr
    new = Fernet.generate_key().decode()
    both = atende(tmp_path, "rotate-key", ATENDE_SECRET_KEY=f"{new},{key}")
    assert both.returncode == 0, both.stderr
    assert "ATENDE_SECRET_KEY to the first (new) key only" in both.stdout


def test_numbers_typed_without_plus_belong_to_the_organizations_country(tmp_path: Path) -> None:
    atende(tmp_path, "init")
    made = atende(
        tmp_path,
        "org",
        "create",
        "lisboa",
        "--name",
        "Patas",
        "--country",
        "PT",
        "--owner-phone",
        "912 345 678",
    )
    assert made.returncode == 0, made.stderr
    owners = atende(tmp_path, "org", "owner", "lisboa", "--add", "+55 11 90000-0000")
    assert owners.stdout.strip() == "owner phones: +351912345678, +5511900000000"
    atende(tmp_path, "init", "--demo")
    br = atende(tmp_path, "org", "owner", "demo", "--add", "(11) 90000-0001")
    assert br.stdout.strip() == "owner phones: +5511900000001"
    unknown = atende(tmp_path, "org", "create", "x", "--name", "X", "--country", "ZZ")
    assert unknown.returncode == 2 and "error:" in unknown.stderr
    moved = atende(tmp_path, "org", "settings", "demo", "--country", "us")
    assert moved.returncode == 0 and "country: US" in moved.stdout


def test_an_organizations_daily_model_budget_is_a_setting(tmp_path: Path) -> None:
    atende(tmp_path, "init", "--demo")
    set_ = atende(tmp_path, "org", "settings", "demo", "--llm-daily-tokens", "50000")
    assert set_.returncode == 0 and "llm_daily_tokens: 50000" in set_.stdout
    wrong = atende(tmp_path, "org", "settings", "demo", "--llm-daily-tokens", "-1")
    assert wrong.returncode == 2 and "--llm-daily-tokens" in wrong.stderr
