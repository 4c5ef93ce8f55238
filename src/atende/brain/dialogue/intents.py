"""Keyword intents for Portuguese customer messages (offline, no model)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from atende.domain.entities import ServiceInfo
from atende.domain.text import fold, fold_chat

# Most specific first: the first intent whose pattern matches wins for one message.
INTENT_PATTERNS: list[tuple[str, str]] = [
    (
        "handoff",
        r"\b(atendente|humano|uma pessoa|pessoa de verdade|gerente|operador|atendimento humano"
        r"|falar com (alguem|o dono|a dona|voce|um|uma|gente"
        r"|(a|o) (veterinari\w*|vet|responsavel)))\b",
    ),
    (
        "optout",
        r"^\s*(sair|stop|parar|pare)\s*[.!]*\s*$|nao quero (mais )?receber|parar de receber"
        r"|pare de (me )?(mandar|enviar)|sair da lista|descadastr\w*|cancelar (a )?inscricao",
    ),
    ("cancel", r"\b(cancel\w*|desmarc\w*)\b"),
    (
        "reschedule",
        r"\b(remarc\w*|reagend\w*|(mudar|trocar) (o|meu|de) (horario|agendamento|dia)|adiar"
        r"|(mudar|trocar|passar) (o |a |meu |minha )?(banho|tosa|consulta|vacina\w*|horario"
        r"|agendamento) (para|pra)"
        r"|(mudar|trocar|passar) (para|pra) outr[oa] (dia|horario|data)|outro dia em vez)\b",
    ),
    (
        "book",
        r"\b(agend\w*|marca\w*|reserv\w*|(quero|preciso de|queria) (um |uma |o |a )?"
        r"(banho|tosa|consulta|vacina)\w*"
        r"|vacinar|tosar|dar (um )?banho|(pra|para) (tomar )?(um )?banho"
        r"|levar (\w+ )?(\w+ )?(no|na|pra|para) (banho|tosa|veterinari\w*|consulta|vacina))\b",
    ),
    (
        "slots",
        r"\b(horarios? (livres?|disponive\w*|vagos?)|tem (vaga|horario)|disponibilidade|vagas?)\b",
    ),
    ("prices", r"\b(preco\w*|quanto (custa|e|fica|sai|cobra)\w*|valor\w*|tabela)\b"),
    (
        "hours",
        r"\b(que horas (abre|fecha|voces abrem|voces fecham)|horario de (funcionamento|atendimento)"
        r"|(qual|quais) (e |sao )?(o |os )?horarios?|horarios? de voces"
        r"|abre\w*|fecha\w*|funciona\w*|aberto\w*|expediente)\b",
    ),
    (
        "services",
        r"\b(servicos?|o que voces (fazem|oferecem)|o que (tem|faz)|voces (fazem|tem|atendem))\b",
    ),
    ("thanks", r"\b(obrigad\w*|brigad\w*|valeu|agradec\w*|tchau|ate mais|ate logo|falou)\b"),
    ("greeting", r"^\s*(oi+|ola|bom dia|boa tarde|boa noite|e ai|opa|hello|hi|oie)\b"),
]
_COMPILED = [(name, re.compile(p)) for name, p in INTENT_PATTERNS]

_YES = re.compile(
    r"^\s*(?:👍|👌|✅|☑️)"
    r"|^\s*(sim|s|pode( ser)?|confirm\w*|isso( mesmo)?|ok|okay|beleza|blz|fechado|claro|certo|"
    r"perfeito|positivo|bora|com certeza|quero|yes|uhum|aham|pode sim|sim,? pode)\b"
)
_NO = re.compile(r"^\s*(nao|n|negativo|melhor nao|nope|errado|nada disso)\b")
_STOPWORDS = {"e", "de", "da", "do", "com", "para"}


def intents_of(text: str) -> list[str]:
    """Every intent one message shows, most specific first."""
    folded = fold_chat(text)
    return [name for name, pattern in _COMPILED if pattern.search(folded)]


def main_intent(texts: Sequence[str]) -> str | None:
    """The intent the burst is about: that of its last message that has a real one."""
    for text in reversed(texts):
        found = [i for i in intents_of(text) if i not in ("greeting", "thanks")]
        if found:
            return found[0]
    for text in reversed(texts):
        found = intents_of(text)
        if found:
            return found[-1] if "greeting" in found and len(found) == 1 else found[0]
    return None


def is_yes(text: str) -> bool:
    return bool(_YES.search(fold(text)))


def is_no(text: str) -> bool:
    return bool(_NO.search(fold(text)))


def _stems(name: str) -> list[str]:
    return [w[:5] for w in re.findall(r"\w+", fold(name)) if w not in _STOPWORDS]


def find_service(text: str, services: Sequence[ServiceInfo]) -> ServiceInfo | None:
    """The service a text names; 'banho e tosa' beats 'banho', 'vacina' finds 'Vacinação'."""
    words = re.findall(r"\w+", fold(text))
    best: tuple[int, float, ServiceInfo] | None = None
    for service in services:
        stems = _stems(service.name)
        matched = sum(1 for s in stems if any(w.startswith(s) for w in words))
        if matched == 0:
            continue
        score = (matched, matched / len(stems), service)
        if best is None or score[:2] > best[:2]:
            best = score
    return best[2] if best else None


def pick_number(text: str, count: int) -> int | None:
    """'2', 'o 2', 'opção 2' -> index 1, when within 1..count."""
    m = re.fullmatch(r"\s*(?:o|a|opcao|numero|n)?\s*(\d{1,2})\s*[.)]?\s*", fold(text))
    if not m:
        return None
    n = int(m.group(1))
    return n - 1 if 1 <= n <= count else None
