"""Conversations that went wrong in blind-written scenarios and customer trials, replayed
through ingest + flush: each asserts what a receptionist would have done, on the booking
rows. The suite's clock is Tuesday 17/11/2026 10:00 in São Paulo; the demo shop opens
Mon-Fri 08-18, Sat 08-12."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from atende.brain.knowledge.documents import read_document
from atende.clock import ShiftedClock
from atende.runtime import Runtime
from atende.storage import knowledge
from atende.storage.models import Booking, Contact, Organization, Pet, Service
from tests.conftest import demo_runtime
from tests.support.clock import move_to
from tests.support.dialogue import TZ, Customer

KB = Path(__file__).parent / "fixtures" / "kb"


def with_documents(runtime: Runtime, *names: str) -> None:
    """The shop's documents (tests/fixtures/kb) in its knowledge base."""
    with runtime.sessions.begin() as s:
        org_id = s.scalars(select(Organization.id)).one()
        for name in names:
            doc = read_document(KB / name)
            knowledge.replace_document(s, org_id, doc.name, doc.kind, doc.sha256, doc.chunks)


@pytest.fixture
def runtime(sqlite_url: str, tmp_path: Path) -> Iterator[Runtime]:
    rt = demo_runtime(sqlite_url, tmp_path)
    yield rt
    rt.close()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


def rows(runtime: Runtime) -> list[tuple[str, str, datetime, str]]:
    """(pet, service, local start, status) of every booking, in the order made."""
    with runtime.sessions() as s:
        found = s.execute(
            select(Pet.name, Service.name, Booking.starts_at, Booking.status)
            .join(Pet, Pet.id == Booking.pet_id)
            .join(Service, Service.id == Booking.service_id)
            .order_by(Booking.id)
        )
        return [
            (pet, service, start.astimezone(TZ), status) for pet, service, start, status in found
        ]


def customer_with(
    runtime: Runtime, phone: str, pets: list[tuple[str, str]], name: str = "Ana"
) -> Customer:
    """A customer who has written before and has these (name, species) pets, of a breed
    whose size is known (so no booking asks their porte)."""
    who = Customer(runtime, "demo", phone, name)
    who.say("oi")
    with runtime.sessions.begin() as s:
        org_id = s.scalars(select(Organization.id)).one()
        contact_id = s.scalars(select(Contact.id).where(Contact.phone == phone)).one()
        for pet, species in pets:
            breed = "vira-lata" if species == "cachorro" else ""
            s.add(
                Pet(
                    organization_id=org_id,
                    contact_id=contact_id,
                    name=pet,
                    species=species,
                    breed=breed,
                )
            )
    return who


def book(runtime: Runtime, phone: str, pet: str, service: str, start: datetime) -> None:
    with runtime.sessions.begin() as s:
        org_id = s.scalars(select(Organization.id)).one()
        contact_id = s.scalars(select(Contact.id).where(Contact.phone == phone)).one()
        pet_id = s.scalars(select(Pet.id).where(Pet.name == pet)).one()
        svc = s.scalars(select(Service).where(Service.name == service)).one()
        s.add(
            Booking(
                organization_id=org_id,
                contact_id=contact_id,
                pet_id=pet_id,
                service_id=svc.id,
                starts_at=start,
                ends_at=start + timedelta(minutes=svc.duration_minutes),
            )
        )


def test_yes_to_the_invitation_after_a_price_books_that_service(runtime: Runtime) -> None:
    otavio = customer_with(runtime, "+5511999993001", [("Zeca", "cachorro")])
    assert "Quer agendar?" in otavio.say("qto custa a tosa?")
    assert "a tosa" in otavio.say("sim")  # "Para qual dia você quer a tosa?"
    assert "Posso confirmar?" in otavio.say("amanhã às 10h")
    otavio.say("sim")
    assert rows(runtime) == [("Zeca", "Tosa", at(18, 10), "booked")]


def test_a_booking_right_after_a_price_question_is_for_that_service(runtime: Runtime) -> None:
    otavio = customer_with(runtime, "+5511999993002", [("Zeca", "cachorro")])
    otavio.say("bom dia, qto custa a tosa?")
    reply = otavio.say("blz, então marca pro Zeca amanhã às 10h")
    assert "Tosa para Zeca" in reply and "10:00" in reply
    otavio.say("sim")
    assert rows(runtime) == [("Zeca", "Tosa", at(18, 10), "booked")]


def test_correcting_the_pet_at_the_confirmation_books_the_other_pet(runtime: Runtime) -> None:
    bruna = customer_with(runtime, "+5511999993003", [("Sushi", "gato"), ("Temaki", "gato")])
    bruna.say("quero marcar consulta pro Sushi amnh as 15h")
    reply = bruna.say("ops, errei, é pro Temaki! o Sushi ta otimo")
    assert "para Temaki" in reply and "Sushi" not in reply
    bruna.say("sim")
    assert rows(runtime) == [("Temaki", "Consulta veterinária", at(18, 15), "booked")]


def test_a_pet_said_to_stay_booked_is_not_the_one_cancelled(runtime: Runtime) -> None:
    debora = customer_with(runtime, "+5511999993004", [("Luke", "cachorro"), ("Léia", "cachorro")])
    book(runtime, debora.phone, "Luke", "Banho", at(18, 10))
    book(runtime, debora.phone, "Léia", "Banho", at(18, 11))
    reply = debora.say("boa tarde, cancela só o banho da Léia amanhã, o do Luke continua tá")
    assert "Léia" in reply and "Luke" not in reply
    debora.say("sim")
    assert rows(runtime) == [
        ("Luke", "Banho", at(18, 10), "booked"),
        ("Léia", "Banho", at(18, 11), "cancelled"),
    ]


def test_a_hesitant_no_at_the_confirmation_books_nothing_and_calls_nobody(
    runtime: Runtime,
) -> None:
    yasmin = customer_with(runtime, "+5511999993005", [("Cacau", "cachorro")])
    assert "Posso confirmar?" in yasmin.say("queria consulta pro Cacau quinta 10h")
    reply = yasmin.say("humm melhor não, deixa pra lá")
    assert "pessoa" not in reply
    assert yasmin.conversation().state != "human"
    assert rows(runtime) == []


def test_a_question_about_hours_does_not_take_the_bookings_day(runtime: Runtime) -> None:
    gustavo = customer_with(runtime, "+5511999993006", [("Chico", "cachorro")])
    reply = gustavo.say(
        "vcs abrem domingo?", "se nao abrir quero marcar banho pro Chico segunda 9h"
    )
    assert "segunda (23/11) às 09:00" in reply.lower() or "23/11" in reply
    gustavo.say("sim")
    assert rows(runtime) == [("Chico", "Banho", at(23, 9), "booked")]


def test_a_reschedule_takes_the_new_time_not_the_one_it_leaves(runtime: Runtime) -> None:
    leandro = customer_with(runtime, "+5511999993007", [("Zeus", "cachorro")])
    book(runtime, leandro.phone, "Zeus", "Consulta veterinária", at(20, 9))
    leandro.say("oi, tem como trocar o horario da consulta do Zeus?")
    reply = leandro.say("sexta 9h nao vou conseguir, pode ser 16h30 no mesmo dia?")
    assert "16:30" in reply
    leandro.say("sim")
    assert rows(runtime) == [
        ("Zeus", "Consulta veterinária", at(20, 9), "cancelled"),
        ("Zeus", "Consulta veterinária", at(20, 16, 30), "booked"),
    ]


def test_moving_a_booking_to_where_it_already_is_moves_nothing(runtime: Runtime) -> None:
    leandro = customer_with(runtime, "+5511999993008", [("Zeus", "cachorro")])
    book(runtime, leandro.phone, "Zeus", "Banho", at(20, 9))
    leandro.say("quero remarcar o banho do Zeus")
    reply = leandro.say("sexta 9h")
    assert "já é o horário marcado" in reply and "Posso remarcar" not in reply
    assert rows(runtime) == [("Zeus", "Banho", at(20, 9), "booked")]


def test_a_weekday_after_next_week_is_that_weeks(runtime: Runtime) -> None:
    sandra = customer_with(runtime, "+5511999993009", [("Amora", "cachorro")])
    sandra.say("quero marcar banho pra Amora semana que vem de manha")
    reply = sandra.say("na quarta, 8 e meia")
    assert "25/11" in reply and "08:30" in reply
    sandra.say("sim")
    assert rows(runtime) == [("Amora", "Banho", at(25, 8, 30), "booked")]


def test_each_pet_gets_the_time_named_after_it(runtime: Runtime) -> None:
    cecilia = customer_with(
        runtime, "+5511999993010", [("Pipoca", "cachorro"), ("Paçoca", "cachorro")]
    )
    first = cecilia.say(
        "quero banho pro Pipoca e pro Paçoca no sábado, Pipoca às 9h e Paçoca às 10h"
    )
    assert "Pipoca" in first and "09:00" in first
    second = cecilia.say("sim")
    assert "Paçoca" in second and "10:00" in second
    cecilia.say("sim")
    assert rows(runtime) == [
        ("Pipoca", "Banho", at(21, 9), "booked"),
        ("Paçoca", "Banho", at(21, 10), "booked"),
    ]


def test_a_new_pet_beside_a_known_one_is_registered_and_booked_too(runtime: Runtime) -> None:
    elaine = customer_with(runtime, "+5511999993011", [("Bidu", "cachorro")])
    elaine.send("boa tarde, quero vacinar o Bidu e meu gatinho novo na quarta")
    # (the first reply may already confirm Bidu; the times come in the next message)
    reply = elaine.say("o Bidu às 10h e o gatinho às 10 e meia")
    assert "Bidu" in reply and "10:00" in reply
    reply = elaine.say("sim")
    assert "nome" in reply  # now the kitten: its name first
    elaine.say("Tom")
    elaine.say("siamês")
    reply = elaine.say("sim")
    assert "Prontinho" in reply
    assert rows(runtime) == [
        ("Bidu", "Vacinação", at(18, 10), "booked"),
        ("Tom", "Vacinação", at(18, 10, 30), "booked"),
    ]


def test_yes_can_cancel_confirms_the_cancellation(runtime: Runtime) -> None:
    hugo = customer_with(runtime, "+5511999993012", [("Rex", "cachorro")])
    book(runtime, hugo.phone, "Rex", "Consulta veterinária", at(19, 14))
    assert "Quer cancelar" in hugo.say("preciso desmarcar a consulta do Rex de quinta")
    assert "cancelad" in hugo.say("sim pode cancelar").lower()
    assert rows(runtime) == [("Rex", "Consulta veterinária", at(19, 14), "cancelled")]


def test_a_pet_that_goes_as_planned_keeps_its_booking(runtime: Runtime) -> None:
    patricia = customer_with(runtime, "+5511999993013", [("Thor", "cachorro"), ("Luna", "gato")])
    book(runtime, patricia.phone, "Thor", "Banho", at(19, 10))
    book(runtime, patricia.phone, "Luna", "Banho", at(19, 11))
    reply = patricia.say("cancela o banho da Luna de quinta pfv, o Thor vai normal")
    assert "Quer cancelar" in reply and "Luna" in reply and "Thor" not in reply


def test_a_new_pet_told_about_before_the_request_is_the_one_booked(runtime: Runtime) -> None:
    tatiane = customer_with(runtime, "+5511999993014", [("Thor", "cachorro")])
    reply = tatiane.say(
        "oi! agora tenho uma gatinha tb, a Nala",
        "queria marcar consulta pra ela amanha as 16h",
    )
    assert "Nala" in reply and "Thor" not in reply


def test_a_correction_of_the_service_is_not_taken_for_the_pets_name(runtime: Runtime) -> None:
    bruna = Customer(runtime, "demo", "+5511999993015", "Bruna")
    bruna.say("queria banho e tosa pro meu filhote segunda 10h")
    reply = bruna.say("alias, so banho, ele ainda é mto pequeno pra tosa")
    assert "Alias" not in reply


def test_a_booking_request_beside_questions_is_booked_and_the_questions_answered(
    runtime: Runtime,
) -> None:
    larissa = customer_with(runtime, "+5511999993016", [("Toby", "cachorro")])
    reply = larissa.say(
        "boa noite! qnto ta o banho? e vcs abrem sab? queria levar o Toby sab as 10"
    )
    assert "R$ 60,00" in reply and "08:00 às 12:00" in reply
    assert "Posso confirmar?" in reply and "10:00" in reply
    larissa.say("sim")
    assert rows(runtime) == [("Toby", "Banho", at(21, 10), "booked")]


def test_a_policy_question_about_cancelling_cancels_nothing(runtime: Runtime) -> None:
    caio = customer_with(runtime, "+5511999993017", [("Zeca", "cachorro")])
    book(runtime, caio.phone, "Zeca", "Banho", at(18, 10))
    with_documents(runtime, "politicas.txt")
    reply = caio.say(
        "boa noite",
        "se eu precisar desmarcar o banho do Zeca em cima da hora vcs cobram alguma coisa?",
        "so pra saber msm, por enquanto vou levar",
    )
    assert "50%" in reply and "Quer cancelar" not in reply
    assert rows(runtime) == [("Zeca", "Banho", at(18, 10), "booked")]


def test_parking_and_address_in_one_message_are_both_answered(runtime: Runtime) -> None:
    with_documents(runtime, "faq.md")
    reply = Customer(runtime, "demo", "+5511999993018").say(
        "bom dia!! onde fica a loja de vcs? tem estacionamento?"
    )
    assert "Acácias" in reply and "estacionamento" in reply


def test_a_new_time_in_answer_to_cancel_moves_the_booking_instead(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511999993019", [("Thor", "cachorro")])
    book(runtime, ana.phone, "Thor", "Banho", at(18, 10))
    assert "Quer cancelar" in ana.say("não vou poder levar o Thor amanhã")
    reply = ana.say("pode ser sexta 9h?")
    assert "Posso remarcar?" in reply and "Cancelado" not in reply
    ana.say("sim")
    assert rows(runtime) == [
        ("Thor", "Banho", at(18, 10), "cancelled"),
        ("Thor", "Banho", at(20, 9), "booked"),
    ]


def test_no_i_want_to_reschedule_at_the_cancel_question_moves_it(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511999993020", [("Thor", "cachorro"), ("Mel", "gato")])
    book(runtime, ana.phone, "Thor", "Banho", at(18, 10))
    book(runtime, ana.phone, "Mel", "Tosa", at(20, 14))
    ana.say("cancela o banho do Thor")
    assert "remarcar o banho de Thor" in ana.say("nao, quero remarcar")
    ana.say("sexta 11h")
    ana.say("sim")
    assert ("Thor", "Banho", at(20, 11), "booked") in rows(runtime)
    assert ("Mel", "Tosa", at(20, 14), "booked") in rows(runtime)


def test_a_bad_hour_and_another_one_move_the_booking_at_that_hour(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511999993021", [("Thor", "cachorro"), ("Mel", "gato")])
    book(runtime, ana.phone, "Thor", "Banho", at(18, 10))
    book(runtime, ana.phone, "Mel", "Tosa", at(20, 14))
    reply = ana.say("o horario das 14h ta ruim, tem as 16h?")
    assert "Posso remarcar?" in reply and "Tosa para Mel" in reply and "16:00" in reply


def test_another_day_for_a_booked_service_moves_it_rather_than_booking_twice(
    runtime: Runtime,
) -> None:
    ana = customer_with(runtime, "+5511999993022", [("Thor", "cachorro"), ("Mel", "gato")])
    book(runtime, ana.phone, "Mel", "Tosa", at(20, 14))
    reply = ana.say("bom dia! a tosa da Mel pode ser sabado 9h?")
    assert "Posso remarcar?" in reply
    ana.say("sim")
    assert rows(runtime) == [
        ("Mel", "Tosa", at(20, 14), "cancelled"),
        ("Mel", "Tosa", at(21, 9), "booked"),
    ]


def test_keeping_the_time_when_asked_for_a_new_one_changes_nothing(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511999993023", [("Thor", "cachorro")])
    book(runtime, ana.phone, "Thor", "Banho", at(18, 10))
    ana.say("preciso remarcar o banho do Thor")
    reply = ana.say("nao, pode manter o horario")
    assert "Para qual dia" not in reply
    assert rows(runtime) == [("Thor", "Banho", at(18, 10), "booked")]


@pytest.mark.parametrize("yes", ["sim, pode remarcar", "pode trocar", "👍"])
def test_yes_to_a_move_said_with_the_verb_moves_it(runtime: Runtime, yes: str) -> None:
    ana = customer_with(runtime, "+5511999993024", [("Thor", "cachorro")])
    book(runtime, ana.phone, "Thor", "Banho", at(18, 10))
    assert "Posso remarcar?" in ana.say("remarca o banho do Thor pra quinta 11h")
    assert "remarcado" in ana.say(yes)
    assert rows(runtime)[-1] == ("Thor", "Banho", at(19, 11), "booked")


def test_a_delay_without_em_shifts_the_booking(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511999993025", [("Thor", "cachorro"), ("Mel", "gato")])
    book(runtime, ana.phone, "Thor", "Banho", at(18, 10))
    book(runtime, ana.phone, "Mel", "Tosa", at(20, 14))
    reply = ana.say("da pra atrasar o banho do Thor 1h?")
    assert "Posso remarcar?" in reply and "11:00" in reply


def test_a_pet_that_cannot_go_is_the_one_moved(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511999993026", [("Thor", "cachorro"), ("Bob", "cachorro")])
    book(runtime, ana.phone, "Thor", "Banho", at(18, 10))
    book(runtime, ana.phone, "Bob", "Banho", at(20, 9))
    reply = ana.say("o Bob nao vai poder ir sexta, remarca pra segunda 9h pfv")
    assert "Banho para Bob" in reply and "23/11" in reply and "09:00" in reply


def test_a_breed_said_up_front_is_not_asked_for(runtime: Runtime) -> None:
    carla = Customer(runtime, "demo", "+5511999993027", "Carla")
    reply = carla.say("quero banho e tosa pra minha shih tzu Lola dia 25 as 10h")
    assert "Posso confirmar?" in reply and "Lola (cachorro, Shih Tzu)" in reply


def test_a_name_corrected_while_registering_is_the_name_stored(runtime: Runtime) -> None:
    bob = Customer(runtime, "demo", "+5511999993028")
    assert "Bob (cachorro, SRD)" in bob.say("marca banho pro Bob quinta 14h, cachorro vira lata")
    reply = bob.say("ops digitei errado, o nome é Bobby")
    assert "Bobby (cachorro, SRD)" in reply
    bob.say("sim")
    with runtime.sessions() as s:
        assert s.execute(select(Pet.name, Pet.breed)).all() == [("Bobby", "SRD")]


def test_a_question_while_registering_is_no_breed_and_gets_an_honest_answer(
    runtime: Runtime,
) -> None:
    lili = Customer(runtime, "demo", "+5511999993029")
    lili.say("quero marcar banho pra Lili sexta 10h")
    lili.say("gata")
    reply = lili.say("e a racao? vendem?")
    assert "não sei te responder" in reply and "raça" in reply  # the breed question again
    assert "Lili (gato, Persa)" in lili.say("persa")
    again = lili.say("a raça é persa gente")  # said again: no miss, no person offered
    assert "confirmo?" in again and "pessoa" not in again


def test_giving_up_a_reschedule_in_other_words_keeps_the_booking(runtime: Runtime) -> None:
    toby = customer_with(runtime, "+5511999993030", [("Toby", "cachorro")])
    book(runtime, toby.phone, "Toby", "Banho", at(18, 10))
    toby.say("quero remarcar o banho do toby")
    assert "mantive" in toby.say("NAO, PENSANDO BEM DEIXA NA QUARTA MESMO")
    assert rows(runtime) == [("Toby", "Banho", at(18, 10), "booked")]


def test_a_weekday_with_a_day_of_month_is_that_date(runtime: Runtime) -> None:
    bolt = Customer(runtime, "demo", "+5511999993031")
    bolt.say("quero marcar tosa pro Bolt na segunda dia 30, as 8h")
    reply = bolt.say("cachorro, vira lata")
    assert "30/11" in reply and "08:00" in reply


def test_the_customers_own_name_is_not_taken_for_the_pets(runtime: Runtime) -> None:
    reply = Customer(runtime, "demo", "+5511999993032").say(
        "Meu nome é Carla, quero banho pra minha shih tzu Lola amanha 10h"
    )
    assert "Banho para Lola" in reply and "Carla" not in reply


def test_the_only_booking_of_the_pet_named_is_moved_even_if_its_service_says_more(
    runtime: Runtime,
) -> None:
    ana = customer_with(runtime, "+5511999993033", [("Rex", "cachorro"), ("Mimi", "gato")])
    book(runtime, ana.phone, "Mimi", "Banho", at(18, 10))
    book(runtime, ana.phone, "Rex", "Banho e tosa", at(19, 15, 30))
    reply = ana.say("e o banho do Rex, da pra deixar 1h mais tarde?")
    assert "Posso remarcar?" in reply and "16:30" in reply


def test_the_request_survives_the_which_one_question(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511999993034", [("Rex", "cachorro"), ("Mimi", "gato")])
    book(runtime, ana.phone, "Mimi", "Banho", at(18, 10))
    book(runtime, ana.phone, "Rex", "Banho", at(19, 15))
    reply = ana.say("quero remarcar o banho pra sexta 10h")
    assert "Qual destes" in reply
    reply = ana.say("2")
    assert "Posso remarcar?" in reply and "sexta (20/11) às 10:00" in reply


def test_which_one_lists_only_the_bookings_that_fit(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511999993035", [("Rex", "cachorro"), ("Mimi", "gato")])
    book(runtime, ana.phone, "Mimi", "Banho", at(18, 10))
    book(runtime, ana.phone, "Rex", "Banho", at(19, 15))
    book(runtime, ana.phone, "Mimi", "Tosa", at(20, 9))
    reply = ana.say("cancelar o horario da gata")
    assert "Mimi" in reply and "Rex" not in reply


def test_cancel_all_of_one_pet_cancels_only_that_pets(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511999993036", [("Pipoca", "cachorro"), ("Mimi", "gato")])
    book(runtime, ana.phone, "Mimi", "Banho", at(18, 10))
    book(runtime, ana.phone, "Pipoca", "Banho", at(21, 9))
    book(runtime, ana.phone, "Pipoca", "Tosa", at(21, 11))
    assert "2 agendamentos" in ana.say("vou viajar com a Pipoca, cancela todos os horarios dela pf")
    ana.say("sim")
    assert rows(runtime) == [
        ("Mimi", "Banho", at(18, 10), "booked"),
        ("Pipoca", "Banho", at(21, 9), "cancelled"),
        ("Pipoca", "Tosa", at(21, 11), "cancelled"),
    ]


def test_two_services_for_a_new_pet_register_it_once_and_follow_each_other(
    runtime: Runtime,
) -> None:
    frida = Customer(runtime, "demo", "+5511999993037")
    frida.say("Oi! Quero banho e vacina pra Frida na quarta 9h. Ela é gata")
    frida.say("angorá")
    second = frida.say("sim")
    assert "Agora a vacinação" in second and "Posso confirmar?" in second  # no breed again
    frida.say("sim")
    assert rows(runtime) == [
        ("Frida", "Banho", at(18, 9), "booked"),
        ("Frida", "Vacinação", at(18, 10), "booked"),
    ]


def test_an_hour_later_while_booking_shifts_the_proposed_time(runtime: Runtime) -> None:
    amora = Customer(runtime, "demo", "+5511999993038")
    amora.say("consulta pra minha gata Amora segunda as 2")
    amora.say("da pra ser 1h mais tarde?")
    assert "às 15:00" in amora.say("sem raça")


def test_same_time_on_another_day_after_a_closed_one(runtime: Runtime) -> None:
    pingo = Customer(runtime, "demo", "+5511999993039")
    pingo.say("oii da pra dar banho no Pingo domingo 10h? ele é pinscher")
    reply = pingo.say("entao segunda msm horario")
    assert "Posso confirmar?" in reply and "23/11" in reply and "10:00" in reply


def test_a_question_naming_another_service_does_not_change_the_booking(
    runtime: Runtime,
) -> None:
    toby = Customer(runtime, "demo", "+5511999993040")
    with_documents(runtime, "vacinas.html")
    toby.say("quero marcar banho pro Toby")
    reply = toby.say("terça 10h. precisa levar carteirinha de vacina?")
    assert "carteirinha" in reply
    toby.say("cachorro")
    assert "Banho para Toby" in toby.say("beagle")


def test_several_new_pets_in_one_request_are_each_booked(runtime: Runtime) -> None:
    ana = Customer(runtime, "demo", "+5511999993041")
    first = ana.say("oi! banho pro Tom e pro Jerry, sao gatos sem raça, sexta 8h e 9h")
    assert "Banho para Tom" in first and "08:00" in first
    second = ana.say("sim")
    assert "Agora para Jerry" in second and "09:00" in second
    ana.say("sim")
    assert rows(runtime) == [
        ("Tom", "Banho", at(20, 8), "booked"),
        ("Jerry", "Banho", at(20, 9), "booked"),
    ]


def test_pets_named_by_species_each_get_their_service(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511999993042", [("Bidu", "cachorro"), ("Pérola", "gato")])
    assert "Banho para Bidu" in ana.say("oi! banho pro cachorro e vacina pra gata, quarta 10h")
    assert "Vacinação para Pérola" in ana.say("sim")


def test_times_said_before_the_pets_are_each_pets(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511999993043", [("Bidu", "cachorro"), ("Pérola", "gato")])
    ana.say("oi, quero vacinar os dois, sexta de manha, um depois do outro")
    assert "09:00" in ana.say("9h a Bidu e 9h30 a Pérola")
    assert "09:30" in ana.say("sim")


def test_next_week_same_day_and_time_moves_it_by_a_week(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511999993044", [("Apolo", "cachorro")])
    book(runtime, ana.phone, "Apolo", "Banho", at(17, 17))
    reply = ana.say("e ai, da pra passar o banho do Apolo pra semana que vem, mesmo dia e horario?")
    assert "Posso remarcar?" in reply and "24/11" in reply and "17:00" in reply


def test_a_pet_corrected_while_registering_drops_the_one_mentioned_aside(
    runtime: Runtime,
) -> None:
    ana = Customer(runtime, "demo", "+5511999993045")
    ana.say("quero banho pro Lucky sexta 15h")
    reply = ana.say(
        "na vdd é pra Sofia, minha outra cachorra, o Lucky ja tomou banho semana passada"
    )
    assert "Sofia" in reply and "Lucky" not in reply


def test_cancel_one_and_move_another_in_one_message_does_both(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511999993046", [("Thor", "cachorro"), ("Mel", "gato")])
    book(runtime, ana.phone, "Mel", "Tosa", at(18, 14))
    book(runtime, ana.phone, "Thor", "Vacinação", at(20, 9))
    assert "Quer cancelar a tosa" in ana.say("cancela a tosa e remarca a vacina pra segunda 10h")
    reply = ana.say("sim")
    assert "Cancelado" in reply and "Posso remarcar?" in reply
    ana.say("sim")
    assert rows(runtime) == [
        ("Mel", "Tosa", at(18, 14), "cancelled"),
        ("Thor", "Vacinação", at(20, 9), "cancelled"),
        ("Thor", "Vacinação", at(23, 10), "booked"),
    ]


def test_remarcar_inside_a_new_booking_moves_the_booking_already_made(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511999993047", [("Bela", "gato"), ("Rex", "cachorro")])
    book(runtime, ana.phone, "Bela", "Consulta veterinária", at(23, 14))
    ana.say("quero marcar consulta pro Rex segunda")  # a new booking, left at the times
    reply = ana.say("a consulta da Bela muda pra 16h")
    assert "Posso remarcar?" in reply and "Bela" in reply and "16:00" in reply
    ana.say("sim")
    assert rows(runtime) == [
        ("Bela", "Consulta veterinária", at(23, 14), "cancelled"),
        ("Bela", "Consulta veterinária", at(23, 16), "booked"),
    ]


def test_cancel_everything_inside_a_new_booking_cancels_the_bookings_made(
    runtime: Runtime,
) -> None:
    ana = customer_with(runtime, "+5511999993048", [("Nick", "cachorro")])
    book(runtime, ana.phone, "Nick", "Vacinação", at(23, 10, 30))
    ana.say("quero marcar consulta pro Nick segunda")
    assert "Quer cancelar" in ana.say("cancela tudo")
    ana.say("sim")
    assert rows(runtime) == [("Nick", "Vacinação", at(23, 10, 30), "cancelled")]


def test_another_name_while_registering_forgets_the_first_pets_details(
    runtime: Runtime,
) -> None:
    ana = Customer(runtime, "demo", "+5511999993049")
    ana.say("quero banho pro Rex amanha 10h, ele é rottweiler")
    reply = ana.say("na verdade é pra Fiona, minha gata")
    assert "Rottweiler" not in reply


def test_two_bookings_named_by_their_days_are_both_cancelled(runtime: Runtime) -> None:
    bia = customer_with(runtime, "+5511999993060", [("Rocky", "cachorro"), ("Mimi", "gato")])
    book(runtime, bia.phone, "Rocky", "Banho", at(23, 9))
    book(runtime, bia.phone, "Rocky", "Tosa", at(24, 9))
    book(runtime, bia.phone, "Mimi", "Consulta veterinária", at(25, 9))
    reply = bia.say("cancela o de segunda e o de terça")
    assert "2 agendamentos" in reply and "Consulta" not in reply
    bia.say("sim")
    assert [r[3] for r in rows(runtime)] == ["cancelled", "cancelled", "booked"]


def test_both_baths_move_to_thursday_each_at_its_own_time(runtime: Runtime) -> None:
    bia = customer_with(runtime, "+5511999993061", [("Atena", "cachorro"), ("Apolo", "cachorro")])
    book(runtime, bia.phone, "Atena", "Banho", at(18, 11))
    book(runtime, bia.phone, "Apolo", "Banho", at(18, 16))
    first = bia.say("passa os dois banhos pra quinta msm horario")
    assert "Posso remarcar?" in first and "Atena" in first and "11:00" in first
    second = bia.say("sim")
    assert "Agora para Apolo" in second and "16:00" in second
    bia.say("sim")
    assert [(r[0], r[2], r[3]) for r in rows(runtime) if r[3] == "booked"] == [
        ("Atena", at(19, 11), "booked"),
        ("Apolo", at(19, 16), "booked"),
    ]


def test_a_saturday_named_on_a_saturday_moves_to_the_next_one(
    runtime: Runtime, test_clock: ShiftedClock
) -> None:
    bia = customer_with(runtime, "+5511999993062", [("Panda", "cachorro")])
    book(runtime, bia.phone, "Panda", "Banho", at(27, 16))  # Friday next week
    move_to(test_clock, at(21, 7))  # Saturday morning
    reply = bia.say("muda o banho do panda p sabado as 10h")
    assert "28/11" in reply and "10:00" in reply
    bia.say("sim")
    assert [(r[2], r[3]) for r in rows(runtime)][-1] == (at(28, 10), "booked")


def test_next_week_same_day_and_time_is_a_week_after_the_booking(runtime: Runtime) -> None:
    bia = customer_with(runtime, "+5511999993063", [("Meg", "cachorro")])
    book(runtime, bia.phone, "Meg", "Tosa", at(23, 15))  # already next week's Monday
    reply = bia.say("remarcar a tosa da meg pra semana que vem mesmo dia e horario")
    assert "30/11" in reply and "15:00" in reply
    bia.say("sim")
    assert [(r[2], r[3]) for r in rows(runtime)][-1] == (at(30, 15), "booked")


def test_a_weekday_that_is_the_bookings_own_slot_means_the_next_one(runtime: Runtime) -> None:
    bia = customer_with(runtime, "+5511999993064", [("Simba", "gato")])
    book(runtime, bia.phone, "Simba", "Consulta veterinária", at(23, 11))
    reply = bia.say("remarca a consulta do simba pra segunda que vem 11h")
    assert "30/11" in reply and "Posso remarcar?" in reply


def test_same_time_on_another_day_moves_the_booked_service(runtime: Runtime) -> None:
    bia = customer_with(runtime, "+5511999993065", [("Dudu", "cachorro")])
    book(runtime, bia.phone, "Dudu", "Banho", at(18, 14))
    book(runtime, bia.phone, "Dudu", "Vacinação", at(19, 14))
    reply = bia.say("mesmo horario na sexta o banho do dudu")
    assert "Posso remarcar?" in reply and "20/11" in reply and "14:00" in reply


def test_unbooking_inside_a_new_booking_asks_which_booking(runtime: Runtime) -> None:
    bia = customer_with(runtime, "+5511999993066", [("Rex", "cachorro"), ("Fiona", "gato")])
    book(runtime, bia.phone, "Fiona", "Banho", at(23, 11))
    bia.say("quero marcar banho pro rex segunda")
    assert "Quer cancelar" in bia.say("quero desmarcar um horario")
    bia.say("sim")
    assert rows(runtime) == [("Fiona", "Banho", at(23, 11), "cancelled")]


def test_not_for_this_pet_but_the_cat_books_the_customers_cat(runtime: Runtime) -> None:
    bia = customer_with(runtime, "+5511999993067", [("Rex", "cachorro"), ("Mimi", "gato")])
    bia.say("marca uma consulta pro cachorro sexta 10h")
    reply = bia.say("ops, na verdade é pra gata, nao pro Rex")
    assert "para Mimi" in reply
    bia.say("sim")
    assert rows(runtime) == [("Mimi", "Consulta veterinária", at(20, 10), "booked")]


def test_another_pets_booking_moved_too_while_confirming_a_move(runtime: Runtime) -> None:
    bia = customer_with(runtime, "+5511999993068", [("Bidu", "cachorro"), ("Pérola", "gato")])
    book(runtime, bia.phone, "Bidu", "Banho", at(23, 15))
    book(runtime, bia.phone, "Pérola", "Vacinação", at(23, 15))
    bia.say("quero trocar o horario de segunda pra 16h")
    assert "Posso remarcar?" in bia.say("o banho do Bidu")
    reply = bia.say("agora a vacina da Pérola tb pra 16h")
    assert "Vacinação para Pérola" in reply and "Banho para Pérola" not in reply
    bia.say("sim")
    bia.say("sim")
    assert sorted((r[0], r[1], r[2]) for r in rows(runtime) if r[3] == "booked") == [
        ("Bidu", "Banho", at(23, 16)),
        ("Pérola", "Vacinação", at(23, 16)),
    ]


def test_moving_a_pet_named_without_the_service_moves_its_booking(runtime: Runtime) -> None:
    bia = customer_with(runtime, "+5511999993069", [("Max", "cachorro")])
    book(runtime, bia.phone, "Max", "Banho e tosa", at(20, 9))
    reply = bia.say("oi, passa o Max pro dia 24/11 as 16h?")
    assert "Posso remarcar?" in reply and "24/11" in reply and "16:00" in reply


def test_same_day_as_another_pets_bath_books_the_new_pet_that_day(runtime: Runtime) -> None:
    bia = customer_with(runtime, "+5511999993070", [("Bolt", "cachorro")])
    book(runtime, bia.phone, "Bolt", "Banho", at(20, 8))
    reply = bia.say("e quero vacinar a Nala tb, minha gata, no mesmo dia do banho do Bolt, 8h30")
    assert "Bolt" not in reply  # "Qual a raça de Nala?"
    bia.say("vira lata")
    bia.say("sim")
    assert rows(runtime)[-1] == ("Nala", "Vacinação", at(20, 8, 30), "booked")


def test_same_time_as_another_pet_is_that_bookings_time(runtime: Runtime) -> None:
    bia = customer_with(runtime, "+5511999993071", [("Tom", "gato"), ("Jerry", "gato")])
    book(runtime, bia.phone, "Tom", "Banho", at(23, 8))
    book(runtime, bia.phone, "Jerry", "Tosa", at(23, 10))
    reply = bia.say("passa a tosa do Jerry pro mesmo horário do banho do Tom na terça")
    assert "Posso remarcar?" in reply and "24/11" in reply and "08:00" in reply


def test_a_later_pets_time_changed_at_the_first_confirmation_keeps_the_first(
    runtime: Runtime,
) -> None:
    bia = customer_with(runtime, "+5511999993072", [("Bela", "gato"), ("Simba", "gato")])
    first = bia.say("queria marcar banho pra bela e pro simba na sexta, bela às 10h e simba às 11h")
    assert "Banho para Bela" in first
    reply = bia.say("ah, o simba pode ser às 10h tb? assim levo os dois juntos")
    assert "Banho para Bela" in reply and "Simba" in reply  # "Anotado: Simba às 10:00"
    bia.say("sim")
    bia.say("sim")
    assert sorted((r[0], r[2]) for r in rows(runtime)) == [
        ("Bela", at(20, 10)),
        ("Simba", at(20, 10)),
    ]


def test_a_time_given_as_after_another_booking_moves_the_one_being_moved(
    runtime: Runtime,
) -> None:
    bia = customer_with(runtime, "+5511999993073", [("Rex", "cachorro"), ("Luna", "gato")])
    book(runtime, bia.phone, "Rex", "Consulta veterinária", at(18, 10))
    book(runtime, bia.phone, "Luna", "Vacinação", at(18, 11))
    bia.say("a consulta do Rex amanhã dá pra passar pras 11h?")
    reply = bia.say("então põe ele 11h30, logo depois da vacina da Luna")
    assert "Consulta veterinária para Rex" in reply and "11:30" in reply


def test_a_booking_said_to_stay_at_the_same_time_is_no_same_time_request(
    runtime: Runtime,
) -> None:
    bia = customer_with(runtime, "+5511999993074", [("Max", "cachorro"), ("Mel", "gato")])
    book(runtime, bia.phone, "Max", "Tosa", at(19, 9))
    book(runtime, bia.phone, "Mel", "Banho", at(19, 11))
    reply = bia.send(
        "preciso passar a tosa do max de quinta pra 14h",
        "o banho da mel continua no mesmo horário",
    )
    assert "Posso remarcar?" in "\n".join(reply) and "14:00" in "\n".join(reply)


def test_asking_whether_a_change_costs_something_changes_nothing(runtime: Runtime) -> None:
    bia = customer_with(runtime, "+5511999993075", [("Thor", "cachorro")])
    book(runtime, bia.phone, "Thor", "Banho", at(18, 13))
    reply = bia.say("se eu quiser mudar o horário do banho do Thor de amanhã tem algum custo?")
    assert "Posso remarcar" not in reply and "Horários livres" not in reply
    assert rows(runtime) == [("Thor", "Banho", at(18, 13), "booked")]
