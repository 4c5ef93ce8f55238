"""Settings: environment variables prefixed ``ATENDE_`` (a ``.env`` file works too).

One settings object for the whole process; every room receives the values it needs
as arguments instead of reading the environment itself.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ATENDE_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./atende.db"
    # Fernet keys for stored credentials, comma-separated: the first encrypts, all decrypt.
    # Empty with SQLite: a key file beside the database (storage/keys.py).
    secret_key: SecretStr = SecretStr("")
    queue_url: str = ""
    public_url: str = "http://127.0.0.1:8000"
    buffer_seconds: float = Field(8.0, ge=0)
    buffer_max_messages: int = Field(20, ge=1)
    brain: Literal["offline", "openai"] = "offline"
    llm_base_url: str = ""
    llm_api_key: SecretStr = SecretStr("")
    llm_model: str = ""
    llm_fast_path: Literal["on", "off"] = "on"
    llm_timeout_seconds: float = Field(20.0, gt=0)
    llm_max_retries: int = Field(2, ge=0)
    llm_max_steps: int = Field(6, ge=1)
    llm_history_messages: int = Field(10, ge=0)
    llm_context_tokens: int = Field(3000, ge=200)  # every request, tool schemas included
    llm_daily_tokens: int = Field(0, ge=0)  # per organization and local day; 0: unlimited
    llm_price_input_per_mtok: float = Field(0.0, ge=0)
    llm_price_output_per_mtok: float = Field(0.0, ge=0)
    embeddings_model: str = ""
    embeddings_base_url: str = ""
    embeddings_api_key: SecretStr = SecretStr("")
    periodic_interval_seconds: float = Field(60.0, gt=0)
    campaign_per_minute: float = Field(20.0, gt=0)
    transcriber: Literal["none", "openai", "whisper"] = "none"
    transcribe_base_url: str = "https://api.openai.com/v1"
    transcribe_api_key: SecretStr = SecretStr("")
    transcribe_model: str = "whisper-1"
    whisper_model: str = "small"
    tts: Literal["none", "openai", "elevenlabs"] = "none"
    tts_base_url: str = ""
    tts_api_key: SecretStr = SecretStr("")
    tts_model: str = ""
    tts_voice: str = ""
    voice_ttl_seconds: float = Field(600.0, gt=0)
    audio_max_seconds: float = Field(300.0, gt=0)
    audio_max_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    media_tmp_dir: str = ""
    twilio_api_base: str = "https://api.twilio.com"
    twilio_content_base: str = "https://content.twilio.com"
    meta_graph_base: str = "https://graph.facebook.com/v21.0"
    send_max_attempts: int = Field(4, ge=1)
    send_retry_base_seconds: float = Field(60.0, ge=0)
    send_timeout_seconds: float = Field(15.0, gt=0)
    # a channel's circuit breaker: transient failures in a row that open it, and one
    # probe send per this many seconds while it is open
    breaker_failures: int = Field(5, ge=1)
    breaker_probe_seconds: float = Field(30.0, gt=0)
    claim_lease_seconds: float = Field(60.0, gt=0)
    phone_quiet_minutes: float = Field(30.0, ge=0)
    watchdog_silence_hours: float = Field(12.0, gt=0)
    connection_check_seconds: float = Field(60.0, gt=0)
    sweep_interval_seconds: float = Field(10.0, gt=0)
    worker_threads: int = Field(4, ge=1)
    max_body_bytes: int = Field(4 * 1024 * 1024, ge=1024)
    # Slow clients: a request's headers must arrive within this many seconds of the
    # connection (or of the previous response), its body within the second figure.
    header_timeout_seconds: float = Field(10.0, gt=0, le=3600)
    body_timeout_seconds: float = Field(30.0, gt=0, le=3600)
    log_level: str = "INFO"
    # alerts (pipeline/alerting): how often the rules run, and the SMTP server e-mails go
    # through: smtp://user:password@host:587?starttls=1&from=alerts@example.com
    alert_interval_seconds: float = Field(30.0, gt=0)
    smtp_url: SecretStr = SecretStr("")

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @cached_property
    def effective_queue_url(self) -> str:
        """The queue URL, or by default a SQLite file beside the SQLite database."""
        if self.queue_url:
            return self.queue_url
        if self.database_url.startswith("sqlite:///") and ":memory:" not in self.database_url:
            db_path = Path(self.database_url.removeprefix("sqlite:///"))
            return f"sqlite:///{db_path.with_name(db_path.stem + '-queue.db')}"
        return "sqlite:///./atende-queue.db"
