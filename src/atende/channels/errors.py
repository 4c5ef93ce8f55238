"""Channel errors, drawn as a tree so callers can decide what to do with each:

ChannelError                 anything a provider did wrong or refused
├── SignatureMissing         webhook without its signature header      → 401
├── SignatureInvalid         webhook whose signature does not match    → 403
├── BadPayload               verified webhook we cannot parse          → 400
└── SendError                a send attempt failed
      is_transient = True    5xx, 429, timeouts, connection errors → retry with backoff
      is_transient = False   any other 4xx                          → failed at once
"""

from __future__ import annotations


class ChannelError(Exception):
    """Base of every error a channel adapter raises."""


class SignatureMissing(ChannelError):
    pass


class SignatureInvalid(ChannelError):
    pass


class BadPayload(ChannelError):
    pass


class MediaError(ChannelError):
    pass


class SendError(ChannelError):
    def __init__(self, message: str, *, code: str, is_transient: bool) -> None:
        super().__init__(message)
        self.code = code
        self.is_transient = is_transient
