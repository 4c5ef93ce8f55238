"""Cancelling and rescheduling a customer's own upcoming bookings."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.intents import find_service, pick_number
from atende.brain.dialogue.normalize import normalize
from atende.brain.dialogue.pets import pets_meant, species_in, time_after_name
from atende.brain.dialogue.reading import Reading, read
from atende.brain.dialogue.references import meant_text, new_part_start, old_part
from atende.brain.dialogue.state import DialogueState, Flow, Frame
from atende.brain.dialogue.when import extract_when
from atende.brain.offline import booking
from atende.brain.offline.outcome import Outcome
from atende.domain.text import fold
from atende.storage import bookings as booking_repo
from atende.storage.models import Booking


def describe(ctx: DialogueContext, booking_row: Booking, in_sentence: bool = False) -> str:
    """'Banho de Thor amanhã (02/12) às 10:00' as a list option; inside a sentence
    ('Quer cancelar o banho de Thor…?') with its article."""
    service = ctx.service(booking_row.service_id)
    pet = ctx.pet(booking_row.pet_id)
    local = booking_row.starts_at.astimezone(ZoneInfo(ctx.turn.org.timezone))
    who = f" de {pet.name}" if pet else ""
    if service is None:
        name = words.APPOINTMENT.lower() if in_sentence else words.APPOINTMENT
    else:
        name = words.the(service) if in_sentence else service.name
    label = say.day_label(local.date(), ctx.today)
    return f"{name}{who} {say.of_day(label) if in_sentence else label} às {say.hhmm(local)}"


def upcoming_of(ctx: DialogueContext) -> list[Booking]:
    return booking_repo.upcoming_for_contact(ctx.session, ctx.turn.org.id, ctx.turn.contact_id)


def start(ctx: DialogueContext, st: DialogueState, flow: Flow, reading: Reading) -> Outcome:
    out = _start(ctx, st, flow, reading)
    missing = _pets_without_booking(ctx, reading)
    if missing and out.final is None:  # "cancela os dois banhos" when only Bruce has one
        out.lead = f"{words.nothing_booked_for(say.joined(missing))} {out.lead or ''}".strip()
    return out


def _pets_without_booking(ctx: DialogueContext, reading: Reading) -> list[str]:
    """Pets the request names, or means by 'os dois', that have nothing booked ahead."""
    upcoming = upcoming_of(ctx)
    booked = {b.pet_id for b in upcoming}
    named = pets_meant(reading.text, ctx.pets)
    both = _ALL.search(fold(reading.text)) and len(ctx.pets) == 2
    if not named and both and len(upcoming) == 1:  # "os dois" and one is booked
        named = list(ctx.pets)
    return [p.name for p in named if p.id not in booked]


def _start(ctx: DialogueContext, st: DialogueState, flow: Flow, reading: Reading) -> Outcome:
    st.start(flow)
    upcoming = upcoming_of(ctx)
    if not upcoming:
        st.reset_flow()
        return Outcome(final=words.NO_UPCOMING)
    each = _each_moved(ctx, upcoming, reading) if flow == "reschedule" else []
    if len(each) > 1:  # "o da Nina passa pra terça e o do Thor pra quarta, mesmo horário"
        (first, first_reading), rest = each[0], each[1:]
        out = _chosen(ctx, st, first, first_reading)
        st.queued = [moved_frame(ctx, b, r) for b, r in rest]
        return out
    every = _several_meant(ctx, upcoming, reading, flow)
    if flow == "cancel" and len(every) > 1:
        st.frame.booking_ids = [b.id for b in every]  # "cancela os dois", "cancela tudo"
        st.awaiting = "confirm_cancel"
        return Outcome(question=words.confirm_cancel_all([describe(ctx, b) for b in every]))
    if len(every) > 1:  # "passa os dois banhos pra quinta, mesmo horário": one after another
        out = _chosen(ctx, st, every[0], reading)
        st.queued = [moved_frame(ctx, b, reading) for b in every[1:]]
        if _timed_by_pet(ctx, st, every, reading.text):  # "a Mel 9h e o Simba 10h"
            out = booking.next_question(ctx, st)
        return out
    chosen = _match(ctx, upcoming, reading, flow)
    if chosen is None:
        return _ask_which(ctx, st, upcoming, reading, flow)
    return _chosen(ctx, st, chosen, reading)


def _several_meant(
    ctx: DialogueContext, upcoming: list[Booking], reading: Reading, flow: Flow
) -> list[Booking]:
    """Every booking of a request about several: 'os dois', 'tudo', 'todos os horários
    dela' (those that fit what was named, else all), or one booking per joined reference
    ('cancela o de segunda e o de terça') when each names exactly one."""
    if len(upcoming) < 2:
        return []
    if _ALL.search(fold(old_part(reading.text, ctx.now) if flow == "reschedule" else reading.text)):
        fitting, named = _fitting(ctx, upcoming, reading, flow)
        return fitting if named and fitting else upcoming
    said = meant_text("\n".join(reading.lines) or reading.text)
    if flow == "reschedule":
        said = old_part(said, ctx.now)
    parts = [p for p in _JOINED.split(said) if p.strip() and not _SMALL_TALK.match(fold(p))]
    if len(parts) < 2:
        return []
    found: list[Booking] = []
    for part in parts:
        fitting, named = _fitting(ctx, upcoming, read([part], ctx.now, ctx.services), flow)
        if not named or len(fitting) != 1 or fitting[0] in found:
            return []  # one of them is unclear: ask, rather than guess
        found.append(fitting[0])
    return found


def _timed_by_pet(
    ctx: DialogueContext, st: DialogueState, moving: list[Booking], text: str
) -> bool:
    """Each moved booking's own time when it follows its pet's name ('muda os dois pra
    terça? a Mel 9h e o Simba 10h'); whether any was found."""
    found = False
    for frame in (st.frame, *st.queued):
        booked = next((b for b in moving if b.id == frame.booking_id), None)
        pet = ctx.pet(booked.pet_id) if booked is not None else None
        words = time_after_name(text, pet.name) if pet is not None else None
        at = extract_when(words, ctx.now).at if words else None
        if at is not None:
            frame.at, found = at, True
    return found


def _each_moved(
    ctx: DialogueContext, upcoming: list[Booking], reading: Reading
) -> list[tuple[Booking, Reading]]:
    """Several moves in one message, each booking to its own day or time ('o da Nina
    passa pra terça e o do Thor pra quarta, mesmo horário'): each part names exactly
    one booking and its new day or time; words that name neither ('mesmo horário')
    belong to every part. Empty unless every part is clear."""
    said = meant_text("\n".join(reading.lines) or reading.text)
    parts = [p.strip() for p in _JOINED.split(said) if p.strip()]
    moves, shared = [], []
    for part in parts:
        alone = read([part], ctx.now, ctx.services)
        names = alone.service is not None or pets_meant(part, ctx.pets)
        if not names and alone.when.day is None and alone.when.earliest is None:
            shared.append(part)  # "mesmo horário", "pode ser?"
        else:
            moves.append(part)
    if len(moves) < 2:
        return []
    options: list[tuple[list[Booking], Reading]] = []
    for part in moves:
        whole = read([", ".join([part, *shared])], ctx.now, ctx.services)
        fitting, named = _fitting(ctx, upcoming, whole, "reschedule")
        if not named or not fitting or new_part_start(part, ctx.now) is None:
            return []
        options.append((fitting, whole))
    # "o da Nina … e o do Thor …": said alike, the same service (Thor's bath, not his consult)
    alike = {f[0].service_id for f, _ in options if len(f) == 1}
    found: list[tuple[Booking, Reading]] = []
    for fitting, whole in options:
        if len(fitting) > 1 and len(alike) == 1:
            fitting = [b for b in fitting if b.service_id in alike]
        if len(fitting) != 1 or any(fitting[0].id == b.id for b, _ in found):
            return []
        found.append((fitting[0], whole))
    return found


# "o de segunda e o de terça", "a tosa do Rex e a vacina da Mel": joined references
# a line of the burst that names no booking: "bom diaaa", "oi tudo bem?"
_SMALL_TALK = re.compile(
    r"^\W*(?:(?:oi+e?|ola|bo[mn]+ dia+|boa (?:tarde|noite)|tudo bem|td bem|e ai|opa)\W*)+$"
)
_JOINED = re.compile(  # "o de segunda e o de terça", "o banho da mel e da lola"
    r"\s*[,\n]\s*(?:e\s+)?|\s+e\s+(?=(?:o|a|os|as)\s+(?:d[aeo]s?\b|\w{4,})|d[aeo]s?\s+\w{3,})",
    re.IGNORECASE,
)


def _ask_which(
    ctx: DialogueContext, st: DialogueState, upcoming: list[Booking], reading: Reading, flow: Flow
) -> Outcome:
    """Which booking? Among those that fit what was named, when several do; the request
    ('pra quarta, mesmo horário', '1h mais tarde') is kept for once it is answered."""
    fitting, _ = _fitting(ctx, upcoming, reading, flow)
    options = fitting if len(fitting) > 1 else upcoming
    st.awaiting = "choose_booking"
    st.offered_bookings = [b.id for b in options]
    st.request = reading.text
    return Outcome(question=words.choose_booking([describe(ctx, b) for b in options]))


def step(ctx: DialogueContext, st: DialogueState, reading: Reading) -> Outcome:
    upcoming = upcoming_of(ctx)
    if st.awaiting == "choose_booking":
        offered = [b for b in upcoming if b.id in st.offered_bookings] or upcoming
        chosen = _match(ctx, offered, reading, st.flow or "cancel")
        if chosen is None and len(offered) > 1 and _ALL.search(fold(reading.text)):
            both = read([st.request or "", reading.text], ctx.now, ctx.services)
            return start(ctx, st, st.flow or "cancel", both)  # "os dois": every one
        if chosen is None:
            return Outcome(
                question=words.choose_booking([describe(ctx, b) for b in offered]),
                progressed=False,
            )
        request = st.request
        if request and st.flow == "reschedule":  # "pra quarta, mesmo horário" asked before
            reading = read([request, reading.text], ctx.now, ctx.services)
        return _chosen(ctx, st, chosen, reading)
    if st.awaiting == "confirm_cancel" and st.frame.booking_ids:
        every = [b for b in upcoming if b.id in st.frame.booking_ids]
        fitting, named = _fitting(ctx, every, reading, "cancel")
        if named and 0 < len(fitting) < len(every):  # "pode ser, mas só o do Rex"
            if reading.yes and not reading.no:
                return _cancel_these(ctx, st, fitting)
            return _confirm_these(ctx, st, fitting)
        if _cancel_yes(reading):
            return _cancel_these(ctx, st, every)
        if reading.no:
            st.reset_flow()
            return Outcome(final=words.KEPT)
        return Outcome(
            question=words.confirm_cancel_all([describe(ctx, b) for b in every]), progressed=False
        )
    if st.awaiting == "confirm_cancel":
        found = next((b for b in upcoming if b.id == st.frame.booking_id), None)
        if found is None:
            st.reset_flow()
            return Outcome(final=words.BOOKING_GONE)
        other = _other_meant(ctx, upcoming, reading, found) if reading.no else None
        if other is not None and _NAMES_BOOKING.search(fold(reading.text)):
            st.frame.booking_id = other.id  # "não pera, é o de quinta, do Toby"
            return Outcome(question=words.confirm_cancel(describe(ctx, other, in_sentence=True)))
        moving = reading.intent == "reschedule" or (
            reading.has_when and not _CANCEL_YES.search(normalize(reading.text))
        )
        if moving:  # "pode ser sexta 9h?", "não, quero remarcar": a move, not a cancel
            st.flow = "reschedule"
            return _chosen(ctx, st, found, reading)
        other = _other_meant(ctx, upcoming, reading, found) if reading.no else None
        if other is not None:  # "não não, era o da Mel": that one is asked about instead
            st.frame.booking_id = other.id
            return Outcome(question=words.confirm_cancel(describe(ctx, other, in_sentence=True)))
        if _cancel_yes(reading):
            more = _and_also(ctx, reading, found)
            out = _cancel_these(ctx, st, [found])
            if more:  # "isso, e o Rex tbm, a tosa": that one next
                st.then = more
            elif missing := [
                n for n in _pets_without_booking(ctx, reading) if n != _pet_of(ctx, found)
            ]:
                out.final = f"{out.final} {words.nothing_booked_for(say.joined(missing))}"
            return out
        if reading.no:
            st.reset_flow()
            return Outcome(final=words.KEPT)
        return Outcome(
            question=words.confirm_cancel(describe(ctx, found, in_sentence=True)), progressed=False
        )
    return start(ctx, st, st.flow or "cancel", reading)


def _pet_of(ctx: DialogueContext, b: Booking) -> str | None:
    pet = ctx.pet(b.pet_id)
    return pet.name if pet is not None else None


def _cancel_these(ctx: DialogueContext, st: DialogueState, chosen: list[Booking]) -> Outcome:
    """Cancel them, and remember which for a while: 'ops, o da Mel não!' undoes it."""
    for b in chosen:
        booking_repo.cancel(ctx.session, ctx.turn.org.id, b.id)
    st.reset_flow()
    st.cancelled_ids, st.cancelled_at = [b.id for b in chosen], ctx.now
    if len(chosen) == 1:
        return Outcome(final=words.cancelled(describe(ctx, chosen[0], in_sentence=True)))
    return Outcome(final=words.cancelled_all(len(chosen)))


# "é o de quinta", "era o do Toby": another booking named, not a new day for this one
_NAMES_BOOKING = re.compile(r"\b(?:e|era|eh)?\s*(?:o|a)\s+d[aeo]s?\s+\w+")


def _other_meant(
    ctx: DialogueContext, upcoming: list[Booking], reading: Reading, found: Booking
) -> Booking | None:
    """The one booking, other than ``found``, that a 'no' names instead ('era o da Mel')."""
    others = [b for b in upcoming if b.id != found.id]
    fitting, named = _fitting(ctx, others, reading, "cancel")
    return fitting[0] if named and len(fitting) == 1 else None


def _and_also(ctx: DialogueContext, reading: Reading, found: Booking) -> str | None:
    """A yes that also asks to cancel another booking ('isso', 'e o Rex tbm, a tosa'):
    that request, to be taken up once this one is done."""
    rest = [line for line in reading.lines if _ALSO.search(fold(line))]
    if not rest:
        return None
    said = " ".join(rest)
    other = [b for b in upcoming_of(ctx) if b.id != found.id]
    fitting, named = _fitting(ctx, other, read([said], ctx.now, ctx.services), "cancel")
    return f"cancela {said}" if named and fitting else None


def _confirm_these(ctx: DialogueContext, st: DialogueState, chosen: list[Booking]) -> Outcome:
    """Fewer than were asked about: the yes is asked again, for these only."""
    st.awaiting = "confirm_cancel"
    if len(chosen) == 1:
        st.frame.booking_ids, st.frame.booking_id = [], chosen[0].id
        return Outcome(question=words.confirm_cancel(describe(ctx, chosen[0], in_sentence=True)))
    st.frame.booking_ids = [b.id for b in chosen]
    return Outcome(question=words.confirm_cancel_all([describe(ctx, b) for b in chosen]))


# "pode cancelar", "sim, pode desmarcar", "cancela sim": a yes to "Quer cancelar …?"
_CANCEL_YES = re.compile(
    r"^\W*((sim|s|pode|isso|ok|beleza|blz|claro|por favor|pfv|pode sim|tudo bem|ta bom"
    r"|esta bom|entao|ta|tranquilo)\W*)*(pode\s+)?"
    r"(cancel\w*|desmarc\w*)\b(?!.*\bnao\b)"
)


def _cancel_yes(reading: Reading) -> bool:
    if reading.no and not reading.yes:
        return False
    return reading.yes or bool(_CANCEL_YES.search(normalize(reading.text)))


def _match(
    ctx: DialogueContext, upcoming: list[Booking], reading: Reading, flow: Flow
) -> Booking | None:
    """The booking the customer means: by number, or the only one that fits what they
    named (``_fitting``). A single booking that contradicts what they named ("a tosa da
    Mel" when only Thor's bath is booked) is asked about, not taken."""
    index = pick_number(reading.text, len(upcoming))
    if index is not None:
        return upcoming[index]
    if len(upcoming) == 1 and reading.yes and not reading.no:
        return upcoming[0]  # "sim" to a list of one
    candidates, named = _fitting(ctx, upcoming, reading, flow)
    if len(candidates) == 1 and (len(upcoming) == 1 or named):
        return candidates[0]
    edge = _EDGE.search(fold(old_part(reading.text, ctx.now)))
    if edge and len(candidates) > 1:  # "o que tá mais cedo na quinta", "o último"
        ordered = sorted(candidates, key=lambda b: b.starts_at)
        return ordered[-1] if edge.group("late") else ordered[0]
    return None


# "o que tá mais cedo", "o primeiro" / "o mais tarde", "o último": among the ones that fit
_EDGE = re.compile(
    r"\b(?:o|a)\s+(?:que\s+(?:ta|esta|e|fica)\s+|q\s+ta\s+)?"
    r"(?:(?P<early>mais cedo|primeir[oa])|(?P<late>mais tarde|ultim[oa]))\b"
)


def _fitting(
    ctx: DialogueContext, upcoming: list[Booking], reading: Reading, flow: Flow
) -> tuple[list[Booking], bool]:
    """The bookings that fit the service, pet, species, day and hour named for the
    booking — leaving out what the customer said stays ('o banho continua') and, in a
    move, the new day and time ('o de sexta passa pra sábado') — and whether anything
    was named. 'o banho' fits a booked 'Banho e tosa' when no plain bath is booked."""
    meant = meant_text("\n".join(reading.lines) or reading.text)
    if flow == "reschedule":
        meant = old_part(meant, ctx.now)
        meant = _INTO_SERVICE.sub(" ", meant)  # "trocar a tosa da Mel por banho": the tosa
    pets = {p.id for p in pets_meant(meant, ctx.pets)}
    species = species_in(meant)
    if not pets and species:  # "cancela o do cachorro"
        pets = {p.id for p in ctx.pets if fold(p.species) == fold(species)}
    service = find_service(meant, ctx.services)
    when = extract_when(meant, ctx.now)
    old_hour = _OLD_HOUR.search(fold(reading.text))  # "muda o banho das 11 pra 14h"
    hour = int(old_hour.group(1)) if old_hour else None
    at = when.at if hour is None else None  # "o das 15h", "o de amanhã às 10h"
    tz = ZoneInfo(ctx.turn.org.timezone)
    pool = [b for b in upcoming if not pets or b.pet_id in pets]
    exact = service is not None and any(b.service_id == service.id for b in pool)

    def same_service(b: Booking) -> bool:
        if service is None or b.service_id == service.id:
            return True
        booked = ctx.service(b.service_id)
        return not exact and booked is not None and fold(service.name) in fold(booked.name)

    by_weekday = bool(_WEEKDAY_WORD.search(fold(meant)))  # "hoje", "dia 25": that date only

    def on_day(booked: date) -> bool:
        assert when.day is not None
        return _same_day(booked, when.day) if by_weekday else booked == when.day

    def fits(b: Booking, day: bool = True) -> bool:
        local = b.starts_at.astimezone(tz)
        return (
            (not day or when.day is None or on_day(local.date()))
            and same_service(b)
            and (not pets or b.pet_id in pets)
            and (hour is None or local.hour == hour)
            and (at is None or not day or local.time() == at)
        )

    named = bool(when.day or at or service or pets or hour is not None)
    candidates = [b for b in upcoming if fits(b)]
    moving = flow == "reschedule"  # a day no booking has is the new one: "remarca sexta"
    if not candidates and (when.day or at) and (service or pets or moving):
        candidates = [b for b in upcoming if fits(b, day=False)]  # "desmarcar a tosa e…"
    return candidates, named


_OLD_HOUR = re.compile(r"\bd[aeo]s?\s+(\d{1,2})\s*(?:h|:00|horas)?\s+(?:pra|para|pras|p/)\b")
_ALL = re.compile(
    r"\b(os dois|as duas|ambos|tudo(?! (bem|bom|certo|ok|joia|tranquilo))|todos|todas|os 2"
    r"|dos dois|das duas|nos dois|nas duas|pros dois|pras duas|dos 2|das 2)\b"
    # "os banhos de segunda", "as vacinas": every booking that fits
    r"|\b(os|as) (banhos|tosas|vacinas|vacinacoes|consultas|horarios|agendamentos)\b"
)


_WEEKDAY_WORD = re.compile(r"\b(segunda|terca|quarta|quinta|sexta|sabado|domingo)")


def _same_day(booked: date, said: date) -> bool:
    """'o de terça' is the booking on a Tuesday, this week's or the next."""
    return booked == said or (booked.weekday() == said.weekday() and abs(booked - said).days <= 7)


# "muda o banho pra tosa", "troca a tosa por banho e tosa": the service it becomes
_INTO = re.compile(
    r"\b(?:pra|para|por|(?:quero|queria|vou querer|seria|sera|vai ser|fica|faz|faca)\s+"
    r"(?=so|apenas|somente))\s*(?:(?:so|apenas|somente)\s+)?"
    r"(?:uma\s+|um\s+|a\s+|o\s+)?(\w+(?:\s+e\s+\w+)?)"
)


_INTO_SERVICE = re.compile(
    r"\b(?:por|pra|para)\s+(?:um |uma |o |a )?(?:banho|tosa|consulta|vacin\w*)( e tosa)?\b",
    re.IGNORECASE,
)


def _swapped_service(ctx: DialogueContext, text: str, old_id: int) -> int | None:
    """The other service a move turns the booking into, if it names one after 'pra'/'por'."""
    for found in _INTO.finditer(fold(text)):
        service = find_service(found.group(1), ctx.services)
        if service is not None and service.id != old_id:
            return service.id
    return None


def reschedule(
    ctx: DialogueContext, st: DialogueState, chosen: Booking, reading: Reading
) -> Outcome:
    """Move this booking (known already) to what ``reading`` says, asking what it lacks."""
    st.start("reschedule")
    return _chosen(ctx, st, chosen, reading)


def _chosen(ctx: DialogueContext, st: DialogueState, chosen: Booking, reading: Reading) -> Outcome:
    st.frame.booking_id = chosen.id
    if st.flow == "cancel":
        st.awaiting = "confirm_cancel"
        return Outcome(question=words.confirm_cancel(describe(ctx, chosen, in_sentence=True)))
    _fill_move(ctx, st, chosen, reading)
    frame = st.frame
    swapped = frame.service_id != chosen.service_id
    if swapped and frame.day is None and frame.at is None and frame.earliest is None:
        local = chosen.starts_at.astimezone(ctx.tz)  # "troca a tosa por banho": same time
        frame.day, frame.at = local.date(), local.time()
    if frame.day is not None or frame.at is not None or frame.earliest is not None:
        return booking.next_question(ctx, st)
    st.awaiting = "date"
    return Outcome(question=words.reschedule_when(describe(ctx, chosen, in_sentence=True)))


def _fill_move(ctx: DialogueContext, st: DialogueState, chosen: Booking, reading: Reading) -> None:
    """The frame of moving ``chosen``: its service and pet, the new day and time said."""
    st.frame.booking_id = chosen.id
    st.frame.service_id = chosen.service_id
    st.frame.pet_id = chosen.pet_id
    ctx.ignore_booking = chosen
    old_day = chosen.starts_at.astimezone(ctx.tz).date()
    booking.fill(ctx, st, reading)
    swapped = _swapped_service(ctx, reading.text, chosen.service_id)
    st.frame.service_id, st.frame.pet_id = swapped or chosen.service_id, chosen.pet_id
    frame = st.frame
    if frame.day == old_day and frame.at is None:
        frame.day = None  # "o de terça": the day being left, not the new one
    if frame.day is None and frame.at is None and frame.period and frame.earliest is None:
        frame.day = old_day  # "pra de tarde": the same day, in the afternoon


def moved_frame(ctx: DialogueContext, chosen: Booking, reading: Reading) -> Frame:
    """The frame of one more booking the same move request is about, filled on its own
    (its own time kept for "mesmo horário"), to be confirmed after the first."""
    leaving = ctx.ignore_booking
    scratch = DialogueState(flow="reschedule")
    _fill_move(ctx, scratch, chosen, reading)
    ctx.ignore_booking = leaving
    return scratch.frame


_ANCHOR = re.compile(r"\b(depois d|antes d|junto com|apos |mesmo horario d|mesmo dia d)")
# "tb", "agora a vacina da Pérola", "e o Rex também": another booking besides this one
_ALSO = re.compile(r"\b(tb|tbm|tambem|agora|e o|e a|e os|e as|e tambem)\b")


def another_move(ctx: DialogueContext, st: DialogueState, reading: Reading) -> Outcome | None:
    """While a move waits for its yes, 'agora a vacina da Pérola tb pra 16h' names another
    booking with a new time: that one is moved too, confirmed first, the waiting one after
    it ('tb', 'agora'); without such a word it is moved instead ('não, a vacina da Pérola')."""
    if st.flow != "reschedule" or st.frame.booking_id is None or not reading.has_when:
        return None
    if _ANCHOR.search(fold(reading.text)):  # "põe ele 11h30, logo depois da vacina da Luna"
        return None
    if reading.service is None and not pets_meant(reading.text, ctx.pets):
        return None  # "não, quinta": the new day of this one, not the booking on Thursday
    upcoming = upcoming_of(ctx)
    fitting, named = _fitting(ctx, upcoming, reading, "reschedule")
    if not named or len(fitting) != 1 or fitting[0].id == st.frame.booking_id:
        return None
    if any(b.id == st.frame.booking_id for b in fitting):
        return None
    waiting, queued = st.frame, st.queued
    also = bool(_ALSO.search(fold(reading.text)))
    st.frame, st.queued, st.awaiting, st.offered = Frame(), [], None, []
    out = _chosen(ctx, st, fitting[0], reading)
    st.queued = [waiting, *queued] if also else queued
    return out
