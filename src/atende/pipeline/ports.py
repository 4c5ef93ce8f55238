"""What the pipeline needs from the outside world, as small interfaces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Scheduler(Protocol):
    """Runs pipeline steps later, in a worker. Implemented by ``atende.jobs``."""

    def schedule_flush(self, conversation_id: int, version: int, delay: float) -> None: ...

    def schedule_send(self, message_id: int, delay: float, send_class: int = 0) -> None:
        """``send_class`` (domain/sending.py): replies' jobs are taken first."""

    def schedule_reconnect(self, channel_id: str, delay: float) -> None: ...


@dataclass(frozen=True, slots=True)
class PipelineSettings:
    buffer_seconds: float = 8.0
    buffer_max_messages: int = 20
    claim_lease_seconds: float = 60.0
    send_max_attempts: int = 4
    send_retry_base_seconds: float = 60.0
    public_url: str = "http://127.0.0.1:8000"
    phone_quiet_minutes: float = 30.0
    watchdog_silence_hours: float = 12.0
    campaign_per_minute: float = 20.0  # campaigns and follow-ups are paced at this rate
    breaker_failures: int = 5  # transient send failures in a row that open a channel's breaker
    breaker_probe_seconds: float = 30.0  # one probe send per interval while it is open
