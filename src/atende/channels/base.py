"""The channel interface and the normalized events every adapter produces."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, Protocol, runtime_checkable

import httpx

from atende import clock
from atende.channels.errors import MediaError, SendError
from atende.domain.entities import Choices


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """What an adapter needs from a stored channel (credentials never logged)."""

    id: str
    organization_id: int
    provider: str
    address: str
    credentials: Mapping[str, str] = field(repr=False)


@dataclass(frozen=True, slots=True)
class InboundMessage:
    provider_id: str
    sender: str  # E.164
    sender_name: str | None
    kind: str  # text | audio | image | ...
    body: str
    media_url: str | None = None
    media_type: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    provider_id: str
    status: str  # our MessageStatus values
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class OutboundEcho:
    """A message the business number sent: our own send, or a person on the phone."""

    provider_id: str
    recipient: str  # E.164
    body: str


@dataclass(frozen=True, slots=True)
class ConnectionUpdate:
    """A WhatsApp Web session changed state (open, connecting, close, refused)."""

    state: str
    reason: str | None = None
    pairing_code: str | None = None
    qr: str | None = None


Event = InboundMessage | DeliveryStatus | OutboundEcho | ConnectionUpdate


@dataclass(frozen=True, slots=True)
class Rejection:
    """One item of a delivery that could not be read; the others still count.

    ``reason`` is a short label for metrics (``malformed``, ``bad_phone``…); ``detail``
    names the field, never its value (logs must not carry customers' text or secrets).
    """

    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a verified delivery holds: the events to apply and the items skipped."""

    events: list[Event] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """A webhook as the web layer received it: raw bytes, headers, the public URL, and
    when it arrived (the "now" that time-limited credentials are checked against)."""

    raw_body: bytes
    headers: Mapping[str, str]
    public_url: str
    query: Mapping[str, str] = field(default_factory=dict)
    received_at: datetime = field(default_factory=clock.now)


@dataclass(frozen=True, slots=True)
class Ack:
    """What to answer the provider once the events are stored."""

    body: str
    media_type: str = "text/plain"
    status: int = 200


@dataclass(frozen=True, slots=True)
class SendResult:
    """``provider_id`` is None when the provider accepted the message but gave no id."""

    provider_id: str | None


@runtime_checkable
class WindowedChannel(Protocol):
    """Providers that accept free text only within a window after the customer's last
    message (Meta, Twilio: 24 h); outside it, only approved templates."""

    window_hours: float

    def send_template(
        self, to: str, text: str, template: dict[str, str], *, status_callback: str | None
    ) -> SendResult:
        """Send ``text`` as the single body variable of the organization's template."""


@runtime_checkable
class SubscriptionVerifier(Protocol):
    """Providers that verify a webhook URL with a GET handshake (Meta)."""

    def verify_subscription(self, query: Mapping[str, str]) -> str:
        """The body to echo back; SignatureInvalid when the token does not match."""


@runtime_checkable
class SentLookup(Protocol):
    """Providers that can list what the account sent (Twilio, Evolution). A send whose
    worker died after calling the provider has an unknown outcome; asking first turns
    most of those into "it went out" instead of a duplicate for the customer.

    The rule for "this one is ours": sent to ``to`` (E.164), with exactly ``body``
    (surrounding whitespace aside), created by the provider at or after ``since``. The
    caller drops ids it already recorded for another message (two identical replies in
    a row), so only an unrecorded match counts."""

    def find_sent(
        self, to: str, body: str, since: datetime, choices: Choices | None = None
    ) -> list[str] | None:
        """Provider ids of the matching messages, oldest first (empty: none was sent);
        None when this message cannot be recognised (``choices`` the provider renders
        with a body of its own); SendError when the provider could not be asked or not
        searched far enough."""


class Channel(Protocol):
    """An adapter for one provider account. Only ``send_text`` is required to reply."""

    config: ChannelConfig

    def verify(self, request: WebhookRequest) -> None:
        """Raise SignatureMissing / SignatureInvalid unless the request is authentic,
        judging from headers and raw bytes before anything is parsed for use."""

    def parse(self, request: WebhookRequest) -> Parsed:
        """Turn a verified webhook into normalized events, item by item: a malformed
        item becomes a Rejection; BadPayload only when the delivery as a whole is."""

    def ack(self) -> Ack:
        """The body a provider expects when a webhook was accepted."""

    def send_text(
        self,
        to: str,
        text: str,
        *,
        status_callback: str | None,
        choices: Choices | None = None,
        typing: float = 0.0,
    ) -> SendResult:
        """Send a text message; raise SendError with ``is_transient`` set. ``choices``
        (see brain.base.Reply) may be shown as tappable options; the text stands alone.
        ``typing``: seconds of "typing…" the customer sees first, where the provider can
        show it (WhatsApp Web); the others send at once."""

    def fetch_media(self, ref: str, dest: BinaryIO, max_bytes: int) -> str:
        """Download an inbound message's media into ``dest`` (MediaError if it cannot)."""

    def send_audio(
        self, to: str, url: str, audio: bytes, content_type: str, *, status_callback: str | None
    ) -> SendResult:
        """Send a voice reply: by ``url`` (served by atende until it expires) or inline."""


# Provider error codes that mean "too fast", and what they are about (PROVIDER-LIMITS in
# the architecture notes): Meta 130429 throughput, 131056 pair rate, 131048 spam limit;
# Twilio 63018 channel rate. HTTP 429 from any provider is the channel's.
RATE_LIMITS = {"130429": "channel", "131056": "contact", "131048": "campaigns", "63018": "channel"}
# Meta codes worth trying again later (generic error, number in maintenance)
TRANSIENT_CODES = frozenset({"131000", "131057"})


def provider_code(response: httpx.Response) -> str | None:
    """The provider's own error code in a JSON error answer: Meta's ``error.code``,
    Twilio's ``code``."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    code = error.get("code") if isinstance(error, dict) else body.get("code")
    return str(code) if isinstance(code, int | str) and str(code).isdigit() else None


def _retry_after(response: httpx.Response) -> float | None:
    try:
        seconds = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return seconds if 0 <= seconds <= 3600 else None


def raise_for_send(response: httpx.Response) -> None:
    """Map a provider's HTTP answer onto SendError's transient/permanent split, with the
    provider's own code where it gives one (a rate limit waits without an attempt)."""
    if response.is_success:
        return
    status = response.status_code
    own = provider_code(response)
    # the provider's code says more than a 4xx (Meta 131047, Twilio 21211); a 5xx is a 5xx
    code = own if own is not None and (status < 500 or own in RATE_LIMITS) else str(status)
    rate_limit = RATE_LIMITS.get(code) or ("channel" if status == 429 else None)
    transient = status >= 500 or status in (408, 409, 425) or code in TRANSIENT_CODES
    raise SendError(
        f"provider answered {status}: {response.text[:300]}",
        code=code,
        is_transient=transient or rate_limit is not None,
        rate_limit=rate_limit,
        retry_after=_retry_after(response),
    )


def post_or_raise(client: httpx.Client, url: str, **kwargs: Any) -> httpx.Response:
    """POST and turn transport failures (timeouts, refused connections) into transient errors."""
    return request_or_raise(client, "POST", url, **kwargs)


def request_or_raise(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Any request, with post_or_raise's mapping of failures onto SendError."""
    try:
        response = client.request(method, url, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise SendError(  # never reached the provider: sending again cannot duplicate
            f"transport: {exc.__class__.__name__}", code="transport", is_transient=True
        ) from exc
    except httpx.TransportError as exc:  # timeouts, resets: the provider may have it
        raise SendError(
            f"timeout: {exc.__class__.__name__}", code="timeout", is_transient=True
        ) from exc
    raise_for_send(response)
    return response


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison that takes any text: a header or JSON value with
    non-ASCII characters or lone surrogates is simply unequal, never an exception."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def download(client: httpx.Client, url: str, dest: BinaryIO, max_bytes: int, **kwargs: Any) -> str:
    """Stream a media file into ``dest``, refusing more than ``max_bytes``; its MIME type."""
    try:
        with client.stream("GET", url, follow_redirects=True, **kwargs) as response:
            if not response.is_success:
                raise MediaError(f"media download answered {response.status_code}")
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise MediaError(f"media larger than {max_bytes} bytes")
                dest.write(chunk)
            return str(response.headers.get("content-type", "application/octet-stream"))
    except httpx.HTTPError as exc:
        raise MediaError(f"media download failed: {exc.__class__.__name__}") from exc
