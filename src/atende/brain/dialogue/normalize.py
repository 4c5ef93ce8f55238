"""What people type on WhatsApp, made comparable: 'Qnto tá o banhoooo?' -> 'quanto esta o
banho?'.

``normalize`` folds (lower case, no accents), expands chat abbreviations, squeezes letters
repeated for emphasis ('oiii', 'simmm', 'banhoo') and corrects typos of the few words the
intent rules depend on ('consuta', 'agnedar', 'vacinaçao') with rapidfuzz. It is meant for
*understanding* (intents, services), never for text shown back to anyone.
"""

from __future__ import annotations

import re

from atende.brain.dialogue.fuzzy import correct_words
from atende.domain.text import ABBREVIATIONS, fold

# Chat shorthand beyond the shared ABBREVIATIONS (these are too ambiguous for every caller
# of fold_chat, but fine for intent matching).
CHAT_ABBREVIATIONS = {
    **ABBREVIATIONS,
    "ta": "esta",
    "tah": "esta",
    "to": "estou",
    "tou": "estou",
    "tao": "estao",
    "tava": "estava",
    "n": "nao",
    "c": "com",
    "dps": "depois",
    "amnh": "amanha",
    "qdo": "quando",
    "qnd": "quando",
    "oq": "o que",
    "qr": "quer",
    "eh": "e",
    "nd": "nada",
    "sla": "sei la",
    "alg": "alguem",
    "ngm": "ninguem",
    "hr": "hora",
    "hrs": "horas",
    "vlr": "valor",
    "msg": "mensagem",
    "msgs": "mensagens",
    "dnv": "de novo",
    "fds": "fim de semana",
    "mtu": "muito",
    "mta": "muita",
    "brigado": "obrigado",
    "brigada": "obrigada",
    "fika": "fica",
    "kero": "quero",
    "keria": "queria",
    "ki": "que",
    "aki": "aqui",
    "kd": "cade",
    "naum": "nao",
    "tmb": "tambem",
    "qlq": "qualquer",
    "qq": "qualquer",
    "amana": "amanha",
    "vet": "veterinario",
    "vets": "veterinarios",
}

# Words the intent and service rules rely on; a typo of one of them is corrected to it.
# Inflections are listed so that they are kept as they are, not "corrected" to a sibling.
VOCABULARY = (
    "banho",
    "banhos",
    "tosa",
    "tosar",
    "tosas",
    "consulta",
    "consultas",
    "consultar",
    "vacina",
    "vacinas",
    "vacinar",
    "vacinacao",
    "veterinario",
    "veterinaria",
    "agendar",
    "agendamento",
    "agenda",
    "marcar",
    "remarcar",
    "desmarcar",
    "reagendar",
    "cancelar",
    "cancela",
    "cancelamento",
    "horario",
    "horarios",
    "preco",
    "precos",
    "valor",
    "valores",
    "quanto",
    "quantos",
    "custa",
    "amanha",
    "manha",
    "hoje",
    "funciona",
    "funcionamento",
    "disponivel",
    "disponiveis",
    "obrigado",
    "obrigada",
    "emergencia",
    "urgencia",
    "urgente",
    "socorro",
    "sangrando",
    "sangue",
    "convulsao",
    "convulsionando",
    "envenenado",
    "envenenamento",
    "atropelado",
    "respirando",
    "desmaiou",
    "engasgado",
    "atendente",
    "servicos",
    "adiantar",
    "atrasar",
    "empurrar",
    "trocar",
    "mudar",
    "passar",
    "perfeito",
    "combinado",
    "beleza",
    "fechado",
    "confirmo",
    "confirmar",
    "confirma",
    "vacinam",
    "agendam",
    "troca",
    "passa",
    "marca",
    "marcas",
)

_TRIPLE = re.compile(r"([a-z])\1{2,}")
_DOUBLE_VOWEL = re.compile(r"([aiu])\1")
_TRAILING_DOUBLE = re.compile(r"([a-z])\1\b")


def squeeze(text: str) -> str:
    """Letters repeated for emphasis, once: 'oiii' -> 'oi', 'naao' -> 'nao', 'banhoo' ->
    'banho'; 'isso', 'carro' keep their double s and r."""

    def triple(m: re.Match[str]) -> str:
        c = m.group(1)
        return c * 2 if c in "rs" else c

    text = _TRIPLE.sub(triple, text)
    text = _DOUBLE_VOWEL.sub(r"\1", text)
    return _TRAILING_DOUBLE.sub(r"\1", text)


def expand(text: str) -> str:
    """Chat abbreviations in folded ``text`` spelled out: 'vc tb' -> 'voce tambem'."""
    text = re.sub(r"\bc/\s*", "com ", text)
    return re.sub(r"[a-z]+", lambda m: CHAT_ABBREVIATIONS.get(m.group(0), m.group(0)), text)


def normalize(text: str) -> str:
    """``text`` folded, squeezed, with abbreviations expanded and vocabulary typos fixed."""
    text = expand(squeeze(expand(fold(text))))
    return correct_words(text, VOCABULARY)
