"""A channel that talks to no provider: `atende chat` and the demo shop use it.

Replies are "sent" by marking them sent; the terminal reads them from the database.
"""

from __future__ import annotations

import secrets
from typing import BinaryIO

from atende.channels.base import Ack, ChannelConfig, Parsed, SendResult, WebhookRequest
from atende.channels.errors import MediaError, SignatureInvalid
from atende.domain.entities import Choices


class SimulatorChannel:
    provider = "simulator"

    def __init__(self, config: ChannelConfig) -> None:
        self.config = config

    def verify(self, request: WebhookRequest) -> None:
        raise SignatureInvalid("the simulator channel takes no webhooks; use `atende chat`")

    def parse(self, request: WebhookRequest) -> Parsed:
        return Parsed()

    def ack(self) -> Ack:
        return Ack("")

    def send_audio(
        self, to: str, url: str, audio: bytes, content_type: str, *, status_callback: str | None
    ) -> SendResult:
        return SendResult("sim-" + secrets.token_hex(8))

    def fetch_media(self, ref: str, dest: BinaryIO, max_bytes: int) -> str:
        raise MediaError("the simulator carries no media")

    def send_text(
        self,
        to: str,
        text: str,
        *,
        status_callback: str | None,
        choices: Choices | None = None,
        typing: float = 0.0,  # no "typing…" here: it goes at once
    ) -> SendResult:
        return SendResult("sim-" + secrets.token_hex(8))
