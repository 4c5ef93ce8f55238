"""Voice notes: download to a temporary file, transcribe, delete the file — always.

Runs after a burst is claimed and before the answer transaction, so a slow
transcription never holds the database. The transcript is stored with the message and
becomes the text the brain reads; a failure is stored too, and the brain kindly asks the
customer to write instead. Customer audio never outlives this function.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from atende.domain.org_settings import OrgSettings
from atende.errors import SynthesisError
from atende.pipeline.channels import ChannelDirectory
from atende.speech.engines import Transcriber, build_speaker
from atende.storage import clips
from atende.storage.db import transaction
from atende.storage.models import Conversation, Message, Organization

log = logging.getLogger(__name__)


class VoiceNotes:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        directory: ChannelDirectory,
        transcriber: Transcriber | None,
        max_bytes: int,
        tmp_dir: Path,
        max_seconds: float | None = None,
    ) -> None:
        self._max_seconds = max_seconds
        self._sessions = sessions
        self._directory = directory
        self._transcriber = transcriber
        self._max_bytes = max_bytes
        self.tmp_dir = tmp_dir

    def transcribe_pending(self, conversation_id: int) -> int:
        """Transcribe the burst's untranscribed voice notes; how many were tried."""
        if self._transcriber is None:
            return 0
        with self._sessions() as session:
            conv = session.get(Conversation, conversation_id)
            if conv is None:
                return 0
            org = session.get(Organization, conv.organization_id)
            language = org.locale if org else "pt-BR"
            pending = list(
                session.execute(
                    select(
                        Message.id, Message.channel_id, Message.media_url, Message.media_type
                    ).where(
                        Message.conversation_id == conversation_id,
                        Message.direction == "in",
                        Message.kind == "audio",
                        Message.buffer_version > conv.answered_version,
                        Message.media_url.is_not(None),
                        Message.transcript.is_(None),
                        Message.transcript_error.is_(None),
                    )
                )
            )
        for message_id, channel_id, ref, mime in pending:
            text, error = self._one(channel_id, str(ref), mime or "audio/ogg", language)
            with transaction(self._sessions) as session:
                session.execute(
                    update(Message)
                    .where(Message.id == message_id)
                    .values(transcript=text, transcript_error=error)
                )
        return len(pending)

    def _one(
        self, channel_id: str, ref: str, mime: str, language: str
    ) -> tuple[str | None, str | None]:
        assert self._transcriber is not None
        adapter = self._directory.adapter(channel_id)
        if adapter is None:
            return None, "channel is gone"
        self.tmp_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="voice-", suffix=".audio", dir=self.tmp_dir)
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                fetched_mime = adapter.fetch_media(ref, out, self._max_bytes)
            text = self._transcriber.transcribe(
                path, fetched_mime or mime, language, self._max_seconds
            )
            return (text, None) if text else (None, "nothing understood")
        except Exception as exc:  # any failure: the customer is asked to write
            log.warning("voice note on %s not transcribed: %s", channel_id, exc.__class__.__name__)
            return None, f"{exc.__class__.__name__}: {exc}"[:100]
        finally:
            path.unlink(missing_ok=True)


class VoiceReplies:
    """Answering by voice when the customer wrote by voice, where the organization
    enabled it (``voice_replies`` in its settings) and a speaker is configured."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        http: httpx.Client,
        defaults: dict[str, str],
        ttl_seconds: float,
        public_url: str,
    ) -> None:
        self._sessions = sessions
        self._http = http
        self._defaults = defaults
        self._ttl = ttl_seconds
        self._public_url = public_url

    def _options(self, org_settings: OrgSettings) -> dict[str, str]:
        return {**self._defaults, **org_settings.tts}

    def enabled(self, org_settings: OrgSettings) -> bool:
        options = self._options(org_settings)
        return org_settings.voice_replies and options.get("provider", "none") != "none"

    def prepare(self, org_id: int, org_settings: OrgSettings, text: str) -> tuple[str, bytes, str]:
        """Synthesize ``text`` and keep it for the provider to fetch: (url, audio, type)."""
        options = self._options(org_settings)
        speaker = build_speaker(options.get("provider", "none"), self._http, **options)
        if speaker is None:
            raise SynthesisError("no speaker configured")
        audio, content_type = speaker.synthesize(text)
        with transaction(self._sessions) as session:
            token = clips.store(session, org_id, audio, content_type, self._ttl)
        return f"{self._public_url}/media/{token}", audio, content_type
