"""Registering pets without booking anything: 'quero cadastrar meus bichinhos'.

A customer may want the shop to know their pets before booking (a new puppy, moving to
this shop). Each pet is a frame with a :class:`NewPet`; the names said ('são dois, o Rex
e a Mel') become one frame each, and every message fills whichever pets it speaks of —
'rex é cachorro vira lata, mel é gata siamês' completes both at once. A pet is stored as
soon as its name, species and breed are known (any text is a breed); nothing is booked.
"""

from __future__ import annotations

import re

from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.pets import (
    breed_in,
    breed_only,
    known_breed_in,
    listed_names,
    name_in,
    named_pet_in,
    species_in,
)
from atende.brain.dialogue.reading import Reading
from atende.brain.dialogue.state import DialogueState, Frame, NewPet
from atende.brain.offline.outcome import Outcome
from atende.domain.text import fold
from atende.storage import catalog


def start(ctx: DialogueContext, st: DialogueState, reading: Reading) -> Outcome:
    """'quero cadastrar meu gato': a registration, with whatever the burst already says."""
    st.start("register")
    st.frame = Frame(new_pet=NewPet(species=reading.species))
    return step(ctx, st, reading)


def step(ctx: DialogueContext, st: DialogueState, reading: Reading) -> Outcome:
    """Take what this message says of the pets being registered, store the complete
    ones, and ask for what the next one still lacks."""
    before = _pending(st)
    _take_names(ctx, st, reading)
    _take_details(st, reading)
    registered = _store_complete(ctx, st)
    out = _next_question(st)
    done = words.pets_registered(registered) if registered else ""
    if out is None:
        st.reset_flow()
        st.invited = bool(registered)
        return Outcome(final=f"{done} {words.INVITE}".strip() if registered else words.NEVER_MIND)
    out.lead = done
    out.progressed = bool(registered) or _pending(st) != before
    return out


def _pending(st: DialogueState) -> list[NewPet]:
    return [f.new_pet for f in (st.frame, *st.queued) if f.new_pet is not None]


def _take_names(ctx: DialogueContext, st: DialogueState, reading: Reading) -> None:
    """Names said become pets to register (each once); a name answering 'qual o nome?'
    may be lowercase ('rex')."""
    known = {fold(p.name) for p in ctx.pets}
    names = _names_in(reading)
    if not names and st.awaiting == "pet_name" and not reading.question_like:
        said = None if breed_only(reading.text) else name_in(reading.text)  # "vira lata"
        names = [said] if said else []
    pets = [f for f in (st.frame, *st.queued) if f.new_pet is not None]
    for name in names:
        if fold(name) in known or any(fold(f.new_pet.name or "") == fold(name) for f in pets):  # type: ignore[union-attr]
            continue
        unnamed = next((f for f in pets if f.new_pet and f.new_pet.name is None), None)
        if unnamed is not None and unnamed.new_pet is not None:
            unnamed.new_pet = unnamed.new_pet.model_copy(update={"name": name})
            continue
        frame = Frame(new_pet=NewPet(name=name))
        st.queued.append(frame)
        pets.append(frame)


_NAME_IS = re.compile(
    r"(?<!meu )(?<!seu )\b(?:nome (?:dele|dela|d[oa] \w+)?\s*(?:e|é|eh)|se chama|chamad[oa])"
    r"\s+(?:(?:so|só|apenas|somente)\s+)?([^\W\d_]+)",
    re.I,
)


def _names_in(reading: Reading) -> list[str]:
    found: list[str] = []
    for told in (
        named_pet_in(reading.text),
        *(m.group(1) for m in _NAME_IS.finditer(reading.text)),
    ):
        if told and fold(told) not in ("e", "o", "a"):
            found.append(told[:1].upper() + told[1:])
    found.extend(n for n in listed_names(reading.text) if n not in found)
    return found


def _take_details(st: DialogueState, reading: Reading) -> None:
    """Species and breed for each pet the message speaks of: the words after its name
    ('rex é cachorro vira lata, mel é gata siamês'); with one pet, or an answer to our
    question about one, the whole message is about it."""
    frames = [f for f in (st.frame, *st.queued) if f.new_pet is not None]
    text = reading.text
    folded = fold(text)
    spans: list[tuple[int, Frame]] = []
    for frame in frames:
        name = frame.new_pet.name if frame.new_pet else None
        at = re.search(rf"\b{re.escape(fold(name))}\b", folded) if name else None
        if at is not None:
            spans.append((at.end(), frame))
    spans.sort(key=lambda s: s[0])
    if len(spans) >= 2:
        for n, (begin, frame) in enumerate(spans):
            end = spans[n + 1][0] if n + 1 < len(spans) else len(text)
            cut = text[begin:end]
            _fill(frame, cut, free_breed=False)
        return
    current = spans[0][1] if spans else st.frame
    _fill(current, text, free_breed=st.awaiting == "pet_breed" and not reading.question_like)


def _fill(frame: Frame, text: str, free_breed: bool) -> None:
    new = frame.new_pet or NewPet()
    breed = known_breed_in(text)
    species = species_in(text)
    if new.species is None and species is not None:
        new = new.model_copy(update={"species": species})
    if new.breed is None and breed is not None:
        new = new.model_copy(update={"breed": breed[0]})
        if new.species is None and breed[1] is not None:
            new = new.model_copy(update={"species": breed[1]})
    if new.breed is None and free_breed:
        free = breed_in(text, new.species)
        if free:
            new = new.model_copy(update={"breed": free})
    frame.new_pet = new


def _store_complete(ctx: DialogueContext, st: DialogueState) -> list[str]:
    """Register every pet whose name, species and breed are known; their names."""
    stored: list[str] = []
    left: list[Frame] = []
    for frame in (st.frame, *st.queued):
        new = frame.new_pet
        if new is not None and new.complete:
            org_id, contact_id = ctx.turn.org.id, ctx.turn.contact_id
            catalog.register_pet(
                ctx.session, org_id, contact_id, new.name or "", new.species or "", new.breed or ""
            )
            stored.append(f"{new.name} ({new.species}, {new.breed})")
        elif new is not None:
            left.append(frame)
    if stored:
        ctx.__dict__.pop("pets", None)  # the cached list of the customer's pets is stale now
    st.frame, st.queued = (left[0], left[1:]) if left else (Frame(), [])
    return stored


def _next_question(st: DialogueState) -> Outcome | None:
    new = st.frame.new_pet
    if new is None:
        return None
    if new.name is None:
        st.awaiting = "pet_name"
        return Outcome(question=words.ask_pet_to_register(new.species))
    if new.species is None:
        st.awaiting = "pet_species"
        return Outcome(question=words.ask_species(new.name))
    st.awaiting = "pet_breed"
    return Outcome(question=words.ask_breed(new.name))
