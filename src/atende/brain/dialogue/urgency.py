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
    r"|socorro|urgente|urgencia|emergencia)\b"
)
# What makes one of those words harmless: no urgency, a blood test, a remedy, a question
# about the service itself, a grooming rush.
_HARMLESS = [
    re.compile(
        r"\b(nao (e|eh|esta|estou|tem|ha) (nada )?(urgente|urgencia|pressa)"
        r"|nada (de )?urgente|sem urgencia)\b"
    ),
    re.compile(r"\bexames? de sangue\b"),
    re.compile(r"\b(remedio|medicamento|medicacao|receita)\w* (pra|para|de|contra) convuls\w*\b"),
]
_URGENT_WORD = re.compile(r"\b(urgente|urgencia|emergencia|socorro)\b")
_GROOMING = re.compile(r"\b(banho|tosa\w*|hidratacao|unha)\b")
_SERVICE_QUESTION = re.compile(
    r"\b(atende\w*|faz(em)?|tem|possui|existe|trabalha\w*|funciona\w*|plantao|24 ?h"
    r"|24 horas|quanto|preco|valor|horario)\b"
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
    if any(not _URGENT_WORD.fullmatch(word) for word in found):
        return True  # a real symptom: bleeding, poison, seizure, not breathing...
    # Only 'urgente' / 'emergência' / 'socorro': not when asking about the service or
    # hurrying a grooming appointment.
    if "socorro" in found:
        return True
    if _ASKS.search(folded) or (
        _SERVICE_QUESTION.search(folded) and "?" in folded and len(folded.split()) <= 8
    ):
        return False
    return not _GROOMING.search(folded)
