"""Portuguese conversations with the offline brain, ending in rows in the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select

from atende.runtime import Runtime, build_runtime
from atende.storage.models import Booking, Pet
from tests.conftest import demo_runtime, settings_for
from tests.support.dialogue import TZ, Customer, next_weekday


@pytest.fixture
def runtime(db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    rt = demo_runtime(db_url, tmp_path)
    yield rt
    rt.close()


def bookings(runtime: Runtime) -> list[Booking]:
    with runtime.sessions() as s:
        return list(s.scalars(select(Booking).order_by(Booking.id)))


def test_full_booking_conversation_registers_the_pet_and_books_the_asked_time(
    runtime: Runtime,
) -> None:
    tuesday = next_weekday(1)
    maria = Customer(runtime, "demo", "+5511999990001", "Maria Souza")
    greeting = maria.say("Oi, boa tarde!")
    assert "Boa tarde, Maria" in greeting and "Pet Shop Amigo Fiel" in greeting
    assert "Para qual dia" in maria.say("Quero agendar um banho")
    answer = maria.say(f"dia {tuesday:%d/%m}")
    assert "Horários livres" in answer and "10:00" in answer
    assert "nome" in maria.say("às 10h")
    assert "cachorro, gato" in maria.say("O nome dele é Thor")
    assert "raça" in maria.say("é um cachorro")
    confirm = maria.say("golden retriever")
    assert "Posso confirmar?" in confirm and "Banho para Thor" in confirm
    assert "a partir de R$ 80,00 (porte grande)" in confirm  # a golden: grande, coat unsaid
    assert bookings(runtime) == []  # nothing written before "sim"
    done = maria.say("sim")
    assert "Prontinho" in done and "10:00" in done
    [booking] = bookings(runtime)
    assert booking.starts_at == datetime.combine(tuesday, time(10), tzinfo=TZ)
    assert booking.status == "booked"
    with runtime.sessions() as s:
        pet = s.get(Pet, booking.pet_id)
        assert pet is not None and (pet.name, pet.species, pet.breed) == (
            "Thor",
            "cachorro",
            "Golden Retriever",
        )


def test_a_burst_keeps_service_day_and_time_while_the_pet_is_registered(runtime: Runtime) -> None:
    thursday = next_weekday(3)
    joao = Customer(runtime, "demo", "+5511999990002", "João")
    first = joao.say("oi", "quero agendar banho e tosa", f"dia {thursday:%d/%m} às 14h")
    assert first.startswith("Olá, João") and "nome" in first
    joao.say("Bidu")
    joao.say("cachorro")
    confirm = joao.say("vira-lata")
    assert "Banho e tosa para Bidu" in confirm and "14:00" in confirm and "R$ 110,00" in confirm
    assert "Prontinho" in joao.say("pode ser")
    [booking] = bookings(runtime)
    assert booking.starts_at == datetime.combine(thursday, time(14), tzinfo=TZ)

    # a returning customer with one pet goes straight to the confirmation
    friday = next_weekday(4)
    again = joao.say(f"quero marcar um banho {friday:%d/%m} às 9h")
    assert "Posso confirmar?" in again and "Banho para Bidu" in again


def test_overlapping_and_past_requests_are_refused(runtime: Runtime) -> None:
    # the demo shop has one groomer (and two bath stations): her tosas cannot overlap
    tuesday = next_weekday(1)
    ana = Customer(runtime, "demo", "+5511999990003")
    for text in ("quero agendar tosa", f"{tuesday:%d/%m} às 10h", "Luna", "gata", "siamês"):
        ana.say(text)
    assert "Prontinho" in ana.say("sim")

    bia = Customer(runtime, "demo", "+5511999990004")
    bia.say("quero agendar tosa")
    taken = bia.say(f"{tuesday:%d/%m} às 10:30")
    assert "ocupado" in taken
    offered = taken.split("livres", 1)[1]
    for overlapping in ("09:30", "10:00", "10:30"):  # a 60-min tosa overlaps 10:00-11:00
        assert overlapping not in offered
    assert "09:00" in offered and "11:00" in offered
    past = bia.say("dia 01/01/2020 às 10h")
    assert "já passou" in past
    closed = bia.say(f"{tuesday:%d/%m} às 20h")
    assert "Nesse horário não dá" in closed and "das 08:00 às 18:00" in closed
    assert "nome" in bia.say("às 11h")
    for text in ("Rex", "cachorro"):
        bia.say(text)
    assert "Posso confirmar?" in bia.say("poodle")
    assert "Prontinho" in bia.say("sim")
    assert sorted(b.starts_at.astimezone(TZ).hour for b in bookings(runtime)) == [10, 11]


def test_no_means_no_booking(runtime: Runtime) -> None:
    wednesday = next_weekday(2)
    c = Customer(runtime, "demo", "+5511999990005")
    for text in ("quero agendar uma consulta", f"{wednesday:%d/%m} 9h", "Mel", "gato"):
        c.say(text)
    assert "Posso confirmar?" in c.say("persa")
    assert "Para qual dia" in c.say("não")
    assert bookings(runtime) == []


def test_cancel_and_reschedule_own_booking(runtime: Runtime) -> None:
    tuesday, friday = next_weekday(1), next_weekday(4)
    c = Customer(runtime, "demo", "+5511999990006")
    for text in (
        "quero agendar vacina",
        f"{tuesday:%d/%m} às 9h",
        "Pipoca",
        "cachorro",
        "SRD",
        "sim",
    ):
        c.say(text)
    [booking] = bookings(runtime)
    answer = c.say(f"preciso remarcar para {friday:%d/%m} às 16h")
    assert "remarcar" in answer.lower() and "16:00" in answer
    assert "está remarcada para sexta" in c.say("sim")  # a vacinação: feminine
    rows = bookings(runtime)
    assert [r.status for r in rows] == ["cancelled", "booked"]
    assert rows[1].starts_at == datetime.combine(friday, time(16), tzinfo=TZ)
    assert rows[1].pet_id == booking.pet_id

    assert "Quer cancelar" in c.say("quero cancelar meu horário")
    assert "Cancelado" in c.say("sim")
    assert [r.status for r in bookings(runtime)] == ["cancelled", "cancelled"]
    assert "Não encontrei" in c.say("cancelar")


def test_information_intents(runtime: Runtime) -> None:
    c = Customer(runtime, "demo", "+5511999990007")
    saturday = c.say("que horas vocês abrem no sábado?")  # the day asked about
    assert "sábado" in saturday and "das 08:00 às 12:00" in saturday
    assert "18:00" not in saturday
    hours = c.say("qual o horário de funcionamento?")
    assert "segunda a sexta, das 08:00 às 18:00" in hours and "sábado, das 08:00 às 12:00" in hours
    prices = c.say("qual o preço dos serviços?")
    for name in ("Banho", "Tosa", "Banho e tosa", "Consulta veterinária", "Vacinação"):
        assert name in prices
    assert "Vacinação: R$ 90,00" in c.say("quanto custa a vacina?")
    assert "Por nada" in c.say("obrigado!")
    assert "não entendi" in c.say("asdfgh qwerty")


def test_a_question_mid_booking_is_answered_and_the_booking_resumes(runtime: Runtime) -> None:
    c = Customer(runtime, "demo", "+5511999990008")
    c.say("quero agendar banho")
    answer = c.say("que horas vocês fecham?")
    assert "18:00" in answer and "Voltando ao agendamento: Para qual dia" in answer
    assert "nome" in c.say(f"{next_weekday(2):%d/%m} às 15h")


def test_state_survives_a_restart_mid_booking(
    runtime: Runtime, db_url: str, tmp_path: Path
) -> None:
    c = Customer(runtime, "demo", "+5511999990009")
    for text in ("quero agendar banho", f"{next_weekday(1):%d/%m} às 10h", "Nina"):
        c.say(text)
    runtime.close()
    fresh = build_runtime(settings_for(db_url, tmp_path, buffer_seconds=0))
    try:
        again = Customer(fresh, "demo", "+5511999990009")
        assert "raça" in again.say("gata")
    finally:
        fresh.close()


def test_audio_without_transcriber_asks_kindly_to_write(runtime: Runtime) -> None:
    from atende.channels.base import InboundMessage

    c = Customer(runtime, "demo", "+5511999990010")
    runtime.pipeline.ingestor.ingest(
        c.channel, InboundMessage("a-1", c.phone, None, "audio", "", "http://x/media", "audio/ogg")
    )
    result = runtime.pipeline.flush(c.conversation().id)
    assert result is not None and len(result.reply_ids) == 1
    with runtime.sessions() as s:
        from atende.storage.models import Message

        body = s.get(Message, result.reply_ids[0]).body  # type: ignore[union-attr]
    assert "áudio" in body and "escrever" in body


def test_an_availability_question_gets_the_free_slots_first(runtime: Runtime) -> None:
    c = Customer(runtime, "demo", "+5511999990011")
    answer = c.say("bom dia, tem horário pra banho na próxima terça de manhã?")
    assert "Horários livres para o banho" in answer
    offered = answer.split(":", 1)[1]
    assert "08:00" in offered and "11:00" in offered and "14:00" not in offered


def test_what_the_customer_already_said_about_the_pet_is_kept(runtime: Runtime) -> None:
    friday = next_weekday(4)
    c = Customer(runtime, "demo", "+5511999990012")
    assert "Qual o nome do seu gato?" in c.say(
        f"quero marcar consulta pro meu gato {friday:%d/%m} às 15h"
    )
    assert "raça" in c.say("Frajola")
    assert "Consulta veterinária para Frajola" in c.say("vira-lata")

    d = Customer(runtime, "demo", "+5511999990013")
    asked = d.say(f"Boa tarde! Gostaria de agendar uma tosa para a Mel dia {friday:%d/%m} às 14h")
    assert "Mel é cachorro, gato ou outro bichinho?" in asked


def test_a_service_question_with_abbreviations(runtime: Runtime) -> None:
    c = Customer(runtime, "demo", "+5511999990014")
    assert "Fazemos sim! Vacinação: R$ 90,00" in c.say("vcs fazem vacina de gato?")
    assert "08:00" in c.say("vc abre sab?")


def test_offered_times_can_be_picked_by_number(runtime: Runtime) -> None:
    tuesday = next_weekday(1)
    c = Customer(runtime, "demo", "+5511999990015")
    offer = c.say(f"quero agendar tosa dia {tuesday:%d/%m}")
    assert "1. 08:00" in offer and "3. 09:00" in offer and "Responda com o número" in offer
    assert "nome" in c.say("3")
    for text in ("Nina", "gata"):
        c.say(text)
    assert "às 09:00" in c.say("persa")
