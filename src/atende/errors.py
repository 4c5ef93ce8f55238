"""Every error atende raises on purpose, in one tree, so callers decide by class:

AtendeError                        base of all of them
├── InvalidInput (ValueError)      a caller sent something we refuse          → 400 / CLI error
│   ├── InvalidPhone               text that is not a phone number
│   ├── UnreadableDocument         a knowledge-base file we cannot read
│   ├── UnknownProvider            a channel provider atende has no adapter for
│   └── ConfigurationError         settings that cannot work (queue URL, secret key…)
├── Unauthenticated                no valid admin API key with the request     → 401
├── NotFound (LookupError)         the named thing is not in this organization → 404
├── Conflict                       the request clashes with what is stored     → 409
│   ├── SlugTaken                  an organization with this slug exists
│   ├── SlotTaken                  the time was booked first by someone else
│   ├── SlotUnavailable            the shop's calendar has no room then (closed, a break…)
│   ├── BookingChangeRefused       a booking cannot move to the asked status
│   └── OrphansBookings            a change would leave future bookings without a
│                                  resource, a service or an open hour (carries their ids)
├── ChannelError                   a provider did wrong or refused
│   ├── WebhookRejected            a webhook we answer with a 4xx, storing nothing
│   │   ├── SignatureMissing       no credentials                            → 401
│   │   ├── SignatureInvalid       wrong credentials                         → 403
│   │   └── BadPayload             authentic, but not something we can read   → 400
│   ├── MediaError                 inbound media could not be fetched
│   └── SendError                  a send attempt failed
│         is_transient = True      5xx, 429, timeouts, connection errors → retry with backoff
│         is_transient = False     any other 4xx                         → failed at once
├── ModelError                     a language or embedding model failed; the offline brain answers
│   ├── LlmError                   chat completion failed after retries (carries its call record)
│   └── EmbeddingError             the embeddings endpoint failed; search falls back to words
├── SecretsUnreadable              stored secrets do not open with the configured key → 500
├── NotifyError                    an alert could not be told through a target (SMTP, a
│                                  webhook, no healthy channel); retried later
└── SpeechError                    audio in or out failed
    ├── TranscriptionError         a voice note could not become text
    │   └── TooLong                longer than the configured limit
    └── SynthesisError             a voice reply could not be synthesized     → retried later

The web layer maps these classes to statuses in exception handlers (``web/errors.py``);
the CLI prints any ``AtendeError`` as ``error: …`` with exit code 2. This module imports
nothing of atende, so every room may raise from it.
"""

from __future__ import annotations

from typing import Any


class AtendeError(Exception):
    """Base of every error atende raises on purpose."""


class InvalidInput(AtendeError, ValueError):
    """Input we refuse: the message says what is wrong, for a person to fix."""


class InvalidPhone(InvalidInput):
    """Text that cannot be a phone number."""


class UnreadableDocument(InvalidInput):
    """A knowledge-base file of an unsupported type, unreadable, or without text."""


class UnknownProvider(InvalidInput):
    """A channel provider atende has no adapter for."""


class ConfigurationError(InvalidInput):
    """Settings that cannot work as given."""


class Unauthenticated(AtendeError):
    """The request carries no admin API key, or one no organization holds."""


class NotFound(AtendeError, LookupError):
    """The named thing does not exist in the caller's organization."""


class Conflict(AtendeError):
    """The request clashes with what is stored now."""


class SlugTaken(Conflict):
    """An organization with this slug already exists."""


class SlotTaken(Conflict):
    """The asked time was booked by someone else first."""


class SlotUnavailable(Conflict):
    """The shop's calendar refuses the time (closed, a break, a holiday, past)."""


class BookingChangeRefused(Conflict):
    """A booking cannot move to the asked status (e.g. a cancelled one marked attended)."""


class OrphansBookings(Conflict):
    """A change to the shop (removing a resource or a service, closing a day, new hours)
    would leave future bookings without what they need; ``booking_ids`` names them. The
    caller may ask for them to be moved or cancelled instead."""

    def __init__(self, message: str, booking_ids: list[int]) -> None:
        super().__init__(message)
        self.booking_ids = booking_ids


class SecretsUnreadable(AtendeError):
    """Stored credentials cannot be decrypted: a wrong ATENDE_SECRET_KEY (or key file),
    or an old key dropped before ``rotate-key`` re-encrypted everything. Never garbage."""


class ChannelError(AtendeError):
    """Anything a provider did wrong or refused."""


class WebhookRejected(ChannelError):
    """A webhook refused with a 4xx: nothing of it is stored."""

    status = 400


class SignatureMissing(WebhookRejected):
    status = 401


class SignatureInvalid(WebhookRejected):
    status = 403


class BadPayload(WebhookRejected):
    status = 400


class MediaError(ChannelError):
    """Inbound media could not be fetched (gone, too large, provider down)."""


class SendError(ChannelError):
    """A send attempt failed; ``is_transient`` says whether trying again may help.
    ``rate_limit`` names what a provider's rate-limit answer is about (``channel``: the
    number sends too fast; ``contact``: too fast to this person; ``campaigns``: Meta's
    spam limit) — such a send waits without spending an attempt — and ``retry_after``
    the seconds the provider asked for, when it said."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        is_transient: bool,
        rate_limit: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.is_transient = is_transient
        self.rate_limit = rate_limit
        self.retry_after = retry_after


class ModelError(AtendeError):
    """A model endpoint failed; the caller falls back to what needs no model."""


class LlmError(ModelError):
    """The chat model could not be reached or answered nonsense, after retries.
    ``record`` is the measured call (tokens, latency, outcome) for accounting."""

    def __init__(self, message: str, record: Any) -> None:
        super().__init__(message)
        self.record = record


class EmbeddingError(ModelError):
    """The embeddings endpoint failed or answered vectors of the wrong shape."""


class SpeechError(AtendeError):
    """Audio could not be turned into text, or text into audio."""


class TranscriptionError(SpeechError):
    """The audio could not be turned into text (service down, bad answer, bad audio)."""


class TooLong(TranscriptionError):
    """The voice note is longer than the configured limit."""


class SynthesisError(SpeechError):
    """A voice reply could not be synthesized (speaker down, bad answer, none configured)."""


class NotifyError(AtendeError):
    """An alert could not be told through one target; its message never carries a secret
    (no password, no webhook URL), so it may be logged and stored."""
