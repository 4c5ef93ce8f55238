"""The two pipeline jobs on huey, and the Scheduler the pipeline enqueues through.

Task bodies only call the pipeline: all correctness (claims, idempotency) lives in the
database, so running a job twice, or losing one with its worker, is harmless.
"""

from __future__ import annotations

import logging
from typing import Any

from huey.api import Huey

from atende.domain.sending import SendClass, queue_priority
from atende.pipeline.core import Pipeline

log = logging.getLogger(__name__)

FLUSH_PRIORITY = queue_priority(SendClass.REPLY)


class JobQueue:
    """Implements ``pipeline.ports.Scheduler`` on a huey instance."""

    def __init__(self, huey: Huey, pipeline: Pipeline) -> None:
        self.huey = huey
        self._pipeline = pipeline

        @huey.task(name="atende.flush", retries=3, retry_delay=2)  # type: ignore[untyped-decorator]
        def flush(conversation_id: int, version: int) -> None:
            pipeline.flush(conversation_id, version)

        @huey.task(name="atende.send", retries=3, retry_delay=2)  # type: ignore[untyped-decorator]
        def send(message_id: int) -> None:
            pipeline.send(message_id)

        @huey.task(name="atende.reconnect", retries=1, retry_delay=5)  # type: ignore[untyped-decorator]
        def reconnect(channel_id: str) -> None:
            pipeline.connections.reconnect(channel_id)

        self._flush: Any = flush
        self._send: Any = send
        self._reconnect: Any = reconnect
        pipeline.bind(self)

    def schedule_flush(self, conversation_id: int, version: int, delay: float) -> None:
        """A flush writes the answer to a customer who is waiting: it goes with the
        replies' sends, before every reminder's and campaign's (a campaign's backlog of
        send jobs would otherwise hold it back)."""
        self._enqueue(self._flush, (conversation_id, version), delay, FLUSH_PRIORITY)

    def schedule_send(self, message_id: int, delay: float, send_class: int = 0) -> None:
        self._enqueue(self._send, (message_id,), delay, queue_priority(send_class))

    def schedule_reconnect(self, channel_id: str, delay: float) -> None:
        self._enqueue(self._reconnect, (channel_id,), delay)

    @staticmethod
    def _enqueue(task: Any, args: tuple[Any, ...], delay: float, priority: int = 0) -> None:
        """huey takes ``priority`` for itself: higher runs first (a reply's send before a
        campaign's)."""
        if delay > 0:
            task.schedule(args=args, delay=delay, priority=priority)
        else:
            task(*args, priority=priority)

    def stats(self) -> dict[str, int]:
        return {
            "pending": int(self.huey.pending_count()),
            "scheduled": int(self.huey.scheduled_count()),
        }
