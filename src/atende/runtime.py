"""The composition root: settings in, a wired pipeline and queue out.

The web app, the worker and the CLI all build their objects here, so the same
configuration always means the same wiring.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from huey.consumer import Consumer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from atende import __version__
from atende import clock as clocks
from atende.brain.agent.brain import AgentSettings, LlmBrain
from atende.brain.agent.llm import LlmClients, LlmConfig
from atende.brain.agent.prompt import ContextLimits
from atende.brain.knowledge.embeddings import Embedder, EmbeddingConfig
from atende.brain.knowledge.retrieval import KnowledgeSearch
from atende.brain.offline.brain import OfflineBrain
from atende.brain.owner.agent import OwnerLlmBrain
from atende.brain.owner.assistant import OwnerAssistant
from atende.brain.selector import BrainSelector
from atende.channels.registry import ChannelEnv
from atende.config import Settings
from atende.errors import ConfigurationError
from atende.jobs.backends import huey_from_url
from atende.jobs.consumer import Ticker, make_consumer, worker_id
from atende.jobs.queue import JobQueue
from atende.pipeline.alerting import (
    WEB_RULES,
    WORKER_RULES,
    AlertEngine,
    EmailTarget,
    Notifier,
    Observed,
    SmtpConfig,
    Target,
    Watchdog,
    WebhookTarget,
    WhatsAppTarget,
)
from atende.pipeline.core import Pipeline
from atende.pipeline.ports import PipelineSettings
from atende.speech.engines import build_transcriber
from atende.storage import heartbeats
from atende.storage.db import make_engine, make_sessionmaker, transaction

log = logging.getLogger(__name__)


def embedder_for(settings: Settings) -> Embedder | None:
    """Knowledge-base embeddings, off unless a model is named; the endpoint and key
    default to the LLM's."""
    if not settings.embeddings_model:
        return None
    return Embedder(
        EmbeddingConfig(
            model=settings.embeddings_model,
            base_url=settings.embeddings_base_url or settings.llm_base_url,
            api_key=settings.embeddings_api_key.get_secret_value()
            or settings.llm_api_key.get_secret_value(),
            timeout_seconds=settings.llm_timeout_seconds,
        )
    )


def choose_brain(
    settings: Settings, clients: LlmClients, embedder: Embedder | None = None
) -> BrainSelector:
    """Every brain, chosen per turn: owner or customer, offline or LLM (per organization)."""
    knowledge = KnowledgeSearch(embedder)
    offline = OfflineBrain(knowledge)
    llm = LlmBrain(
        offline,
        clients,
        knowledge,
        AgentSettings(
            LlmConfig(
                base_url=settings.llm_base_url,
                api_key=settings.llm_api_key.get_secret_value(),
                model=settings.llm_model,
                timeout_seconds=settings.llm_timeout_seconds,
                max_retries=settings.llm_max_retries,
                price_input_per_mtok=settings.llm_price_input_per_mtok,
                price_output_per_mtok=settings.llm_price_output_per_mtok,
            ),
            fast_path=settings.llm_fast_path == "on",
            max_steps=settings.llm_max_steps,
            limits=ContextLimits(settings.llm_history_messages, settings.llm_context_tokens),
            daily_tokens=settings.llm_daily_tokens,
        ),
    )
    if settings.brain == "openai" and not settings.llm_model:
        log.warning("ATENDE_BRAIN=openai needs ATENDE_LLM_MODEL; the offline brain answers")
    owner = OwnerAssistant(settings.campaign_per_minute)
    owner_llm = OwnerLlmBrain(owner, llm)
    return BrainSelector(offline, owner, llm, settings.brain, owner_llm)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    http: httpx.Client
    pipeline: Pipeline
    queue: JobQueue
    ingest_executor: ThreadPoolExecutor
    llm_clients: LlmClients
    embedder: Embedder | None = None
    clock: clocks.Clock = clocks.PROCESS
    _replaced_clock: clocks.Clock | None = field(default=None, repr=False)
    _consumer: Consumer | None = field(default=None, repr=False)
    _ticker: Ticker | None = field(default=None, repr=False)
    _alert_tickers: list[Ticker] = field(default_factory=list, repr=False)
    _last_connection_check: float = field(default=0.0, repr=False)
    _last_periodic: float = field(default=0.0, repr=False)

    def start_worker(self, embedded: bool) -> Consumer:
        """Start consuming jobs plus the sweeper/heartbeat ticker in this process."""
        consumer = make_consumer(self.queue.huey, self.settings.worker_threads, embedded)
        self._consumer = consumer
        self._ticker = Ticker(self.settings.sweep_interval_seconds, self._tick, self.clock)
        self._ticker.start()
        engine = self.alert_engine("worker")
        self._start_alerts(engine.tick)
        if embedded:
            consumer.start()
        return consumer

    def start_watchdog(self) -> Watchdog:
        """The web process's alert evaluator (``pipeline/alerting/watchdog.py``)."""
        watchdog = self.watchdog()
        self._start_alerts(watchdog.tick)
        return watchdog

    def watchdog(self) -> Watchdog:
        offline = [t for t in self.alert_targets(self.pipeline.send) if t.name != "whatsapp"]
        return Watchdog(self.sessions, self.alert_engine("web"), offline)

    def alert_engine(self, where: str) -> AlertEngine:
        """The rules a worker evaluates (traffic) or the web process (workers, queue,
        disk); a worker queues the owner's WhatsApp alert, the web sends it at once (no
        worker may be alive to send it)."""
        if where == "web":
            targets = self.alert_targets(self.pipeline.send)
            return AlertEngine(
                self.sessions, WEB_RULES, Notifier(self.sessions, targets), self._probe
            )
        schedule = self.pipeline.scheduler.schedule_send
        targets = self.alert_targets(lambda message_id: schedule(message_id, 0.0))
        return AlertEngine(self.sessions, WORKER_RULES, Notifier(self.sessions, targets))

    def alert_targets(self, deliver: Callable[[int], object]) -> list[Target]:
        return [
            WhatsAppTarget(self.sessions, deliver),
            EmailTarget(smtp_config(self.settings)),
            WebhookTarget(self.http),
        ]

    def _probe(self, now: datetime) -> Observed:
        try:
            self.queue.stats()
        except Exception as exc:
            return Observed(now, queue_error=exc.__class__.__name__)
        return Observed(now)

    def _start_alerts(self, tick: Callable[[datetime], None]) -> None:
        ticker = Ticker(self.settings.alert_interval_seconds, tick, self.clock)
        self._alert_tickers.append(ticker)
        ticker.start()

    def _tick(self, now: datetime) -> None:
        grace = max(2.0, self.settings.sweep_interval_seconds / 2)
        self.pipeline.sweep(grace)
        with transaction(self.sessions) as session:
            heartbeats.beat(session, worker_id(), __version__)
        elapsed = time.monotonic()
        if elapsed - self._last_connection_check >= self.settings.connection_check_seconds:
            self._last_connection_check = elapsed
            self.pipeline.connections.check_all()
        if elapsed - self._last_periodic >= self.settings.periodic_interval_seconds:
            self._last_periodic = elapsed
            self.pipeline.periodic.run(now)

    def stop_alerts(self) -> None:
        for ticker in self._alert_tickers:
            ticker.stop()
        self._alert_tickers = []

    def stop_worker(self) -> None:
        self.stop_alerts()
        if self._ticker is not None:
            self._ticker.stop()
        if self._consumer is not None:
            self._consumer.stop(graceful=True)
            self._consumer = None
        try:
            with transaction(self.sessions) as session:
                heartbeats.forget(session, worker_id())
        except Exception:
            log.exception("could not remove heartbeat")

    def close(self) -> None:
        self.stop_worker()
        self.ingest_executor.shutdown(wait=True)
        self.pipeline.ingestor.writer.close()
        self.http.close()
        self.llm_clients.close()
        if self.embedder is not None:
            self.embedder.close()
        self.engine.dispose()
        if self._replaced_clock is not None:
            clocks.install(self._replaced_clock)
            self._replaced_clock = None


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """``ATENDE_SMTP_URL`` read, or None (unset, or unusable: said once in the log)."""
    url = settings.smtp_url.get_secret_value()
    if not url:
        return None
    try:
        return SmtpConfig.parse(url)
    except ConfigurationError as exc:
        log.error("alerts by e-mail are off: %s", exc)
        return None


def build_runtime(settings: Settings | None = None, clock: clocks.Clock | None = None) -> Runtime:
    """Wire everything; ``clock`` (default: the installed one, the wall clock unless a
    test installed another) becomes the process's clock until ``close``."""
    settings = settings or Settings()
    engine = make_engine(settings.database_url, settings.secret_key.get_secret_value())
    sessions = make_sessionmaker(engine)
    http = httpx.Client(
        timeout=httpx.Timeout(settings.send_timeout_seconds, connect=5.0),
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
    )
    env = ChannelEnv(
        http, settings.twilio_api_base, settings.meta_graph_base, settings.twilio_content_base
    )
    pipeline_settings = PipelineSettings(
        buffer_seconds=settings.buffer_seconds,
        buffer_max_messages=settings.buffer_max_messages,
        claim_lease_seconds=settings.claim_lease_seconds,
        send_max_attempts=settings.send_max_attempts,
        send_retry_base_seconds=settings.send_retry_base_seconds,
        public_url=settings.public_url,
        phone_quiet_minutes=settings.phone_quiet_minutes,
        watchdog_silence_hours=settings.watchdog_silence_hours,
        campaign_per_minute=settings.campaign_per_minute,
        breaker_failures=settings.breaker_failures,
        breaker_probe_seconds=settings.breaker_probe_seconds,
    )
    transcriber = build_transcriber(
        settings.transcriber,
        http,
        base_url=settings.transcribe_base_url,
        api_key=settings.transcribe_api_key.get_secret_value(),
        model=settings.transcribe_model
        if settings.transcriber == "openai"
        else settings.whisper_model,
    )
    llm_clients = LlmClients()
    embedder = embedder_for(settings)
    pipeline = Pipeline(
        sessions,
        pipeline_settings,
        env,
        choose_brain(settings, llm_clients, embedder),
        transcriber,
        settings.audio_max_bytes,
        Path(settings.media_tmp_dir) if settings.media_tmp_dir else None,
        {
            "provider": settings.tts,
            "base_url": settings.tts_base_url,
            "api_key": settings.tts_api_key.get_secret_value(),
            "model": settings.tts_model,
            "voice": settings.tts_voice,
        },
        settings.voice_ttl_seconds,
        settings.audio_max_seconds,
    )
    queue = JobQueue(huey_from_url(settings.effective_queue_url), pipeline)
    replaced = clocks.install(clock) if clock is not None else None
    return Runtime(
        settings,
        engine,
        sessions,
        http,
        pipeline,
        queue,
        _ingest_executor(engine),
        llm_clients,
        embedder,
        clocks.PROCESS,
        replaced,
    )


def _ingest_executor(engine: Engine) -> ThreadPoolExecutor:
    """Webhook work runs on its own small pool. SQLite takes one writer at a time, and
    many threads queueing for it hand the GIL around in a convoy: one thread is faster."""
    threads = 1 if engine.dialect.name == "sqlite" else 8
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="atende-ingest")
