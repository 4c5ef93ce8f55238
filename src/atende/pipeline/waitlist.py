"""The waitlist's ticker job: expire holds nobody answered, and offer freed times to the
first in line.

Every minute, for an organization with anything waiting or held, the job is claimed
once (a periodic mark per local minute) and, in that one transaction:

1. holds whose time to answer ran out are released and their entries ``expired``
   (``storage/waitlist.py``); entries whose day went by are ``expired`` too;
2. each entry still waiting, first in line first, gets the first time that fits it —
   free on its day now (in its period, nearest its time), at least the hold ahead, never
   offered to it before — held for it (a ``held`` booking) for the organization's
   ``waitlist_hold_minutes``, with a message through the normal outbound path
   ("responda *sim* para ficar com ele") and the offer written in the conversation's
   dialogue state, so the "sim" is read as its answer (``brain/offline/waitlist_answers``).

A time is offered when it is free, whatever freed it: a customer's cancel or move, staff
through the API or the CLI, a hold released, a new resource. A customer being answered
right now keeps their place: nobody behind them in that day's line is offered anything
until the next minute. Customers who opted out of campaigns are offered too (they asked).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from atende.brain.dialogue import catalogue
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.state import DialogueState
from atende.domain.entities import Choices, ServiceInfo
from atende.errors import SlotTaken
from atende.pipeline.proactive import remember, shop_context
from atende.storage import campaigns, marks, orgs
from atende.storage import messages as message_repo
from atende.storage import waitlist as repo
from atende.storage.db import transaction
from atende.storage.models import Contact, Organization, Pet, WaitlistEntry

log = logging.getLogger(__name__)

MARK = "waitlist"
Target = tuple[Contact, int, str]  # the contact, its conversation and channel


class _Busy(Exception):
    """The customer is being answered right now: the offer waits for the next minute."""


class WaitlistOffers:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def run(self, org_id: int, now: datetime) -> list[tuple[int, float]]:
        """Expire, then offer; the messages queued (sent at once)."""
        with self._sessions() as session:  # most minutes nothing is due: decide read-only
            org = session.get(Organization, org_id)
            if org is None:
                return []
            local = now.astimezone(ZoneInfo(org.timezone))
            key = local.strftime("%Y-%m-%dT%H:%M")
            if not repo.due(session, org_id, now, local.date()):
                return []
            if marks.marked(session, org_id, MARK, key):
                return []
        with transaction(self._sessions) as session:
            org = session.get(Organization, org_id)
            if org is None or not marks.claim(session, org_id, MARK, key):
                return []
            repo.expire_offers(session, org_id, now)
            repo.expire_past(session, org_id, local.date())
            if not orgs.settings_of(org).waitlist:
                return []
            return [(message_id, 0.0) for message_id in self._offer(session, org, now)]

    def _offer(self, session: Session, org: Organization, now: datetime) -> list[int]:
        ctx = shop_context(session, org, now)
        minutes = orgs.settings_of(org).waitlist_hold_minutes
        entries = repo.waiting(session, org.id, ctx.today)
        reach = {
            contact.id: (contact, conv_id, channel_id)
            for contact, conv_id, channel_id in campaigns.reachable(
                session, org.id, sorted({e.contact_id for e in entries})
            )
        }
        stopped: set[tuple[date, int]] = set()  # lines whose first is being answered
        queued: list[int] = []
        for entry in entries:
            line = (entry.day, entry.service_id)
            service = ctx.service(entry.service_id)
            target = reach.get(entry.contact_id)
            if line in stopped or service is None or target is None:
                continue
            start = fitting_time(ctx, entry, service, minutes)
            if start is None:
                continue
            try:
                found = _hold(ctx, entry, service, start, target, minutes)
            except _Busy:
                stopped.add(line)
                continue
            if found is not None:
                queued.append(found)
        if queued:
            log.info("organization %s: %d waitlist offer(s) queued", org.id, len(queued))
        return queued


def fitting_time(
    ctx: DialogueContext, entry: WaitlistEntry, service: ServiceInfo, minutes: int
) -> datetime | None:
    """The time to offer ``entry``: free on its day for its pet, in its period, at least
    ``minutes`` (the hold) ahead, not offered to it before; nearest the time it wanted."""
    pet = ctx.session.get(Pet, entry.pet_id) if entry.pet_id is not None else None
    earliest = ctx.now + timedelta(minutes=minutes)
    tried = {datetime.fromisoformat(stamp) for stamp in entry.offered}
    free = [
        s
        for s in ctx.free(service, entry.day, entry.period, pet=pet)
        if s >= earliest and s not in tried
    ]
    if not free or entry.wanted_at is None:
        return free[0] if free else None
    wanted = entry.wanted_at.hour * 60 + entry.wanted_at.minute
    return min(free, key=lambda s: abs(s.hour * 60 + s.minute - wanted))


def _hold(
    ctx: DialogueContext,
    entry: WaitlistEntry,
    service: ServiceInfo,
    start: datetime,
    target: Target,
    minutes: int,
) -> int | None:
    """Hold ``start`` for the entry and queue its offer, all or nothing; the message id,
    or None when the time or the entry was taken meanwhile. ``_Busy`` when the customer
    is being answered (nothing held)."""
    session, now = ctx.session, ctx.now
    contact, conv_id, channel_id = target
    try:
        with session.begin_nested():
            held = repo.offer(
                session, ctx.turn.org.id, entry, start, now + timedelta(minutes=minutes)
            )
            if held is None:
                return None
            if not remember(session, conv_id, offered(held.id, now)):
                raise _Busy
            text = offer_text(ctx, contact, entry, service, start, minutes)
            return message_repo.add_outbound(
                session,
                ctx.turn.org.id,
                conv_id,
                channel_id,
                text,
                f"waitlist:{entry.id}:{start.isoformat()}",
                author="waitlist",
                choices=Choices("buttons", text, catalogue.YES_NO),
            )
    except (SlotTaken, IntegrityError):
        return None


def offer_text(
    ctx: DialogueContext,
    contact: Contact,
    entry: WaitlistEntry,
    service: ServiceInfo,
    start: datetime,
    minutes: int,
) -> str:
    pet = ctx.session.get(Pet, entry.pet_id) if entry.pet_id is not None else None
    local = start.astimezone(ctx.tz)
    return catalogue.waitlist_offer(
        hello=say.hello(contact.name),
        service=service,
        pet=pet.name if pet is not None else None,
        when=f"{say.day_label(local.date(), ctx.today)} às {say.hhmm(local)}",
        minutes=minutes,
    )


def offered(booking_id: int, now: datetime) -> Callable[[DialogueState], None]:
    """The change an offer makes to the customer's dialogue state."""

    def change(state: DialogueState) -> None:
        state.waitlist_booking_id = booking_id
        state.waitlist_offered_at = now

    return change
