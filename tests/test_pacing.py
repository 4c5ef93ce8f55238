"""Paced sends through the real dispatcher, a real fake Twilio over HTTP and SQLite: the
pace of a channel, provider rate limits that wait without spending an attempt, and the
circuit breaker that opens, probes once per interval and releases the backlog in order.
(Two `atende worker` processes sharing one pace: tests/test_pacing_workers.py.)"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select, update

from atende.channels.base import raise_for_send
from atende.domain.entities import Choices
from atende.domain.sending import UNPACED, Pacing, Part, SendClass, pacing_for, reply_parts
from atende.errors import SendError
from atende.pipeline.pacing import BreakerSettings, Sending, Verdict, gate
from atende.storage import messages, sends
from atende.storage.db import transaction
from atende.storage.models import Channel, ChannelBreaker, Message, SendAttempt
from atende.storage.types import utcnow
from tests.conftest import Shop
from tests.support import send_rows
from tests.support.api_server import add_conversation


def _pace(shop: Shop, **pacing: object) -> None:
    with transaction(shop.runtime.sessions) as s:
        row = s.get(Channel, shop.channel_id)
        assert row is not None
        row.pacing = {**UNPACED, **pacing}


def _outbound(shop: Shop) -> list[Message]:
    with shop.runtime.sessions() as s:
        return list(
            s.scalars(select(Message).where(Message.direction == "out").order_by(Message.id))
        )


def _error(status: int, body: dict[str, object], **headers: str) -> SendError:
    with pytest.raises(SendError) as caught:
        raise_for_send(httpx.Response(status, json=body, headers=headers))
    return caught.value


def test_provider_rate_limit_answers_are_told_from_failures() -> None:
    pair = _error(400, {"error": {"code": 131056, "message": "pair rate limit"}})
    assert (pair.code, pair.rate_limit, pair.is_transient) == ("131056", "contact", True)
    assert _error(400, {"error": {"code": 130429}}).rate_limit == "channel"
    assert _error(400, {"error": {"code": 131048}}).rate_limit == "campaigns"
    twilio = _error(429, {"code": 63018, "status": 429}, **{"Retry-After": "3"})
    assert (twilio.rate_limit, twilio.retry_after) == ("channel", 3.0)
    outside = _error(400, {"error": {"code": 131047}})  # a template is needed: no retry
    assert (outside.rate_limit, outside.is_transient) == (None, False)
    down = _error(503, {"code": 20500})
    assert (down.code, down.rate_limit, down.is_transient) == ("503", None, True)


def test_pacing_defaults_follow_the_providers_limits() -> None:
    meta, twilio, evolution = (pacing_for(p, None) for p in ("meta", "twilio", "evolution"))
    assert meta.min_interval == pytest.approx(1 / 80) and meta.per_contact == 6.0
    assert twilio.min_interval == pytest.approx(0.1) and twilio.media_interval == 1.0
    assert evolution.proactive_gap == 10.0 and evolution.proactive_jitter == 20.0
    assert evolution.caps_on(0) == (20, 50) and evolution.caps_on(30) == (80, 500)
    assert pacing_for("twilio", {"min_interval": 0.5}).min_interval == 0.5
    assert Pacing().caps_on(0) == (0, 0)


def test_the_parts_of_a_reply_merge_without_cutting_anything() -> None:
    yes = Choices("buttons", "Posso confirmar?", ("Sim", "Não"))
    assert reply_parts(["a", "b"], yes, merge=False) == [Part("a"), Part("b", yes)]
    assert reply_parts(["a", "", "b", "c"], None, merge=True) == [Part("a\n\nb\n\nc")]
    joined = "a\n\nPosso confirmar?"
    assert reply_parts(["a", "Posso confirmar?"], yes, merge=True) == [
        Part(joined, Choices("buttons", joined, ("Sim", "Não")))
    ]
    listed = Choices("list", "Horários livres. Qual prefere?", ("08:00", "09:00"))
    [part] = reply_parts(["R$ 45", "Horários livres:\n1. 08:00\n2. 09:00"], listed, merge=True)
    assert part.text == "R$ 45\n\nHorários livres:\n1. 08:00\n2. 09:00"
    assert part.choices == Choices(
        "list", "R$ 45\n\nHorários livres. Qual prefere?", listed.options
    )
    long = "x" * 3000  # two would pass WhatsApp's 4,096 characters: two messages
    assert reply_parts([long, long, "y"], None, merge=True) == [Part(long), Part(f"{long}\n\ny")]
    answer = "z" * 1100  # past the 1,024 characters above buttons: the buttons go alone
    assert reply_parts(["a", answer, "Posso confirmar?"], yes, merge=True) == [
        Part(f"a\n\n{answer}"),
        Part("Posso confirmar?", yes),
    ]
    assert pacing_for("meta", None).merge_parts and not pacing_for("twilio", None).merge_parts


def test_a_twilio_rate_limit_waits_without_spending_an_attempt(shop: Shop) -> None:
    _pace(shop)
    shop.twilio.fail_next("429:63018")
    shop.post_inbound("oi", phone="+5511999997001")
    shop.wait_replies("+5511999997001", 1, timeout=30)
    shop.settle(timeout=30)
    [reply] = _outbound(shop)
    assert (reply.status, reply.attempts, reply.deferrals) == ("sent", 1, 1)
    with shop.runtime.sessions() as s:
        outcomes = list(
            s.scalars(
                select(SendAttempt.outcome)
                .where(SendAttempt.message_id == reply.id)
                .order_by(SendAttempt.id)
            )
        )
    assert outcomes == ["deferred", "sent"]


@pytest.fixture
def fragile_shop(shop_factory: Callable[..., Shop], sqlite_url: str) -> Shop:
    """A shop whose channel's breaker opens after 2 failures and probes every second."""
    return shop_factory(sqlite_url, breaker_failures=2, breaker_probe_seconds=1.0)


def test_the_breaker_opens_probes_and_releases_the_backlog_in_order(fragile_shop: Shop) -> None:
    shop = fragile_shop
    _pace(shop)
    opened_before = REGISTRY.get_sample_value("atende_breaker_opened_total") or 0.0
    shop.twilio.fail_next(503, 503, 503)  # two open the breaker, the first probe fails too
    shop.post_inbound("oi", phone="+5511999997002")
    shop.post_inbound("qual o endereço?", phone="+5511999997003")
    shop.post_inbound("bom dia", phone="+5511999997004")
    shop.settle(timeout=40)
    replies = _outbound(shop)
    assert replies and all(m.status == "sent" for m in replies)
    assert shop.twilio.attempts == 3 + len(replies)  # the outage burned 3 tries, no more
    assert max(m.attempts for m in replies) <= shop.runtime.settings.send_max_attempts
    with shop.runtime.sessions() as s:
        breaker = s.get(ChannelBreaker, shop.channel_id)
        assert breaker is not None and (breaker.state, breaker.failures) == ("closed", 0)
    opened = (REGISTRY.get_sample_value("atende_breaker_opened_total") or 0.0) - opened_before
    assert opened == 1
    sent_order = [s.form["To"] for s in shop.twilio.sent]
    for phone in ("+5511999997002", "+5511999997003", "+5511999997004"):
        assert f"whatsapp:{phone}" in sent_order  # everyone answered once the probe passed


def test_the_sweeper_finds_replies_before_campaigns(shop: Shop) -> None:
    shop.post_inbound("oi", phone="+5511999997005")
    shop.settle()
    [reply] = _outbound(shop)
    with transaction(shop.runtime.sessions) as s:
        campaign = messages.add_outbound(
            s,
            shop.org_id,
            reply.conversation_id,
            shop.channel_id,
            "promo",
            "c:1",
            author="campaign",
        )
        later = messages.add_outbound(
            s, shop.org_id, reply.conversation_id, shop.channel_id, "oi de novo", "r:2"
        )
        s.execute(
            update(Message)
            .where(Message.id.in_((campaign, later)))
            .values(created_at=utcnow() - timedelta(minutes=5))
        )
    with shop.runtime.sessions() as s:
        due = sends.due_sends(s, grace_seconds=1)
    assert [(i, c) for i, _, c in due] == [(later, SendClass.REPLY), (campaign, SendClass.CAMPAIGN)]


def _gate_at(shop: Shop, pacing: Pacing, t0: datetime) -> Callable[..., Verdict]:
    """The gate as a worker asks it, at a moment ``at`` seconds after ``t0``."""

    def ask(message_id: int, phone: str, send_class: SendClass, at: float) -> Verdict:
        sending = Sending(message_id, shop.channel_id, phone, send_class, False, 30, None, True)
        with transaction(shop.runtime.sessions) as s:
            return gate(s, sending, pacing, BreakerSettings(), t0 + timedelta(seconds=at))

    return ask


def test_a_reply_waiting_for_a_customer_slot_does_not_push_it_further(shop: Shop) -> None:
    """Meta lets one message in 6 s reach one person: a second reply waits for that
    slot, and coming back early (the sweeper, a retry, the worker asking again) never
    moves the slot later."""
    ask = _gate_at(shop, Pacing(per_contact=6.0), utcnow())
    phone = "+5511900000001"
    assert ask(1, phone, SendClass.REPLY, 0) == Verdict(0.0, go=True)
    assert ask(2, phone, SendClass.REPLY, 0) == Verdict(pytest.approx(6.0), "paced")
    assert ask(2, phone, SendClass.REPLY, 1) == Verdict(pytest.approx(5.0), "paced")
    assert ask(2, phone, SendClass.REPLY, 4.5) == Verdict(pytest.approx(1.5), "paced")
    assert ask(2, phone, SendClass.REPLY, 6.0) == Verdict(0.0, go=True)  # its moment
    assert ask(3, phone, SendClass.REPLY, 6.0) == Verdict(pytest.approx(6.0), "paced")


def test_a_channel_slot_is_taken_for_the_moment_the_send_goes(shop: Shop) -> None:
    """A reply held back by its customer's own slot takes no channel slot meanwhile;
    when it goes, it takes the channel's slot of that moment, so no other send goes
    beside it. A campaign takes slots only when they are free now, and holds none while
    it waits: a reply then queues for the channel's next slot, not one after it."""
    ask = _gate_at(shop, Pacing(min_interval=0.5, per_contact=2.0), utcnow())
    ana, bia, caio, davi = (f"+551190000000{n}" for n in range(1, 5))
    assert ask(1, ana, SendClass.REPLY, 0) == Verdict(0.0, go=True)
    # Ana's next message: the channel is free at 0.5, Ana only at 2.0 → nothing taken
    assert ask(2, ana, SendClass.REPLY, 0.1) == Verdict(pytest.approx(1.9), "paced")
    assert ask(3, bia, SendClass.CAMPAIGN, 0.5) == Verdict(0.0, go=True)
    assert ask(4, caio, SendClass.CAMPAIGN, 1.2) == Verdict(0.0, go=True)
    assert ask(2, ana, SendClass.REPLY, 2.0) == Verdict(0.0, go=True)  # goes at 2.0…
    assert ask(5, davi, SendClass.CAMPAIGN, 2.1) == Verdict(pytest.approx(0.4), "paced")
    # …and the campaign that had to wait holds nothing: a reply gets the slot at 2.5
    assert ask(6, bia, SendClass.REPLY, 2.2) == Verdict(pytest.approx(0.3), "paced", go=True)
    assert ask(5, davi, SendClass.CAMPAIGN, 2.5) == Verdict(pytest.approx(0.5), "paced")


def test_a_customer_waiting_for_a_campaign_message_gets_the_answer_first(shop: Shop) -> None:
    """An owner's campaign queues every message at once, each held until its turn
    (``ATENDE_CAMPAIGN_PER_MINUTE``): a customer whose promotion goes out in an hour
    and who writes now is answered now, not after the promotion."""
    _pace(shop)
    phone = "+5511999997006"
    shop.post_inbound("oi", phone=phone)
    shop.wait_replies(phone, 1)
    shop.settle()
    [reply] = _outbound(shop)
    with transaction(shop.runtime.sessions) as s:
        promo = messages.add_outbound(
            s,
            shop.org_id,
            reply.conversation_id,
            shop.channel_id,
            "Promoção de banho 🛁",
            "campaign:9:1",
            author="campaign",
            not_before=utcnow() + timedelta(hours=1),
        )
    shop.post_inbound("qual o endereço?", phone=phone)
    answers = shop.wait_replies(phone, 2, timeout=15)
    assert "Promoção de banho 🛁" not in answers
    with shop.runtime.sessions() as s:
        held = s.get(Message, promo)
        assert held is not None and held.status == "queued"  # still waiting for its turn


def test_a_campaign_message_due_now_waits_for_the_reply_queued_after_it(shop: Shop) -> None:
    """In one conversation, replies go before what atende sends on its own, whatever
    was queued first; one message is on its way at a time."""
    shop.post_inbound("oi", phone="+5511999997007")
    shop.settle()
    [first] = _outbound(shop)
    with transaction(shop.runtime.sessions) as s:
        promo = messages.add_outbound(
            s, shop.org_id, first.conversation_id, shop.channel_id, "promo", "c:7", "campaign"
        )
        answer = messages.add_outbound(
            s, shop.org_id, first.conversation_id, shop.channel_id, "resposta", "r:7"
        )
    assert promo is not None and answer is not None
    lease = shop.runtime.settings.claim_lease_seconds
    with transaction(shop.runtime.sessions) as s:
        assert sends.claim_send(s, promo, lease) is None  # the reply goes first
        assert sends.claim_send(s, answer, lease) is not None
    with transaction(shop.runtime.sessions) as s:
        assert sends.claim_send(s, promo, lease) is None  # not beside it either
        sends.mark_sent(s, answer, "SMreply")
    with transaction(shop.runtime.sessions) as s:
        assert sends.claim_send(s, promo, lease) is not None


def test_what_atende_starts_itself_is_spaced_and_capped_replies_are_not(shop: Shop) -> None:
    """WhatsApp Web: business-initiated sends 10–30 s apart under an hourly cap (here 2);
    a customer's reply meanwhile goes at once, held by neither."""
    web = Pacing(proactive_gap=10.0, proactive_jitter=20.0, per_hour=2, per_day=50)
    t0 = utcnow()
    with transaction(shop.runtime.sessions) as s:
        conv = add_conversation(s, shop.org_id, shop.channel_id, "+5511900000009", t0, t0)

    def verdict(send_class: SendClass, at: timedelta, message_id: int = 1) -> float:
        sending = Sending(
            message_id, shop.channel_id, "+5511900000009", send_class, False, 30, None, True
        )
        with transaction(shop.runtime.sessions) as s:
            return gate(s, sending, web, BreakerSettings(), t0 + at, random.Random(7)).wait

    assert verdict(SendClass.CAMPAIGN, timedelta(0)) == 0.0
    spaced = verdict(SendClass.CAMPAIGN, timedelta(seconds=1))
    assert 9.0 <= spaced <= 29.0  # 10–30 s after the first, minus the second gone by
    assert verdict(SendClass.REPLY, timedelta(seconds=1)) == 0.0
    with transaction(shop.runtime.sessions) as s:  # two campaign messages went this hour
        for minutes_ago in (50, 20):
            mid = send_rows.outbound(
                s, shop.org_id, conv, shop.channel_id, "sent", send_class=SendClass.CAMPAIGN
            )
            send_rows.attempt(s, mid, 1, "sent", t0 - timedelta(minutes=minutes_ago))
    capped = verdict(SendClass.CAMPAIGN, timedelta(minutes=5))
    assert capped == pytest.approx(5 * 60, abs=2)  # until the 50-minute-old one leaves the hour
    assert verdict(SendClass.REPLY, timedelta(minutes=5), message_id=2) == 0.0
