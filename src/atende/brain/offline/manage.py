"""Cancelling and rescheduling a customer's own upcoming bookings."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.intents import find_service, is_no, is_yes, pick_number
from atende.brain.dialogue.when import extract_when
from atende.brain.offline import booking as booking_flow
from atende.storage import bookings as booking_repo
from atende.storage.models import Booking

State = dict[str, Any]


def describe(ctx: DialogueContext, booking: Booking) -> str:
    service = ctx.service(booking.service_id)
    pet = ctx.pet(booking.pet_id)
    local = booking.starts_at.astimezone(ZoneInfo(ctx.turn.org.timezone))
    who = f" do {pet.name}" if pet else ""
    name = service.name if service else "Atendimento"
    return f"{name}{who} {say.day_label(local.date(), ctx.today)} às {say.hhmm(local)}"


def start(ctx: DialogueContext, st: State, flow: str, text: str) -> list[str]:
    st.clear()
    st["flow"] = flow
    upcoming = booking_repo.upcoming_for_contact(ctx.session, ctx.turn.org.id, ctx.turn.contact_id)
    if not upcoming:
        st.clear()
        return [
            "Não encontrei nenhum agendamento futuro no seu número. Quer agendar um horário? 🙂"
        ]
    chosen = _match(ctx, upcoming, text) if len(upcoming) > 1 else upcoming[0]
    if chosen is None:
        st["awaiting"] = "choose_booking"
        options = "\n".join(f"{i}. {describe(ctx, b)}" for i, b in enumerate(upcoming, 1))
        return [f"Qual destes agendamentos?\n{options}"]
    return _chosen(ctx, st, chosen, text)


def step(ctx: DialogueContext, st: State, text: str) -> list[str]:
    awaiting = st.get("awaiting")
    upcoming = booking_repo.upcoming_for_contact(ctx.session, ctx.turn.org.id, ctx.turn.contact_id)
    if awaiting == "choose_booking":
        chosen = _match(ctx, upcoming, text)
        if chosen is None:
            options = "\n".join(f"{i}. {describe(ctx, b)}" for i, b in enumerate(upcoming, 1))
            return [f"Não consegui identificar 😅 Responda com o número:\n{options}"]
        return _chosen(ctx, st, chosen, text)
    if awaiting == "confirm_cancel":
        booking = next((b for b in upcoming if b.id == st.get("booking_id")), None)
        if booking is None:
            st.clear()
            return ["Esse agendamento não está mais ativo. Posso ajudar em algo mais?"]
        if is_yes(text):
            booking_repo.cancel(ctx.session, ctx.turn.org.id, booking.id)
            st.clear()
            return [f"Cancelado ✅ {describe(ctx, booking)}. Se quiser remarcar, é só chamar! 🐾"]
        if is_no(text):
            st.clear()
            return ["Tudo certo, mantive seu agendamento 😉"]
        return [f"Confirma o cancelamento de {describe(ctx, booking)}? Responda *sim* ou *não*."]
    return start(ctx, st, st.get("flow", "cancel"), text)


def _match(ctx: DialogueContext, upcoming: list[Booking], text: str) -> Booking | None:
    index = pick_number(text, len(upcoming))
    if index is not None:
        return upcoming[index]
    when = extract_when(text, ctx.today)
    service = find_service(text, ctx.services)
    tz = ZoneInfo(ctx.turn.org.timezone)
    candidates = [
        b
        for b in upcoming
        if (when.day is None or b.starts_at.astimezone(tz).date() == when.day)
        and (service is None or b.service_id == service.id)
    ]
    if (when.day or service) and len(candidates) == 1:
        return candidates[0]
    return None


def _chosen(ctx: DialogueContext, st: State, booking: Booking, text: str) -> list[str]:
    st["booking_id"] = booking.id
    if st["flow"] == "cancel":
        st["awaiting"] = "confirm_cancel"
        return [f"Quer cancelar {describe(ctx, booking)}? Responda *sim* ou *não*."]
    st["service_id"] = booking.service_id
    if booking.pet_id:
        st["pet_id"] = booking.pet_id
    ctx.ignore_booking = booking
    when = extract_when(text, ctx.today)
    if when.day or when.at:
        return booking_flow.step(ctx, st, text)
    st["awaiting"] = "date"
    return [f"Vamos remarcar {describe(ctx, booking)}. Para qual dia e horário?"]
