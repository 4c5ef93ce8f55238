"""Every sentence the assistant says to a customer, in one place (Brazilian Portuguese).

Flows decide *what* to say; this module decides *how*: warm, short, WhatsApp-style, at
most about three short lines except lists. A question has two wordings: the first time,
and a second one with examples or numbered options for when the first was not
understood (no question is asked a third time: the customer is offered a person).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from atende.brain.dialogue import replies as say
from atende.domain import grammar
from atende.domain.entities import ServiceInfo
from atende.domain.phones import display_phone
from atende.domain.pricing import Quote
from atende.domain.pricing import varies as service_varies
from atende.domain.sizes import SIZE_NAMES, Size

# --- the conversation itself -------------------------------------------------------

ASK_TO_WRITE = (
    "Recebi seu áudio 🎧, mas não consegui ouvi-lo por aqui. Pode me escrever, por favor? 🙏"
)
ASK_FOR_TEXT = "Recebi sua mensagem! Por aqui eu entendo melhor texto 🙂 Como posso ajudar?"
HANDOFF = (
    "Claro! Vou chamar uma pessoa da nossa equipe para falar com você. "
    "Em instantes alguém responde por aqui 🙂"
)
THANKS = "Por nada! Qualquer coisa é só chamar 🐾"
NEVER_MIND = "Tudo bem! Qualquer coisa é só chamar 🐾"
AGAIN = {
    THANKS: "Disponha! 🐾",
    NEVER_MIND: "Combinado 🙂 Estou por aqui se precisar!",
}


def said_again(text: str) -> str:
    """Another way to say what was just said, so a message never goes out twice in a row."""
    if text in AGAIN:
        return AGAIN[text]
    if MENU_LEAD in text:
        return MENU_AGAIN
    return f"Claro! {text}"


OPTED_OUT = (
    "Pronto, você não vai mais receber nossas promoções 👍 Os lembretes dos seus "
    "agendamentos continuam, e é só chamar quando precisar!"
)
NOT_UNDERSTOOD = (
    "Desculpe, não entendi bem 😅 Posso te ajudar com agendamentos, preços e horários, "
    "ou chamar uma pessoa da equipe. O que você prefere?"
)
NOT_UNDERSTOOD_AGAIN = (
    "Ainda não consegui entender 😕 Você pode escrever, por exemplo:\n"
    "• *quero agendar um banho amanhã às 10h*\n"
    "• *quanto custa a tosa?*\n"
    "• *quero falar com uma pessoa*"
)
PERSON_OFFER = (
    "Acho que não estou conseguindo te ajudar por aqui 😅 "
    "Quer que eu chame uma pessoa da equipe? Responda *sim* ou *não*."
)
PERSON_DECLINED = (
    "Tudo bem! Então me conte numa mensagem só o que você precisa, por exemplo: "
    "*banho amanhã às 10h para o Thor* 🙂"
)
PERSON_CALLED = (
    "Vou chamar uma pessoa da nossa equipe para te ajudar 🙂 Em instantes alguém responde por aqui."
)
BACK_TO_BOOKING = "Voltando ao agendamento:"
# a question asked in the middle of a booking that neither we nor the documents answer
UNKNOWN_ASIDE = "Isso eu não sei te responder por aqui, mas a equipe te diz 🙂"
NO_UPCOMING = "Não encontrei nenhum agendamento futuro no seu número. Quer agendar um horário? 🙂"
RESTORE_TAKEN = "Poxa, esse horário já foi ocupado por outra pessoa 😕"


def restored(described: str) -> str:
    """'ops, cancelei errado': it is back."""
    back = f"{described[:1].upper()}{described[1:]}"
    return f"Sem problemas, desfiz o cancelamento ✅ {back} está de volta na agenda."


def nothing_booked_for(names: str) -> str:
    """'Diana não tem horário marcado.' — a pet named in a cancel or move."""
    verb = "não têm" if " e " in names else "não tem"
    return f"{names} {verb} horário marcado."


BOOKING_GONE = "Esse agendamento não está mais ativo. Posso ajudar em algo mais?"
KEPT = "Tudo certo, mantive seu agendamento 😉"
DROPPED = "Tudo bem, não agendei nada 🙂 Se mudar de ideia, é só chamar!"
PAST_DAY = "Essa data já passou 😅"
SLOT_PROBLEM = {  # why a time cannot be booked: domain/slots.py slot_problem
    "past": "Esse horário já passou 😅",
    "closed": "Nesse horário não estamos atendendo.",
    "taken": "Esse horário já está ocupado.",
    "too_soon": "Esse horário está muito em cima 😅 Preciso de um pouco mais de antecedência.",
    "too_far": "Nossa agenda ainda não está aberta para essa data 🙂",
    "holiday": "Nesse dia é feriado e a gente não abre 🙂",
    "closure": "Nesse dia vamos estar fechados 😕",
    "break": "Nesse horário a equipe está no intervalo de almoço 🍽️",
}
JUST_TAKEN = "Poxa, esse horário acabou de ser reservado 😕"
ALREADY_THEN = "Esse já é o horário marcado 🙂"  # a reschedule to the same day and time


def closed_for_holiday(holiday: str) -> str:
    """A holiday the shop closes on, named: 'Nesse dia é feriado (Natal) e a gente não abre'."""
    return f"Nesse dia é feriado ({holiday}) e a gente não abre 🙂"


def quote_text(quote: Quote) -> str:
    """'R$ 60,00', or 'a partir de R$ 45,00' while the pet's size (or coat) is unknown and
    the price depends on it."""
    money = say.money(quote.amount)
    return f"a partir de {money}" if quote.from_lowest else money


def closed_at(hours_of_day: str | None) -> str:
    """The time asked is outside the day's opening hours (or the service would end after)."""
    return f"Nesse horário não dá: nesse dia atendemos {hours_of_day}."


def ends_after_closing(service: ServiceInfo, at: str, took: str, closing: str) -> str:
    """'Às 17:00 não dá: o banho e tosa leva cerca de 1h30 e fechamos às 18:00.'"""
    return f"Às {at} não dá: {the(service)} leva cerca de {took} e fechamos às {closing}."


CHANGE_WHAT = "Sem problemas! Me diga o que quer mudar — o dia, o horário ou o pet 🙂"
IS_FREE = "Tem sim! 🙂"
# what the LLM agent's proposals say once the customer confirmed them
NOTHING_CHANGED = "Tudo bem, não fiz nenhuma alteração 🙂 Posso ajudar com outra coisa?"
CANCELLED_PLAIN = "Pronto, cancelado ✅ Quando quiser remarcar, é só chamar 🙂"
JUST_TAKEN_BY_OTHER = (
    "Poxa, esse horário acabou de ser reservado por outra pessoa 😕 Quer que eu veja outro horário?"
)
COULD_NOT_DO = "Não consegui concluir isso por aqui. Posso chamar alguém da equipe?"
SLOT_GONE = "Esse horário não está mais disponível 😕 Quer que eu veja outro?"
SERVICE_GONE = "Esse serviço não está mais disponível 😕 Posso ajudar com outro?"


def pet_registered(name: str) -> str:
    return f"Prontinho! Cadastrei {name} ✅🐾"


def pets_registered(described: Sequence[str]) -> str:
    """'Prontinho! Cadastrei Rex (cachorro, SRD) e Mel (gato, Siamês) ✅🐾'"""
    return pet_registered(say.joined(list(described)))


def ask_pet_to_register(species: str | None) -> Question:
    """Registering pets, not booking: 'quero cadastrar meus bichinhos'."""
    return Question(
        f"Claro! Qual o nome do seu {species or 'pet'}? Se forem vários, pode mandar todos 🐾",
        "Me diga só os nomes, por exemplo: *o Rex e a Mel* 🐶🐱",
    )


def rescheduled(when: str) -> str:
    return f"Prontinho, remarcado! ✅ Agora é {when}. Até lá! 🐾"


def emergency(phone: str | None, address: str | None) -> str:
    """A vet clinic's most important answer: a person now, and what to do meanwhile."""
    lines = ["Entendi, isso é urgente! 🚨 Já avisei nossa equipe, que vai falar com você agora."]
    if phone:
        lines.append(f"Se puder, ligue já para *{display_phone(phone)}*.")
    if address:
        lines.append(f"Pode vir direto: {address}.")
    if not phone and not address:
        lines.append("Se o pet piorar, procure o pronto-atendimento veterinário mais próximo.")
    return "\n".join(lines)


def greeting_prefix(first_name: str | None, greeting: str | None = None) -> str:
    """'Boa tarde, Ana! 😊 ' when the customer said 'boa tarde', else 'Olá, Ana! 😊 '."""
    said = greeting or "Olá"
    return f"{said}, {first_name}! 😊 " if first_name else f"{said}! 😊 "


MENU_LEAD = "Sou o assistente virtual"
MENU_AGAIN = (
    "Estou por aqui 🙂 Me diga o que precisa: agendar, preços, horários ou falar com a equipe."
)


def menu(org_name: str, services: Sequence[ServiceInfo]) -> str:
    names = [running(s.name) for s in services[:6]]
    offer = ", ".join(names[:-1]) + f" ou {names[-1]}" if len(names) > 1 else "".join(names)
    return (
        f"{MENU_LEAD} da equipe {org_name} 🐾 Posso te ajudar a:\n"
        f"• agendar {offer or 'um horário'}\n"
        "• ver preços e horários livres\n"
        "• cancelar ou remarcar um horário\n"
        "• falar com uma pessoa da equipe"
        "\nComo posso te ajudar?"
    )


def running(name: str) -> str:
    """A service name inside a sentence: 'Banho' -> 'banho', but 'Vacina V10' stays."""
    rest = name[1:]
    return name[:1].lower() + rest if rest == rest.lower() else name


def the(service: ServiceInfo) -> str:
    """'o banho', 'a vacinação', 'as vacinas': the article the service's gender asks."""
    article = grammar.the(service).split(" ", 1)[0]
    return f"{article} {running(service.name)}"


def ready_if_left(service: ServiceInfo, left_at: str, ready_at: str) -> str:
    """'Deixando às 10:00, o banho e tosa termina por volta das 11:30 🙂'."""
    return f"Deixando às {left_at}, {the(service)} termina por volta das {ready_at} 🙂"


def ready_booked(booking: str, ready_at: str) -> str:
    """'O banho e tosa de Mel (quarta, 09/12, às 14:00) termina por volta das 15:30 🙂'."""
    return f"{booking[:1].upper()}{booking[1:]} termina por volta das {ready_at} 🙂"


def booking_of(service: ServiceInfo | None, pet: str) -> str:
    """'o banho de Tom': a booking of the request still to confirm."""
    what = the(service) if service is not None else APPOINTMENT.lower()
    return f"{what} de {pet}"


INVITE = "Quer agendar? 🙂"  # said once at the end of an answer, never inside a booking


# --- answers ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Priced:
    """A service's price as a customer should hear it: ``quote`` for what we know of the
    pet (``pet`` and its ``size``, when known), and the price of each size (``by_size``)
    while the size is unknown and the price depends on it."""

    service: ServiceInfo
    quote: Quote
    pet: str | None = None
    size: Size | None = None
    by_size: tuple[tuple[Size, Decimal], ...] = ()


def price_line(item: ServiceInfo | Priced) -> str:
    """'Banho: R$ 60,00 (cerca de 1h)'; 'Banho para Thor (porte grande): R$ 80,00 …';
    'Banho: a partir de R$ 45,00 (cerca de 1h) — por porte: mini R$ 45,00, …'."""
    priced = item if isinstance(item, Priced) else Priced(item, Quote(item.price))
    service = priced.service
    name = service.name
    if priced.pet and priced.size and not priced.quote.from_lowest:
        name = f"{name} para {priced.pet} (porte {SIZE_NAMES[priced.size]})"
    elif priced.size and not priced.quote.from_lowest and service_varies(service):
        name = f"{name} (porte {SIZE_NAMES[priced.size]})"  # the size the customer said
    line = f"{name}: {quote_text(priced.quote)} (cerca de {say.duration(service.duration_minutes)})"
    if priced.quote.from_lowest and priced.by_size:
        table = ", ".join(f"{SIZE_NAMES[size]} {say.money(p)}" for size, p in priced.by_size)
        line += f" — por porte: {table}"
    return line


def prices(items: Sequence[ServiceInfo | Priced], does: bool = False) -> str:
    lead = "Fazemos sim! " if does else ""
    if len(items) == 1:
        return f"{lead}{price_line(items[0])}. {INVITE}"
    lines = "\n".join(f"• {price_line(s)}" for s in items)
    return f"{lead}\n{lines}\n{INVITE}".lstrip("\n") if lead else f"{lines}\n{INVITE}"


def takes(service: ServiceInfo, duration: str) -> str:
    """'O banho e tosa leva cerca de 1h30.'"""
    subject = the(service)
    verb = "levam" if grammar.the(service).split(" ", 1)[0] in ("os", "as") else "leva"
    return f"{subject[:1].upper()}{subject[1:]} {verb} cerca de {duration}."


def service_list(services: Sequence[ServiceInfo]) -> str:
    return f"Nossos serviços:\n{say.service_lines(services)}\n{INVITE}"


def hours(hours_text: str) -> str:
    return f"Nosso horário: {hours_text} 🕗"


def today_is(weekday: str, day: str) -> str:
    """'Hoje é sábado, 06/03 🙂'."""
    return f"Hoje é {weekday}, {day} 🙂"


def open_now(closes: str) -> str:
    return f"Estamos abertos agora, até as {closes} 🙂"


def closed_now(hours_text: str) -> str:
    return f"Agora estamos fechados. Funcionamos: {hours_text}."


def closed_on(label: str, hours_text: str) -> str:
    return f"{label[0].upper()}{label[1:]} não abrimos. Funcionamos: {hours_text}."


def open_on(label: str, span: str) -> str:
    return f"{label[0].upper()}{label[1:]} abrimos {span} 🕗"


def holiday_closed(day: date, holiday: str, hours_text: str) -> str:
    """'Dia 25/12 é Natal e a loja fecha 🙂' — the hours answer for a holiday we close on."""
    return f"Dia {day:%d/%m} é {holiday} e a loja fecha 🙂 Funcionamos: {hours_text}."


def holiday_open(label: str, holiday: str, span: str) -> str:
    """A holiday the shop works on: 'Na sexta (20/11) é Consciência Negra, mas abrimos …'."""
    return f"{label[0].upper()}{label[1:]} é {holiday}, mas abrimos {span} 🕗"


def closure_on(label: str, hours_text: str) -> str:
    """A date the shop closes on (not a holiday): renovation, a day off."""
    return f"{label[0].upper()}{label[1:]} a loja vai estar fechada 😕 Funcionamos: {hours_text}."


# --- questions: a first wording, and a second with examples or options --------------


def numbered(items: Iterable[str]) -> str:
    """'1. 09:00\n2. 09:30': options the customer answers by number."""
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, 1))


@dataclass(frozen=True, slots=True)
class Question:
    first: str
    again: str


def ask_service(services: Sequence[ServiceInfo]) -> Question:
    listed = numbered(s.name for s in services)
    return Question(
        f"Qual serviço você gostaria de agendar?\n{say.service_lines(services)}",
        f"Me diga o número ou o nome do serviço 🙂\n{listed}",
    )


def ask_day(service: ServiceInfo, first_free: str | None, days: Sequence[str]) -> Question:
    hint = f" O próximo horário livre é {first_free}." if first_free else ""
    options = numbered(days)
    again = "Pode me dizer o dia assim: *amanhã*, *sexta* ou *05/12* 🙂"
    if options:
        again += f"\nDias com horário livre:\n{options}"
    return Question(f"Para qual dia você quer {the(service)}?{hint}", again)


def offer_times(service: ServiceInfo, label: str, times: Sequence[str], more: int) -> Question:
    lines = numbered(times)
    tail = (
        f"\n(tenho mais {grammar.counted(more, 'horário')} nesse dia — se preferir outro, "
        "é só dizer)"
        if more
        else ""
    )
    first = (
        f"Horários livres para {the(service)} {label}:\n{lines}{tail}\n"
        "Responda com o número ou o horário 🙂"
    )
    again = (
        f"Qual desses horários fica melhor? Pode mandar só o número 🙂\n{lines}" if times else first
    )
    return Question(first, again)


def no_times(service: ServiceInfo, label: str) -> str:
    return f"Não tenho horário livre para {the(service)} {label}."


IM_A_BOT = (
    "Sou o assistente virtual da equipe 🤖 Posso agendar, ver preços e horários — "
    "e, se preferir, chamo uma pessoa. Como posso ajudar?"
)
HERE = "Oi! Estou aqui 🙂 Como posso te ajudar?"
UNKNOWN_QUESTION = (
    "Essa eu não sei responder por aqui 😕 Quer que eu chame uma pessoa da equipe? "
    "Responda *sim* ou *não*."
)
NOT_OFFERED = "Esse serviço eu não encontrei na nossa lista 😕"
WAITING = "Claro, sem pressa! Fico no aguardo — é só responder aqui 🙂"
BYE = "Até mais! 🐾 Qualquer coisa é só chamar."
NO_ADDRESS = (
    "Ainda não tenho o endereço cadastrado por aqui. Quer que eu chame uma pessoa da equipe?"
)


def address(where: str) -> str:
    return f"Nosso endereço: {where} 📍"


def sick(phone: str | None) -> str:
    """A worry that is not an emergency: a consultation, and the phone if it gets worse."""
    call = f" Se piorar, ligue para *{display_phone(phone)}*." if phone else ""
    return f"Sinto muito que ele não esteja bem 😟 O ideal é uma consulta com a veterinária.{call}"


def notice(minutes: int, first_free: str | None) -> str:
    """'precisa agendar antes?': better to book, how soon one can, the first time free."""
    soon = ""
    if minutes >= 60:
        hours = minutes // 60
        soon = (
            f" Dá pra marcar com pelo menos {hours} hora{'s' if hours > 1 else ''} de antecedência."
        )
    elif minutes > 0:
        soon = f" Dá pra marcar com pelo menos {minutes} minutos de antecedência."
    free = f" O próximo horário livre é {first_free}." if first_free else ""
    return f"É melhor agendar antes, pra garantir seu horário 🙂{soon}{free} {INVITE}"


def late(policy: str | None) -> str:
    """'vou atrasar uns 20 min': thanks, and the shop's own rule on lateness if it has one."""
    if policy:
        return f"Obrigado por avisar! 🙏 {policy}"
    return "Obrigado por avisar! 🙏 Te esperamos, venha com calma."


def my_bookings(lines: Sequence[str]) -> str:
    if not lines:
        return "Você não tem nenhum horário marcado no momento. Quer agendar? 🙂"
    listed = "\n".join(f"• {line}" for line in lines)
    return f"Seus horários marcados:\n{listed}"


def not_in_period(period: str) -> str:
    part = {"manha": "de manhã", "tarde": "à tarde", "noite": "à noite"}.get(
        period, "nesse período"
    )
    return f"{part[:1].upper()}{part[1:]} não tenho horário livre nesse dia 😕"


CLOSED_NOW = "Hoje já encerramos por aqui 🌙"
NO_TIMES_IN_SPAN = "Não tenho horário livre nesse período 😕"
NO_PROBLEM = "Sem problemas!"
ANYTHING_ELSE = "Posso ajudar em mais alguma coisa? 🙂"
WHICH_TIME = "Qual prefere?"
YES_NO = ("Sim", "Não")  # the buttons of a yes-or-no question
SIZE_BUTTONS = ("Pequeno", "Médio", "Grande")  # the buttons of "Qual o porte de Thor?"
APPOINTMENT = "Atendimento"  # a booking whose service no longer exists


def ask_pet_name(species: str | None, registering: bool) -> Question:
    if registering and species is None:
        first = "Para o agendamento, vou cadastrar seu bichinho 🐾 Qual é o nome dele?"
    else:
        first = f"Qual o nome do seu {species or 'pet'}? 🐾"
    return Question(first, "Como seu pet se chama? Pode mandar só o nome, por exemplo: *Thor* 🐶")


def ask_species(name: str) -> Question:
    return Question(
        f"{name} é cachorro, gato ou outro bichinho?",
        f"Me diga a espécie de {name}, por exemplo: *cachorro*, *gato* ou *coelho* 🐾",
    )


def ask_breed(name: str) -> Question:
    return Question(
        f"Qual a raça de {name}? (se não tiver raça definida, pode dizer vira-lata)",
        f"Pode escrever a raça de {name} do seu jeito — ou *vira-lata* se não tiver 🙂",
    )


def ask_which_pet(names: Sequence[str]) -> Question:
    options = numbered(names)
    return Question(
        f"Para qual pet é o agendamento?\n{options}\n(ou me diga o nome de um pet novo)",
        f"Responda com o número do pet, ou escreva *outro pet* para cadastrar um novo:\n{options}",
    )


def confirm_booking(
    service: ServiceInfo,
    pet: str,
    when: str,
    new_pet: str | None,
    reschedule: bool,
    moving_from: str | None = None,
    price: str | None = None,
    professional: str | None = None,
    then: str | None = None,
) -> Question:
    """The summary before a booking is written; a reschedule says from when to when.
    ``price`` is the pet's ('R$ 50,00 (porte pequeno)'; the service's own when None);
    ``professional`` the one asked for by name; ``then`` the bookings of the same request
    that come next ('o banho de Tom'), so nobody thinks they were forgotten."""
    head = _CONFIRM_HEAD
    if reschedule:
        head = f"Posso remarcar? Era {moving_from}." if moving_from else "Posso remarcar?"
    lines = [
        head,
        f"• {service.name} para {pet}",
        f"• {when}",
        f"• {price or say.money(service.price)}",
    ]
    if professional:
        lines.insert(2, f"• com {professional}")
    if new_pet:
        lines.append(f"• vou cadastrar: {new_pet}")
    if then:
        lines.append(f"• em seguida confirmo {then}")
    lines.append("Responda *sim* para confirmar ou *não* para mudar.")
    short = f"{service.name} para {pet} {when[:1].lower()}{when[1:]}"
    return Question(
        "\n".join(lines),
        f"{short} — confirmo? Responda *sim* ou *não* 🙂",
    )


def comes_next(booking: str) -> str:
    """'… e o banho de Tom?' while Mel's waits for its yes: it is not forgotten."""
    return f"{booking[:1].upper()}{booking[1:]} eu confirmo logo em seguida 🙂"


_CONFIRM_HEAD = "Posso confirmar?"


def reconfirm(question: Question) -> Question:
    """The summary again after the customer changed it ('não, 10h'): said as the change
    taken, not as the same question asked once more."""
    if not question.first.startswith(_CONFIRM_HEAD):
        return question
    head = "Anotado! Ficou assim, confirmo?"
    return Question(head + question.first[len(_CONFIRM_HEAD) :], question.again)


def priced_for_size(quote: Quote, size: Size | None) -> str:
    """The price in a booking's summary: 'R$ 50,00 (porte pequeno)', or 'a partir de
    R$ 45,00 (depende do porte)' while the size is unknown."""
    if quote.from_lowest and size is None:
        return f"{quote_text(quote)} (depende do porte)"
    money = quote_text(quote)
    return f"{money} (porte {SIZE_NAMES[size]})" if size else money


def ask_size(pet: str, service: ServiceInfo) -> Question:
    """Asked once, when the price depends on the size and the breed does not tell it."""
    return Question(
        f"Qual o porte de {pet}? *pequeno*, *médio* ou *grande* "
        f"(o valor {grammar.contract('de', service.gender, service.plural)} "
        f"{running(service.name)} depende do porte) 🐾",
        f"Me diga o porte de {pet}: *pequeno* (até 10 kg), *médio* (de 10 a 25 kg) "
        "ou *grande* (mais de 25 kg) 🙂",
    )


def professional_cannot(name: str, service: ServiceInfo) -> str:
    """The professional asked for does not do that service: anyone able will."""
    return f"{name} não faz {the(service)}, então agendo com quem faz 🙂"


# --- the waitlist (brain/offline/waitlist_join.py, waitlist_answers.py; pipeline/waitlist.py)


def ask_waitlist(service: ServiceInfo, label: str, day: str) -> Question:
    """A full day: 'Quer entrar na lista de espera de sexta?' — ``label`` 'na sexta
    (05/03)', ``day`` 'sexta (05/03)'."""
    return Question(
        f"Não tenho horário livre para {the(service)} {label} 😕 "
        f"Quer entrar na lista de espera de {day}? Se abrir um horário, te aviso na hora 🙂",
        f"Responda *sim* para entrar na lista de espera de {day}, ou me diga outro dia 🙂",
    )


def waitlist_joined(day: str) -> str:
    return (
        f"Combinado! Você está na lista de espera de {day} 📝 "
        "Se abrir um horário, te aviso na hora 🙂"
    )


def waitlist_offer(
    *, hello: str, service: ServiceInfo, pet: str | None, when: str, minutes: int
) -> str:
    """A freed time held for the first in line: ``when`` 'na sexta (05/03) às 10:00'."""
    whose = f" de {pet}" if pet else ""
    return (
        f"{hello} Boa notícia: abriu um horário para {the(service)}{whose} {when} 🎉 "
        f"Guardei ele pra você por {grammar.counted(minutes, 'minuto')} — "
        "responda *sim* para ficar com ele."
    )


def waitlist_declined(day: str) -> str:
    return (
        f"Tudo bem, liberei o horário 🙂 Você continua na lista de espera de {day}: "
        "se abrir outro, te aviso."
    )


WAITLIST_GONE = (
    f"Poxa, o prazo para ficar com esse horário acabou e ele já foi liberado 😕 {INVITE}"
)


def picked(when: str) -> str:
    """We chose for a customer who said 'qualquer dia'."""
    return f"Combinado: {when} 🙂"


def retimed(pet: str, when: str) -> str:
    """A later pet of the same request got another time while the first is confirmed."""
    return f"Anotado: {pet} {when} 🙂"


def also_for(pets: str) -> str:
    """'e coloca a Mel tbm': the booking being confirmed first, then the same for her."""
    return f"Combinado, {pets} também! Primeiro este:"


def now_for(pet: str) -> str:
    return f"Agora para {pet}:"


def now_the(service: ServiceInfo) -> str:
    """'Agora a vacinação:' — the next service of the same pet."""
    return f"Agora {the(service)}:"


def booked(service: ServiceInfo, pet: str, when: str, reschedule: bool) -> str:
    """'Prontinho! ✅ O banho de Thor está agendado para quinta (03/12) às 10:00.' —
    the participle agrees with the service ('a vacinação … agendada')."""
    ending = grammar.article(service.gender, service.plural)
    verb = "está" if not service.plural else "estão"
    done = ("remarcad" if reschedule else "agendad") + ending
    subject = the(service)
    return (
        f"Prontinho! ✅ {subject[:1].upper()}{subject[1:]} de {pet} {verb} {done} "
        f"para {when}. Até lá! 🐾"
    )


def choose_booking(options: Sequence[str]) -> Question:
    lines = numbered(options)
    return Question(
        f"Qual destes agendamentos?\n{lines}",
        f"Responda com o número do agendamento:\n{lines}",
    )


def confirm_cancel(described: str) -> Question:
    return Question(
        f"Quer cancelar {described}? Responda *sim* ou *não*.",
        f"Para cancelar {described}, responda *sim*. Para manter, responda *não* 🙂",
    )


def confirm_cancel_all(described: Sequence[str]) -> Question:
    lines = "\n".join(f"• {d}" for d in described)
    count = grammar.counted(len(described), "agendamento")
    return Question(
        f"Quer cancelar estes {count}?\n{lines}\nResponda *sim* ou *não*.",
        f"Para cancelar todos, responda *sim*. Para manter, responda *não* 🙂\n{lines}",
    )


def cancelled_all(count: int) -> str:
    done = grammar.counted(count, "agendamento")
    return f"Cancelado ✅ Tirei {done} da agenda. Se quiser remarcar, é só chamar! 🐾"


def cancelled(described: str) -> str:
    return (
        f"Cancelado ✅ {described[:1].upper()}{described[1:]} saiu da agenda. "
        "Se quiser remarcar, é só chamar! 🐾"
    )


def reschedule_when(described: str) -> Question:
    return Question(
        f"Vamos remarcar {described}. Para qual dia e horário?",
        "Me diga o novo dia e horário, por exemplo: *sexta às 14h* 🙂",
    )


def day_and_time(day: date, moment: datetime, today: date) -> str:
    return f"{say.day_label(day, today).capitalize()} às {say.hhmm(moment)}"


# --- outside the flows: said by the pipeline (buffer, periodic jobs) --------------------

SORRY = (
    "Desculpe, tive um probleminha aqui 😕 Já avisei nossa equipe, "
    "e uma pessoa vai continuar o atendimento com você."
)
"""A turn failed (the brain raised): the conversation goes to a person."""


def staff_emergency(name: str | None, phone: str, said: str) -> str:
    """To the owner's WhatsApp: a customer wrote an emergency and waits for a person."""
    who = f"{name} ({display_phone(phone)})" if name else display_phone(phone)
    return f"🚨 Emergência: {who} escreveu “{said[:300]}”. A conversa está esperando uma pessoa."


def reminder(
    *, hello: str, service: str, pet: str | None, day: str, at: str, shop: str, ask: bool = True
) -> str:
    """The booking reminder: ``hello`` is the greeting ('Oi, Ana!'), ``day`` the day's label
    ('amanhã'), ``at`` the local time ('10:00'), ``pet`` the pet's name if known. ``ask``:
    it asks for a confirmation, answered by number (or by button where the channel has
    them, ``REMINDER_BUTTONS``); a booking already confirmed is only reminded."""
    whose = f" de {pet}" if pet else ""
    head = f"{hello} Passando para lembrar: {service}{whose} {day} às {at} 🐾 — {shop}."
    if not ask:
        return f"{head} Se precisar remarcar ou cancelar, é só responder aqui."
    return f"{head}\nPode confirmar? Responda:\n*1* confirma · *2* remarcar · *3* cancelar"


# --- reminders that ask, pet ready, follow-ups (pipeline/reminders.py, pet_ready.py,
# followups.py; the answers in brain/offline/reminder_answers.py, followup_answers.py) ----

REMINDER_BUTTONS = ("Confirmar", "Remarcar", "Cancelar")  # the reminder's 1, 2 and 3


def reminder_confirmed(described: str) -> str:
    """'1' to the reminder: 'o banho de Thor de amanhã (02/12) às 10:00' is confirmed."""
    return f"Confirmado ✅ Te esperamos para {described}. Até lá! 🐾"


def reminder_unsure(described: str) -> Question:
    """A plain 'não' to the reminder: keep it, move it or cancel it?"""
    return Question(
        f"Sem problemas! Quer remarcar ou cancelar {described}? "
        "Responda *2* para remarcar ou *3* para cancelar 🙂",
        "Responda *1* para manter, *2* para remarcar ou *3* para cancelar 🙂",
    )


def staff_unconfirmed(what: str, who: str, when: str) -> str:
    """An owner alert: a reminded booking still unconfirmed a few hours before."""
    return f"⏳ Sem confirmação: {what} — {who}, {when}."


# the owner's alerts (pipeline/alerting): what went wrong, in a few words, per kind
ALERT_LABELS = {
    "send_failure_rate": "muitas mensagens falhando no envio",
    "backlog": "mensagens paradas na fila de envio",
    "channel_breaker_open": "envios pausados depois de falhas seguidas",
    "channel_down": "WhatsApp desconectado",
    "channel_needs_pairing": "WhatsApp precisa ser conectado de novo (QR code)",
    "channel_silent": "nenhuma mensagem recebida há horas",
    "no_worker": "ninguém está respondendo os clientes (nenhum worker ativo)",
    "version_skew": "workers com versões diferentes do atende",
    "llm_failure_rate": "o modelo de IA está falhando",
    "database_down": "banco de dados fora do ar",
    "queue_down": "fila de tarefas fora do ar",
    "disk_low": "disco do servidor quase cheio",
}
ALERT_TEST = "🔔 Teste de alerta do atende: se você recebeu, este canal de avisos funciona."


def staff_alert(kind: str, critical: bool, resolved: bool, channel: str | None = None) -> str:
    """An owner alert opened (🔴 critical, 🟡 warning) or resolved (✅); ``channel`` is the
    business number it is about, if any."""
    label = ALERT_LABELS.get(kind, kind.replace("_", " "))
    about = f" — canal {display_phone(channel)}" if channel else ""
    if resolved:
        return f"✅ Resolvido: {label}{about}."
    return f"{'🔴' if critical else '🟡'} Alerta: {label}{about}."


def pet_ready(
    *,
    name: str | None,
    pet: str | None,
    service: str,
    shop: str,
    amount: str | None = None,
    own: str | None = None,
) -> str:
    """'O pet está pronto': the shop's own text (``own``, naming {nome} {pet} {servico}
    {loja}: ``OrgSettings.pet_ready_text``) or ours;
    ``amount`` ('R$ 80,00') adds the total."""
    first = (name or "").split(" ")[0]
    if own:
        fields = {"nome": first, "pet": pet or "seu pet", "servico": service, "loja": shop}
        text = re.sub(r"\{(\w+)\}", lambda m: fields.get(m.group(1), m.group(0)), own)
        text = re.sub(r"\s+([,!?.])", r"\1", re.sub(r",\s*([!?.])", r"\1", text))
    else:
        hello = f"Oi, {first}!" if first else "Oi!"
        text = (
            f"{hello} Tudo pronto com {pet or 'seu pet'} 🐾✨ "
            f"Já pode vir buscar quando quiser. — {shop}"
        )
    return f"{text}\nTotal: {amount}" if amount else text


def elapsed(days: int) -> str:
    """'15 dias', '2 meses', 'um ano': how long since the last visit."""
    if days < 60:
        return grammar.counted(days, "dia")
    if days < 330:
        return grammar.counted(round(days / 30), "mês", "meses")
    years = round(days / 365)
    return "um ano" if years == 1 else f"{years} anos"


def _last(service: ServiceInfo) -> str:
    """'do último banho', 'da última vacinação'."""
    last = {("m", False): "último", ("f", False): "última", ("m", True): "últimos"}.get(
        (service.gender, service.plural), "últimas"
    )
    of = grammar.contract("de", service.gender, service.plural)
    return f"{of} {last} {running(service.name)}"


def _next(service: ServiceInfo) -> str:
    """'o próximo', 'a próxima'."""
    return {("m", False): "o próximo", ("f", False): "a próxima", ("m", True): "os próximos"}.get(
        (service.gender, service.plural), "as próximas"
    )


FOLLOWUP_OPT_OUT = "(Para não receber mais mensagens como esta, responda SAIR.)"


def followup(
    *, hello: str, pet: str | None, service: ServiceInfo, days: int, slots: Sequence[str]
) -> str:
    """'Já faz 15 dias do último banho de Thor': a nudge to come back, with a few free
    times (day labels such as 'quinta (05/12) às 09:00') the customer answers in words."""
    whose = f" de {pet}" if pet else ""
    head = (
        f"{hello} Já faz {elapsed(days)} {_last(service)}{whose} 🐾 "
        f"Que tal agendar {_next(service)}?"
    )
    if slots:
        listed = "\n".join(f"• {s}" for s in slots)
        body = f"Tenho estes horários livres:\n{listed}\nÉ só me dizer qual prefere 🙂"
    else:
        body = "É só me dizer o dia que fica melhor 🙂"
    return f"{head}\n{body}\n\n{FOLLOWUP_OPT_OUT}"


# --- a shop not set up yet, and what staff change in the agenda (pipeline/agenda.py) -----

SETTING_UP = (
    "Olá! 😊 Ainda estamos configurando nosso atendimento por aqui. "
    "Já chamei uma pessoa da equipe, que vai te responder em instantes 🐾"
)
"""A shop with no services, hours or resources yet: no empty list, a person instead."""


def _slot(service: str, pet: str | None) -> str:
    """'um horário de banho para Thor' without an article to agree with the service."""
    return f"{running(service)} para {pet}" if pet else running(service)


def staff_booked(*, hello: str, service: str, pet: str | None, when: str, shop: str) -> str:
    """Staff booked for the customer (by phone, at the counter); ``when`` is
    'terça (08/12) às 10:00'."""
    return (
        f"{hello} Marcamos um horário de {_slot(service, pet)}: {when} 🐾 — {shop}. "
        "Se precisar remarcar ou cancelar, é só responder aqui."
    )


def staff_moved(
    *, hello: str, service: str, pet: str | None, before: str, when: str, shop: str
) -> str:
    """Staff moved the customer's appointment: from when to when."""
    return (
        f"{hello} Seu horário de {_slot(service, pet)} mudou: era {before}, "
        f"agora é {when} 🐾 — {shop}. Se não puder, é só responder aqui."
    )


def staff_cancelled(*, hello: str, service: str, pet: str | None, when: str, shop: str) -> str:
    """Staff cancelled the customer's appointment."""
    return (
        f"{hello} Cancelamos o horário de {_slot(service, pet)} marcado para {when}. "
        f"Para marcar outro, é só responder aqui 🐾 — {shop}."
    )


# --- end of the pipeline's texts --------------------------------------------------------
