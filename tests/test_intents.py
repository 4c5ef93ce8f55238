"""What customers actually write, and the intent the offline brain must see in it."""

from __future__ import annotations

import pytest

from atende.brain.dialogue.intents import find_service, is_no, is_yes, main_intent
from atende.domain.entities import ServiceInfo

PHRASES = [
    ("oi", "greeting"),
    ("Olá, bom dia!", "greeting"),
    ("boa noite", "greeting"),
    ("Qual o horário de vocês?", "hours"),
    ("que horas vocês abrem?", "hours"),
    ("vocês abrem sábado?", "hours"),
    ("até que horas fica aberto hoje?", "hours"),
    ("qual horário de funcionamento", "hours"),
    ("funcionam domingo?", "hours"),
    ("quanto custa o banho?", "prices"),
    ("qual o valor da tosa", "prices"),
    ("quanto é a consulta?", "prices"),
    ("me passa a tabela de preços", "prices"),
    ("quais serviços vocês fazem?", "services"),
    ("o que vocês oferecem?", "services"),
    ("quero agendar um banho", "book"),
    ("queria marcar uma tosa pro meu cachorro", "book"),
    ("dá pra reservar horário pra consulta?", "book"),
    ("quero um banho pro Rex amanhã", "book"),
    ("preciso vacinar minha gata", "book"),
    ("tem horário livre amanhã?", "slots"),
    ("tem vaga na sexta?", "slots"),
    ("quais horários disponíveis na terça?", "slots"),
    ("quero cancelar meu agendamento", "cancel"),
    ("preciso desmarcar o banho", "cancel"),
    ("não vou poder ir, cancela por favor", "cancel"),
    ("quero remarcar", "reschedule"),
    ("dá pra mudar o horário do banho?", "reschedule"),
    ("posso trocar para outro dia?", "reschedule"),
    ("quero falar com um atendente", "handoff"),
    ("me passa pra uma pessoa", "handoff"),
    ("quero falar com alguém de verdade", "handoff"),
    ("atendimento humano por favor", "handoff"),
    ("obrigado!", "thanks"),
    ("valeu, até mais", "thanks"),
    ("muito obrigada pela ajuda", "thanks"),
]


@pytest.mark.parametrize(("text", "intent"), PHRASES, ids=[p[0] for p in PHRASES])
def test_phrase_intent(text: str, intent: str) -> None:
    assert main_intent([text]) == intent


def test_the_burst_is_about_its_last_real_question() -> None:
    assert main_intent(["oi", "tudo bem?", "quanto custa a tosa?"]) == "prices"
    assert main_intent(["quanto custa o banho?", "obrigado"]) == "prices"
    assert main_intent(["oi", "obrigado"]) == "thanks"
    assert main_intent(["asdf"]) is None


@pytest.mark.parametrize(
    "text",
    [
        *("sim", "Sim!", "pode", "pode sim", "confirmo", "isso mesmo", "ok", "fechado", "👍"),
        *("quero", "sim, mas às 11h", "não, pode confirmar", "fechou", "bora", "isso aí"),
        "pode ser",
    ],
)
def test_yes(text: str) -> None:
    assert is_yes(text) and not is_no(text)


@pytest.mark.parametrize(
    "text",
    [
        *("não", "nao", "Não, obrigado", "melhor não", "negativo", "claro que não"),
        *("pode não", "isso não", "ok não", "não pode", "agora não"),
    ],
)
def test_no(text: str) -> None:
    assert is_no(text) and not is_yes(text)


@pytest.mark.parametrize(
    "text",
    [
        *("sim não", "quero mudar o horário", "quero outro dia", "quero outro horário"),
        *("quero cancelar", "pode cancelar?"),
    ],
)
def test_not_a_yes(text: str) -> None:
    assert not is_yes(text)


def test_pode_cancelar_is_a_cancel() -> None:
    assert main_intent(["pode cancelar?"]) == "cancel"


SERVICES = [
    ServiceInfo(1, "Banho", 60, 60),  # type: ignore[arg-type]
    ServiceInfo(2, "Tosa", 70, 60),  # type: ignore[arg-type]
    ServiceInfo(3, "Banho e tosa", 110, 90),  # type: ignore[arg-type]
    ServiceInfo(4, "Consulta veterinária", 150, 30),  # type: ignore[arg-type]
    ServiceInfo(5, "Vacinação", 90, 30),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quero um banho", "Banho"),
        ("banho e tosa pro rex", "Banho e tosa"),
        ("banho com tosa", "Banho e tosa"),
        ("só a tosa", "Tosa"),
        ("consulta com o veterinário", "Consulta veterinária"),
        ("preciso levar no veterinário", "Consulta veterinária"),
        ("vacina da raiva", "Vacinação"),
        ("vacinar", "Vacinação"),
        ("qual o horário?", None),
    ],
)
def test_find_service(text: str, expected: str | None) -> None:
    found = find_service(text, SERVICES)
    assert (found.name if found else None) == expected
