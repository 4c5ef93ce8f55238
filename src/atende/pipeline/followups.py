"""Follow-ups that bring customers back: "faz 15 dias do último banho do Thor", with a
few free times, once per pet and due cycle (``domain/followups.py`` says who is due).

Run by the periodic ticker, once per organization and local day, from its
``followup_time`` until ``SEND_HOURS`` later (never at night: whoever a missed day had
is still due the next), claimed in ``periodic_marks`` in the transaction that queues the
messages. They go out as a campaign does — paced at ``ATENDE_CAMPAIGN_PER_MINUTE``,
never to a customer who answered *sair*, as a template outside the 24-hour window (the
dispatcher decides) — and each is recorded in ``followups``, unique per visit it counts from.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from atende.brain.dialogue import catalogue
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.state import DialogueState
from atende.domain import followups as rules
from atende.domain.entities import Choices, ServiceInfo
from atende.pipeline.proactive import remember, shop_context
from atende.storage import campaigns, marks, orgs
from atende.storage import followups as repo
from atende.storage import messages as message_repo
from atende.storage.db import transaction
from atende.storage.models import Contact, Organization, Pet

log = logging.getLogger(__name__)

Paced = tuple[int, float]  # a queued message and the seconds to wait before sending it
MARK = "followups"
SLOT_DAYS = 14  # free times are looked for from tomorrow on, this many days ahead
SLOTS = 3
SEND_HOURS = 8  # the day's follow-ups go out within this many hours of followup_time


class FollowUps:
    def __init__(self, sessions: sessionmaker[Session], per_minute: float = 20.0) -> None:
        self._sessions = sessions
        self._gap = 60.0 / per_minute

    def run(self, org_id: int, now: datetime) -> list[Paced]:
        """Queue today's follow-ups once; the messages with their pacing delays."""
        with self._sessions() as session:  # most minutes nothing is due: decide read-only
            day = _day_due(session.get(Organization, org_id), now)
            if day is None or marks.marked(session, org_id, MARK, day):
                return []
        with transaction(self._sessions) as session:
            org = session.get(Organization, org_id)
            if org is None or not marks.claim(session, org_id, MARK, day):
                return []
            return self._queue(session, org, now)

    def _queue(self, session: Session, org: Organization, now: datetime) -> list[Paced]:
        due = due_today(session, org.id, now)
        recent = repo.contacts_nudged_since(session, org.id, now - timedelta(days=rules.GAP_DAYS))
        reach = {
            contact.id: (contact, conv_id, channel_id)
            for contact, conv_id, channel_id in campaigns.reachable(
                session, org.id, sorted({d.last.contact_id for d in due}), marketing=True
            )
        }
        ctx = shop_context(session, org, now)
        queued: list[Paced] = []
        for item in due:
            contact_id = item.last.contact_id
            target = reach.get(contact_id)
            service = ctx.service(item.last.service_id)
            if target is None or service is None or contact_id in recent:
                continue  # opted out, unreachable, or already nudged these days
            contact, conv_id, channel_id = target
            pet = session.get(Pet, item.last.pet_id) if item.last.pet_id else None
            if not remember(session, conv_id, _invited(service.id, item.last.pet_id, now)):
                continue  # being answered right now: tomorrow's run has it
            delay = len(queued) * self._gap
            text, slots = _nudge(ctx, contact, pet, service, item)
            msg_id = message_repo.add_outbound(
                session,
                org.id,
                conv_id,
                channel_id,
                text,
                f"followup:{item.last.booking_id}",
                author="followup",
                choices=Choices("list", text, tuple(slots)) if slots else None,
                not_before=now + timedelta(seconds=delay),
            )
            if repo.record(session, org.id, item.last, item.due_on, msg_id) and msg_id:
                queued.append((msg_id, delay))
            recent.add(contact_id)
        log.info("organization %s: %d follow-up(s) queued", org.id, len(queued))
        return queued


def due_today(session: Session, org_id: int, now: datetime) -> list[rules.Due]:
    """Whose cycle is due and was not nudged yet (before the one-per-customer and opt-out
    filters): what the day's run sends, and what ``atende followups`` lists."""
    org = session.get(Organization, org_id)
    if org is None:
        return []
    intervals = repo.return_days(session, org_id)
    since = rules.oldest_visit_needed(intervals, now)
    visits = repo.visits(session, org_id, list(intervals), since)
    found = rules.due(visits, intervals, now, ZoneInfo(org.timezone))
    sent = repo.sent_cycles(session, [d.last.booking_id for d in found])
    return [d for d in found if d.last.booking_id not in sent]


def _nudge(
    ctx: DialogueContext, contact: Contact, pet: Pet | None, service: ServiceInfo, item: rules.Due
) -> tuple[str, list[str]]:
    """The follow-up's text and the free times it offers."""
    slots = free_times(ctx, service, item.last.starts_at.astimezone(ctx.tz).time())
    text = catalogue.followup(
        hello=say.hello(contact.name),
        pet=pet.name if pet else None,
        service=service,
        days=item.days_since,
        slots=slots,
    )
    return text, slots


def free_times(ctx: DialogueContext, service: ServiceInfo, near: time) -> list[str]:
    """Up to three free times on different days from tomorrow on, each day's nearest to
    the hour of the last visit: 'quinta (05/12) às 09:00'."""
    found: list[str] = []
    for offset in range(1, SLOT_DAYS + 1):
        day = ctx.today + timedelta(days=offset)
        free = ctx.free(service, day)
        if not free:
            continue
        minutes = near.hour * 60 + near.minute
        best = min(free, key=lambda s: abs(s.hour * 60 + s.minute - minutes))
        found.append(f"{say.bare_day(say.day_label(day, ctx.today))} às {say.hhmm(best)}")
        if len(found) == SLOTS:
            break
    return found


def _invited(service_id: int, pet_id: int | None, now: datetime) -> Callable[[DialogueState], None]:
    def change(state: DialogueState) -> None:
        state.followup_service_id = service_id
        state.followup_pet_id = pet_id
        state.followup_at = now

    return change


def _day_due(org: Organization | None, now: datetime) -> str | None:
    """The local date whose follow-ups are due now, or None (off, too early)."""
    if org is None:
        return None
    settings = orgs.settings_of(org)
    if not settings.followups:
        return None
    local = now.astimezone(ZoneInfo(org.timezone))
    start = datetime.combine(local.date(), time(*settings.followups_at()), local.tzinfo)
    if not start <= local < start + timedelta(hours=SEND_HOURS):
        return None  # too early, or too late to write to customers (tomorrow's run has them)
    return local.date().isoformat()
