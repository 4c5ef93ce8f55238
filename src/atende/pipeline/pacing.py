"""Whether a claimed message may go now, and how long it waits otherwise.

Checked in one transaction right before each send, by whichever worker holds the claim:

1. the channel's breaker: open → wait for the probe (one send per interval probes);
2. campaigns paused on the channel (Meta's spam limit, 131048) → a campaign waits;
3. the hourly and daily caps of business-initiated sends (WhatsApp Web, with its
   warm-up) → wait until the oldest send of the window leaves it;
4. the pace: of the channel (and its media), of one customer (Meta: 6 s), and of what
   atende starts itself (WhatsApp Web: 10–30 s with jitter).

A reply *queues* for the channel's next slot when that slot is at most
``REPLY_QUEUES_WITHIN`` seconds away: it takes it, and the worker sleeps the moment.
Its customer's own slot (Meta: 6 s) is not queued for: a conversation has one message
in flight at a time (``storage.sends``), so nobody else can take it; when it comes after
the channel's next slot the reply takes nothing yet and asks again at that moment (the
worker sleeps when it is near, the message goes back to the queue when it is further).
Every slot a send takes is taken for the moment it really goes: a channel slot taken
for a moment the send then waits past would let another send go beside it.
Reminders and campaigns take their slots only when all are free now, all at once or
none — so a campaign never holds a slot ahead of a customer who is waiting for an
answer. A wait is not an attempt: the message goes back to ``queued`` with
``next_attempt_at`` and its send job is scheduled for then.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from atende.domain.sending import Pacing, SendClass, pacing_for
from atende.errors import ConfigurationError
from atende.storage import pace
from atende.storage.models import Channel

log = logging.getLogger(__name__)

REPLY_QUEUES_WITHIN = 2.0  # seconds a worker may sleep for a reply's slot

_Key = tuple[str, float]  # a pace key and its interval in seconds

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def pacing_of(channel: Channel | None) -> Pacing:
    """The channel's pacing; its provider's defaults when its own settings are invalid
    (a bad setting must not stop a channel from sending or answering)."""
    if channel is None:
        return Pacing()
    try:
        return pacing_for(channel.provider, channel.pacing)
    except ConfigurationError:
        log.error("channel %s has invalid pacing settings; using the defaults", channel.id)
        return pacing_for(channel.provider, None)


@dataclass(frozen=True, slots=True)
class Sending:
    """What the gate needs to know about one claimed message."""

    message_id: int
    channel_id: str
    phone: str
    send_class: SendClass
    media: bool
    channel_age_days: int
    campaigns_paused_until: datetime | None
    connection_open: bool


@dataclass(frozen=True, slots=True)
class Verdict:
    """``go``: the message's slots are taken and it goes in ``wait`` seconds (0: now).
    Otherwise it may not go yet; ask again in ``wait`` seconds (``reason`` says why).
    ``probe``: it goes as the breaker's probe."""

    wait: float
    reason: str = ""
    probe: bool = False
    go: bool = False


@dataclass(frozen=True, slots=True)
class BreakerSettings:
    threshold: int = 5  # transient failures in a row that open it
    probe_seconds: float = 30.0  # one probe per interval while open


def gate(
    session: Session,
    sending: Sending,
    pacing: Pacing,
    breaker: BreakerSettings,
    now: datetime,
    rng: random.Random | None = None,
) -> Verdict:
    """May ``sending`` go now? Takes its pace slots when it may (a reply: when its
    channel slot is near)."""
    if not sending.connection_open:
        pace.open_breaker(session, sending.channel_id, now, breaker.probe_seconds, "connection")
    verdict = pace.breaker_gate(session, sending.channel_id, now, breaker.probe_seconds)
    if verdict.gate == "wait":
        return Verdict(verdict.wait, "breaker_open")
    probe = verdict.gate == "probe"
    proactive = sending.send_class != SendClass.REPLY
    paused = sending.campaigns_paused_until
    if sending.send_class == SendClass.CAMPAIGN and paused is not None and paused > now:
        return Verdict((paused - now).total_seconds(), "campaigns_paused")
    if proactive:
        capped = _cap_wait(session, sending, pacing, now)
        if capped > 0:
            return Verdict(capped, "cap")
    shared, own = _keys(sending, pacing, rng or random.Random())
    if proactive:
        return _proactive(session, [*shared, *own], now, probe)
    return _reply(session, shared, own, now, probe)


def _proactive(session: Session, keys: list[_Key], now: datetime, probe: bool) -> Verdict:
    """Every slot free now, taken at once; else wait, holding none."""
    waits = [pace.wait_for(session, key, now) for key, _ in keys]
    if any(w > 0 for w in waits):
        return Verdict(max(waits), "paced")
    if not pace.take_free(session, keys, now):  # another worker was quicker
        return Verdict(max(pace.wait_for(session, key, now) for key, _ in keys), "paced")
    return Verdict(0.0, "", probe, go=True)


def _reply(
    session: Session, shared: list[_Key], own: list[_Key], now: datetime, probe: bool
) -> Verdict:
    """Queue for the channel's next slot if it is near and the customer's own slot is
    free by then; take the customer's slot for that same moment."""
    shared_wait = max((pace.wait_for(session, key, now) for key, _ in shared), default=0.0)
    own_wait = max((pace.wait_for(session, key, now) for key, _ in own), default=0.0)
    if max(shared_wait, own_wait) > REPLY_QUEUES_WITHIN or own_wait > shared_wait:
        return Verdict(max(shared_wait, own_wait), "paced")  # nothing taken: ask again then
    wait = max((pace.take(session, key, interval, now) for key, interval in shared), default=0.0)
    goes = now + timedelta(seconds=wait)
    for key, interval in own:
        pace.push(session, key, goes + timedelta(seconds=interval))
    return Verdict(wait, "paced" if wait > 0 else "", probe, go=True)


def _keys(sending: Sending, pacing: Pacing, rng: random.Random) -> tuple[list[_Key], list[_Key]]:
    """The pace keys this message must take a slot of, each with its interval: those
    the channel's sends share, and its customer's own."""
    channel = sending.channel_id
    shared: list[_Key] = []
    if sending.media and pacing.media_interval > 0:
        shared.append((f"media:{channel}", pacing.media_interval))
    elif pacing.min_interval > 0:
        shared.append((f"channel:{channel}", pacing.min_interval))
    if sending.send_class != SendClass.REPLY and pacing.proactive_gap > 0:
        gap = pacing.proactive_gap + rng.random() * pacing.proactive_jitter
        shared.append((f"proactive:{channel}", gap))
    own = [(f"contact:{channel}:{sending.phone}", pacing.per_contact)]
    return shared, own if pacing.per_contact > 0 else []


def _cap_wait(session: Session, sending: Sending, pacing: Pacing, now: datetime) -> float:
    """Seconds until a business-initiated message fits under the hourly and daily caps."""
    per_hour, per_day = pacing.caps_on(sending.channel_age_days)
    if not per_hour and not per_day:
        return 0.0
    sent = pace.sent_since(session, sending.channel_id, now - DAY)
    wait = 0.0
    for cap, window in ((per_hour, HOUR), (per_day, DAY)):
        if not cap:
            continue
        inside = [t for t in sent if t >= now - window]
        if len(inside) >= cap:  # the oldest that must leave the window first
            leaves = inside[len(inside) - cap] + window
            wait = max(wait, (leaves - now).total_seconds())
    return wait
