"""Voice notes in: provider media download, transcription, and no audio left behind."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from atende.storage.db import transaction
from atende.storage.models import VoiceClip
from tests.conftest import ACCOUNT, TOKEN, Shop
from tests.support.fake_http import FakeAPI, Recorded, fake_evolution, fake_graph, start_fake_api
from tests.support.providers import FIXTURES, sign, signed_twilio, twilio_form

SPOKEN = "quanto custa o banho?"


@pytest.fixture
def speech() -> Iterator[FakeAPI]:
    """Media host + an OpenAI-compatible transcription endpoint that fails on purpose:
    audio ending in 7 → 500, in 3 → bad JSON, in 9 → too long, otherwise the sentence."""
    api = start_fake_api()

    def media(req: Recorded, match: re.Match[str]) -> tuple[int, Any]:
        expected = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
        if req.headers.get("authorization") != expected:
            return 401, {"message": "Authenticate"}
        return 200, b"OggS-fake-voice-" + match.group(1).encode()

    def transcribe(req: Recorded, _: re.Match[str]) -> tuple[int, Any]:
        found = re.search(rb"OggS-fake-voice-(\d+)", req.body)
        n = found.group(1).decode() if found else "0"
        if n.endswith("7"):
            return 500, {"error": {"message": "overloaded"}}
        if n.endswith("3"):
            return 200, b"<html>not json</html>"
        if n.endswith("9"):
            return 200, {"text": SPOKEN, "duration": 999.0}  # longer than the limit
        assert b'name="model"' in req.body and b"whisper-1" in req.body
        return 200, {"text": SPOKEN}

    api.route("GET", r"/media/(\d+)", media)
    api.route("POST", r"/v1/audio/transcriptions", transcribe)
    yield api
    api.stop()


@pytest.fixture
def voice_shop(
    shop_factory: Callable[..., Shop], sqlite_url: str, speech: FakeAPI, tmp_path: Path
) -> Shop:
    return shop_factory(
        sqlite_url,
        transcriber="openai",
        transcribe_base_url=f"{speech.url}/v1",
        transcribe_api_key="sk-test",
        media_tmp_dir=str(tmp_path / "voice-tmp"),
        audio_max_bytes=4096,
    )


def post_voice(shop: Shop, n: int, media_base: str) -> httpx.Response:
    pairs = twilio_form(
        "inbound_audio.form",
        MessageSid=f"MM{n:032x}",
        From=f"whatsapp:+55119{n:08d}",
        WaId=f"55119{n:08d}",
        MediaUrl0=f"{media_base}/media/{n}",
    )
    raw, headers = signed_twilio(shop.webhook_url, pairs, TOKEN)
    return httpx.post(shop.webhook_url, content=raw, headers=headers)


def temp_files(shop: Shop) -> list[Path]:
    folder = shop.runtime.pipeline.voice.tmp_dir
    return list(folder.iterdir()) if folder.exists() else []


def test_a_twilio_voice_note_is_transcribed_and_answered(voice_shop: Shop, speech: FakeAPI) -> None:
    assert post_voice(voice_shop, 1, speech.url).status_code == 200
    [reply] = voice_shop.wait_replies("+5511900000001", 1)
    assert "Banho: a partir de R$ 45,00" in reply
    [note] = [m for m in voice_shop.messages_of("+5511900000001") if m.direction == "in"]
    assert note.kind == "audio" and note.transcript == SPOKEN
    [call] = speech.calls("POST", "/v1/audio/transcriptions")
    assert call.headers["authorization"] == "Bearer sk-test"
    assert temp_files(voice_shop) == []


def test_200_voice_notes_with_failures_leave_no_audio_behind(
    voice_shop: Shop, speech: FakeAPI
) -> None:
    for n in range(200):
        assert post_voice(voice_shop, n, speech.url).status_code == 200
    voice_shop.settle(timeout=120)
    assert temp_files(voice_shop) == []
    [long_note] = [m for m in voice_shop.messages_of("+5511900000009") if m.direction == "in"]
    assert long_note.transcript is None and "limit 300s" in (long_note.transcript_error or "")
    for n in range(200):
        [reply] = voice_shop.replies_to(f"+55119{n:08d}")
        if str(n).endswith(("7", "3", "9")):
            assert "escrever" in reply, n
        else:
            assert "Banho: a partir de R$ 45,00" in reply, n


def test_oversized_or_missing_media_asks_to_write(voice_shop: Shop, speech: FakeAPI) -> None:
    speech.route("GET", r"/big/(\d+)", lambda req, m: (200, b"x" * 10_000))
    pairs = twilio_form(
        "inbound_audio.form", MessageSid="MM" + "b" * 32, MediaUrl0=f"{speech.url}/big/1"
    )
    raw, headers = signed_twilio(voice_shop.webhook_url, pairs, TOKEN)
    httpx.post(voice_shop.webhook_url, content=raw, headers=headers)
    [reply] = voice_shop.wait_replies("+5511999990002", 1)
    assert "escrever" in reply
    [note] = [m for m in voice_shop.messages_of("+5511999990002") if m.direction == "in"]
    assert "larger than 4096" in (note.transcript_error or "")
    assert temp_files(voice_shop) == []


def test_meta_and_evolution_voice_notes(
    shop_factory: Callable[..., Shop], sqlite_url: str, speech: FakeAPI, tmp_path: Path
) -> None:
    graph = fake_graph("109876543210987", "meta-token")
    graph.route(
        "GET",
        r"/2045817369021587",
        lambda req, m: (200, {"url": f"{graph.url}/cdn/voice", "mime_type": "audio/ogg"}),
    )
    graph.route(
        "GET",
        r"/cdn/voice",
        lambda req, m: (
            (200, b"OggS-fake-voice-1")
            if req.headers.get("authorization") == "Bearer meta-token"
            else (401, {})
        ),
    )
    evolution = fake_evolution("loja-centro", "evo-key")
    evolution.route(
        "POST",
        r"/chat/getBase64FromMediaMessage/loja-centro",
        lambda req, m: (
            200,
            {"base64": base64.b64encode(b"OggS-fake-voice-2").decode(), "mimetype": "audio/ogg"},
        ),
    )
    try:
        meta_creds = {
            "phone_number_id": "109876543210987",
            "access_token": "meta-token",
            "app_secret": "s",
            "verify_token": "v",
        }
        evo_creds = {
            "base_url": evolution.url,
            "instance": "loja-centro",
            "api_key": "evo-key",
            "webhook_secret": "w",
        }
        shop = shop_factory(
            sqlite_url,
            extra=[
                ("meta", "109876543210987", meta_creds),
                ("evolution", "loja-centro", evo_creds),
            ],
            meta_graph_base=graph.url,
            transcriber="openai",
            transcribe_base_url=f"{speech.url}/v1",
            media_tmp_dir=str(tmp_path / "voice-tmp"),
        )
        body = (FIXTURES / "meta" / "inbound_audio.json").read_bytes()
        meta_url = f"{shop.server.url}/webhooks/meta/{shop.channels['meta']}"
        httpx.post(
            meta_url, content=body, headers={"X-Hub-Signature-256": sign.meta_signature(body, "s")}
        )
        evo_url = f"{shop.server.url}/webhooks/evolution/{shop.channels['evolution']}"
        payload = json.loads((FIXTURES / "evolution" / "messages_upsert_audio.json").read_bytes())
        payload["data"]["key"]["remoteJid"] = "5511977770000@s.whatsapp.net"
        httpx.post(evo_url, json=payload, headers={"x-atende-secret": "w"})
        shop.settle()
        transcripts = [
            m.transcript
            for phone in ("+5511999990002", "+5511977770000")
            for m in shop.messages_of(phone)
            if m.direction == "in"
        ]
        assert transcripts == [SPOKEN, SPOKEN]
        assert temp_files(shop) == []
    finally:
        graph.stop()
        evolution.stop()


def test_faster_whisper_transcribes_a_local_model(tmp_path: Path) -> None:
    model = os.environ.get("ATENDE_TEST_WHISPER_MODEL")
    try:
        import faster_whisper  # noqa: F401
    except ImportError:
        pytest.skip(
            "faster-whisper not installed: pip install 'atende[whisper]' "
            "and set ATENDE_TEST_WHISPER_MODEL=/path/to/model"
        )
    if not model or not Path(model).exists():
        pytest.skip(
            "no local faster-whisper model: set ATENDE_TEST_WHISPER_MODEL=/path/to/model "
            "(never downloaded in tests)"
        )
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is needed to speak the test sentence")
    from atende.speech.engines import WhisperTranscriber

    wav = tmp_path / "frase.wav"
    subprocess.run(["espeak-ng", "-v", "pt-br", "-w", str(wav), "quanto custa o banho"], check=True)
    text = WhisperTranscriber(model).transcribe(wav, "audio/wav", "pt-BR").lower()
    assert "banho" in text


@pytest.fixture
def speaking_shop(
    shop_factory: Callable[..., Shop], sqlite_url: str, speech: FakeAPI, tmp_path: Path
) -> Shop:
    speech.route(
        "POST",
        r"/v1/audio/speech",
        lambda req, m: (200, b"OggS-tts-" + req.json()["input"].encode()[:40]),
    )
    shop = shop_factory(
        sqlite_url,
        transcriber="openai",
        transcribe_base_url=f"{speech.url}/v1",
        media_tmp_dir=str(tmp_path / "voice-tmp"),
        tts="openai",
        tts_base_url=f"{speech.url}/v1",
        tts_voice="nova",
        voice_ttl_seconds=1.5,
    )
    from atende.storage.models import Organization

    with transaction(shop.runtime.sessions) as s:
        org = s.get(Organization, shop.org_id)
        assert org is not None
        org.settings = {**(org.settings or {}), "voice_replies": True}
    return shop


def test_a_voice_note_is_also_answered_by_voice_at_an_expiring_url(
    speaking_shop: Shop, speech: FakeAPI
) -> None:
    post_voice(speaking_shop, 1, speech.url)
    speaking_shop.settle()
    text_reply, voice_reply = [s.form for s in speaking_shop.twilio.sent]
    assert "Banho: a partir de R$ 45,00" in text_reply["Body"] and "MediaUrl" not in text_reply
    url = voice_reply["MediaUrl"]
    assert url.startswith(speaking_shop.server.url + "/media/") and len(url.rsplit("/", 1)[1]) >= 40
    [tts] = speech.calls("POST", "/v1/audio/speech")
    assert tts.json()["voice"] == "nova" and "Banho" in tts.json()["input"]
    served = httpx.get(url)
    assert served.status_code == 200 and served.content.startswith(b"OggS-tts-")
    time.sleep(2.0)
    assert httpx.get(url).status_code == 404
    time.sleep(speaking_shop.runtime.settings.sweep_interval_seconds + 0.5)
    with speaking_shop.runtime.sessions() as s:
        assert (
            s.scalar(select(func.count()).select_from(VoiceClip)) == 0
        )  # deleted, not just hidden


def test_a_typed_message_gets_no_voice_reply(speaking_shop: Shop) -> None:
    speaking_shop.post_inbound("quanto custa o banho?", phone="+5511955554444")
    speaking_shop.settle()
    assert [("MediaUrl" in s.form) for s in speaking_shop.twilio.sent] == [False]


def test_evolution_gets_the_voice_reply_inline(
    shop_factory: Callable[..., Shop], sqlite_url: str, speech: FakeAPI, tmp_path: Path
) -> None:
    speech.route("POST", r"/v1/audio/speech", lambda req, m: (200, b"OggS-tts-audio"))
    evolution = fake_evolution("loja-centro", "evo-key")
    evolution.route(
        "POST",
        r"/chat/getBase64FromMediaMessage/loja-centro",
        lambda req, m: (200, {"base64": base64.b64encode(b"OggS-fake-voice-2").decode()}),
    )
    evolution.route(
        "POST",
        r"/message/sendWhatsAppAudio/loja-centro",
        lambda req, m: (201, {"key": {"id": "AUD1"}}),
    )
    try:
        creds = {
            "base_url": evolution.url,
            "instance": "loja-centro",
            "api_key": "evo-key",
            "webhook_secret": "w",
        }
        shop = shop_factory(
            sqlite_url,
            extra=[("evolution", "loja-centro", creds)],
            transcriber="openai",
            transcribe_base_url=f"{speech.url}/v1",
            tts="openai",
            tts_base_url=f"{speech.url}/v1",
            media_tmp_dir=str(tmp_path / "voice-tmp"),
        )
        from atende.storage.models import Organization

        with transaction(shop.runtime.sessions) as s:
            org = s.get(Organization, shop.org_id)
            assert org is not None
            org.settings = {"voice_replies": True}
        payload = json.loads((FIXTURES / "evolution" / "messages_upsert_audio.json").read_bytes())
        httpx.post(
            f"{shop.server.url}/webhooks/evolution/{shop.channels['evolution']}",
            json=payload,
            headers={"x-atende-secret": "w"},
        )
        shop.settle()
        [audio] = evolution.calls("POST", "/message/sendWhatsAppAudio/loja-centro")
        assert base64.b64decode(audio.json()["audio"]) == b"OggS-tts-audio"
        assert audio.json()["number"] == "5511999990002"
    finally:
        evolution.stop()
