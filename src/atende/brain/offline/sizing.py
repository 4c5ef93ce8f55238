"""The pet's size (porte) in a booking: the price it pays, and the one question about it.

The size is what was said of the pet (stored in ``pets.size``, or said in this booking:
``Frame.size``), else what its breed suggests (``domain/sizes.py``). When the service's
price depends on it and neither tells it — a dog of a breed the table does not know —
the booking asks once ("Qual o porte de Thor? pequeno, médio ou grande"); whatever the
answer, the booking goes on (an unreadable one leaves the price "a partir de"). A cat's
or a rabbit's size is never asked. The size said is stored on the pet with the booking.
"""

from __future__ import annotations

import re

from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.pets import known_breed_in
from atende.brain.dialogue.reading import Reading
from atende.brain.dialogue.state import DialogueState, Frame
from atende.brain.offline.outcome import Outcome
from atende.domain.entities import ServiceInfo
from atende.domain.pricing import quote, varies
from atende.domain.sizes import (
    Coat,
    Size,
    may_have_size,
    parse_coat,
    parse_size,
    size_for_breed,
)
from atende.domain.text import fold
from atende.storage import catalog

_PORTE = re.compile(r"\bporte\s+(\w+)")
# "ele é vira lata, grande", "minha cachorra é bem pequena": the pet's size said of it
_SAID_OF_PET = re.compile(
    r"\b(?:ele|ela|cachorr\w*|cadel\w*|vira[ -]?lata|srd)\b(?:\W+\w+){0,3}?\W+(?:bem |e )?"
    r"(pequen[oa]|medi[oa]|grande|grandao|grandona|gigante|mini)\b"
    r"|\b(?:(?:pra|para|p/|de)\s+(?:um |uma |os |as )?|um |uma )"
    r"(pequen[oa]s?|medi[oa]s?|grandes?|gigantes?)\b"
)
_COAT = re.compile(
    r"\b(pelo|pelagem|pelos)\s+(\w+\s+)?(longo|longa|curto|curta|comprid[oa])\b"
    r"|\b(peludo|peluda|cabeludo|cabeluda)\b"
)
_SHORT_ANSWER = 6  # words: "é médio", "porte grande, uns 30 kg"


def measure(ctx: DialogueContext, frame: Frame) -> tuple[Size | None, Coat | None]:
    """The size and coat the booking's pet is priced by."""
    pet = ctx.pet(frame.pet_id)
    if pet is not None:
        size, coat = catalog.measure(pet)
        return frame.size or size, frame.coat or coat
    new = frame.new_pet
    if frame.size is not None or new is None or not new.breed:
        return frame.size, frame.coat
    return size_for_breed(new.breed, new.species), frame.coat


def price_text(ctx: DialogueContext, frame: Frame, service: ServiceInfo) -> str:
    """The price in the booking's summary: 'R$ 50,00 (porte pequeno)', 'R$ 150,00'; a
    cat's, while the shop prices by porte, 'a partir de' the lowest."""
    size, coat = measure(ctx, frame)
    quoted = quote(service, size, coat)
    if size is None and not may_have_size(_species(ctx, frame)):
        return words.quote_text(quoted)
    return words.priced_for_size(quoted, size if varies(service) else None)


def _species(ctx: DialogueContext, frame: Frame) -> str | None:
    pet = ctx.pet(frame.pet_id)
    if pet is not None:
        return pet.species
    return frame.new_pet.species if frame.new_pet else None


def question(ctx: DialogueContext, st: DialogueState, service: ServiceInfo) -> Outcome | None:
    """Ask the size once, when the price depends on it and nothing tells it."""
    frame = st.frame
    if st.flow != "booking" or frame.size_asked or not varies(service):
        return None
    if measure(ctx, frame)[0] is not None:
        return None
    if not may_have_size(_species(ctx, frame)):
        return None
    pet = ctx.pet(frame.pet_id)
    name = pet.name if pet is not None else (frame.new_pet.name if frame.new_pet else None)
    frame.size_asked = True
    st.awaiting = "pet_size"
    return Outcome(question=words.ask_size(name or "seu pet", service))


def said_of_pet(text: str) -> tuple[Size | None, Coat | None]:
    """The size and coat a message says of the pet: 'porte grande', 'ele é grande e tem
    pelo longo', 'vira lata, pequena'."""
    folded = fold(text)
    said = _PORTE.search(folded) or _SAID_OF_PET.search(folded)
    coat = _COAT.search(folded)
    size = parse_size(said.group(1) or said.group(2)) if said else None
    sizes = {parse_size(w) for w in re.findall(r"[a-z]+", folded)} - {None}
    if len(sizes) > 1:  # "pequeno e grande": each size's price, not one of them
        size = None
    elif size is None and (breed := known_breed_in(text)) is not None:
        size = size_for_breed(breed[0], breed[1])  # "banho num shih tzu": its usual size
    return size, (parse_coat(coat.group(0)) if coat else None)


def take(st: DialogueState, reading: Reading) -> None:
    """A size the customer said: any short answer to our question ('médio', 'é G'), or
    'porte grande' anywhere; and the coat ('pelo longo')."""
    text = fold(reading.text)
    size, coat = said_of_pet(reading.text)
    if size is None and st.awaiting == "pet_size" and len(text.split()) <= _SHORT_ANSWER:
        size = parse_size(text)
    if size is not None:
        st.frame.size = size
    if coat is not None:
        st.frame.coat = coat


def store(ctx: DialogueContext, frame: Frame, pet_id: int) -> None:
    """Keep the size said in this booking on the pet (its coat stays)."""
    if frame.size is None and frame.coat is None:
        return
    pet = ctx.pet(pet_id)
    size = frame.size or (pet.size if pet else None)
    coat = frame.coat or (pet.coat if pet else None)
    catalog.set_size(ctx.session, ctx.turn.org.id, pet_id, size, coat)
