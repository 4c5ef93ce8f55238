"""Answering a burst exactly once: claim, think, store the reply, release — atomically.

``flush`` may run any number of times, in any number of workers, for the same burst:
only the holder of the claim answers, the answer and the new ``answered_version`` are
committed in one transaction that checks the claim is still ours, and reply rows carry
an idempotency key derived from (conversation, version). A worker killed mid-flush
leaves a claim that expires; the sweeper then schedules the flush again.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from atende.brain.base import Brain, BurstMessage, OrgProfile, Reply, Turn
from atende.brain.dialogue import catalogue
from atende.brain.dialogue.catalogue import SORRY
from atende.brain.dialogue.state import DialogueState
from atende.domain.sending import Part, SendClass, reply_parts
from atende.pipeline import metrics
from atende.pipeline.owners import owner_conversation
from atende.pipeline.pacing import pacing_of
from atende.pipeline.ports import PipelineSettings, Scheduler
from atende.pipeline.router import Route, route_for
from atende.pipeline.voice import VoiceNotes, VoiceReplies
from atende.storage import alerts, conversations, messages, orgs
from atende.storage.db import transaction
from atende.storage.models import (
    BrainLog,
    Contact,
    Conversation,
    LlmCall,
    Message,
    Organization,
)
from atende.storage.models import Channel as ChannelRow
from atende.storage.types import utcnow

log = logging.getLogger(__name__)


class LostClaim(Exception):
    """Our lease expired and another worker took the conversation: discard our answer."""


@dataclass(frozen=True, slots=True)
class _Prepared:
    turn: Turn
    upto: int


@dataclass(frozen=True, slots=True)
class FlushResult:
    answered_version: int
    reply_ids: list[int]


class _ClaimKeeper:
    """Renews the claim's lease every third of it while the slow part of a flush runs
    (a model may take longer than the lease), so no other worker starts the same burst."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        conversation_id: int,
        token: str,
        settings: PipelineSettings,
    ) -> None:
        self._sessions = sessions
        self._conversation_id = conversation_id
        self._token = token
        self._lease = settings.claim_lease_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="atende-claim", daemon=True)

    def __enter__(self) -> _ClaimKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._lease / 3):
            try:
                with transaction(self._sessions) as session:
                    if not conversations.extend_claim(
                        session, self._conversation_id, self._token, self._lease
                    ):
                        return
            except Exception:
                log.exception("could not renew the claim on %s", self._conversation_id)


class Flusher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: PipelineSettings,
        brain: Brain,
        scheduler: Scheduler,
        voice: VoiceNotes | None = None,
        voice_replies: VoiceReplies | None = None,
    ) -> None:
        self._voice_replies = voice_replies
        self._sessions = sessions
        self._settings = settings
        self._brain = brain
        self._scheduler = scheduler
        self._voice = voice

    def flush(self, conversation_id: int, version: int = 0) -> FlushResult | None:
        """Answer the conversation's pending burst if it is due and nobody else is on it."""
        with transaction(self._sessions) as session:
            token = conversations.try_claim(
                session,
                conversation_id,
                self._settings.claim_lease_seconds,
                self._settings.buffer_max_messages,
            )
        if token is None:
            self._reschedule_if_early(conversation_id)
            return None
        started = time.monotonic()
        try:
            with _ClaimKeeper(self._sessions, conversation_id, token, self._settings):
                if self._voice is not None:
                    self._voice.transcribe_pending(conversation_id)
                turn = self._prepare(conversation_id)
            result = self._answer(conversation_id, token, turn)
        except LostClaim:
            log.warning(
                "lost the claim on conversation %s; another worker answers", conversation_id
            )
            return None
        except Exception:
            with transaction(self._sessions) as session:
                conversations.release_claim(session, conversation_id, token)
            raise
        metrics.FLUSH_SECONDS.observe(time.monotonic() - started)
        if result.reply_ids:  # the rest follow in order, each after the one before
            self._scheduler.schedule_send(result.reply_ids[0], 0.0)
        self._reschedule_if_early(conversation_id)
        return result

    def _reschedule_if_early(self, conversation_id: int) -> None:
        """More messages came (deadline moved) or arrived mid-flush: flush again at the deadline."""
        with self._sessions() as session:
            conv = session.get(Conversation, conversation_id)
            if conv is None or conv.buffer_version <= conv.answered_version:
                return
            if (
                conv.claim_token is not None
                and conv.claimed_until
                and conv.claimed_until > utcnow()
            ):
                return  # the holder re-checks when it finishes
            deadline = conv.buffer_deadline or utcnow()
            pending = conv.buffer_version - conv.answered_version
            delay = max(0.0, (deadline - utcnow()).total_seconds())
            if pending >= self._settings.buffer_max_messages:
                delay = 0.0
            version = conv.buffer_version
        self._scheduler.schedule_flush(conversation_id, version, delay)

    def _answer(self, conversation_id: int, token: str, turn: _Prepared | None) -> FlushResult:
        with transaction(self._sessions) as session:
            conv = session.get(Conversation, conversation_id, populate_existing=True)
            assert conv is not None
            upto, after = conv.buffer_version, conv.answered_version
            if turn is not None:
                upto = turn.upto  # answer what was thought about; later messages come next
            org = orgs.org_by_id(session, conv.organization_id)
            contact = session.get(Contact, conv.contact_id)
            assert org is not None and contact is not None
            burst = messages.burst(session, conversation_id, after, upto)
            route = route_for(org, contact, conv, utcnow())
            metrics.FLUSHES.labels(route.value).inc()
            reply = None
            if route is not Route.SILENT:
                fresh = self._turn(org, contact, conv, burst, upto, route)
                if turn is not None and turn.turn.owner == fresh.owner:
                    fresh.prepared = turn.turn.prepared
                reply = self._think(session, org, conv, fresh)
            reply_ids: list[int] = []
            texts = reply.texts if reply else []
            for index, part in enumerate(self._parts(session, conv, reply)):
                key = f"reply:{conversation_id}:{upto}:{index}"
                msg_id = messages.add_outbound(
                    session,
                    org.id,
                    conversation_id,
                    conv.channel_id,
                    part.text,
                    key,
                    choices=part.choices,
                )
                if msg_id is not None:
                    reply_ids.append(msg_id)
            if texts and self._wants_voice(org, burst):
                voice_id = messages.add_outbound(
                    session,
                    org.id,
                    conversation_id,
                    conv.channel_id,
                    "\n".join(texts),
                    f"reply:{conversation_id}:{upto}:voice",
                    kind="audio",
                )
                if voice_id is not None:
                    reply_ids.append(voice_id)
            if reply_ids:
                conv.last_message_at = utcnow()
            new_state = "human" if reply and reply.handoff and route is Route.CLIENT else None
            state = reply.state.dump() if reply else None
            if not conversations.finish_claim(
                session, conversation_id, token, upto, state, new_state
            ):
                raise LostClaim
        for message_id, delay in reply.sends if reply else []:  # a campaign the owner sent
            self._scheduler.schedule_send(message_id, delay, SendClass.CAMPAIGN)
        return FlushResult(upto, reply_ids)

    @staticmethod
    def _parts(session: Session, conv: Conversation, reply: Reply | None) -> list[Part]:
        """The reply as the messages that will be sent: merged into one where the
        channel's pacing says so (Meta), so each row is exactly what the customer gets
        and a reply's parts do not each wait for the per-customer pace."""
        if reply is None:
            return []
        pacing = pacing_of(session.get(ChannelRow, conv.channel_id))
        return reply_parts(reply.texts, reply.choices, pacing.merge_parts)

    def _prepare(self, conversation_id: int) -> _Prepared | None:
        """Let the brain think (call a model) on a read-only session, before the write
        transaction, so that no database lock is held while it waits."""
        with self._sessions() as session:
            conv = session.get(Conversation, conversation_id)
            if conv is None:
                return None
            org = orgs.org_by_id(session, conv.organization_id)
            contact = session.get(Contact, conv.contact_id)
            if org is None or contact is None:
                return None
            upto = conv.buffer_version
            burst = messages.burst(session, conversation_id, conv.answered_version, upto)
            route = route_for(org, contact, conv, utcnow())
            if route is Route.SILENT:
                return None
            turn = self._turn(org, contact, conv, burst, upto, route)
            try:
                turn.prepared = self._brain.prepare(session, turn)
            except Exception:
                log.exception("brain preparation failed on conversation %s", conversation_id)
                turn.prepared = None
            finally:
                session.rollback()
            return _Prepared(turn, upto)

    @staticmethod
    def _turn(
        org: Organization,
        contact: Contact,
        conv: Conversation,
        burst: list[Message],
        upto: int,
        route: Route,
    ) -> Turn:
        return Turn(
            org=OrgProfile(
                org.id,
                org.name,
                org.timezone,
                org.locale,
                orgs.settings_of(org),
                list(org.owner_phones or []),
            ),
            conversation_id=conv.id,
            contact_id=contact.id,
            contact_phone=contact.phone,
            contact_name=contact.name,
            burst=[BurstMessage(m.kind, m.transcript or m.body) for m in burst],
            state=DialogueState.load(conv.dialogue_state),
            now=utcnow(),
            first_message_id=min((m.id for m in burst), default=0),
            owner=route is Route.OWNER,
        )

    def _wants_voice(self, org: Organization, burst: list[Message]) -> bool:
        """The customer spoke (a transcribed voice note) and the business answers by voice."""
        spoke = any(m.kind == "audio" and m.transcript for m in burst)
        return (
            spoke
            and self._voice_replies is not None
            and self._voice_replies.enabled(orgs.settings_of(org))
        )

    @staticmethod
    def _tell_owners(
        session: Session, org: Organization, conv: Conversation, turn: Turn, said: str
    ) -> list[tuple[int, float]]:
        """An emergency reaches the owner's WhatsApp at once, not only the dashboard."""
        text = catalogue.staff_emergency(turn.contact_name, turn.contact_phone, said)
        queued = []
        for phone in org.owner_phones or []:
            target = owner_conversation(session, org.id, phone)
            if target is None:
                continue
            key = f"emergency:{conv.id}:{conv.buffer_version}:{phone}"
            msg_id = messages.add_outbound(session, org.id, target[0], target[1], text, key)
            if msg_id is not None:
                queued.append((msg_id, 0.0))
        return queued

    def _think(self, session: Session, org: Organization, conv: Conversation, turn: Turn) -> Reply:
        started = time.monotonic()
        try:
            with session.begin_nested():
                reply = self._brain.respond(session, turn)
        except Exception as exc:
            log.exception("brain failed on conversation %s", conv.id)
            alerts.open_alert(  # once per conversation while open, not once per turn
                session,
                org.id,
                "brain_error",
                f"conversation:{conv.id}",
                f"conversation {conv.id}: {exc.__class__.__name__}",
            )
            reply = Reply([SORRY], DialogueState(), "error", handoff=True)
        if reply.urgent:
            said = " ".join(m.text for m in turn.burst)
            log.warning("emergency on conversation %s: handed to a person", conv.id)
            alerts.open_alert(
                session,
                org.id,
                "customer_emergency",
                f"conversation:{conv.id}",
                f"emergency — {turn.contact_name or turn.contact_phone}: {said[:300]}",
            )
            reply.sends.extend(self._tell_owners(session, org, conv, turn, said))
        calls = list(reply.llm_calls)
        metrics.TURNS.labels(reply.brain or self._brain.name).inc()
        for c in calls:
            metrics.LLM_CALLS.labels(c.outcome).inc()
            metrics.LLM_TOKENS.labels("prompt").inc(c.prompt_tokens)
            metrics.LLM_TOKENS.labels("completion").inc(c.completion_tokens)
        session.add(
            BrainLog(
                organization_id=org.id,
                conversation_id=conv.id,
                brain=reply.brain or self._brain.name,
                intent=reply.intent,
                input_text="\n".join(m.text for m in turn.burst)[:4000],
                output_text="\n".join(reply.texts)[:4000],
                latency_ms=int((time.monotonic() - started) * 1000)
                + sum(c.latency_ms for c in calls),
                prompt_tokens=sum(c.prompt_tokens for c in calls),
                completion_tokens=sum(c.completion_tokens for c in calls),
            )
        )
        session.add_all(
            LlmCall(
                organization_id=org.id,
                conversation_id=conv.id,
                model=c.model,
                purpose="owner" if turn.owner else "client",
                prompt_tokens=c.prompt_tokens,
                completion_tokens=c.completion_tokens,
                latency_ms=c.latency_ms,
                cost_usd=c.cost_usd,
                outcome=c.outcome,
                error=c.error,
            )
            for c in calls
        )
        return reply
