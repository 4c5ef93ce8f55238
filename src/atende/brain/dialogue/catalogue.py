"""The words the assistant says that are not part of a flow.

Everything atende tells a customer outside a dialogue flow lives here, so the wording is
in one place (and one language) instead of spread through the pipeline: the apology when
a turn fails, the booking reminder. Flow texts (booking, pets, handoff…) join this module
later, in their own block. Texts only: no I/O, no storage; callers format the pieces
(dates, times, names) and pass them in.
"""

from __future__ import annotations

# --- outside the flows: said by the pipeline (buffer, periodic jobs) --------------------

SORRY = (
    "Desculpe, tive um probleminha aqui 😕 Já avisei nossa equipe, "
    "e uma pessoa vai continuar o atendimento com você."
)
"""A turn failed (the brain raised): the conversation goes to a person."""


def reminder(*, hello: str, service: str, pet: str | None, day: str, at: str, shop: str) -> str:
    """The booking reminder: ``hello`` is the greeting ('Oi, Ana!'), ``day`` the day's label
    ('amanhã'), ``at`` the local time ('10:00'), ``pet`` the pet's name if known."""
    whose = f" do {pet}" if pet else ""
    return (
        f"{hello} Passando para lembrar: {service}{whose} {day} às {at} na {shop} 🐾 "
        "Se precisar remarcar ou cancelar, é só responder aqui."
    )


# --- end of the pipeline's texts --------------------------------------------------------
