"""Messages a vet clinic must treat as an emergency: 'socorro, foi atropelado', 'comeu
chumbinho', 'tá convulsionando'. Questions *about* emergency care ('vocês atendem
emergência?') are not emergencies: they ask for a service or the opening hours."""

from __future__ import annotations

import re

from atende.brain.dialogue.normalize import normalize

# Symptoms and events that are an emergency whatever else the message says.
_SYMPTOMS = re.compile(
    r"\b(sangr\w*|sangue|hemorragi\w*"
    r"|envenen\w*|veneno|chumbinho|soda( caustica)?|intoxica\w*"
    r"|convuls\w*|ataque epileptico|tremendo (muito|sem parar|demais)"
    r"|atropel\w*|caiu d[aoe] \w+|mordid[oa] por"
    r"|(nao|sem) (esta |estava )?(respira|conseg\w* respirar)\w*|falta de ar|sufoca\w*"
    r"|desmai\w*|desacordad\w*|inconsciente|engasg\w*"
    r"|respira\w* (mal|com (muita )?dificuldade|ofegante)|dificuldade (pra|para|de) respirar"
    r"|(comeu|comendo|ingeriu|engoliu|lambeu|mastigou|bebeu)( \w+){0,3}? (chocolate|uvas?"
    r"|passas?|xilitol|cebola|alho|chiclete|raticida)"
    r"|xilitol"
    r"|picad\w* (de|por) (uma |um )?(cobra|cascavel|jararaca|escorpiao|aranha)"
    r"|(cobra|cascavel|jararaca|escorpiao|aranha) (\w+ )?(picou|mordeu|ferroou)"
    r"|barriga (muito )?(inchada|estufada|dura)|tentando vomitar"
    r"|filhotes? (\w+ )?(nao (sai|nasce)\w*|pres[oa]s?|entalad[oa]s?)|filhot\w* entalad\w*"
    r"|(tentando fazer xixi|(nao|sem) (consegue|conseguir|esta conseguindo) (fazer )?xixi"
    r"|nao sai (nada de )?xixi|xixi (com sangue|nao sai))"
    r"|(levou|tomou) (uma )?mordida (de|do|da) (outro |outra |um |uma )?(cachorro|cao|gato|cobra)"
    r"|olhos? (\w+ )?(inchad\w* e fechad\w*|sangr\w*)"
    r"|(parto|parindo) (\w+ )?(complicad\w*|dificil|travad\w*)"
    r"|(teve|tendo|deu|dando|dar) (um |uns |outro )?ataques?"
    r"(?! de (tosse|espirro|ciume|furia|raiva|riso|carencia|latido))"
    r"|babando( \w+){0,3}? tremendo|tremendo( \w+){0,3}? babando"
    r"|nao (consegue|conseguiu|esta conseguindo) (se )?(levantar|ficar (de|em) pe|andar|mexer)"
    r"|olhos? (\w+ )?(saltad[oa]s?|pra fora|saltou|saiu)"
    r"|socorro|urgente|urgencia|emergencia)\b"
)
# What makes one of those words harmless: no urgency, a blood test, a remedy, a question
# about the service itself, a grooming rush.
_HARMLESS = [
    re.compile(
        r"\b(nao (e|eh|esta|estou|tem|ha|seria) (nada |uma )?(de )?(urgente|urgencia|pressa"
        r"|emergencia)|nada (de )?(urgente|emergencia)|sem (urgencia|emergencia))\b"
    ),
    re.compile(r"\bexames? de sangue\b|\bsangue bom\b"),
    re.compile(r"\bveneno\w* (pra|para|de|contra) (carrapato|pulga|barata|formiga)s?\b"),
    re.compile(r"\b(remedio|medicamento|medicacao|receita)\w* (pra|para|de|contra) convuls\w*\b"),
]
_URGENT_WORD = re.compile(r"\b(urgente|urgencia|emergencia|socorro)\b")
# A fall or a choke the customer says is over ('caiu do sofá mas tá bem', 'engasgou ontem
# mas já passou') is no emergency.
_MINOR_EVENT = re.compile(r"(caiu|engasg)")
_RECOVERED = re.compile(
    r"\b(mas|e) (ja )?((esta|ficou|parece)( estar)?( tudo)? (bem|bom|otimo|normal)|passou)\b"
    r"|\bja passou\b|\bja (esta|ficou) (bem|bom|otimo|normal)\b"
)
# An 'urgente' that hurries something no animal's life depends on: grooming, a cancel,
# a payment, a routine visit.
_NOT_CLINICAL = re.compile(
    r"\b(banho|tosa\w*|hidratacao|unha|cancel\w*|desmarc\w*|remarc\w*|reagend\w*|pix"
    r"|pag(ar|amento|o)|boleto|cartao|recibo|nota fiscal|rotina|racao|entrega|orcamento)\b"
)
_SERVICE_QUESTION = re.compile(
    r"\b(atende\w*|faz(em)?|tem|possui|existe|trabalha\w*|funciona\w*|plantao|24 ?h"
    r"|24 horas|quanto|preco|valor|horario|telefone|numero|contato|whatsapp|endereco)\b"
)
_ASKS = re.compile(
    r"\b(plantao|24 ?h(oras)?|(atende\w*|atendimento|consulta|faz(em)?|servico|tem) "
    r"(\w+ )?(de )?(emergencia|urgencia)\w*)\b"
)


def _symptoms(folded: str) -> list[str]:
    cleaned = folded
    for harmless in _HARMLESS:
        cleaned = harmless.sub(" ", cleaned)
    return [m.group(0) for m in _SYMPTOMS.finditer(cleaned)]


def asks_about_emergency_service(text: str) -> bool:
    """'vocês atendem emergência?', 'tem plantão 24h?': asks whether the clinic takes
    emergencies (and is not itself one)."""
    folded = normalize(text)
    return bool(_ASKS.search(folded)) and not emergency_in(text)


def emergency_in(text: str) -> bool:
    """Whether ``text`` reports an animal in danger right now."""
    folded = normalize(text)
    found = _symptoms(folded)
    if not found:
        return False
    real = [word for word in found if not _URGENT_WORD.fullmatch(word)]
    if real and all(_MINOR_EVENT.match(word) for word in real) and _RECOVERED.search(folded):
        return False  # 'caiu do sofá mas tá bem'
    if real:
        return True  # a real symptom: bleeding, poison, seizure, not breathing...
    # Only 'urgente' / 'emergência' / 'socorro': not when asking about the service or
    # hurrying a grooming appointment.
    if "socorro" in found:
        return True
    if _ASKS.search(folded) or (
        _SERVICE_QUESTION.search(folded) and "?" in folded and len(folded.split()) <= 8
    ):
        return False
    return not _NOT_CLINICAL.search(folded)
