"""The pipeline as one object: what the web app, the jobs and the CLI call."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from atende.brain.base import Brain
from atende.channels.registry import ChannelEnv
from atende.pipeline.agenda import Agenda
from atende.pipeline.buffer import Flusher, FlushResult
from atende.pipeline.channels import ChannelDirectory
from atende.pipeline.connections import ConnectionManager
from atende.pipeline.dispatcher import Dispatcher
from atende.pipeline.echoes import EchoHandler
from atende.pipeline.ingest import Ingestor
from atende.pipeline.operations import Operations
from atende.pipeline.periodic import PeriodicJobs
from atende.pipeline.pet_ready import PetReady
from atende.pipeline.ports import PipelineSettings, Scheduler
from atende.pipeline.sweeper import Sweeper, SweepResult
from atende.pipeline.voice import VoiceNotes, VoiceReplies
from atende.speech.engines import Transcriber


class _LateScheduler:
    """The queue needs the pipeline and the pipeline needs the queue: bind after both exist."""

    def __init__(self) -> None:
        self.target: Scheduler | None = None

    def _get(self) -> Scheduler:
        if self.target is None:
            raise RuntimeError("pipeline used before a scheduler was bound")
        return self.target

    def schedule_flush(self, conversation_id: int, version: int, delay: float) -> None:
        self._get().schedule_flush(conversation_id, version, delay)

    def schedule_send(self, message_id: int, delay: float, send_class: int = 0) -> None:
        self._get().schedule_send(message_id, delay, send_class)

    def schedule_reconnect(self, channel_id: str, delay: float) -> None:
        self._get().schedule_reconnect(channel_id, delay)


class Pipeline:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: PipelineSettings,
        channel_env: ChannelEnv,
        brain: Brain,
        transcriber: Transcriber | None = None,
        audio_max_bytes: int = 16 * 1024 * 1024,
        media_tmp_dir: Path | None = None,
        tts_defaults: dict[str, str] | None = None,
        voice_ttl_seconds: float = 600.0,
        audio_max_seconds: float | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.scheduler = _LateScheduler()
        self.directory = ChannelDirectory(sessions, channel_env)
        self.echoes = EchoHandler(sessions, settings.phone_quiet_minutes)
        self.connections = ConnectionManager(
            sessions, self.directory, self.scheduler, settings.watchdog_silence_hours
        )
        self.ingestor = Ingestor(
            sessions, self.directory, settings, self.scheduler, self.echoes, self.connections
        )
        tmp = media_tmp_dir or Path(tempfile.gettempdir()) / "atende-media"
        self.voice = VoiceNotes(
            sessions, self.directory, transcriber, audio_max_bytes, tmp, audio_max_seconds
        )
        self.voice_replies = VoiceReplies(
            sessions, channel_env.http, tts_defaults or {}, voice_ttl_seconds, settings.public_url
        )
        self.flusher = Flusher(
            sessions, settings, brain, self.scheduler, self.voice, self.voice_replies
        )
        self.dispatcher = Dispatcher(
            sessions, self.directory, settings, self.scheduler, self.voice_replies
        )
        self.operations = Operations(sessions, self.scheduler)
        self.pet_ready = PetReady(sessions, self.scheduler)
        self.agenda = Agenda(sessions, self.scheduler)
        self.periodic = PeriodicJobs(sessions, self.scheduler, settings.campaign_per_minute)
        self.sweeper = Sweeper(sessions, self.scheduler)

    def bind(self, scheduler: Scheduler) -> None:
        self.scheduler.target = scheduler

    def flush(self, conversation_id: int, version: int = 0) -> FlushResult | None:
        return self.flusher.flush(conversation_id, version)

    def send(self, message_id: int) -> str:
        return self.dispatcher.send(message_id)

    def sweep(self, grace_seconds: float) -> SweepResult:
        return self.sweeper.sweep(grace_seconds)
