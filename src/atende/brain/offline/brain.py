"""The offline brain: rules over a typed dialogue state, no model and no network.

One turn: read the burst once (``dialogue.reading``); an emergency, a request for a
person or an opt-out wins over everything; then the information questions of the burst
are answered, in order, and the booking / cancel / reschedule flow in progress takes
the rest. A question the customer does not answer is asked again once, reworded with
examples or options; after that the customer is offered a person — the conversation
never loops, and the same message is never sent twice in a row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import assert_never, cast

from sqlalchemy.orm import Session

from atende.brain.base import Reply, Turn
from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.intents import hypothetical
from atende.brain.dialogue.pets import pets_meant
from atende.brain.dialogue.reading import Part, Reading, read
from atende.brain.dialogue.references import SAME_AS_HINT, Booked, dated_references
from atende.brain.dialogue.state import Asked, DialogueState
from atende.brain.dialogue.when import extract_when
from atende.brain.knowledge.retrieval import Hit, KnowledgeSearch, terms
from atende.brain.offline import (
    answers,
    booking,
    manage,
    pickup,
    registration,
    reminder_answers,
    sizing,
    undo,
    waitlist_answers,
)
from atende.brain.offline.outcome import Outcome
from atende.domain.entities import Choices, ServiceInfo
from atende.domain.text import fold
from atende.storage import bookings as booking_repo
from atende.storage import contacts
from atende.storage.models import Booking

# kept importable where they were: the LLM agent answers with the same words
HANDOFF = words.HANDOFF
FLOWS_BOOKING = ("booking", "reschedule")
REPEAT_WINDOW = timedelta(hours=6)  # after this, the same answer again is no repeat
FLOW_TTL = timedelta(hours=12)  # a request untouched this long is over


class OfflineBrain:
    """``knowledge`` answers questions none of the intents cover from the business's
    own documents (FAQ); without it those get the honest fallback."""

    name = "offline"

    def __init__(self, knowledge: KnowledgeSearch | None = None) -> None:
        self._knowledge = knowledge

    def prepare(self, session: Session, turn: Turn) -> None:
        """Nothing to do before the write transaction: the offline brain is instant."""

    def respond(self, session: Session, turn: Turn) -> Reply:
        state = turn.state.copy_state()
        texts = [m.text.strip() for m in turn.burst if m.text.strip()]
        if not texts:
            audio = any(m.kind == "audio" for m in turn.burst)
            return Reply([words.ASK_TO_WRITE if audio else words.ASK_FOR_TEXT], state, "media")
        ctx = DialogueContext(session, turn)
        texts = _with_dates_of_bookings(ctx, texts)
        reading = read(texts, ctx.now, ctx.services)
        if reading.emergency:
            state.reset_flow()
            settings = turn.org.settings
            text = words.emergency(settings.emergency_phone, settings.address)
            return Reply([text], state, "emergency", handoff=True, urgent=True)
        if reading.intent == "handoff":
            state.reset_flow()
            return Reply([words.HANDOFF], state, "handoff", handoff=True)
        if reading.intent == "optout":
            contacts.opt_out(session, turn.org.id, turn.contact_id)
            return Reply([words.OPTED_OUT], state, "optout")
        if state.awaiting == "person":
            settled = _person_answer(state, reading)
            if settled is not None:
                return settled
        recent = state.said_at is not None and ctx.now - state.said_at < REPEAT_WINDOW
        if not recent:
            state.topic_service_id, state.invited, state.topic_asked = None, False, None
        if state.said_at is not None and ctx.now - state.said_at > FLOW_TTL:
            state.reset_flow()  # a booking left half-done yesterday is not today's request
        reply = self._turn(ctx, state, reading)
        if state.flow is None and state.then:  # the first request is done: now the second
            then, state.then = state.then, None
            more = self._turn(ctx, state, read([then], ctx.now, ctx.services))
            reply.texts, reply.choices = [*reply.texts, *more.texts], more.choices
            reply.handoff = reply.handoff or more.handoff
        reply.texts = _not_again(state, reply, ctx.now)
        state.last_texts, state.said_at = list(reply.texts), ctx.now
        _remember_topic(state, reading, reply)
        reply.state = state
        return reply

    def faq(self, session: Session, org_id: int, text: str) -> Hit | None:
        if self._knowledge is None:
            return None
        hits = self._knowledge.search(session, org_id, text, k=1, semantic=False)
        return hits[0] if hits and hits[0].confident else None

    def _turn(self, ctx: DialogueContext, st: DialogueState, reading: Reading) -> Reply:
        if (offer := waitlist_answers.answer(ctx, st, reading)) is not None:
            return self._flow_reply(ctx, st, reading, offer.outcome, offer.intent)
        if (to_us := reminder_answers.answer(ctx, st, reading)) is not None:
            return self._flow_reply(ctx, st, reading, to_us.outcome, to_us.intent)
        if (undone := undo.answer(ctx, st, reading)) is not None:
            return self._flow_reply(ctx, st, reading, undone, "undo_cancel")
        intent = reading.intent
        if reading.asks_bot and st.flow is None:
            return self._say(ctx, st, reading, [words.IM_A_BOT], "bot")
        if reading.calling and st.flow is None:
            return self._say(ctx, st, reading, [words.HERE], "greeting")
        if reading.asks_bookings:
            upcoming = manage.upcoming_of(ctx)
            lines = [manage.describe(ctx, b) for b in upcoming]
            texts = [words.my_bookings(lines)]
            booked = [s for b in upcoming if (s := ctx.service(b.service_id)) is not None]
            if len({s.id for s in booked}) == 1:  # "e quanto vai dar?" next: that service
                st.topic_service_id = booked[0].id
            priced = [p for p in reading.questions if p.intent == "prices"]
            if priced and booked:  # "qnd é a vacina da Mel? e qnto vai ficar?"
                asked = [Part(p.text, p.intent, p.service or booked[0]) for p in priced]
                texts.append(answers.answer(ctx, asked, booking=True))
            return self._say(ctx, st, reading, texts, "my_bookings")
        if intent == "notice" and st.flow is None:  # "precisa agendar antes?"
            return self._say(ctx, st, reading, [self._notice(ctx, reading)], intent)
        if intent == "includes" and st.flow is None:  # "o banho inclui corte de unha?"
            hit = self.faq(ctx.session, ctx.turn.org.id, reading.text)
            if hit is not None and hit.coverage >= 0.6:
                return self._say(ctx, st, reading, [faq_answer(hit)], "faq")
            st.awaiting, st.person_offered = "person", True
            return Reply([words.UNKNOWN_QUESTION], st, "fallback")
        if intent == "late":
            query = f"{reading.text} atraso tolerância"
            policy = _rule_from_documents(ctx, self._knowledge, query, _LATE_STEMS)
            return self._say(ctx, st, reading, [words.late(policy)], "late")
        if st.flow is not None and reading.waiting and not reading.has_when:
            return self._say(ctx, st, reading, [words.WAITING], "waiting")
        dropping = st.flow == "booking" and intent == "cancel" and not reading.has_when
        if dropping and reading.service is None and not _about_booked(ctx, st, reading):
            st.reset_flow()  # "cancela" before anything was booked: the request, not a booking
            return self._say(ctx, st, reading, [words.DROPPED], "dropped")
        kept_booking = st.flow in ("cancel", "reschedule") and reading.gives_up
        confirming = reading.yes and st.awaiting in ("confirm", "confirm_cancel")
        ends = reading.abandon or (reading.gives_up and not confirming)
        if st.flow is not None and ends and (not reading.has_when or kept_booking):
            kept = st.flow in ("cancel", "reschedule")
            st.reset_flow()
            return self._say(ctx, st, reading, [words.KEPT if kept else words.DROPPED], "dropped")
        if st.flow is not None and not _leaves_flow(ctx, st, reading):
            return self._in_flow(ctx, st, reading)
        later = reading.waiting and not reading.has_when and not reading.questions
        no_request = intent in (None, "greeting", "thanks")
        if st.flow is None and st.invited and later and no_request:  # "Quer agendar?" —
            # "blz, vou ver com meu marido": not "marca banho, depois eu volto pra buscar"
            return self._say(ctx, st, reading, [words.NEVER_MIND], "waiting")
        if st.invited and st.flow is None and reading.yes and not reading.no:
            return self._start_booking(ctx, st, reading)  # "Quer agendar?" — "sim"
        if (again := _asked_again(st, reading)) is not None:  # "e a tosa?" after a price
            parts = [Part(reading.text, again, reading.service or ctx.service(st.topic_service_id))]
            return self._say(ctx, st, reading, [answers.answer(ctx, parts)], again)
        ready = pickup.answer(ctx, st, reading) if intent != "book" else None
        if ready is not None:  # "que horas fica pronto?": the answer, no booking started
            docs, answered = _documents_for(ctx, reading, self._knowledge)
            rest = [
                p for p in reading.questions if not pickup.asks(p.text) and p.text not in answered
            ]
            text = answers.answer(ctx, rest, reading.asks_address, [ready, *docs])
            return self._say(ctx, st, reading, [text], "pickup")
        for_pet = reading.service and reading.pet_name and "?" not in reading.text
        hit = None if for_pet else self._faq_for(ctx, reading)
        alone = len(reading.parts) <= 1 or intent in ("book", "slots")  # a strong hit
        if hit is not None and alone and not reading.asks_address:
            return self._say(ctx, st, reading, [faq_answer(hit)], "faq")
        if intent in (None, "slots", "greeting") and _moves_booked(ctx, reading):
            intent = "reschedule"  # "o banho do Thor pode ser domingo?" with one booked
        if intent in ("cancel", "reschedule"):
            info = _info_lead(ctx, st, reading, self._knowledge)
            first, then = _two_requests(reading.text, [p.name for p in ctx.pets])
            if then is not None:  # "cancela a tosa e remarca a vacina pra segunda"
                reading = read([first], ctx.now, ctx.services)
                intent = reading.intent if reading.intent in ("cancel", "reschedule") else intent
            out = manage.start(ctx, st, "cancel" if intent == "cancel" else "reschedule", reading)
            st.then = then
            return self._flow_reply(ctx, st, reading, out, intent or "cancel", info)
        hours_asked = any(p.intent == "hours" for p in reading.questions)
        wants = (
            reading.service is not None
            and not hypothetical(reading.text)
            and (
                (reading.has_when and (not hours_asked or reading.request_when))
                or (_asks_when(reading) and hit is None)  # a question the documents answer
            )
        )
        if intent == "prices" and (asked_one := _booked_asked(ctx, reading)) is not None:
            service, pet = ctx.service(asked_one.service_id), ctx.pet(asked_one.pet_id)
            parts = [Part(reading.text, "prices", service)]  # "quanto vai dar o banho da Nina
            text = answers.answer(ctx, parts, booking=True, pet=pet)  # amanhã?": it is booked
            return self._say(ctx, st, reading, [text], "prices")
        if intent in ("book", "slots") or wants:
            return self._start_booking(ctx, st, reading)
        if intent == "register":  # 'quero cadastrar meus bichinhos': pets, no booking
            info = _info_lead(ctx, st, reading, self._knowledge)
            return self._flow_reply(
                ctx, st, reading, registration.start(ctx, st, reading), intent, info
            )
        if reading.sick:
            return self._sick(ctx, st, reading)
        extra, answered = _documents_for(ctx, reading, self._knowledge)
        if hit is not None and _short(hit.passage.text) not in extra:
            extra = [_short(hit.passage.text), *extra]  # several questions, one from the FAQ
        if reading.questions or reading.asks_address or extra:
            asked = [p for p in reading.questions if p.text not in answered]
            topic = ctx.service(st.topic_service_id)
            text = answers.answer(ctx, asked, reading.asks_address, extra, topic=topic)
            asks_service = intent == "services" or "services" in reading.intents
            priced_unknown = intent == "prices" and bool(_PRICE_OF.search(fold(reading.text)))
            named = _names_something(reading) or priced_unknown
            if (asks_service or priced_unknown) and reading.service is None and named:
                text = f"{words.NOT_OFFERED} {text}"
            return self._say(ctx, st, reading, [text], intent or "address")
        if intent == "greeting":
            return self._say(
                ctx, st, reading, [words.menu(ctx.turn.org.name, ctx.services)], intent
            )
        if intent == "thanks":
            return self._say(ctx, st, reading, [words.BYE if reading.bye else words.THANKS], intent)
        if reading.service is not None:
            quoted = answers.quoted(ctx, reading.service)
            return self._say(ctx, st, reading, [words.prices([quoted])], "prices")
        if reading.no and not reading.yes:
            return self._say(ctx, st, reading, [words.NEVER_MIND], "declined")
        return self._not_understood(ctx, st, reading)

    def _start_booking(self, ctx: DialogueContext, st: DialogueState, reading: Reading) -> Reply:
        topic = st.topic_service_id
        st.start("booking")
        info = _info_lead(ctx, st, reading, self._knowledge)
        booking.fill(ctx, st, reading)
        undo.in_place_of_cancelled(ctx, st, reading)  # "uma consulta pra ela no lugar"
        if st.frame.service_id is None and ctx.service(topic) is not None:
            st.frame.service_id = topic  # "quanto custa a tosa?" … "marca pro Zeca amanhã"
        if st.frame.service_id is None and (reading.sick or _VET.search(fold(reading.text))):
            consult = _consultation(ctx)
            if consult is not None:  # "a doutora pode atendê-la? ela está sem apetite"
                st.frame.service_id = consult.id
        booking.split_by_pet(ctx, st, reading)
        before = booking.booked_before(ctx, reading)  # "logo depois do banho dele"
        booking.split_by_service(ctx, st, reading, before)
        booking.follow_booked(ctx, st, reading, before)
        out = booking.next_question(ctx, st)
        asked = reading.intent == "slots" or (
            reading.text.rstrip().endswith("?") and reading.intent != "book"
        )
        asked_slot = asked and reading.when.at is not None
        if asked_slot and st.awaiting not in ("time", "date", "service") and not out.lead:
            out.lead = words.IS_FREE  # "tem banho hoje às 15:30?": yes, it is free
        return self._flow_reply(ctx, st, reading, out, reading.intent or "book", info)

    def _sick(self, ctx: DialogueContext, st: DialogueState, reading: Reading) -> Reply:
        """Not an emergency, but the pet is unwell: a consultation, offered now."""
        lead = words.sick(ctx.turn.org.settings.emergency_phone)
        consult = _consultation(ctx)
        if consult is None:
            return self._say(ctx, st, reading, [lead], "sick")
        st.start("booking")
        st.frame.service_id = consult.id
        booking.fill(ctx, st, reading)
        st.frame.service_id = consult.id
        out = booking.next_question(ctx, st)
        return self._flow_reply(ctx, st, reading, out, "sick", lead)

    def _in_flow(self, ctx: DialogueContext, st: DialogueState, reading: Reading) -> Reply:
        info = _info_lead(ctx, st, reading, self._knowledge)
        flow = st.flow
        match flow:
            case "cancel":
                out = manage.step(ctx, st, reading)
            case "register":
                out = registration.step(ctx, st, reading)
            case "reschedule" if st.awaiting == "choose_booking":
                out = manage.step(ctx, st, reading)
            case "reschedule" | "booking" | None:
                _with_old_booking(ctx, st)
                other = manage.another_move(ctx, st, reading)
                out = other if other is not None else booking.step(ctx, st, reading)
            case _:
                assert_never(flow)
        if info:
            out.progressed = True  # we answered what they asked
            if out.question is not None and not out.lead:
                out.lead = words.BACK_TO_BOOKING
        return self._flow_reply(ctx, st, reading, out, f"{st.flow or 'booking'}:continue", info)

    def _flow_reply(
        self,
        ctx: DialogueContext,
        st: DialogueState,
        reading: Reading,
        out: Outcome,
        intent: str,
        info: str = "",
    ) -> Reply:
        """Count a question the customer did not answer: asked again, it is reworded;
        missed a second time, a person is offered. A customer who told us something else
        useful meanwhile is not missing: the question alternates its two wordings."""
        question = out.question
        if question is not None and question.first != st.question:  # asked the first time
            rule = _cancel_rule(ctx, st, self._knowledge)
            if rule and rule not in info:
                info = f"{info}\n{rule}" if info else rule
        if question is None:
            st.misses, st.question = 0, None
            texts = out.texts(again=False)
        else:
            same = question.first == st.question
            if not same:
                st.misses = 0
            elif not out.progressed and not info:
                st.misses += 1
            st.question = question.first
            if st.misses >= 2 or (st.misses and st.person_offered):
                return _offer_person(st)
            texts = out.texts(again=st.misses == 1)
            if same and texts == st.last_texts:
                texts = out.texts(again=st.misses != 1)  # never the same message twice
        if info:
            texts = [info, *texts]
        return self._say(ctx, st, reading, texts, intent)

    def _not_understood(self, ctx: DialogueContext, st: DialogueState, reading: Reading) -> Reply:
        st.misses += 1
        if st.misses >= 3 or st.person_offered:
            return _offer_person(st)
        if reading.text.rstrip().endswith("?") and st.misses == 1:
            st.awaiting, st.person_offered = "person", True  # a question we cannot answer
            return Reply([words.UNKNOWN_QUESTION], st, "fallback")
        text = words.NOT_UNDERSTOOD if st.misses == 1 else words.NOT_UNDERSTOOD_AGAIN
        return Reply([text], st, "fallback")

    def _say(
        self,
        ctx: DialogueContext,
        st: DialogueState,
        reading: Reading,
        texts: list[str],
        intent: str | None,
    ) -> Reply:
        if st.flow is None:
            st.misses = 0
        if texts and _greeted(reading):
            first = (ctx.turn.contact_name or "").split(" ")[0] or None
            texts = [words.greeting_prefix(first, reading.greeting) + texts[0], *texts[1:]]
        return Reply(texts, st, intent or "fallback", choices=_choices(st, texts))

    def _notice(self, ctx: DialogueContext, reading: Reading) -> str:
        """How soon one can book, from the shop's calendar (and its documents' own word)."""
        rule = _rule_from_documents(ctx, self._knowledge, reading.text, _NOTICE_STEMS)
        if rule:
            return f"{rule} {words.INVITE}"
        service = reading.service or (ctx.services[0] if ctx.services else None)
        first = ctx.next_free(service) if service is not None else None
        label = None
        if first is not None:
            label = f"{say.day_label(first.date(), ctx.today)} às {say.hhmm(first)}"
        return words.notice(ctx.calendar.min_notice_minutes, label)

    def _faq_for(self, ctx: DialogueContext, reading: Reading) -> Hit | None:
        """Questions no intent covers, and price/service questions about something that is
        not one of the services ('quanto custa o táxi dog?'), are looked up in the
        documents; a question naming a service but no day or time ('com quantos dias o
        filhote pode vacinar?') too, when a passage covers it well."""
        intent, text = reading.intent, _asked(reading)
        asking_policy = hypothetical(reading.text) and "?" in reading.text
        if reading.service is not None and (reading.when.day or reading.when.at):
            if asking_policy:  # "se eu quiser mudar o banho de amanhã, tem custo?"
                return self.faq(ctx.session, ctx.turn.org.id, text)
            return None  # a day-and-time question about a service is a slot question
        if intent == "services" and _WHICH_SERVICES.search(fold(text)):
            return None  # "quais serviços vcs fazem?": the list, not a passage saying "serviço"
        if intent in (None, "greeting") or (
            intent in ("prices", "services") and reading.service is None
        ):
            return self.faq(ctx.session, ctx.turn.org.id, text)
        if intent in ("book", "slots") and "?" in text and not reading.has_when:
            strong = self.faq(ctx.session, ctx.turn.org.id, text)
            if strong and strong.coverage >= 0.75 and strong.matched >= 2:
                return strong
        return None


def _asked(reading: Reading) -> str:
    """What to look up in the documents: the burst's question ('com quantos dias posso
    vacinar? ele nasceu faz 4 semanas' → its first part) rather than every word of it."""
    asking = [
        p.text for p in reading.parts if "?" in p.text and not _ADDRESS_PART.search(fold(p.text))
    ]
    return asking[0] if len(asking) == 1 else reading.text


_WHICH_SERVICES = re.compile(
    r"\b(quais|que|os|seus|tabela de) servicos\b|\bo que (voces|vcs) (fazem|oferecem|tem)\b"
)
_ADDRESS_PART = re.compile(r"\b(endereco|onde fica|onde voces ficam|localizacao|como chego)\b")


def faq_answer(hit: Hit) -> str:
    text = hit.passage.text.strip()
    if len(text) > 600:
        text = text[:600].rsplit(" ", 1)[0] + "…"
    return f"{text}\n\n{words.ANYTHING_ELSE}"


def _info_lead(
    ctx: DialogueContext,
    st: DialogueState,
    reading: Reading,
    knowledge: KnowledgeSearch | None = None,
) -> str:
    """Answers to the information questions a burst asks besides its request; in a
    booking, 'quanto custa?' is about the service being booked."""
    booked = ctx.service(st.frame.service_id)
    parts = [
        Part(p.text, p.intent, p.service or booked) if p.intent in ("prices", "duration") else p
        for p in reading.questions
    ]
    extra, answered = _documents_for(ctx, reading, knowledge)
    if (ready := pickup.answer(ctx, st, reading)) is not None:  # "fica pronto que horas?"
        extra.append(ready)
        answered |= {p.text for p in reading.parts if pickup.asks(p.text)}
    parts = [p for p in parts if p.text not in answered]
    if st.flow is not None and _unanswered_aside(ctx, reading, answered):
        extra = [*extra, words.UNKNOWN_ASIDE]  # "e a ração? vendem?" inside a booking
    if not parts and not reading.asks_address and not extra:
        return ""
    in_booking = st.flow is not None
    pet = ctx.pet(st.frame.pet_id) if in_booking else None
    return answers.answer(ctx, parts, reading.asks_address, extra, booking=in_booking, pet=pet)


def _unanswered_aside(ctx: DialogueContext, reading: Reading, answered: set[str]) -> bool:
    """A question of the burst that no intent and no document answers, and that says
    nothing about the booking itself (no service, day, time or pet)."""
    for part in reading.parts:
        if part.intent is not None or "?" not in part.text or part.text in answered:
            continue
        if part.service is not None or not extract_when(part.text, ctx.now).empty:
            continue
        if _ASIDE.search(fold(part.text)):
            return True
    return False


# what an aside sounds like: 'vendem ração?', 'vcs tem banho de ofurô?', 'aceitam vale?'
_ASIDE = re.compile(r"\b(vend\w*|tem|fazem|faz|aceit\w*|trabalh\w*|da pra|pode|posso)\b")


def _documents_for(
    ctx: DialogueContext, reading: Reading, knowledge: KnowledgeSearch | None
) -> tuple[list[str], set[str]]:
    """Short answers from the documents to the questions no intent covers ('aceitam
    cartão?' beside a price or inside a booking), when a passage covers them well; and
    the questions they answered (a vague 'vocês ...?' is then not given the service list)."""
    if knowledge is None:
        return [], set()
    found: list[str] = []
    answered: set[str] = set()
    for part in reading.parts:
        if _asks_change_fee(part.text):  # 'se eu cancelar agora tem multa?'
            rule = _rule_from_documents(ctx, knowledge, _CANCEL_QUERY, _CANCEL_STEMS)
            if rule:
                found.append(rule)
                answered.add(part.text)
                continue
        vague = part.intent in (None, "includes") or (
            part.intent == "services" and part.service is None
        )
        # 'vcs vacinam filhote de 2 meses?' names a service, but asks what the documents say
        about_service = part.intent == "services" and part.service is not None
        if not (vague or about_service):
            continue
        if "?" not in part.text and not part.text.lower().startswith("se "):
            continue
        if _ADDRESS_PART.search(fold(part.text)) or _WHICH_SERVICES.search(fold(part.text)):
            continue  # the address and the service list come from the shop's own data
        hits = knowledge.search(ctx.session, ctx.turn.org.id, part.text, k=1, semantic=False)
        short = len(set(terms(part.text))) <= 3  # "tem estacionamento aí?": few words that count
        if about_service and (not hits or hits[0].matched < 2):
            continue  # 'vcs fazem tosa?': the service itself answers
        if hits and hits[0].confident and hits[0].coverage >= (0.5 if short else 0.6):
            found.append(_short(hits[0].passage.text))
            answered.add(part.text)
    return found, answered


_LATE_STEMS = ("atras", "toleran")
_NOTICE_STEMS = ("antecedenc", "agendament", "agendar", "ordem de chegada")
_CANCEL_STEMS = ("cancel", "desmarc", "multa", "taxa", "cobr", "antecedenc")
_CANCEL_QUERY = "política de cancelamento cancelar multa taxa antecedência"
_FEE = re.compile(r"\b(multa\w*|taxa\w*|cobr\w*|custo\w*|pag\w*|gratis|gratuit\w*)\b")
SOON = timedelta(hours=24)  # a cancellation this close is told the shop's rule on it


_CHANGE = re.compile(r"\b(cancel\w*|desmarc\w*|remarc\w*|reagend\w*|mud\w*|troc\w*|adi\w*)\b")


def _asks_change_fee(text: str) -> bool:
    """'se eu cancelar o banho agora tem multa?', 'cobra pra remarcar?'."""
    folded = fold(text)
    return "?" in text and bool(_FEE.search(folded)) and bool(_CHANGE.search(folded))


def _rule_from_documents(
    ctx: DialogueContext, knowledge: KnowledgeSearch | None, query: str, stems: tuple[str, ...]
) -> str | None:
    """The shop's own rule on something (lateness, cancellation) from its documents: of
    the best passage, only the paragraphs that speak of it (``stems``) — a policy page
    often has a section per rule. None when no passage covers it well."""
    if knowledge is None:
        return None
    hits = knowledge.search(ctx.session, ctx.turn.org.id, query, k=1, semantic=False)
    if not hits or not hits[0].confident:
        return None
    found = [p for p in _paragraphs(hits[0].passage.text) if any(s in fold(p) for s in stems)]
    return _short(" ".join(found)) if found else None


def _cancel_rule(
    ctx: DialogueContext, st: DialogueState, knowledge: KnowledgeSearch | None
) -> str | None:
    """Asked to confirm cancelling a booking that starts within a day: the shop's rule
    on late cancellations, so the customer decides knowing it."""
    if st.flow != "cancel" or st.awaiting != "confirm_cancel":
        return None
    ids = st.frame.booking_ids or ([st.frame.booking_id] if st.frame.booking_id else [])
    starts = [b.starts_at for b in manage.upcoming_of(ctx) if b.id in ids]
    if not starts or min(starts) - ctx.now > SOON:
        return None
    return _rule_from_documents(ctx, knowledge, _CANCEL_QUERY, _CANCEL_STEMS)


def _paragraphs(text: str) -> list[str]:
    """A passage's paragraphs, a heading ('Atrasos') left out: the rule itself is said."""
    blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n", text) if b.strip()]
    return [b for b in blocks if len(b.split()) > 4 or b.endswith((".", "!", "?"))]


def _short(text: str, limit: int = 280) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


_MOVE_HINT = re.compile(
    r"\b(pode ser|podia ser|poderia ser|da (pra|para) ser|tem como ser|passa\w*|muda\w*"
    r"|troca\w*|fica pra|ficar pra)\b"
)
_MOVE_VERB = re.compile(
    r"\b(passa\w*|muda\w*|troca\w*|remarca\w*|adianta\w*|atrasa\w*|fica\w* (pra|para)"
    r"|(pode|podia|poderia|da pra|tem como) ser)\b"
)
_NEW_ONE = re.compile(r"\b(outr[oa]|mais um|mais uma|nov[oa]|tambem|agend\w*|marc\w*)\b")


def _moves_booked(ctx: DialogueContext, reading: Reading) -> bool:
    """'o banho do Thor pode ser domingo?' when Thor's bath is booked: that bath moves,
    no second one is booked (a customer wanting another says 'outro', 'marcar mais um')."""
    folded = fold(reading.text)
    hinted = _MOVE_HINT.search(folded) or reading.same_time  # "mesmo horário na sexta o banho"
    if not reading.has_when or not hinted or _NEW_ONE.search(folded):
        return False
    if hypothetical(reading.text):  # "se eu quiser mudar o banho de amanhã, tem custo?"
        return False
    pets = {p.id for p in pets_meant(reading.text, ctx.pets)}
    if reading.service is None:  # "passa o Max pro dia 24": the pet's one booking
        return (
            bool(pets)
            and bool(_MOVE_VERB.search(folded))
            and any(b.pet_id in pets for b in manage.upcoming_of(ctx))
        )
    service_id = reading.service.id
    return any(
        b.service_id == service_id and (not pets or b.pet_id in pets)
        for b in manage.upcoming_of(ctx)
    )


_AND_THEN = re.compile(
    r",?\s+(?:e|e depois|depois)\s+"
    r"(?=(?:(?:o|a)\s+outr[oa]\s+)?(?:remarc|reagend|marc|agend|troc|mud|pass|cancel|desmarc)\w*\b)",
    re.IGNORECASE,
)


def _two_requests(text: str, pets: Sequence[str] = ()) -> tuple[str, str | None]:
    """'cancela a tosa e remarca a vacina pra segunda 10h' → the cancel, then the move —
    two requests about two bookings; 'cancelar o de amanhã e marcar pra segunda' (one
    booking, no second service or pet named) stays one move."""
    found = _AND_THEN.search(text)
    if found is None:
        return text, None
    first, second = text[: found.start()], text[found.end() :]
    if not re.search(r"\b(o|a|os|as|do|da)\s+\w{3,}", fold(second)):
        return text, None  # "e marcar pra segunda": the same booking, moved
    target = re.search(r"\b(banho|tosa|consulta|vacin\w*|[A-ZÀ-Ý][a-zà-ÿ]+)", second)
    pet = any(re.search(rf"\b{re.escape(fold(p))}\b", fold(second)) for p in pets)  # "da luna"
    other = re.match(r"(o|a)\s+outr[oa]\b", fold(second))  # "cancela o primeiro e o outro passa"
    if target is None and not pet and not other and not _BOOKING_BY_WHEN.search(fold(second)):
        return text, None
    return first, second


# "o das 15h", "o de quarta": a booking named by its time or day
_BOOKING_BY_WHEN = re.compile(
    r"\b(o|a|os|as)\s+d[aoe]s?\s+(\d{1,2}\s*(h|:\d\d)|segunda|terca|quarta|quinta|sexta|sabado"
    r"|domingo|hoje|amanha)"
)


def _booked_asked(ctx: DialogueContext, reading: Reading) -> Booking | None:
    """The one booking a price question names by its service (and day or pet)."""
    if reading.service is None or not (reading.has_when or reading.pet_name):
        return None
    pets = {p.id for p in pets_meant(reading.text, ctx.pets)}
    return booking.one_booked(ctx, reading.service.id, reading.when.day, pets)


def _asks_when(reading: Reading) -> bool:
    """'meu cachorro Thor precisa de um banho, qnd tem?': a service and a pet or a 'when'."""
    folded = fold(reading.text)
    asks = re.search(r"\b(quando|qnd|qdo|que dia|tem vaga|tem horario|precisa de)\b", folded)
    return bool(asks) or (reading.pet_name is not None and reading.intent in (None, "greeting"))


def _names_something(reading: Reading) -> bool:
    """'vcs fazem hidratação?', 'a castração vcs fazem?' name a service the shop does not
    have."""
    return bool(_NAMES_SERVICE.search(fold(reading.text)))


# "qual o valor da castração?": the price of something named that is no service of ours
_PRICE_OF = re.compile(
    r"\b(?:valor|preco|quanto (?:custa|e|fica|sai))\s+(?:d[aoe]s?|uma?|o|a)\s+"
    r"(?!servic|banho|tosa|consulta|vacin|porte|pelo|taxi|consult)[a-z]{5,}"
)
_NAMES_SERVICE = re.compile(
    r"\b(fazem|faz|tem|oferecem|trabalham com)\s+\w{4,}"
    r"|\b(?:a|o|as|os)\s+(?!servic)\w{4,}\b[^?.!]{0,25}\b(voces|vcs|vc|voce)\s+(fazem|faz|tem|oferecem)\b"
)


def _leaves_flow(ctx: DialogueContext, st: DialogueState, reading: Reading) -> bool:
    """A new cancel/reschedule request, or a new booking request, interrupts the flow.
    Inside a new booking, 'quero mudar o horário' corrects it; 'quero remarcar' or 'a
    consulta da Bela muda pra 16h' is about a booking already made."""
    intent, flow = reading.intent, st.flow
    if intent == "cancel" and flow != "cancel":
        return True
    if intent == "reschedule" and flow == "cancel":
        return st.awaiting != "confirm_cancel"  # "não, quero remarcar" moves that one
    if intent == "reschedule" and flow == "booking":
        return _about_booked(ctx, st, reading)
    return intent == "book" and flow not in FLOWS_BOOKING


_REBOOKING = re.compile(r"\b(remarc\w*|reagend\w*|adiant\w*|atras\w*)\b")
_CANCELLING = re.compile(r"\b(desmarc\w*|cancel\w*)\b")
_A_BOOKING = re.compile(  # "quero desmarcar um horário", "cancelar o agendamento que fiz"
    r"\b(desmarc|cancel)\w*\s+(um|uma|o|a|meu|minha|aquele|aquela)\s+"
    r"(horario|agendamento|consulta|atendimento|marcacao)\b"
)
_EVERY = re.compile(r"\b(tudo|todos|todas|os dois|as duas|ambos)\b")


def _about_booked(ctx: DialogueContext, st: DialogueState, reading: Reading) -> bool:
    """The message is about a booking already made, not the one being put together:
    'remarcar'/'cancela tudo' said with bookings ahead, or a pet or service of one of
    them named that is not the new booking's ('a consulta da Bela muda pra 16h')."""
    upcoming = manage.upcoming_of(ctx)
    if not upcoming:
        return False
    folded = fold(reading.text)
    named = {p.id for p in pets_meant(reading.text, ctx.pets)}
    frame = st.frame
    others = named - ({frame.pet_id} if frame.pet_id is not None else set())
    if others and any(b.pet_id in others for b in upcoming):
        return True
    if named - others:
        return False  # the new booking's own pet: a correction of it
    if _CANCELLING.search(folded):  # a bare "pode cancelar" drops the request being made
        return bool(_EVERY.search(folded) or _A_BOOKING.search(folded)) or reading.has_when
    return bool(_REBOOKING.search(folded))


def _with_dates_of_bookings(ctx: DialogueContext, texts: list[str]) -> list[str]:
    """'no mesmo dia do banho do Bolt' → 'no dia 11/03' (``references.dated_references``)."""
    if not any(SAME_AS_HINT.search(fold(t)) for t in texts):
        return texts
    booked = [
        Booked(
            b.starts_at.astimezone(ctx.tz),
            service.name if (service := ctx.service(b.service_id)) else "",
            pet.name if (pet := ctx.pet(b.pet_id)) else None,
            b.ends_at.astimezone(ctx.tz),
        )
        for b in manage.upcoming_of(ctx)
    ]
    return [dated_references(t, booked) for t in texts]


def _with_old_booking(ctx: DialogueContext, st: DialogueState) -> None:
    if st.flow == "reschedule" and st.frame.booking_id is not None:
        upcoming = booking_repo.upcoming_for_contact(
            ctx.session, ctx.turn.org.id, ctx.turn.contact_id
        )
        ctx.ignore_booking = next((b for b in upcoming if b.id == st.frame.booking_id), None)


def _person_answer(st: DialogueState, reading: Reading) -> Reply | None:
    """The customer answered our offer of a person."""
    if reading.yes and not reading.no:
        st.reset_flow()
        return Reply([words.HANDOFF], st, "handoff", handoff=True)
    st.awaiting = None
    st.misses = 0
    if reading.no and not reading.has_when and reading.service is None:
        st.last_texts = [words.PERSON_DECLINED]
        return Reply([words.PERSON_DECLINED], st, "person_declined")
    return None  # they wrote something else: read it as usual


def _offer_person(st: DialogueState) -> Reply:
    """The first time, offer a person; missed again after that, call one."""
    if st.person_offered or st.last_texts == [words.PERSON_OFFER]:
        st.reset_flow()
        return Reply([words.PERSON_CALLED], st, "handoff", handoff=True)
    st.awaiting = "person"
    st.misses = 0
    st.person_offered = True
    return Reply([words.PERSON_OFFER], st, "stuck")


def _not_again(st: DialogueState, reply: Reply, now: datetime) -> list[str]:
    """Never the same message twice in a row (within a conversation's day): a repeated
    answer is reworded; a repeated offer of a person calls one."""
    recent = st.said_at is not None and now - st.said_at < REPEAT_WINDOW
    if reply.texts != st.last_texts or reply.handoff or not recent:
        return reply.texts
    if reply.texts == [words.PERSON_OFFER]:
        reply.handoff = True
        st.reset_flow()
        return [words.PERSON_CALLED]
    if st.awaiting is not None and st.awaiting != "person":
        offered = _offer_person(st)  # a question that cannot be reworded any more
        reply.intent, reply.handoff, reply.choices = offered.intent, offered.handoff, None
        return offered.texts
    return [words.said_again(reply.texts[0]), *reply.texts[1:]]


def _remember_topic(st: DialogueState, reading: Reading, reply: Reply) -> None:
    """The one service the customer just asked about, and whether we invited them to book
    it, so 'sim' or 'marca pro Zeca amanhã' in the next message books that service."""
    named = {p.service.id for p in reading.parts if p.service is not None}
    if reading.service is not None:
        named.add(reading.service.id)
    if len(named) == 1:
        st.topic_service_id = named.pop()
    elif named:
        st.topic_service_id = None
    asked = {p.intent for p in reading.parts if p.intent in ("prices", "duration", "hours")}
    if reply.intent in ("prices", "duration", "hours") and len(asked) <= 1:
        st.topic_asked = cast(Asked, asked.pop() if asked else reply.intent)
    else:
        st.topic_asked = None
    st.invited = st.flow is None and any(words.INVITE in t for t in reply.texts)


# "e o banho?", "e pra gato?", "e a tosa pro porte grande?": the last question again
_ELLIPTIC = re.compile(
    r"^\W*e\s+(?:o|a|os|as|pro|pra|para|no|na|do|da|pel[oa])?\b[^?]{0,40}\?*\W*$"
)


def _asked_again(st: DialogueState, reading: Reading) -> Asked | None:
    """The price or duration just told, asked again of another service or size."""
    if st.topic_asked is None or st.flow is not None or reading.intent is not None:
        return None
    if len(reading.lines) != 1 or not _ELLIPTIC.match(fold(reading.text)):
        return None
    if "?" not in reading.text and len(reading.text.split()) > 5:
        return None  # "e o banho ele já tomou semana passada": a statement
    if st.topic_asked == "hours":  # "e no ano novo?", "e sábado?"
        return "hours" if reading.has_when or _HOLIDAY_WORD.search(fold(reading.text)) else None
    sized = sizing.said_of_pet(reading.text) != (None, None)
    return st.topic_asked if reading.service is not None or sized else None


_HOLIDAY_WORD = re.compile(r"\b(feriado|vespera|carnaval|pascoa|reveillon)\b")


def _consultation(ctx: DialogueContext) -> ServiceInfo | None:
    """The shop's vet consultation, what a worry about a pet's health is offered."""
    return next((s for s in ctx.services if "consulta" in fold(s.name)), None)


_VET = re.compile(r"\b(doutora?|dra?|veterinari\w*|vet|medic[oa] veterinari\w*)\b")


def _greeted(reading: Reading) -> bool:
    return "greeting" in reading.intents


def _choices(st: DialogueState, texts: list[str]) -> Choices | None:
    """Tappable options for what the last text asks, where the provider can show them."""
    if not texts:
        return None
    awaiting = st.awaiting
    match awaiting:
        case "time" if st.offered:
            prompt = texts[-1].split("\n", 1)[0].rstrip(":") + f". {words.WHICH_TIME}"
            return Choices("list", prompt, tuple(st.offered))
        case "confirm" | "confirm_cancel" | "person" | "waitlist":
            return Choices("buttons", texts[-1], words.YES_NO)
        case "pet_size":
            return Choices("buttons", texts[-1], words.SIZE_BUTTONS)
        case "time" | "service" | "date" | "pet_name" | "pet_species" | "pet_breed":
            return None  # free text (or too many options for buttons)
        case "pet_choice" | "choose_booking" | None:
            return None
        case _:
            assert_never(awaiting)
