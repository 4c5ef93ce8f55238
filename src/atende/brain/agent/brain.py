"""The LLM customer agent: cheap paths first, a bounded multi-step tool loop, and the
offline brain whenever the model fails — the customer is never left without a reply.

Order of a turn:
1. A pending proposal answered with a plain "sim"/"não" is settled by the tool layer
   (``proposals``), no model needed.
2. Fast path (``fast_path``): what the offline brain answers confidently — hours, prices,
   greetings, thanks, handoff, FAQ passages, lists of free times — skips the model; a
   booking begun from a list of times goes on offline.
3. Otherwise the model runs, in ``prepare``, outside the write transaction: it may call
   several tools and read their results, up to ``max_steps`` rounds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from atende.brain.agent import bounds
from atende.brain.agent.budget import Allowance, allowance, report_back, report_spent
from atende.brain.agent.llm import CallRecord, LlmClients, LlmConfig
from atende.brain.agent.prompt import ContextLimits, build_messages
from atende.brain.agent.proposals import answer_to_proposal, commit
from atende.brain.agent.toolkit import LoopLimits, LoopResult, Tools, tool_loop
from atende.brain.agent.tools import ToolBox
from atende.brain.agent.wire import ChatMessage
from atende.brain.base import Reply, Turn
from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.intents import find_service, main_intent
from atende.brain.dialogue.replies import whatsapp_text
from atende.brain.dialogue.state import DialogueState
from atende.brain.dialogue.urgency import emergency_in
from atende.brain.knowledge.retrieval import KnowledgeSearch
from atende.brain.offline import reminder_answers, waitlist_answers
from atende.brain.offline.brain import HANDOFF, OfflineBrain

log = logging.getLogger(__name__)

FAST_INTENTS = frozenset({"hours", "prices", "services", "greeting", "thanks", "handoff", "faq"})


@dataclass(frozen=True, slots=True)
class AgentSettings:
    llm: LlmConfig
    fast_path: bool = True
    max_steps: int = 6
    limits: ContextLimits = field(default_factory=ContextLimits)
    daily_tokens: int = 0  # the environment's default daily budget; 0: unlimited


@dataclass(slots=True)
class Plan:
    """What ``prepare`` decided: ``route`` is confirm | decline | offline | llm."""

    route: str
    texts: list[str] = field(default_factory=list)
    state: DialogueState = field(default_factory=DialogueState)
    handoff: bool = False
    calls: list[CallRecord] = field(default_factory=list)
    spent: Allowance | None = None  # today's budget ran out: answer offline, alert once


class LlmBrain:
    name = "openai"

    def __init__(
        self,
        offline: OfflineBrain,
        clients: LlmClients,
        knowledge: KnowledgeSearch | None,
        settings: AgentSettings,
    ) -> None:
        self._offline = offline
        self._clients = clients
        self._knowledge = knowledge
        self.settings = settings

    def prepare(self, session: Session, turn: Turn) -> Plan:
        settings = self.settings_for(turn)
        ctx = DialogueContext(session, turn)
        texts = [m.text for m in turn.burst]
        if not any(t.strip() for t in texts):
            return Plan("offline")  # a voice note we could not hear: ask to write
        if main_intent(texts) == "optout" or any(emergency_in(t) for t in texts):
            return Plan("offline")  # by rule, whatever a model would make of it
        if reminder_answers.reads_as_answer(turn.state, texts):
            return Plan("offline")  # "1 confirma · 2 remarcar · 3 cancelar", by rule too
        if waitlist_answers.reads_as_answer(turn.state, texts):
            return Plan("offline")  # "sim" to a time held from the waitlist, by rule too
        pending = turn.state.pending
        if pending is not None:
            answer = answer_to_proposal(texts, ctx.today)
            if answer == "yes":
                return Plan("confirm")
            if answer == "no":
                return Plan("decline")
        if settings.fast_path and pending is None and self._offline_is_confident(ctx):
            return Plan("offline")
        return self._think(ctx, settings)

    def respond(self, session: Session, turn: Turn) -> Reply:
        # ``prepare`` ran before the transaction; if it could not, the offline brain answers
        # rather than calling the model while the transaction holds its locks
        plan = turn.prepared if isinstance(turn.prepared, Plan) else Plan("offline")
        state = turn.state.copy_state()
        proposal, state.pending = state.pending, None
        if plan.route == "confirm" and proposal is not None:
            text = commit(DialogueContext(session, turn), proposal)
            return self._reply([text], state, "confirmed", plan)
        if plan.route == "decline":
            return self._reply([words.NOTHING_CHANGED], state, "declined", plan)
        if plan.route == "llm":
            report_back(session, turn)
            plan.state.said_at = turn.now  # a question of the model's comes after a reminder
            return self._reply(plan.texts, plan.state, "llm", plan, plan.handoff)
        reply = self._offline.respond(session, turn)
        reply.brain = "offline" if not plan.calls else "offline-fallback"
        reply.llm_calls = plan.calls
        if plan.spent is not None:
            report_spent(session, turn.org.id, plan.spent)
            reply.brain = "offline-budget"
        # the talk moved past the proposal without a yes: a later "sim" must not commit it
        reply.state.pending = None
        return reply

    def settings_for(self, turn: Turn) -> AgentSettings:
        """The environment's LLM settings, overridden by the organization's own."""
        own = turn.org.settings.llm
        base = self.settings
        llm = LlmConfig(
            base_url=own.base_url or base.llm.base_url,
            api_key=own.key() or base.llm.api_key,
            model=own.model or base.llm.model,
            timeout_seconds=base.llm.timeout_seconds,
            max_retries=base.llm.max_retries,
            price_input_per_mtok=base.llm.price_input_per_mtok,
            price_output_per_mtok=base.llm.price_output_per_mtok,
        )
        fast_path = base.fast_path if own.fast_path is None else own.fast_path
        return AgentSettings(llm, fast_path, base.max_steps, base.limits, base.daily_tokens)

    def run_model(
        self,
        turn: Turn,
        session: Session,
        messages: Callable[[int], list[ChatMessage]],
        tools: Tools,
        label: str,
    ) -> tuple[LoopResult, Allowance | None]:
        """The tool loop within the request cap and today's budget, and the allowance
        when it is spent (before or during the loop). ``messages`` builds the first
        request given the tokens the rest takes (tool schemas, room for tool rounds)."""
        settings = self.settings_for(turn)
        today = allowance(session, turn, settings.daily_tokens)
        if today.exhausted:
            return LoopResult(None), today
        client = self._clients.get(settings.llm)
        cap = settings.limits.token_budget
        # the schemas, and room for a first round of tool results (``fit`` makes more)
        reserved = bounds.request_tokens(settings.llm.model, [], tools.specs()) + cap // 8
        result = tool_loop(
            client,
            messages(reserved),
            tools,
            LoopLimits(settings.max_steps, cap, today.left),
            label,
        )
        return result, today.after(result.tokens) if result.over_budget else None

    def _offline_is_confident(self, ctx: DialogueContext) -> bool:
        """Ask the offline brain in a savepoint that is rolled back: would it know?
        An offline flow goes on offline until it misses the same answer twice; then the
        model takes the turn, with the booking so far in its prompt."""
        session, turn = ctx.session, ctx.turn
        savepoint = session.begin_nested()
        try:
            probe = self._offline.respond(session, turn)
        finally:
            savepoint.rollback()
        if probe.intent in ("stuck", "fallback"):
            return False
        if turn.state.flow is not None or probe.urgent:
            return True
        text = " ".join(m.text for m in turn.burst)
        words = len(re.findall(r"\w+", text))
        if probe.intent in ("greeting", "thanks"):
            return words <= 4  # 'oi, meu cachorro está vomitando' is not a greeting
        if probe.intent in ("slots", "book"):
            return True  # the booking goes on offline until it misses twice
        if probe.intent in ("prices", "services"):
            # a price of a named service, or the menu; 'atendem gato bravo?' is for the model
            return find_service(text, ctx.services) is not None or words <= 4
        return probe.intent in FAST_INTENTS

    def _think(self, ctx: DialogueContext, settings: AgentSettings) -> Plan:
        state = ctx.turn.state.copy_state()
        state.reset_flow()  # the model takes over; the booking so far is in its prompt
        tools = ToolBox(ctx, self._knowledge, state)
        result, spent = self.run_model(
            ctx.turn,
            ctx.session,
            lambda reserved: build_messages(ctx, settings.limits, self._knowledge, reserved),
            tools,
            f"conversation {ctx.turn.conversation_id}",
        )
        text = result.text
        if text is None:
            return Plan("offline", calls=result.calls, spent=spent)
        if tools.handoff and not text:
            text = HANDOFF
        return Plan("llm", [whatsapp_text(text)], state, tools.handoff, result.calls)

    @staticmethod
    def _reply(
        texts: list[str], state: DialogueState, intent: str, plan: Plan, handoff: bool = False
    ) -> Reply:
        return Reply(
            texts, state, intent, handoff=handoff, brain="openai", llm_calls=list(plan.calls)
        )
