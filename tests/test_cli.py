"""The `atende` command as a newcomer runs it, in real subprocesses."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import atende
from tests.support.fake_twilio import FakeTwilio
from tests.support.live import free_port
from tests.support.providers import signed_twilio, twilio_form

# the subprocesses run in tmp_path: the atende this test process imported, not whichever
# one a relative PYTHONPATH (or the venv's editable install) would find from there
SOURCE = str(Path(atende.__file__).resolve().parents[1])


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATENDE_")}
    env["PYTHONPATH"] = os.pathsep.join([SOURCE, *filter(None, [env.get("PYTHONPATH")])])
    env["ATENDE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'atende.db'}"
    env.update(extra)
    return env


def atende(
    tmp_path: Path, *args: str, stdin: str | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "atende.cli", *args],
        env=env_for(tmp_path, **extra),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def field(output: str, name: str) -> str:
    match = re.search(rf"^{name}: (\S+)$", output, re.M)
    assert match, f"no '{name}:' line in {output!r}"
    return match.group(1)


def test_init_demo_prints_an_api_key_each_time(tmp_path: Path) -> None:
    first = atende(tmp_path, "init", "--demo")
    assert first.returncode == 0, first.stderr
    assert field(first.stdout, "api key").startswith("atd_")
    again = atende(tmp_path, "init", "--demo")
    assert again.returncode == 0
    assert field(again.stdout, "api key") != field(first.stdout, "api key")


def test_org_create_and_its_errors(tmp_path: Path) -> None:
    done = atende(
        tmp_path,
        "org",
        "create",
        "banho-bom",
        "--name",
        "Banho Bom",
        "--owner-phone",
        "+5511999990009",
    )
    assert done.returncode == 0, done.stderr
    assert field(done.stdout, "id").isdigit() and field(done.stdout, "api key")
    dup = atende(tmp_path, "org", "create", "banho-bom", "--name", "Outro")
    assert dup.returncode == 2 and "already exists" in dup.stderr
    tz = atende(tmp_path, "org", "create", "x", "--name", "X", "--timezone", "Mars/Olympus")
    assert tz.returncode == 2 and "unknown timezone" in tz.stderr
    phone = atende(tmp_path, "org", "create", "y", "--name", "Y", "--owner-phone", "abc")
    assert phone.returncode == 2 and "not a phone number" in phone.stderr


def test_channel_add_twilio_prints_id_and_webhook(tmp_path: Path) -> None:
    atende(tmp_path, "init", "--demo")
    args = (
        "--account-sid",
        "AC" + "1" * 32,
        "--auth-token",
        "tok",
        "--number",
        "whatsapp:+551130040001",
    )
    done = atende(
        tmp_path,
        "channel",
        "add",
        "demo",
        "twilio",
        *args,
        ATENDE_PUBLIC_URL="https://bot.example.com",
    )
    assert done.returncode == 0, done.stderr
    channel_id = field(done.stdout, "id")
    assert field(done.stdout, "webhook") == f"https://bot.example.com/webhooks/twilio/{channel_id}"
    assert "tok" not in done.stdout + done.stderr  # secrets never printed back
    missing = atende(tmp_path, "channel", "add", "nope", "twilio", *args)
    assert missing.returncode == 2 and "no organization" in missing.stderr
    bad = atende(
        tmp_path,
        "channel",
        "add",
        "demo",
        "twilio",
        "--account-sid",
        "XX",
        "--auth-token",
        "t",
        "--number",
        "1",
    )
    assert bad.returncode == 2


def test_chat_books_through_the_whole_pipeline(tmp_path: Path) -> None:
    atende(tmp_path, "init", "--demo")
    script = "oi\nquanto custa o banho?\nquero falar com um atendente\n"
    done = atende(tmp_path, "chat", "--buffer-seconds", "0.2", stdin=script)
    assert done.returncode == 0, done.stderr
    assert "Pet Shop Amigo Fiel" in done.stdout
    assert "Banho: a partir de R$ 45,00" in done.stdout
    assert "pessoa da nossa equipe" in done.stdout


def test_chat_without_init_says_what_to_do(tmp_path: Path) -> None:
    done = atende(tmp_path, "chat", stdin="oi\n")
    assert done.returncode != 0 and "atende init --demo" in (done.stdout + done.stderr)


def test_serve_answers_a_signed_twilio_webhook_and_stops_on_ctrl_c(
    tmp_path: Path, fake_twilio: FakeTwilio
) -> None:
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    extra = {
        "ATENDE_PUBLIC_URL": public,
        "ATENDE_TWILIO_API_BASE": fake_twilio.url,
        "ATENDE_BUFFER_SECONDS": "0.3",
    }
    atende(tmp_path, "init", "--demo", **extra)
    token = "0123456789abcdef0123456789abcdef"
    account = "AC55b47e1bd7721b5f779ed06721903800"
    added = atende(
        tmp_path,
        "channel",
        "add",
        "demo",
        "twilio",
        "--account-sid",
        account,
        "--auth-token",
        token,
        "--number",
        "+551130040001",
        **extra,
    )
    webhook = field(added.stdout, "webhook")
    server = subprocess.Popen(
        [sys.executable, "-m", "atende.cli", "serve", "--port", str(port)],
        env=env_for(tmp_path, **extra),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"{public}/health", timeout=1).json()
                if health["status"] == "ok":
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "serve did not become healthy"
            time.sleep(0.2)
        raw, headers = signed_twilio(
            webhook, twilio_form("inbound_text.form", Body="Qual o horário de vocês?"), token
        )
        response = httpx.post(webhook, content=raw, headers=headers)
        assert response.status_code == 200 and "<Response/>" in response.text
        [sent] = fake_twilio.wait_for(1)
        assert sent.form["To"] == "whatsapp:+5511999990001" and "08:00" in sent.form["Body"]
    finally:
        started = time.monotonic()
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            pytest.fail("atende serve ignored Ctrl+C")
    assert time.monotonic() - started < 15
    output = server.stdout.read().decode() if server.stdout else ""
    assert token not in output


def test_channel_add_meta_and_evolution_then_status_and_pair(tmp_path: Path) -> None:
    from tests.support.fake_http import fake_evolution

    evolution = fake_evolution("loja", "evo-key")
    try:
        atende(tmp_path, "init", "--demo")
        meta = atende(
            tmp_path,
            "channel",
            "add",
            "demo",
            "meta",
            "--phone-number-id",
            "109876543210987",
            "--access-token",
            "tok",
            "--app-secret",
            "sec",
            "--verify-token",
            "vt",
            ATENDE_PUBLIC_URL="https://bot.example.com",
        )
        assert meta.returncode == 0, meta.stderr
        assert field(meta.stdout, "webhook").startswith("https://bot.example.com/webhooks/meta/ch_")
        bad_meta = atende(
            tmp_path,
            "channel",
            "add",
            "demo",
            "meta",
            "--phone-number-id",
            "abc",
            "--access-token",
            "t",
            "--app-secret",
            "s",
            "--verify-token",
            "v",
        )
        assert bad_meta.returncode == 2 and "numeric" in bad_meta.stderr

        evo = atende(
            tmp_path,
            "channel",
            "add",
            "demo",
            "evolution",
            "--base-url",
            evolution.url,
            "--instance",
            "loja",
            "--api-key",
            "evo-key",
            ATENDE_PUBLIC_URL="https://bot.example.com",
        )
        assert evo.returncode == 0, evo.stderr
        channel_id = field(evo.stdout, "id")
        [registered] = evolution.calls("POST", "/webhook/set/loja")
        hook = registered.json()["webhook"]
        assert hook["url"] == f"https://bot.example.com/webhooks/evolution/{channel_id}"
        assert len(hook["headers"]["x-atende-secret"]) >= 32
        assert {"MESSAGES_UPSERT", "CONNECTION_UPDATE", "QRCODE_UPDATED"} <= set(hook["events"])

        refused = atende(
            tmp_path,
            "channel",
            "add",
            "demo",
            "evolution",
            "--base-url",
            evolution.url,
            "--instance",
            "loja",
            "--api-key",
            "wrong-key",
        )
        assert refused.returncode == 2 and "refused" in refused.stderr
        status = atende(tmp_path, "channel", "status")
        assert status.returncode == 0
        assert status.stdout.count("evolution") == 1  # the refused one was not created
        assert "meta" in status.stdout and channel_id in status.stdout

        pair = atende(tmp_path, "channel", "pair", "demo", channel_id, "--phone", "+5511999990001")
        assert pair.returncode == 0, pair.stderr
        assert "pairing code: WZYEH1YY" in pair.stdout
        assert "▀" in pair.stdout or "█" in pair.stdout  # the QR, drawn in the terminal
        assert evolution.calls("GET", "/instance/connect/loja")[0].path.endswith(
            "number=5511999990001"
        )
    finally:
        evolution.stop()


def test_evolution_typing_flags_set_the_channels_typing_delay(tmp_path: Path) -> None:
    """``--typing`` keeps the default (2 s), ``--no-typing`` is ``typing_delay`` 0 and
    ``--typing-delay N`` sets it; both at once is refused. ``channel pacing`` changes it
    (and any pacing setting) later."""
    import json

    import sqlalchemy as sa

    from tests.support.fake_http import fake_evolution

    evolution = fake_evolution("loja", "evo-key")
    try:
        atende(tmp_path, "init", "--demo")
        base = ["channel", "add", "demo", "evolution", "--base-url", evolution.url]
        base += ["--instance", "loja", "--api-key", "evo-key"]
        ids = {}
        for flags in (["--typing"], ["--no-typing"], ["--typing-delay", "3.5"]):
            done = atende(tmp_path, *base, *flags)
            assert done.returncode == 0, done.stderr
            ids[flags[0]] = field(done.stdout, "id")
        both = atende(tmp_path, *base, "--no-typing", "--typing-delay", "3")
        assert both.returncode == 2 and "contradict" in both.stderr

        def stored() -> dict[str, Any]:
            engine = sa.create_engine(f"sqlite:///{tmp_path / 'atende.db'}")
            with engine.connect() as conn:
                query = "SELECT id, pacing FROM channels WHERE provider = 'evolution'"
                rows = conn.execute(sa.text(query))
                found = {i: json.loads(p) if isinstance(p, str) else p for i, p in rows}
            engine.dispose()
            return found

        assert stored() == {
            ids["--typing"]: None,
            ids["--no-typing"]: {"typing_delay": 0.0},
            ids["--typing-delay"]: {"typing_delay": 3.5},
        }
        # later, any pacing setting of a channel: shown, set, back to the default
        shown = atende(tmp_path, "channel", "pacing", "demo", ids["--typing"])
        assert "typing_delay: 2.0  (default)" in shown.stdout
        changed = atende(
            tmp_path, "channel", "pacing", "demo", ids["--typing"], "typing_delay=0", "per_day=100"
        )
        assert changed.returncode == 0 and "typing_delay: 0" in changed.stdout
        back = atende(tmp_path, "channel", "pacing", "demo", ids["--typing-delay"], "typing_delay=")
        assert back.returncode == 0 and "typing_delay: 2.0  (default)" in back.stdout
        bad = atende(tmp_path, "channel", "pacing", "demo", ids["--typing"], "typing_delay=99")
        assert bad.returncode == 2 and "typing_delay" in bad.stderr
        assert stored() == {
            ids["--typing"]: {"typing_delay": 0, "per_day": 100},
            ids["--no-typing"]: {"typing_delay": 0.0},
            ids["--typing-delay"]: None,
        }
    finally:
        evolution.stop()


def test_org_template_configures_the_24_hour_window_fallback(tmp_path: Path) -> None:
    atende(tmp_path, "init", "--demo")
    done = atende(tmp_path, "org", "template", "demo", "meta", "--name", "aviso_atende")
    assert done.returncode == 0 and "aviso_atende" in done.stdout
    bad = atende(tmp_path, "org", "template", "demo", "twilio", "--content-sid", "nope")
    assert bad.returncode == 2 and "HX" in bad.stderr
    missing = atende(tmp_path, "org", "template", "ghost", "meta", "--name", "x")
    assert missing.returncode == 2 and "no organization" in missing.stderr


def test_org_owner_and_settings(tmp_path: Path) -> None:
    atende(tmp_path, "init", "--demo")
    added = atende(
        tmp_path, "org", "owner", "demo", "--add", "(11) 90000-0000", "--add", "+5511900000001"
    )
    assert added.stdout.strip() == "owner phones: +5511900000000, +5511900000001"
    removed = atende(tmp_path, "org", "owner", "demo", "--remove", "+5511900000001")
    assert removed.stdout.strip() == "owner phones: +5511900000000"
    bad = atende(tmp_path, "org", "owner", "demo", "--add", "abc")
    assert bad.returncode == 2 and "error:" in bad.stderr
    shown = atende(
        tmp_path,
        "org",
        "settings",
        "demo",
        "--brain",
        "openai",
        "--llm-model",
        "llama3.1",
        "--llm-api-key",
        "sk-never-printed",
        "--summary-time",
        "18:30",
        "--reminders",
        "off",
        "--waitlist-hold-minutes",
        "15",
    )
    assert shown.returncode == 0, shown.stderr
    assert "waitlist_hold_minutes: 15" in shown.stdout
    assert "brain: openai" in shown.stdout and "summary_time: 18:30" in shown.stdout
    assert "reminders: False" in shown.stdout
    assert "sk-never-printed" not in shown.stdout and "'api_key': '***'" in shown.stdout
    for args in (
        ["--summary-time", "25:00"],
        ["--reminder-hours", "0"],
        ["--waitlist-hold-minutes", "0"],
    ):
        wrong = atende(tmp_path, "org", "settings", "demo", *args)
        assert wrong.returncode == 2 and "error:" in wrong.stderr
    assert (
        "error: no organization"
        in atende(tmp_path, "org", "settings", "x", "--brain", "offline").stderr
    )


def test_channel_pacing_shows_defaults_and_takes_validated_overrides(tmp_path: Path) -> None:
    atende(tmp_path, "init", "--demo")
    added = atende(
        tmp_path,
        "channel",
        "add",
        "demo",
        "twilio",
        "--account-sid",
        "AC" + "2" * 32,
        "--auth-token",
        "tok",
        "--number",
        "whatsapp:+551130040002",
    )
    channel_id = field(added.stdout, "id")
    shown = atende(tmp_path, "channel", "pacing", "demo", channel_id)
    assert shown.returncode == 0, shown.stderr
    assert "media_interval: 1.0  (default)" in shown.stdout
    changed = atende(
        tmp_path, "channel", "pacing", "demo", channel_id, "per_contact=6", "per_hour=40"
    )
    assert changed.returncode == 0, changed.stderr
    assert "per_contact: 6.0\n" in changed.stdout and "per_hour: 40\n" in changed.stdout
    bad = atende(tmp_path, "channel", "pacing", "demo", channel_id, "per_contact=-1")
    assert bad.returncode == 2 and "invalid pacing" in bad.stderr
    kept = atende(tmp_path, "channel", "pacing", "demo", channel_id)
    assert "per_contact: 6.0\n" in kept.stdout  # the bad one changed nothing
    other = atende(tmp_path, "channel", "pacing", "demo", "ch_nope")
    assert other.returncode == 2 and "does not belong" in other.stderr
