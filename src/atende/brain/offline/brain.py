"""The offline brain: keyword intents, a Portuguese date extractor and slot filling.

It needs no model and no network, answers in milliseconds, and never writes without
the customer's explicit confirmation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from atende.brain.base import Reply, Turn
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.intents import find_service, intents_of, main_intent
from atende.brain.dialogue.when import extract_when
from atende.brain.knowledge.retrieval import Hit, KnowledgeSearch
from atende.brain.offline import booking as booking_flow
from atende.brain.offline import manage as manage_flow
from atende.storage import bookings as booking_repo
from atende.storage import contacts

ASK_TO_WRITE = (
    "Recebi seu áudio 🎧 mas não consegui ouvir por aqui. Pode me escrever em texto, por favor? 🙏"
)
ASK_FOR_TEXT = "Recebi sua mensagem! Por aqui eu entendo melhor texto 🙂 Como posso ajudar?"
HANDOFF = (
    "Claro! Vou chamar uma pessoa da nossa equipe para falar com você. "
    "Em instantes alguém responde por aqui 🙂"
)
THANKS = "Por nada! Qualquer coisa é só chamar 🐾"
OPTED_OUT = (
    "Pronto, você não vai mais receber nossas promoções 👍 Os lembretes dos seus "
    "agendamentos continuam, e é só chamar quando precisar!"
)
INFO_INTENTS = ("hours", "prices", "services")
FLOWS_BOOKING = ("booking", "reschedule")


class OfflineBrain:
    """``knowledge`` answers questions none of the intents cover from the business's
    own documents (FAQ); without it those get the honest fallback."""

    name = "offline"

    def __init__(self, knowledge: KnowledgeSearch | None = None) -> None:
        self._knowledge = knowledge

    def prepare(self, session: Session, turn: Turn) -> None:
        """Nothing to do before the write transaction: the offline brain is instant."""

    def respond(self, session: Session, turn: Turn) -> Reply:
        texts = [m.text.strip() for m in turn.burst if m.text.strip()]
        state: dict[str, Any] = dict(turn.state)
        if not texts:
            audio = any(m.kind == "audio" for m in turn.burst)
            return Reply([ASK_TO_WRITE if audio else ASK_FOR_TEXT], state, "media")
        ctx = DialogueContext(session, turn)
        intent = main_intent(texts)
        if intent == "handoff":
            return Reply([HANDOFF], {}, "handoff", handoff=True)
        if intent == "optout":
            contacts.opt_out(session, turn.org.id, turn.contact_id)
            return Reply([OPTED_OUT], state, "optout")
        text = " ".join(texts)
        flow = state.get("flow")
        if flow and not _leaves_flow(ctx, intent, text):
            texts_out = _continue(ctx, state, text, intent)
            return Reply(texts_out, state, f"{flow}:continue", choices=_choices(state, texts_out))
        hit = self.faq(session, turn.org.id, text) if _may_be_faq(ctx, intent, text) else None
        if hit is None and _question_about(ctx, intent, text):
            strong = self.faq(session, turn.org.id, text)
            hit = strong if strong and strong.coverage >= 0.75 and strong.matched >= 2 else None
        if hit is not None:
            texts_out = [faq_answer(hit)]
            intent = "faq"
        else:
            texts_out = _route(ctx, state, intent, text)
        greeting = _greeting_prefix(turn, texts)
        if greeting and texts_out:
            texts_out[0] = greeting + texts_out[0]
        return Reply(texts_out, state, intent or "fallback", choices=_choices(state, texts_out))

    def faq(self, session: Session, org_id: int, text: str) -> Hit | None:
        if self._knowledge is None:
            return None
        hits = self._knowledge.search(session, org_id, text, k=1, semantic=False)
        return hits[0] if hits and hits[0].confident else None


def _may_be_faq(ctx: DialogueContext, intent: str | None, text: str) -> bool:
    """Questions no intent covers, and price/service questions about something that is not
    one of the services ('quanto custa o táxi dog?'), are looked up in the documents."""
    if ctx.turn.state.get("flow"):
        return False
    if intent in (None, "greeting"):
        return True
    return intent in ("prices", "services") and find_service(text, ctx.services) is None


def _question_about(ctx: DialogueContext, intent: str | None, text: str) -> bool:
    """'Com quantos dias o filhote pode vacinar?' names a service but asks about a policy:
    a question with no day or time, which the documents may answer better than a booking."""
    if ctx.turn.state.get("flow") or intent not in ("book", "slots"):
        return False
    return "?" in text and extract_when(text, ctx.today).empty


def faq_answer(hit: Hit) -> str:
    text = hit.passage.text.strip()
    if len(text) > 600:
        text = text[:600].rsplit(" ", 1)[0] + "…"
    return f"{text}\n\nPosso ajudar em mais alguma coisa? 🙂"


def _choices(st: dict[str, Any], texts: list[str]) -> dict[str, Any] | None:
    """Tappable options for what the last text asks, where the provider can show them."""
    awaiting = st.get("awaiting")
    if awaiting == "time" and st.get("offered"):
        prompt = texts[-1].split("\n", 1)[0].rstrip(":") + ". Qual prefere?"
        return {"kind": "list", "prompt": prompt, "options": list(st["offered"])}
    if awaiting in ("confirm", "confirm_cancel"):
        return {"kind": "buttons", "prompt": texts[-1], "options": ["Sim", "Não"]}
    return None


def _leaves_flow(ctx: DialogueContext, intent: str | None, text: str) -> bool:
    """A new cancel/reschedule request, or a pure question, interrupts the current flow."""
    flow = ctx.turn.state.get("flow")
    if intent in ("cancel", "reschedule") and intent != _intent_of_flow(flow):
        return True
    return intent == "book" and flow not in FLOWS_BOOKING


def _intent_of_flow(flow: str | None) -> str | None:
    return {"cancel": "cancel", "reschedule": "reschedule", "booking": "book"}.get(flow or "")


def _continue(ctx: DialogueContext, st: dict[str, Any], text: str, intent: str | None) -> list[str]:
    flow = st.get("flow")
    if intent in INFO_INTENTS and not _answers_something(ctx, text):
        info = _info(ctx, intent or "", text)
        if flow in FLOWS_BOOKING:
            reminder = booking_flow.next_question(_with_old_booking(ctx, st), st)
            return [info, "Voltando ao agendamento: " + reminder[0]]
        return [info]
    if flow == "reschedule" and st.get("awaiting") != "choose_booking":
        return booking_flow.step(_with_old_booking(ctx, st), st, text)
    if flow in ("cancel", "reschedule"):
        return manage_flow.step(ctx, st, text)
    return booking_flow.step(ctx, st, text)


def _with_old_booking(ctx: DialogueContext, st: dict[str, Any]) -> DialogueContext:
    if st.get("flow") == "reschedule" and st.get("booking_id"):
        upcoming = booking_repo.upcoming_for_contact(
            ctx.session, ctx.turn.org.id, ctx.turn.contact_id
        )
        ctx.ignore_booking = next((b for b in upcoming if b.id == st["booking_id"]), None)
    return ctx


def _answers_something(ctx: DialogueContext, text: str) -> bool:
    when = extract_when(text, ctx.today)
    return when.day is not None or when.at is not None


def _route(ctx: DialogueContext, st: dict[str, Any], intent: str | None, text: str) -> list[str]:
    if intent in ("book", "slots"):
        st.clear()
        return booking_flow.step(ctx, st, text)
    if intent in ("cancel", "reschedule"):
        return manage_flow.start(ctx, st, "cancel" if intent == "cancel" else "reschedule", text)
    if intent in INFO_INTENTS:
        return [_info(ctx, intent or "", text)]
    if intent == "greeting":
        return [say.menu(ctx.turn.org.name) + "\nComo posso te ajudar?"]
    if intent == "thanks":
        return [THANKS]
    if find_service(text, ctx.services):
        if not extract_when(text, ctx.today).empty:
            st.clear()
            return booking_flow.step(ctx, st, text)
        return [_info(ctx, "prices", text)]
    return [
        "Desculpe, não entendi bem 😅 Posso te ajudar com agendamentos, preços e horários, "
        "ou chamar uma pessoa da equipe. O que você prefere?"
    ]


def _info(ctx: DialogueContext, intent: str, text: str) -> str:
    if intent == "hours":
        return f"Nosso horário: {say.opening_hours_text(ctx.hours)} 🕗"
    service = find_service(text, ctx.services)
    if intent in ("prices", "services") and service is not None:
        yes = "Fazemos sim! " if intent == "services" else ""
        return (
            f"{yes}{service.name}: {say.money(service.price)} "
            f"(dura cerca de {say.duration(service.duration_minutes)}). Quer agendar? 🙂"
        )
    return f"Nossos serviços:\n{say.service_lines(ctx.services)}\nQuer agendar algum? 🙂"


def _greeting_prefix(turn: Turn, texts: list[str]) -> str:
    """Greet back, by first name when WhatsApp told us, when the customer greeted."""
    if not any("greeting" in intents_of(t) for t in texts):
        return ""
    name = (turn.contact_name or "").split(" ")[0]
    return f"Olá, {name}! 😊 " if name else "Olá! 😊 "
