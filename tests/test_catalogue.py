"""What the assistant says agrees with the service it is about: 'o banho', 'a vacinação',
'as vacinas' — and every sentence of the catalogue reads as Brazilian Portuguese should."""

from __future__ import annotations

from decimal import Decimal

import pytest

from atende.brain.dialogue import catalogue as words
from atende.domain.entities import ServiceInfo

BANHO = ServiceInfo(1, "Banho", Decimal("60"), 60, "m", False)
VACINACAO = ServiceInfo(2, "Vacinação", Decimal("90"), 30, "f", False)
VACINAS = ServiceInfo(3, "Vacinas", Decimal("120"), 30, "f", True)
V10 = ServiceInfo(4, "Vacina V10", Decimal("100"), 30, "f", False)


@pytest.mark.parametrize(
    ("service", "article"),
    [
        (BANHO, "o banho"),
        (VACINACAO, "a vacinação"),
        (VACINAS, "as vacinas"),
        (V10, "a Vacina V10"),
    ],
)
def test_sentences_carry_the_services_article(service: ServiceInfo, article: str) -> None:
    assert f"você quer {article}?" in words.ask_day(service, None, []).first
    booked = words.booked(service, "Mel", "amanhã", False)
    assert f"{article[:1].upper()}{article[1:]} de Mel" in booked and "para amanhã" in booked
    assert (
        f"Horários livres para {article} amanhã"
        in words.offer_times(service, "amanhã", ["09:00"], 0).first
    )
    assert f"para {article} amanhã." in words.no_times(service, "amanhã")


@pytest.mark.parametrize(
    ("service", "done"),
    [
        (BANHO, "está agendado"),
        (VACINACAO, "está agendada"),
        (VACINAS, "estão agendadas"),
    ],
)
def test_the_done_message_agrees_with_the_service(service: ServiceInfo, done: str) -> None:
    assert done in words.booked(service, "Mel", "amanhã", False)
    assert done.replace("agend", "remarc") in words.booked(service, "Mel", "amanhã", True)


def test_counted_times_and_no_fixed_gender_for_pets() -> None:
    assert "mais 1 horário nesse dia" in words.offer_times(BANHO, "hoje", ["09:00"], 1).first
    assert "mais 2 horários nesse dia" in words.offer_times(BANHO, "hoje", ["09:00"], 2).first
    reminder = words.reminder(
        hello="Oi, Ana!", service="Vacinação", pet="Mel", day="amanhã", at="10:00", shop="Amigo"
    )
    assert "Vacinação de Mel amanhã às 10:00" in reminder and " do Mel" not in reminder


def test_the_two_wordings_of_every_question_differ() -> None:
    questions = [
        words.ask_service([BANHO, VACINACAO]),
        words.ask_day(BANHO, "amanhã às 09:00", ["amanhã (18/11)"]),
        words.offer_times(BANHO, "amanhã", ["09:00", "09:30"], 0),
        words.ask_pet_name(None, registering=True),
        words.ask_pet_name("gato", registering=False),
        words.ask_species("Thor"),
        words.ask_breed("Thor"),
        words.ask_which_pet(["Mel", "Bob"]),
        words.confirm_booking(BANHO, "Thor", "Amanhã (18/11) às 10:00", None, False),
        words.choose_booking(["Banho de Thor amanhã (18/11) às 10:00"]),
        words.confirm_cancel("o banho de Thor amanhã (18/11) às 10:00"),
        words.reschedule_when("o banho de Thor amanhã (18/11) às 10:00"),
    ]
    for question in questions:
        assert question.first != question.again, question


def test_the_emergency_answer_gives_what_the_clinic_set() -> None:
    both = words.emergency("+551133334444", "Rua das Acácias, 123")
    assert "+55 11 3333-4444" in both and "Rua das Acácias, 123" in both
    assert "pronto-atendimento" in words.emergency(None, None)
