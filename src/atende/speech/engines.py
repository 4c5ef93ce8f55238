"""Speech to text behind one interface: any OpenAI-compatible transcription endpoint,
or faster-whisper running locally (``pip install atende[whisper]``; model by path or
name, never downloaded by atende itself)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import httpx

from atende.errors import SynthesisError, TooLong, TranscriptionError


class Transcriber(Protocol):
    name: str

    def transcribe(
        self, path: Path, mime_type: str, language: str, max_seconds: float | None = None
    ) -> str:
        """The text spoken in the file at ``path``; TooLong past ``max_seconds``."""


class OpenAICompatibleTranscriber:
    """POST /v1/audio/transcriptions (OpenAI, Groq, a local whisper server, …)."""

    name = "openai"

    def __init__(self, client: httpx.Client, base_url: str, api_key: str, model: str) -> None:
        self._client = client
        self._url = base_url.rstrip("/") + "/audio/transcriptions"
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._model = model

    def transcribe(
        self, path: Path, mime_type: str, language: str, max_seconds: float | None = None
    ) -> str:
        with path.open("rb") as audio:
            try:
                response = self._client.post(
                    self._url,
                    headers=self._headers,
                    data={
                        "model": self._model,
                        "language": language.split("-")[0],
                        "response_format": "json",
                    },
                    files={"file": (path.name, audio, mime_type.split(";")[0])},
                )
            except httpx.HTTPError as exc:
                raise TranscriptionError(exc.__class__.__name__) from exc
        if not response.is_success:
            raise TranscriptionError(f"transcription answered {response.status_code}")
        try:
            body = response.json()
            text = str(body["text"]).strip()
        except (ValueError, KeyError, TypeError) as exc:
            raise TranscriptionError("transcription answer without text") from exc
        duration = body.get("duration") if isinstance(body, dict) else None
        if max_seconds and isinstance(duration, int | float) and duration > max_seconds:
            raise TooLong(f"voice note of {duration:.0f}s, limit {max_seconds:.0f}s")
        return text


class WhisperTranscriber:
    """faster-whisper on this machine; the model is loaded once, on first use."""

    name = "whisper"

    def __init__(self, model: str, device: str = "cpu", compute_type: str = "int8") -> None:
        self._model_name = model
        self._device = device
        self._compute_type = compute_type
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            try:
                from faster_whisper import WhisperModel
            except ImportError as exc:
                raise TranscriptionError(
                    "faster-whisper is not installed: pip install 'atende[whisper]'"
                ) from exc
            self._model = WhisperModel(
                self._model_name, device=self._device, compute_type=self._compute_type
            )
        return self._model

    def transcribe(
        self, path: Path, mime_type: str, language: str, max_seconds: float | None = None
    ) -> str:
        try:
            segments, info = self._load().transcribe(str(path), language=language.split("-")[0])
            if max_seconds and info.duration > max_seconds:
                raise TooLong(f"voice note of {info.duration:.0f}s, limit {max_seconds:.0f}s")
            return " ".join(segment.text.strip() for segment in segments).strip()
        except TranscriptionError:
            raise
        except Exception as exc:  # decoding errors, corrupt audio
            raise TranscriptionError(exc.__class__.__name__) from exc


def build_transcriber(kind: str, client: httpx.Client, **options: str) -> Transcriber | None:
    if kind == "openai":
        return OpenAICompatibleTranscriber(
            client,
            options["base_url"],
            options.get("api_key", ""),
            options.get("model", "whisper-1"),
        )
    if kind == "whisper":
        return WhisperTranscriber(options.get("model") or "small")
    return None


class Speaker(Protocol):
    name: str

    def synthesize(self, text: str) -> tuple[bytes, str]:
        """Spoken audio for ``text`` and its MIME type."""


class OpenAICompatibleSpeaker:
    """POST /v1/audio/speech (OpenAI and compatible servers)."""

    name = "openai"

    def __init__(
        self, client: httpx.Client, base_url: str, api_key: str, model: str, voice: str
    ) -> None:
        self._client = client
        self._url = base_url.rstrip("/") + "/audio/speech"
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._model, self._voice = model, voice

    def synthesize(self, text: str) -> tuple[bytes, str]:
        payload = {
            "model": self._model,
            "input": text,
            "voice": self._voice,
            "response_format": "opus",
        }
        return _audio(self._client, self._url, payload, self._headers, "audio/ogg")


class ElevenLabsSpeaker:
    """ElevenLabs text-to-speech (``xi-api-key``), MP3 out."""

    name = "elevenlabs"

    def __init__(
        self, client: httpx.Client, base_url: str, api_key: str, model: str, voice: str
    ) -> None:
        self._client = client
        self._url = f"{base_url.rstrip('/')}/v1/text-to-speech/{voice}?output_format=mp3_44100_64"
        self._headers = {"xi-api-key": api_key}
        self._model = model

    def synthesize(self, text: str) -> tuple[bytes, str]:
        return _audio(
            self._client,
            self._url,
            {"text": text, "model_id": self._model},
            self._headers,
            "audio/mpeg",
        )


def _audio(
    client: httpx.Client,
    url: str,
    payload: dict[str, str],
    headers: dict[str, str],
    default_type: str,
) -> tuple[bytes, str]:
    try:
        response = client.post(url, json=payload, headers=headers)
    except httpx.HTTPError as exc:
        raise SynthesisError(f"speech synthesis failed: {exc.__class__.__name__}") from exc
    if not response.is_success or not response.content:
        raise SynthesisError(f"speech synthesis answered {response.status_code}")
    return response.content, response.headers.get("content-type", default_type).split(";")[0]


def build_speaker(kind: str, client: httpx.Client, **options: str) -> Speaker | None:
    """From an organization's ``tts`` settings (or the environment's defaults)."""
    if kind == "openai":
        return OpenAICompatibleSpeaker(
            client,
            options.get("base_url") or "https://api.openai.com/v1",
            options.get("api_key", ""),
            options.get("model") or "tts-1",
            options.get("voice") or "alloy",
        )
    if kind == "elevenlabs":
        return ElevenLabsSpeaker(
            client,
            options.get("base_url") or "https://api.elevenlabs.io",
            options.get("api_key", ""),
            options.get("model") or "eleven_multilingual_v2",
            options.get("voice", ""),
        )
    return None
