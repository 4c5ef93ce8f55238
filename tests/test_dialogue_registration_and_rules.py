"""Registering pets without booking, and the shop's own rules told when they matter:
lateness, a late cancellation, a fee question, how long a service takes. The suite's
clock is Tuesday 17/11/2026 10:00 in São Paulo; the demo shop opens Mon-Fri 08-18."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from atende.runtime import Runtime
from atende.storage import bookings as booking_repo
from atende.storage.models import Booking, Contact, Pet, Service
from tests.conftest import demo_runtime
from tests.support.dialogue import Customer
from tests.test_dialogue_recovery import at, book, customer_with, rows, with_documents


@pytest.fixture
def runtime(sqlite_url: str, tmp_path: Path) -> Iterator[Runtime]:
    rt = demo_runtime(sqlite_url, tmp_path)
    yield rt
    rt.close()


def pets(runtime: Runtime) -> list[tuple[str, str, str]]:
    with runtime.sessions() as s:
        return [
            tuple(r) for r in s.execute(select(Pet.name, Pet.species, Pet.breed).order_by(Pet.id))
        ]  # type: ignore[misc]


def no_bookings(runtime: Runtime) -> bool:
    with runtime.sessions() as s:
        return s.scalar(select(Booking.id)) is None


def test_two_pets_registered_without_booking_anything(runtime: Runtime) -> None:
    fe = Customer(runtime, "demo", "+5511970001001")
    asked = fe.say("oi bom dia", "quero cadastrar meus bichinhos")
    assert "nome" in asked
    fe.say("sao dois, o Rex e a Mel")
    done = fe.say("rex é cachorro vira lata, mel é gata siames")
    assert "Rex" in done and "Mel" in done and "Cadastrei" in done
    assert pets(runtime) == [("Rex", "cachorro", "SRD"), ("Mel", "gato", "Siamês")]
    assert no_bookings(runtime)


def test_a_cat_registered_from_one_burst(runtime: Runtime) -> None:
    tom = Customer(runtime, "demo", "+5511970001002")
    done = tom.say("queria registrar meu gato no sistema de vcs", "o nome dele é Tom, é persa")
    assert "Cadastrei Tom" in done
    assert pets(runtime) == [("Tom", "gato", "Persa")]
    assert no_bookings(runtime)


def test_a_customer_running_late_gets_the_shops_rule_and_keeps_the_booking(
    runtime: Runtime,
) -> None:
    with_documents(runtime, "politicas.txt")
    helena = customer_with(runtime, "+5511970001003", [("Max", "cachorro")])
    book(runtime, helena.phone, "Max", "Banho", at(17, 10, 30))
    reply = helena.say(
        "to preso no transito, vou atrasar uns 20 min pro banho do max", "tem problema?"
    )
    assert "15 minutos" in reply and "Posso remarcar" not in reply
    assert rows(runtime) == [("Max", "Banho", at(17, 10, 30), "booked")]


def test_cancelling_a_booking_of_today_tells_the_cancellation_rule_first(
    runtime: Runtime,
) -> None:
    with_documents(runtime, "politicas.txt")
    fred = customer_with(runtime, "+5511970001004", [("Fred", "cachorro")])
    book(runtime, fred.phone, "Fred", "Banho", at(17, 11))
    replies = fred.send("ixi nao vou conseguir ir hj, pode cancelar?")
    text = "\n".join(replies)
    assert "2 horas" in text and "50%" in text and "Quer cancelar" in text
    fred.say("sim")
    assert rows(runtime)[0][3] == "cancelled"


def test_a_cancellation_days_ahead_is_not_lectured(runtime: Runtime) -> None:
    with_documents(runtime, "politicas.txt")
    bia = customer_with(runtime, "+5511970001005", [("Bidu", "cachorro")])
    book(runtime, bia.phone, "Bidu", "Banho", at(23, 11))
    text = "\n".join(bia.send("quero cancelar o banho do Bidu"))
    assert "Quer cancelar" in text and "50%" not in text


def test_a_fee_question_inside_a_cancellation_is_answered(runtime: Runtime) -> None:
    with_documents(runtime, "politicas.txt")
    ana = customer_with(runtime, "+5511970001006", [("Mel", "gato")])
    book(runtime, ana.phone, "Mel", "Banho", at(24, 15))
    text = "\n".join(
        ana.send("se eu cancelar o banho da mel agora tem multa?", "se nao tiver pode cancelar")
    )
    assert "2 horas" in text and "Quer cancelar" in text
    assert rows(runtime)[0][3] == "booked"  # asked, not done


def test_how_long_a_service_takes_and_why_a_late_start_does_not_fit(runtime: Runtime) -> None:
    lola = Customer(runtime, "demo", "+5511970001007")
    replies = lola.send("quanto tempo demora banho e tosa?", "marca pra sexta 17h pra Lola")
    text = "\n".join(replies)
    assert "leva cerca de 1h30" in text
    assert "fechamos às 18:00" in text
    assert no_bookings(runtime)


def test_a_question_about_a_service_the_documents_answer(runtime: Runtime) -> None:
    with_documents(runtime, "vacinas.html")
    reply = Customer(runtime, "demo", "+5511970001008").say(
        "vcs vacinam filhote de 2 meses?", "qnto custa a v10?"
    )
    assert "45 dias" in reply and "R$ 90,00" in reply


def test_a_day_for_both_pets_books_both(runtime: Runtime) -> None:
    fe = customer_with(runtime, "+5511970001009", [("Rex", "cachorro"), ("Mel", "gato")])
    fe.say("quero marcar banho pro Rex e pra Mel")
    fe.say("sexta as 10h os dois juntos")
    nxt = fe.say("sim")
    assert "Mel" in nxt and "Posso confirmar" in nxt  # her time is known: only the yes
    fe.say("sim")
    assert [(p, s, t) for p, s, t, _ in rows(runtime)] == [
        ("Rex", "Banho", at(20, 10)),
        ("Mel", "Banho", at(20, 10)),
    ]


def test_another_pet_added_while_confirming_is_booked_after_the_first(runtime: Runtime) -> None:
    fe = customer_with(runtime, "+5511970001010", [("Rex", "cachorro"), ("Mel", "gato")])
    fe.say("banho pro Rex quarta 10h")
    added = fe.say("e coloca a Mel tbm no mesmo horario")
    assert "Mel também" in added and "Banho para Rex" in added
    fe.say("sim")
    fe.say("sim")
    assert [(p, t) for p, _, t, _ in rows(runtime)] == [("Rex", at(18, 10)), ("Mel", at(18, 10))]


def test_a_slip_corrected_in_the_same_burst_takes_the_corrected_day(runtime: Runtime) -> None:
    toby = customer_with(runtime, "+5511970001011", [("Toby", "cachorro")])
    reply = toby.say("quero banho pro Toby quinta 10h", "ops, sexta")
    assert "sexta (20/11) às 10:00" in reply


def test_a_name_and_no_breed_in_one_burst_are_told_apart(runtime: Runtime) -> None:
    cat = Customer(runtime, "demo", "+5511970001012")
    cat.say("quero marcar vacina pro meu gato sexta 9h")
    confirm = cat.say("Frajola", "sem raça")
    assert "Vacinação para Frajola\n" in confirm and "(gato, SRD)" in confirm
    again = cat.say("nao, o nome é so Frajola")
    assert "confirmo" in again and "Para qual dia" not in again  # nothing to change
    cat.say("sim")
    assert pets(runtime) == [("Frajola", "gato", "SRD")]


def book_on_free_resource(
    runtime: Runtime, phone: str, pet: str, service: str, start: datetime
) -> None:
    with runtime.sessions.begin() as s:
        contact = s.scalars(select(Contact).where(Contact.phone == phone)).one()
        pet_id = s.scalars(select(Pet.id).where(Pet.name == pet)).one()
        service_id = s.scalars(select(Service.id).where(Service.name == service)).one()
        booking_repo.book(s, contact.organization_id, contact.id, service_id, pet_id, start)


def statuses(runtime: Runtime) -> list[tuple[str, str, str]]:
    return [(p, s, st) for p, s, _, st in rows(runtime)]


def test_yes_but_only_one_of_two_cancels_only_that_one(runtime: Runtime) -> None:
    fe = customer_with(runtime, "+5511970001013", [("Rex", "cachorro"), ("Mel", "gato")])
    book(runtime, fe.phone, "Rex", "Banho", at(23, 10))
    book(runtime, fe.phone, "Mel", "Banho", at(24, 15))
    assert "2 agendamentos" in fe.say("cancela o de segunda e o de terça")
    done = fe.say("pode ser, mas so o do rex", "o da mel deixa")
    assert "Rex" in done and "Mel" not in done
    assert statuses(runtime) == [("Rex", "Banho", "cancelled"), ("Mel", "Banho", "booked")]


def test_a_cancellation_regretted_at_once_is_undone(runtime: Runtime) -> None:
    fe = customer_with(runtime, "+5511970001014", [("Rex", "cachorro"), ("Mel", "gato")])
    book(runtime, fe.phone, "Rex", "Banho", at(23, 10))
    book(runtime, fe.phone, "Mel", "Banho", at(24, 15))
    fe.say("cancela o de segunda e o de terça")
    fe.say("sim")
    back = fe.say("ops, o da mel nao!!", "volta ele pf, mesmo horario")
    assert "desfiz o cancelamento" in back and "Mel" in back
    assert statuses(runtime) == [("Rex", "Banho", "cancelled"), ("Mel", "Banho", "booked")]
    assert rows(runtime)[1][2] == at(24, 15)  # the same row, its own time


def test_cancelled_by_mistake_instead_of_moved_is_put_back_then_moved(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511970001015", [("Mel", "gato")])
    book(runtime, ana.phone, "Mel", "Banho", at(24, 15))
    ana.say("cancela o banho da mel")
    ana.say("sim")
    reply = ana.say("ai nao, errei", "era pra remarcar pra quinta 15h, nao cancelar")
    assert "desfiz o cancelamento" in reply and "Posso remarcar?" in reply
    ana.say("sim")
    assert [(t, st) for _, _, t, st in rows(runtime)] == [
        (at(24, 15), "cancelled"),
        (at(19, 15), "booked"),  # the Thursday ahead
    ]


def test_a_yes_that_asks_another_cancellation_takes_it_up_next(runtime: Runtime) -> None:
    fe = customer_with(runtime, "+5511970001016", [("Rex", "cachorro"), ("Mel", "gato")])
    book(runtime, fe.phone, "Mel", "Banho", at(24, 15))
    book(runtime, fe.phone, "Rex", "Tosa", at(26, 9))
    fe.say("preciso desmarcar", "o das 15h")
    both = "\n".join(fe.send("isso", "e o rex tbm, a tosa"))
    assert "Cancelado" in both and "Quer cancelar a tosa de Rex" in both
    fe.say("sim")
    assert statuses(runtime) == [("Mel", "Banho", "cancelled"), ("Rex", "Tosa", "cancelled")]


def test_cancel_one_by_its_time_and_move_another_to_that_time(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511970001017", [("Thor", "cachorro"), ("Nina", "gato")])
    book(runtime, ana.phone, "Thor", "Banho", at(23, 14))
    book(runtime, ana.phone, "Nina", "Banho", at(23, 15))
    asked = ana.say("cancela o das 14h e passa o das 15h pras 14h")
    assert "Thor" in asked and "14:00" in asked
    assert "Posso remarcar?" in ana.say("sim")
    ana.say("sim")
    assert [(p, t, st) for p, _, t, st in rows(runtime) if st == "booked"] == [
        ("Nina", at(23, 14), "booked")
    ]


@pytest.mark.parametrize(
    "asked",
    ["adia o banho da mel uma semana", "o banho da mel passa pra semana que vem, mesmo horario"],
)
def test_a_booking_put_off_a_week_keeps_its_day_and_time(runtime: Runtime, asked: str) -> None:
    ana = customer_with(runtime, "+5511970001018", [("Mel", "gato")])
    book(runtime, ana.phone, "Mel", "Banho", at(18, 15))
    reply = ana.say(asked)
    assert "Posso remarcar?" in reply and "quarta (25/11) às 15:00" in reply


def test_a_move_that_swaps_the_service_books_the_new_one(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511970001019", [("Mel", "gato")])
    book(runtime, ana.phone, "Mel", "Banho", at(24, 15))
    reply = ana.say("muda o banho da mel pra tosa, msm dia, mas as 16h")
    assert "Tosa para Mel" in reply and "às 16:00" in reply
    ana.say("sim")
    assert [(s, t, st) for _, s, t, st in rows(runtime)] == [
        ("Banho", at(24, 15), "cancelled"),
        ("Tosa", at(24, 16), "booked"),
    ]


def test_a_booking_in_place_of_the_one_cancelled_takes_its_pet_and_day(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511970001020", [("Rex", "cachorro"), ("Mel", "gato")])
    book(runtime, ana.phone, "Mel", "Banho", at(24, 15))
    ana.say(
        "preciso cancelar o banho da Mel e marcar uma consulta pra ela no lugar, msm dia as 16h"
    )
    reply = ana.say("sim")
    assert "Cancelado" in reply and "Consulta veterinária para Mel" in reply
    assert "terça (24/11) às 16:00" in reply


def test_the_baths_of_monday_are_every_one_of_them(runtime: Runtime) -> None:
    jess = customer_with(runtime, "+5511970001021", [("Thor", "cachorro"), ("Nina", "gato")])
    book(runtime, jess.phone, "Thor", "Banho", at(23, 14))
    book(runtime, jess.phone, "Nina", "Banho", at(23, 15))
    book(runtime, jess.phone, "Thor", "Consulta veterinária", at(25, 9))
    assert "2 agendamentos" in jess.say("cancela os banhos de segunda, vou viajar")
    jess.say("sim")
    assert [st for *_, st in rows(runtime)] == ["cancelled", "cancelled", "booked"]


def test_both_as_the_answer_to_which_one(runtime: Runtime) -> None:
    pa = customer_with(runtime, "+5511970001022", [("Bolt", "cachorro"), ("Luna", "gato")])
    for pet in ("Bolt", "Luna"):  # two chairs at once, each on a free resource
        book_on_free_resource(runtime, pa.phone, pet, "Banho", at(23, 15))
    assert "Qual destes" in pa.say("cancela o das 15h")
    assert "2 agendamentos" in pa.say("os dois")
    pa.say("sim")
    assert [st for *_, st in rows(runtime)] == ["cancelled", "cancelled"]


def test_no_it_was_the_other_pets_asks_about_that_one(runtime: Runtime) -> None:
    fe = customer_with(runtime, "+5511970001023", [("Rex", "cachorro"), ("Mel", "gato")])
    book(runtime, fe.phone, "Rex", "Banho", at(23, 10))
    book(runtime, fe.phone, "Mel", "Banho", at(24, 15))
    fe.say("cancela o banho do rex")
    assert "banho de Mel" in fe.say("nao nao", "era o da mel")
    fe.say("sim")
    assert statuses(runtime) == [("Rex", "Banho", "booked"), ("Mel", "Banho", "cancelled")]


@pytest.mark.parametrize(
    "said",
    [("a Mel nao vai mais, mas o Rex vai",), ("a mel nao precisa mais do banho", "mas o rex vai")],
)
def test_one_pet_not_going_any_more_cancels_hers_only(
    runtime: Runtime, said: tuple[str, ...]
) -> None:
    fe = customer_with(runtime, "+5511970001024", [("Rex", "cachorro"), ("Mel", "gato")])
    book(runtime, fe.phone, "Rex", "Banho", at(23, 10))
    book(runtime, fe.phone, "Mel", "Banho", at(24, 15))
    assert "Quer cancelar o banho de Mel" in fe.say(*said)
    fe.say("sim")
    assert statuses(runtime) == [("Rex", "Banho", "booked"), ("Mel", "Banho", "cancelled")]


def test_two_moves_each_to_its_own_day_in_one_message(runtime: Runtime) -> None:
    jess = customer_with(runtime, "+5511970001025", [("Thor", "cachorro"), ("Nina", "gato")])
    book(runtime, jess.phone, "Thor", "Banho", at(23, 14))
    book(runtime, jess.phone, "Nina", "Banho", at(23, 15))
    book(runtime, jess.phone, "Thor", "Consulta veterinária", at(25, 9))
    first = jess.say("o da nina passa pra terça que vem e o do thor pra quarta, msm horario")
    assert "Banho para Nina" in first and "terça (24/11) às 15:00" in first
    second = jess.say("sim")
    assert "Banho para Thor" in second and "(18/11) às 14:00" in second  # the Wednesday ahead
    jess.say("sim")
    assert sorted((p, s, t) for p, s, t, st in rows(runtime) if st == "booked") == [
        ("Nina", "Banho", at(24, 15)),
        ("Thor", "Banho", at(18, 14)),
        ("Thor", "Consulta veterinária", at(25, 9)),
    ]


def test_no_and_a_day_while_confirming_a_move_is_its_new_day(runtime: Runtime) -> None:
    fe = customer_with(runtime, "+5511970001026", [("Rex", "cachorro"), ("Mel", "gato")])
    book(runtime, fe.phone, "Mel", "Banho", at(24, 15))
    book(runtime, fe.phone, "Rex", "Tosa", at(26, 9))
    fe.say("passa o banho da mel pra quarta 15h")
    again = fe.say("nao, quinta")
    assert "Banho para Mel" in again and "quinta (19/11) às 15:00" in again


def test_right_after_another_booking_of_the_same_day(runtime: Runtime) -> None:
    fe = customer_with(runtime, "+5511970001027", [("Rex", "cachorro"), ("Mel", "gato")])
    book(runtime, fe.phone, "Rex", "Banho", at(23, 10))
    book(runtime, fe.phone, "Mel", "Banho", at(24, 15))
    reply = fe.say("quero marcar tosa pra Mel, mesmo dia do banho dela, logo depois do banho")
    assert "Tosa para Mel" in reply and "terça (24/11) às 16:00" in reply
    fe.say("sim")
    assert len(rows(runtime)) == 3  # the tosa only: no second bath


def test_together_with_another_pets_booking_is_its_time(runtime: Runtime) -> None:
    jess = customer_with(runtime, "+5511970001028", [("Thor", "cachorro"), ("Nina", "gato")])
    book(runtime, jess.phone, "Thor", "Banho", at(23, 14))
    book(runtime, jess.phone, "Nina", "Banho", at(23, 15))
    book(runtime, jess.phone, "Thor", "Consulta veterinária", at(25, 9))
    reply = jess.say("o banho da nina pode ser junto com o do thor? no msm horario")
    assert "Banho para Nina" in reply and "segunda (23/11) às 14:00" in reply


def test_the_size_said_of_a_new_dog_prices_it(runtime: Runtime) -> None:
    scooby = Customer(runtime, "demo", "+5511970001029")
    scooby.say("quero marcar banho pro Scooby quarta 16h", "ele é vira lata, grande")
    confirm = scooby.say("cachorro")
    assert "R$ 80,00 (porte grande)" in confirm


def test_going_earlier_on_the_day_of_the_booking_is_a_move(runtime: Runtime) -> None:
    fe = customer_with(runtime, "+5511970001030", [("Rex", "cachorro")])
    book(runtime, fe.phone, "Rex", "Banho", at(23, 10))
    reply = fe.say("o rex vai precisar ir mais cedo na segunda, tem 8h?")
    assert "Posso remarcar?" in reply and "segunda (23/11) às 08:00" in reply


def test_size_and_coat_said_in_a_price_question_price_it_and_the_booking(
    runtime: Runtime,
) -> None:
    rog = customer_with(runtime, "+5511970001031", [("Thor", "cachorro")])
    price = rog.say("quanto fica o banho do Thor? ele é grande e tem pelo longo")
    assert "R$ 90,00" in price
    confirm = rog.say("blz, então marca pra sexta às 9")
    assert "R$ 90,00 (porte grande)" in confirm


def test_open_on_saturday_is_an_hours_question_not_a_booking(runtime: Runtime) -> None:
    replies = Customer(runtime, "demo", "+5511970001032").send(
        "qnto ta a consulta?", "vcs atendem sábado?"
    )
    assert len(replies) == 1 and "08:00 às 12:00" in replies[0]
    assert "Horários livres" not in replies[0]


def test_asking_if_open_then_booking_if_so_books_that_day(runtime: Runtime) -> None:
    pat = customer_with(runtime, "+5511970001033", [("Bolinha", "cachorro")])
    replies = pat.send(
        "boa noite, sábado vcs abrem?", "se tiver queria um banho pro bolinha dez e meia"
    )
    text = "\n".join(replies)
    assert "08:00 às 12:00" in text and "sábado (21/11) às 10:30" in text


def test_a_new_pet_right_after_a_known_one(runtime: Runtime) -> None:
    carol = customer_with(runtime, "+5511970001034", [("Toddy", "cachorro")])
    first = carol.say(
        "queria vacinar o Toddy e a gatinha nova q adotei, a Amora",
        "ela é vira lata, tem 2 meses",
        "quinta às 14h o toddy e a amora logo em seguida, pode ser?",
    )
    assert "Vacinação para Toddy" in first
    then = carol.say("sim")
    assert "Agora para Amora" in then and "quinta (19/11) às 14:30" in then
    carol.say("sim")
    assert [(p, t) for p, _, t, _ in rows(runtime)] == [
        ("Toddy", at(19, 14)),
        ("Amora", at(19, 14, 30)),
    ]


def test_the_latest_time_of_a_day(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511970001035", [("Thor", "cachorro")])
    reply = ana.say("quero banho e tosa pro Thor sexta, o mais tarde possivel")
    assert "Posso confirmar?" in reply and "sexta (20/11) às 16:30" in reply  # ends at 18:00


@pytest.mark.parametrize(
    "asked", ["precisa de agendamento ou posso ir direto?", "preciso marcar antes?"]
)
def test_whether_to_book_ahead_is_answered_not_a_booking(runtime: Runtime, asked: str) -> None:
    reply = Customer(runtime, "demo", "+5511970001036").say(asked)
    assert "agendar antes" in reply and "Qual serviço" not in reply
    assert no_bookings(runtime)


def test_what_a_service_includes_unknown_is_not_a_price(runtime: Runtime) -> None:
    reply = Customer(runtime, "demo", "+5511970001037").say("o banho inclui corte de unha?")
    assert "R$" not in reply and "equipe" in reply


def test_a_combo_priced_for_a_breed_is_one_line(runtime: Runtime) -> None:
    reply = Customer(runtime, "demo", "+5511970001038").say(
        "quanto fica banho e tosa num shih tzu?"
    )
    assert "Banho e tosa: R$ 110,00" in reply and "Tosa:" not in reply


def test_two_sizes_asked_get_the_prices_by_size(runtime: Runtime) -> None:
    reply = Customer(runtime, "demo", "+5511970001039").say(
        "quanto é o banho pra cachorro pequeno e grande?"
    )
    assert "pequeno R$ 50,00" in reply and "grande R$ 80,00" in reply


def test_open_on_holidays_names_the_next_one(runtime: Runtime) -> None:
    reply = Customer(runtime, "demo", "+5511970001040").say("vcs abrem feriado?")
    assert "(20/11)" in reply and "Consciência Negra" in reply  # the next holiday


def test_fit_in_now_takes_the_first_free_time(runtime: Runtime) -> None:
    rex = customer_with(runtime, "+5511970001041", [("Rex", "cachorro")])
    reply = rex.say("dá pra encaixar um banho agora pro Rex?")
    assert "Posso confirmar?" in reply and "Hoje (17/11)" in reply


def test_a_service_swapped_keeps_its_day_and_time(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511970001042", [("Rex", "cachorro"), ("Mel", "gato")])
    book(runtime, ana.phone, "Rex", "Banho", at(18, 10))
    book(runtime, ana.phone, "Mel", "Tosa", at(20, 15))
    reply = ana.say("posso trocar a tosa da mel por banho?")
    assert "Era a tosa na sexta (20/11) às 15:00" in reply and "Banho para Mel" in reply
    ana.say("sim")
    assert [(p, s, t, st) for p, s, t, st in rows(runtime) if p == "Mel"] == [
        ("Mel", "Tosa", at(20, 15), "cancelled"),
        ("Mel", "Banho", at(20, 15), "booked"),
    ]


def test_forget_the_bath_it_is_not_needed_any_more_cancels_it(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511970001043", [("Rex", "cachorro")])
    book(runtime, ana.phone, "Rex", "Banho", at(24, 10))
    assert "Quer cancelar o banho de Rex" in ana.say("esquece o banho do rex, nao precisa mais")


def test_what_time_is_a_pets_booking_lists_the_bookings(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511970001044", [("Rex", "cachorro")])
    book(runtime, ana.phone, "Rex", "Banho", at(24, 10))
    assert "Banho de Rex" in ana.say("qual horario ficou o do rex?")


def test_undo_with_the_other_pet_named_restores_and_asks_about_the_other(
    runtime: Runtime,
) -> None:
    da = customer_with(runtime, "+5511970001045", [("Rex", "cachorro"), ("Pandora", "gato")])
    book(runtime, da.phone, "Rex", "Banho", at(21, 9))
    book(runtime, da.phone, "Pandora", "Tosa", at(21, 10))
    da.say("oi pode cancelar o banho do rex de sabado")
    da.say("sim pode")
    both = "\n".join(
        da.send(
            "aaaa pera, confundi 🤦‍♀️ era o da pandora q eu queria cancelar, o rex vai sim",
            "volta o do rex pf",
        )
    )
    assert "desfiz o cancelamento" in both and "Quer cancelar a tosa de Pandora" in both
    da.say("sim")
    assert statuses(runtime) == [("Rex", "Banho", "booked"), ("Pandora", "Tosa", "cancelled")]


def test_two_moved_to_one_day_each_at_its_own_time(runtime: Runtime) -> None:
    jo = customer_with(runtime, "+5511970001046", [("Mel", "gato"), ("Simba", "cachorro")])
    book(runtime, jo.phone, "Mel", "Banho", at(23, 15))
    book(runtime, jo.phone, "Simba", "Tosa", at(23, 16))
    first = jo.say("segunda nao vai dar pra mim", "muda os dois pra terça? a mel 9h e o simba 10h")
    assert "Banho para Mel" in first and "às 09:00" in first
    second = jo.say("sim")
    assert "Tosa para Simba" in second and "às 10:00" in second


def test_trimming_the_coat_with_a_bath_is_the_combo(runtime: Runtime) -> None:
    luna = customer_with(runtime, "+5511970001047", [("Luna", "cachorro")])
    reply = luna.say("queria dar um banho e aparar os pelos da luna sexta 8h")
    assert "Banho e tosa para Luna" in reply


def test_a_question_of_its_own_after_e_is_not_the_previous_one(runtime: Runtime) -> None:
    with_documents(runtime, "faq.md")
    chico = customer_with(runtime, "+5511970001048", [("Chico", "cachorro")])
    replies = chico.send(
        "oi, tem horario sabado 9h pra banho do chico?", "e vcs buscam ele aqui em casa?"
    )
    assert "R$ 15" in "\n".join(replies) and "Posso confirmar?" in "\n".join(replies)


def test_paying_in_instalments_inside_a_booking_is_answered_from_the_documents(
    runtime: Runtime,
) -> None:
    with_documents(runtime, "faq.md")
    bia = customer_with(runtime, "+5511970001049", [("Pipoca", "cachorro")])
    bia.say("oi queria marcar banho da pipoca quinta as 10")
    replies = bia.send("ah antes, da pra pagar no credito parcelado?")
    assert "3x" in "\n".join(replies) and "Posso confirmar?" in replies[-1]


def test_a_new_kitten_named_in_lower_case_keeps_its_name_and_time(runtime: Runtime) -> None:
    isa = customer_with(runtime, "+5511970001050", [("Nina", "gato")])
    isa.say("queria marcar consulta pra nina e pro meu gatinho novo, o bidu, ele é siames filhote")
    isa.say("quinta, a nina as 10 e o bidu logo depois 10 e meia")
    then = isa.say("sim")
    assert "Agora para Bidu" in then and "às 10:30" in then


def test_yes_anyway_confirms_a_cancellation(runtime: Runtime) -> None:
    so = customer_with(runtime, "+5511970001051", [("Bidu", "cachorro")])
    book(runtime, so.phone, "Bidu", "Banho", at(17, 11))
    so.say("oi, nao vou conseguir levar o bidu hj as 11", "pode cancelar?")
    assert "Cancelado" in so.say("tudo bem, pode cancelar mesmo assim")


def test_cancel_everything_and_rebook_later_cancels_now(runtime: Runtime) -> None:
    ed = customer_with(runtime, "+5511970001052", [("Max", "cachorro")])
    book(runtime, ed.phone, "Max", "Banho", at(23, 15))
    book(runtime, ed.phone, "Max", "Tosa", at(24, 9))
    reply = ed.say(
        "pode cancelar tudo q eu tenho marcado ai, vou viajar", "depois eu remarco quando voltar"
    )
    assert "Quer cancelar estes 2" in reply


def test_only_taking_one_pet_cancels_the_others(runtime: Runtime) -> None:
    ta = customer_with(runtime, "+5511970001053", [("Amora", "gato"), ("Paçoca", "cachorro")])
    for pet in ("Amora", "Paçoca"):
        book_on_free_resource(runtime, ta.phone, pet, "Banho", at(18, 8))
    reply = ta.say(
        "amanha so vou conseguir levar a amora",
        "cancela so o do paçoca por favor, o da amora mantem",
    )
    assert "Quer cancelar o banho de Paçoca" in reply


def test_both_pets_on_a_saturday_and_yes_both(runtime: Runtime) -> None:
    ma = customer_with(
        runtime, "+5511970001054", [("Bolinha", "cachorro"), ("Pretinha", "cachorro")]
    )
    first = ma.say("marca banho pras duas sabado 10h, levo elas juntas")
    assert "Posso confirmar?" in first
    second = ma.say("sim, as duas")
    assert "Agora para" in second and "às 10:00" in second


def test_a_breed_given_for_the_name_is_the_breed_and_the_name_is_asked_again(
    runtime: Runtime,
) -> None:
    """'vira lata' answering 'what is its name?' never becomes a pet called Vira Lata."""
    ana = Customer(runtime, "demo", "+5511970001090")
    assert "nome" in ana.say("oi quero marcar banho pro meu cachorro na quinta 10h")
    again = ana.say("vira lata")
    assert "nome" in again and "Vira Lata" not in again
    summary = ana.say("Rex")
    assert "Banho para Rex" in summary and "(cachorro, SRD)" in summary
    ana.say("sim")
    assert pets(runtime) == [("Rex", "cachorro", "SRD")]


def test_a_breed_given_for_the_name_when_registering_only(runtime: Runtime) -> None:
    bia = Customer(runtime, "demo", "+5511970001091")
    assert "nome" in bia.say("quero cadastrar minha cachorra")
    assert "nome" in bia.say("é uma poodle")
    bia.say("Pipoca")
    assert pets(runtime) == [("Pipoca", "cachorro", "Poodle")]
