"""What one burst says, read once: intents, the service, the day and time, pets named,
yes or no, an emergency, a correction and the separate questions it asks.

Flows consult a :class:`Reading` instead of each re-running the extractors on the text,
so every step of a conversation sees the same understanding of the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from atende.brain.dialogue.intents import (
    correction_in,
    find_service,
    intents_of,
    is_no,
    is_yes,
    main_intent,
    questions_of,
)
from atende.brain.dialogue.pets import breed_in, named_pet_in, species_in
from atende.brain.dialogue.references import meant_text
from atende.brain.dialogue.when import When, extract_when
from atende.domain.entities import ServiceInfo
from atende.domain.text import fold, fold_chat

INFO_INTENTS = ("hours", "prices", "services", "duration")
_NEW_PET = re.compile(
    r"\b(outr[oa]|nov[oa]) (pet|bichinho|cachorr\w*|gat\w*|animal|filhote)\b"
    r"|\b(pet|bichinho|cachorr\w*|gat\w*|filhote|cadel\w*) nov[oa]\b"
)
_GIVE_UP = (
    r"(deixa (pra|para) la|deixa quieto|esquece( isso)?|melhor nao|nao quero mais|desisto"
    r"|fica pra (outra hora|depois|outro dia)|nao precisa mais|agora nao|vou deixar pra depois"
    r"|(pode )?(manter|mantem|mantenha)( o horario| como (esta|estava)| assim)?"
    r"|deixa (como (esta|estava)|assim|marcado)|fica (como (esta|estava)|assim))"
)
_ABANDON = re.compile(
    r"^\W*((h+u*m+|hm+|a+h+|poxa|olha|entao|bom|nao|ok|tudo bem|beleza)\b\W*)*"
    + _GIVE_UP
    + r"(\W+"
    + _GIVE_UP
    + r")*\W*(,? (obrigad\w*|valeu))?\W*$"
)


# Said anywhere in a message, these end the request in progress ('pensando bem, deixa na
# terça mesmo', 'esquece, não quero mudar nada', 'nenhum, desisti')…
_GIVES_UP = re.compile(
    r"\b(desisti\w*|desisto|nao quero (mais|mudar|remarcar|trocar|marcar|cancelar)"
    r"|nao precisa (mais )?(remarcar|mudar|trocar|marcar|cancelar)|deixa (como|assim)"
    r"|pensando bem,? (deixa|melhor nao|nao)|mantem (como|assim|na|no|o|a|mesmo)"
    r"|pode manter|fica (o|a|na|no)\b.{0,25}\bmesmo|nao vou mais (querer|precisar))\b"
    r"|\b(mantem|mantenha|deixa)\W*$"
)
# …and so does a goodbye that asks nothing ('ok obrigada tchau').
_JUST_BYE = re.compile(
    r"^\W*((ok|tudo bem|beleza|blz|entao)\W+)*(obrigad\w*|valeu|tchau)(\W+\w+){0,2}\W*$"
)
_GREETING = re.compile(r"\b(bom dia|boa tarde|boa noite)\b")
_SICK = re.compile(
    r"\b(vomit\w*|diarreia|nao (quer|esta|ta) comendo|nao quer comer|sem comer|mancando"
    r"|tossindo|tosse|espirrando|coceira|se cocando|febre|doente|machucad\w*|ferid\w*"
    r"|abatid\w*|triste e quieto|nao esta bem|nao ta bem|passando mal|pouco apetite"
    r"|sem apetite|sem fome|comendo pouco|caidinh\w*|emagrec\w*|perdendo peso|mancand\w*)\b"
)
_ADDRESS = re.compile(
    r"\b(endereco|onde fica|onde voces ficam|localizacao|como chego|qual a rua)\b"
)
_MY_BOOKINGS = re.compile(
    r"\b(quais|qual|que) (sao )?(os )?(meus |minhas )?(horarios|agendamentos|marcacoes)"
    r"( que)? (eu )?(tenho|marcad\w*|agendad\w*)|\bmeus (horarios|agendamentos)\b"
    r"|\btenho (algum |alguma )?(horario|agendamento|coisa) marcad\w*"
    r"|\b(e|eh) que (horas|dia) mesmo\b|\bque (horas|dia) (e|eh|ficou|esta) (o|a|marcad\w*)"
    r"|\b(nao lembro|esqueci) (o dia|a data|o horario|a hora|quando)"
    r"|\b(qual|que) (horario|hora|dia|data) (ficou|e|eh|esta|ta|era|sera|vai ser) (o|a) "
    r"|\b(quando|qnd|qdo|que dia) (e|eh|vai ser|sera|ficou|esta marcad\w*)( mesmo| msm)? (o|a) "
    r"|\b(a|o) (\w+ )?(d[oa] \w+ )?(e|eh|ficou|esta marcad\w*) (quando|que dia|que horas)\b"
)
_ANY_DAY = re.compile(
    r"\b(qualquer (dia|horario|hora|um)|tanto faz|o (mais cedo|primeiro|proximo)( horario)?"
    r"( que tiver| possivel| livre)?|quando tiver|o que tiver"
    # "dá pra encaixar um banho agora?", "o quanto antes": the first free time
    r"|encaix\w*( \w+){0,3} agora|pra agora|agora mesmo|o quanto antes|o mais rapido( possivel)?"
    r"|assim que (der|puder|tiver))\b"
)
_BOT = re.compile(r"\b(voce|vc) e (um |uma )?(robo|bot|maquina|humano|pessoa|gente)\b|\be robo\b")
_CALLING = re.compile(r"^\W*(alo+|tem alguem (ai|aqui)|responde|oi+\W*\?+|ola\W*\?+|ei+)\W*$")
_AND_REBOOK = re.compile(r"\be (marcar|agendar|remarcar|passar|colocar|jogar)\b")
_INSTEAD = re.compile(r"\bem vez d[aeo]s?\b|\bao inves d[aeo]s?\b")
_CANT_MAKE_IT = re.compile(
    r"\bnao (consigo|vou conseguir|posso|vou poder|da|vai dar|rola|fica bom)\b|\bnao vai rolar\b"
    r"|\b(ta|esta|fica|ficou) (ruim|complicado|dificil|apertado)\b"
)
_OTHER_TIME = re.compile(
    r"\b(pode ser|podia ser|que tal|prefiro|da (pra|para)|consegue|tem (vaga|horario)|tem|"
    r"pra|para|passa\w*|troca\w*|muda\w*)\b.*\b(segunda|terca|quarta|quinta|sexta|sabado|"
    r"amanha|hoje|semana|dia \d|\d{1,2}\s*(h|:|hs|horas)|mesmo horario)"
)
_SAME_TIME = re.compile(
    r"\b(mesmo horario|mesma hora|no mesmo horario|mesmo dia e (horario|hora)|mesmo dia e hr)\b"
)
_WAITING = re.compile(
    r"\b(vou ver|deixa eu ver|vou pensar|vou confirmar com|vou falar com"
    r"|depois te (falo|aviso|digo)|te aviso|ja te falo|ja te respondo|vou consultar"
    r"|(depois|mais tarde|outra hora) (eu |a gente )?(vejo|marco|agendo|decido|confirmo)"
    r"|qualquer coisa (eu )?(chamo|volto|falo|aviso))\b"
)
_BYE = re.compile(r"\b(tchau|ate mais|ate logo|ate breve|falou|flw)\b")


@dataclass(frozen=True, slots=True)
class Part:
    """One question or request of a burst, with its own intent and service."""

    text: str
    intent: str | None
    service: ServiceInfo | None


@dataclass(slots=True)
class Reading:
    text: str  # the burst's messages joined by spaces
    intents: list[str]
    intent: str | None
    when: When
    service: ServiceInfo | None
    pet_name: str | None  # a pet named in the text (known or not)
    species: str | None
    breed: str | None
    new_pet: bool  # "outro pet", "um pet novo"
    yes: bool
    no: bool
    emergency: bool
    correction: bool
    abandon: bool  # "deixa pra lá", "esquece": the customer gives up on the request
    gives_up: bool  # "pensando bem, deixa na terça mesmo", "nenhum, desisti", "ok, tchau"
    greeting: str | None  # "Boa tarde" when the customer said it: greeted back the same
    sick: bool  # a worry about the pet's health that is not an emergency
    asks_address: bool
    asks_bookings: bool  # "quais horários eu tenho marcado?"
    any_day: bool  # "qualquer dia", "o primeiro que tiver"
    same_time: bool  # "passa pra sexta, mesmo horário"
    waiting: bool  # "vou ver com meu marido": not an answer, not a miss
    asks_bot: bool  # "vc é robô?"
    calling: bool  # "alô", "tem alguém aí?"
    bye: bool
    parts: list[Part] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the burst's messages, one per line
    request_when: bool = False  # a part that is no information question names a day or time

    @property
    def has_when(self) -> bool:
        return not self.when.empty

    @property
    def question_like(self) -> bool:
        """It asks or wants something else, so it is no answer to a pet question."""
        others = ("cancel", "reschedule", "handoff", "optout", "emergency", "hours", "prices")
        return bool(self.questions) or self.intent in others

    @property
    def questions(self) -> list[Part]:
        """The information questions (prices, hours, services, durations) it asks, in order."""
        return [p for p in self.parts if p.intent in INFO_INTENTS]


def read(texts: list[str], now: datetime, services: list[ServiceInfo]) -> Reading:
    text = " ".join(t.strip() for t in texts if t.strip())
    intents = [i for t in texts for i in intents_of(t)]
    folded = fold_chat(text)
    intent = main_intent(texts)
    if intent == "cancel" and _AND_REBOOK.search(folded):
        intent = "reschedule"  # "cancelar o de amanhã e marcar pra segunda" moves it
    if intent is None and _INSTEAD.search(folded):
        intent = "reschedule"  # "pode ser às 16h em vez de 10h?"
    if intent in (None, "cancel") and _CANT_MAKE_IT.search(folded) and _OTHER_TIME.search(folded):
        intent = "reschedule"  # "o de quarta eu não consigo, pode ser quinta?"
    parts = split_parts(texts, services)
    meant = meant_text("\n".join(t.strip() for t in texts if t.strip()))  # "o Lucky já tomou…"
    return Reading(
        text=text,
        intents=intents,
        intent=intent,
        when=_request_when(meant, parts, now),
        service=find_service(text, services),
        pet_name=named_pet_in(meant),
        species=species_in(text),
        breed=breed_in(text),
        new_pet=bool(_NEW_PET.search(fold(text))),
        yes=is_yes(text),
        no=is_no(text),
        emergency="emergency" in intents,
        correction=correction_in(text),
        abandon=bool(_ABANDON.search(folded)),
        gives_up=bool(_GIVES_UP.search(folded) or _JUST_BYE.search(folded)),
        greeting=_greeting(folded),
        sick=bool(_SICK.search(folded)),
        asks_address=bool(_ADDRESS.search(folded)),
        asks_bookings=bool(_MY_BOOKINGS.search(folded)),
        any_day=bool(_ANY_DAY.search(folded)),
        same_time=bool(_SAME_TIME.search(fold_chat(meant))),  # not 'o da Mel continua no mesmo'
        waiting=bool(_WAITING.search(folded)),
        asks_bot=bool(_BOT.search(folded)),
        calling=bool(_CALLING.search(folded)),
        bye=bool(_BYE.search(folded)),
        parts=parts,
        lines=[t.strip() for t in texts if t.strip()],
        request_when=any(
            p.intent not in INFO_INTENTS and not extract_when(p.text, now).empty for p in parts
        ),
    )


def _request_when(text: str, parts: list[Part], now: datetime) -> When:
    """The day and time of the burst; when it also asks about opening hours ('abrem
    amanhã? se não, quero banho segunda 9h'), those of the request, not of the question."""
    hours = [p for p in parts if p.intent == "hours"]
    if hours and len(hours) < len(parts):
        rest = extract_when(" ".join(p.text for p in parts if p.intent != "hours"), now)
        asked = extract_when(" ".join(p.text for p in hours), now)
        if rest.day is None and rest.earliest is None and asked.day is not None:
            # "sábado vcs abrem? se tiver, um banho dez e meia": that Saturday, 10:30
            rest = replace(rest, day=asked.day) if not rest.empty else rest
        if not rest.empty:
            return rest
    return _corrected(text, now) or extract_when(text, now)


# 'banho terça 10h, ops, quarta': what follows the slip replaces what it says again
_SLIP = re.compile(
    r"\b(na verdade|errei|me enganei|ops|opa|quis dizer|queria dizer|digo|corrigindo|alias)\b"
)


def _corrected(text: str, now: datetime) -> When | None:
    """A request corrected inside its own burst: the day or time said after the slip
    wins, what it does not repeat is kept ('terça 10h … ops, quarta' → Wednesday 10h)."""
    folded = fold(text)
    slips = list(_SLIP.finditer(folded))
    if not slips or len(folded) != len(text):
        return None
    cut = slips[-1].end()
    before, after = extract_when(text[:cut], now), extract_when(text[cut:], now)
    if before.empty or after.empty:
        return None
    if after.day is not None or after.earliest is not None:
        return replace(after, at=after.at or before.at, period=after.period or before.period)
    return replace(before, at=after.at or before.at, period=after.period or before.period)


def split_parts(texts: list[str], services: list[ServiceInfo]) -> list[Part]:
    """'quanto custa o banho? e a tosa? vcs abrem domingo?' → three parts, in order
    (``intents.questions_of``); each keeps the service it names."""
    by_name = {s.name: s for s in services}
    joined = "\n".join(t.strip() for t in texts if t.strip())  # "e a tosa?" may be its own message
    return [
        Part(q.text, q.intent, by_name.get(q.service or "")) for q in questions_of(joined, services)
    ]


def _greeting(folded: str) -> str | None:
    found = _GREETING.search(folded)
    return found.group(1).capitalize() if found else None
