"""The context builder: what the model reads for one turn, within a token budget.

Profile, hours, services, the contact with pets and bookings (last 30 days and
upcoming), a pending proposal, the last N messages and the burst. When the budget is
short, the oldest turns are folded into a one-paragraph summary instead of vanishing;
a long message is cut with a note (``bounds``), so a pasted text cannot crowd out the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from atende.brain.agent import bounds
from atende.brain.agent.wire import ChatMessage
from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.knowledge.retrieval import KnowledgeSearch
from atende.brain.offline.manage import describe
from atende.domain.states import HOLDS_SLOT
from atende.storage import bookings as booking_repo
from atende.storage import messages as message_repo
from atende.storage.models import Booking, Message

SUMMARY_SCAN = 40  # how many older messages the summary looks at


def estimate_tokens(text: str) -> int:
    """About four bytes per token for Portuguese and English (``bounds`` says why bytes)."""
    return bounds.text_bytes(text) // bounds.BYTES_PER_TOKEN + 1


@dataclass(frozen=True, slots=True)
class ContextLimits:
    history_messages: int = 10
    token_budget: int = 3000  # the whole request, tool schemas and tool rounds included


def build_messages(
    ctx: DialogueContext,
    limits: ContextLimits,
    knowledge: KnowledgeSearch | None = None,
    reserved_tokens: int = 0,
) -> list[ChatMessage]:
    """The first request of a turn within ``limits.token_budget`` less ``reserved_tokens``
    (the tool schemas and room for tool results): the burst takes at most three quarters
    of what the system prompt leaves, one earlier message a quarter, each cut with a note."""
    text = "\n".join(m.text for m in ctx.turn.burst if m.text.strip()) or "(mídia sem texto)"
    system = _system(ctx) + _passages(ctx, knowledge, text)
    room = limits.token_budget - reserved_tokens - estimate_tokens(system)
    burst = bounds.cut(text, max(bounds.MIN_KEEP, room * 3 // 4 * bounds.BYTES_PER_TOKEN))
    share = max(bounds.MIN_KEEP, room // 4 * bounds.BYTES_PER_TOKEN)
    older, recent = _history(ctx, limits.history_messages)
    used = estimate_tokens(system) + estimate_tokens(burst)
    kept: list[tuple[Message, str]] = []
    for message in reversed(recent):
        said = bounds.cut(message.transcript or message.body, share)
        cost = estimate_tokens(said) + 4
        if used + cost > limits.token_budget - reserved_tokens:
            break
        kept.insert(0, (message, said))
        used += cost
    folded = older + recent[: len(recent) - len(kept)]
    out: list[ChatMessage] = [{"role": "system", "content": system}]
    if folded:
        out.append({"role": "system", "content": _summary(folded)})
    for message, said in kept:
        out.append({"role": "user" if message.direction == "in" else "assistant", "content": said})
    out.append({"role": "user", "content": burst})
    return out


def _passages(ctx: DialogueContext, knowledge: KnowledgeSearch | None, burst: str) -> str:
    """The business's documents that plainly match the burst, so the model needs no
    search round for the obvious ones (it can still call search_knowledge)."""
    if knowledge is None:
        return ""
    hits = [h for h in knowledge.search(ctx.session, ctx.turn.org.id, burst, k=2) if h.confident]
    return "".join(
        f"\nFrom the business's documents ({h.passage.source}): {h.passage.text}" for h in hits
    )


def _history(ctx: DialogueContext, limit: int) -> tuple[list[Message], list[Message]]:
    first = ctx.turn.first_message_id or 2**62
    rows = message_repo.before(ctx.session, ctx.turn.conversation_id, first, limit + SUMMARY_SCAN)
    rows = [m for m in rows if (m.transcript or m.body).strip()]
    cut = max(0, len(rows) - limit)
    return rows[:cut], rows[cut:]


def _summary(messages: list[Message]) -> str:
    said = [
        (m.transcript or m.body).replace("\n", " ")[:80] for m in messages if m.direction == "in"
    ]
    return (
        f"Summary of {len(messages)} earlier messages of this chat (customer's words): "
        + " | ".join(said[-12:])
    )


def _system(ctx: DialogueContext) -> str:
    turn = ctx.turn
    now = ctx.now
    lines = [
        f"You are the WhatsApp assistant of {turn.org.name}, a pet shop / vet clinic.",
        f"Answer in {_language(turn.org.locale)}: warm, short, like a WhatsApp message, "
        "at most a few lines, an emoji at most.",
        "Use the tools for prices, free times, bookings, pets and the business's documents; "
        "never invent prices, times, policies or bookings. Bookings, cancellations, "
        "reschedules and pet registrations are only PROPOSED by the tools: ask the customer "
        "to confirm; never say something is booked unless a tool said it was done.",
        "If the customer asks for a person, or you cannot help, call handoff_to_human.",
        f"Now: {say.WEEKDAY_NAMES[now.weekday()]}, {now:%Y-%m-%d %H:%M} ({turn.org.timezone}).",
        f"Opening hours: {say.opening_hours_text(ctx.hours)}.",
        "Services: "
        + "; ".join(
            f"{s.name} {words.quote_text(ctx.quote(s))} ({s.duration_minutes} min)"
            for s in ctx.services
        ),
        f"Customer: {turn.contact_name or 'name unknown'}, phone {turn.contact_phone}.",
        "Pets: "
        + (
            "; ".join(f"{p.name} ({p.species}, {p.breed or 'SRD'})" for p in ctx.pets)
            or "none registered"
        ),
    ]
    upcoming, past = _bookings(ctx)
    lines.append(
        "Upcoming bookings: "
        + ("; ".join(f"id {b.id}: {describe(ctx, b)}" for b in upcoming) or "none")
    )
    if past:
        lines.append("Last 30 days: " + "; ".join(f"{describe(ctx, b)} [{b.status}]" for b in past))
    progress = _booking_in_progress(ctx)
    if progress:
        lines.append(progress)
    pending = turn.state.pending
    if pending is not None:
        lines.append(
            f"Waiting for the customer to confirm: {pending.summary}. If they now want "
            "something different, propose again with the tools."
        )
    return "\n".join(lines)


def _booking_in_progress(ctx: DialogueContext) -> str:
    """What the offline flow had gathered when it handed the turn over, so the model goes
    on from there instead of asking everything again."""
    state = ctx.turn.state
    if state.flow is None:
        return ""
    frame = state.frame
    known: list[str] = [f"flow {state.flow}"]
    service = ctx.service(frame.service_id)
    if service is not None:
        known.append(f"service {service.name}")
    if frame.day is not None:
        known.append(f"day {frame.day.isoformat()}")
    if frame.at is not None:
        known.append(f"time {frame.at:%H:%M}")
    if frame.period is not None:
        known.append(f"period {frame.period}")
    pet = ctx.pet(frame.pet_id)
    if pet is not None:
        known.append(f"pet {pet.name}")
    elif frame.new_pet is not None:
        new = frame.new_pet
        told = ", ".join(x for x in (new.name, new.species, new.breed) if x)
        known.append(f"new pet ({told or 'nothing told yet'})")
    if frame.booking_id is not None:
        known.append(f"booking id {frame.booking_id} being changed")
    waiting = f"; the customer did not understand the question about: {state.awaiting}"
    return "Booking in progress: " + "; ".join(known) + (waiting if state.awaiting else "")


def _bookings(ctx: DialogueContext) -> tuple[list[Booking], list[Booking]]:
    now = ctx.turn.now
    rows = booking_repo.contact_bookings_since(
        ctx.session, ctx.turn.org.id, ctx.turn.contact_id, now - timedelta(days=30)
    )
    upcoming = [b for b in rows if b.starts_at > now and b.status in HOLDS_SLOT]
    past = [b for b in rows if b.starts_at <= now][-10:]
    return upcoming, past


def _language(locale: str) -> str:
    return {"pt-BR": "Brazilian Portuguese", "pt-PT": "European Portuguese", "es": "Spanish"}.get(
        locale, f"the language of locale {locale}"
    )
