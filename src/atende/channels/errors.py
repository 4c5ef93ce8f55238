"""Channel errors: the ``ChannelError`` branch of the tree in ``atende.errors``."""

from __future__ import annotations

from atende.errors import (
    BadPayload,
    ChannelError,
    MediaError,
    SendError,
    SignatureInvalid,
    SignatureMissing,
    WebhookRejected,
)

__all__ = [
    "BadPayload",
    "ChannelError",
    "MediaError",
    "SendError",
    "SignatureInvalid",
    "SignatureMissing",
    "WebhookRejected",
]
