"""What a customer asks next without repeating the question: "e o banho?" after a price,
a second question of a burst about the service of the first, "depois eu vejo" after an
invitation, "o primeiro horário" of a day, a cancel followed by a new time. The suite's
clock is Tuesday 17/11/2026 10:00 in São Paulo; the demo shop opens Mon-Fri 08-18."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from atende.runtime import Runtime
from tests.conftest import demo_runtime
from tests.support.dialogue import Customer
from tests.test_dialogue_recovery import at, book, customer_with, rows, with_documents


@pytest.fixture
def runtime(sqlite_url: str, tmp_path: Path) -> Iterator[Runtime]:
    rt = demo_runtime(sqlite_url, tmp_path)
    yield rt
    rt.close()


def test_a_second_question_of_the_burst_is_about_the_service_of_the_first(
    runtime: Runtime,
) -> None:
    mari = Customer(runtime, "demo", "+5511970002001")
    reply = mari.say("qnto tempo demora uma tosa? e qnto custa pra poodle porte medio?")
    assert "1h" in reply and "Tosa (porte médio): R$ 70,00" in reply
    assert "Nossos serviços" not in reply


def test_a_question_about_another_thing_is_not_given_the_first_service(
    runtime: Runtime,
) -> None:
    """'e o táxi dog?' after the bath's price is the documents' answer, not the bath's."""
    with_documents(runtime, "faq.md")
    leo = Customer(runtime, "demo", "+5511970002002")
    reply = leo.say("qnto fica o banho? e o taxi dog?")
    assert "Banho: a partir de R$ 45,00" in reply and "R$ 15" in reply


def test_e_o_banho_after_a_price_is_the_price_of_the_bath(runtime: Runtime) -> None:
    """Even where a document mentions the bath (the táxi dog's), the price is asked."""
    with_documents(runtime, "faq.md")
    bia = Customer(runtime, "demo", "+5511970002003")
    assert "R$ 70,00" in bia.say("qnto custa tosa pra poodle porte medio?")
    bath = bia.say("e o banho?")
    assert bath.startswith("Banho:") and "médio R$ 60,00" in bath
    big = bia.say("e pra porte grande?")
    assert "Banho" in big and "R$ 80,00" in big
    assert "leva cerca de 1h" in bia.say("e quanto tempo leva?")
    assert "30 min" in bia.say("e a consulta?")


def test_later_after_an_invitation_books_nothing_and_asks_nothing(runtime: Runtime) -> None:
    ana = Customer(runtime, "demo", "+5511970002005")
    assert "Quer agendar?" in ana.say("quanto custa a tosa pra porte medio?")
    reply = ana.say("blz, vou ver com meu marido e dps marco 😉")
    assert "?" not in reply and "só chamar" in reply
    assert "?" not in ana.say("não, depois eu vejo")
    assert rows(runtime) == []


def test_the_first_free_time_of_a_day_is_offered_to_confirm(runtime: Runtime) -> None:
    edu = customer_with(runtime, "+5511970002006", [("Max", "cachorro")])
    summary = edu.say(
        "qual o primeiro horario livre amanha pra banho do max?", "qro o mais cedo possivel"
    )
    assert "Posso confirmar?" in summary and "08:00" in summary
    edu.say("sim")
    assert rows(runtime) == [("Max", "Banho", at(18, 8), "booked")]


def test_cancel_and_book_again_in_one_message_moves_the_booking(runtime: Runtime) -> None:
    """'cancela o de quarta e marca pra sexta 9h' never leaves the customer with nothing."""
    diego = customer_with(runtime, "+5511970002007", [("Zeus", "cachorro")])
    book(runtime, diego.phone, "Zeus", "Banho", at(18, 14))
    asked = diego.say("cancela o banho do zeus de quarta e marca pra sexta 9h pfv")
    assert "Posso remarcar?" in asked and "09:00" in asked
    diego.say("sim")
    assert rows(runtime) == [
        ("Zeus", "Banho", at(18, 14), "cancelled"),
        ("Zeus", "Banho", at(20, 9), "booked"),
    ]


@pytest.mark.parametrize(
    "asked",
    [
        ["vc é robo?", "me passa pra alguem de verdade pfv"],
        ["preciso falar diretamente com a dra paula sobre o exame da minha gata"],
    ],
)
def test_asking_for_a_person_in_other_words_hands_over(runtime: Runtime, asked: list[str]) -> None:
    ro = Customer(runtime, "demo", "+5511970002008")
    ro.say(*asked)
    assert ro.conversation().state == "human"


def test_a_service_the_shop_does_not_have_named_before_the_verb(runtime: Runtime) -> None:
    gil = Customer(runtime, "demo", "+5511970002009")
    reply = gil.say("boa tarde, a castração de gato vcs fazem? quanto fica?")
    assert "não encontrei na nossa lista" in reply and "Consulta veterinária" in reply
    assert "não encontrei" not in Customer(runtime, "demo", "+5511970002010").say(
        "banho vcs fazem?"
    )


@pytest.mark.parametrize(
    "asked",
    [
        "oi, a mel vai ter que ficar pra quinta, mesmo horario, pode ser?",
        "a Mel pode ser quinta 14h?",
    ],
)
def test_a_pets_one_booking_moved_without_naming_the_service(runtime: Runtime, asked: str) -> None:
    rita = customer_with(runtime, "+5511970002011", [("Mel", "cachorro")])
    book(runtime, rita.phone, "Mel", "Banho e tosa", at(18, 14))
    reply = rita.say(asked)
    assert "Posso remarcar?" in reply and "quinta (19/11) às 14:00" in reply
    rita.say("sim")
    assert rows(runtime)[-1] == ("Mel", "Banho e tosa", at(19, 14), "booked")
    assert [r[3] for r in rows(runtime)].count("booked") == 1


def test_when_a_booked_service_is_ready_to_pick_up(runtime: Runtime) -> None:
    """'o banho da Mel' finds her 'Banho e tosa'; the other question of the burst too."""
    with_documents(runtime, "faq.md")
    rita = customer_with(runtime, "+5511970002012", [("Mel", "cachorro")])
    book(runtime, rita.phone, "Mel", "Banho e tosa", at(18, 14))
    reply = rita.say("bom dia! o banho da mel dá pra buscar que horas? e vcs tem taxi dog?")
    assert "termina por volta das 15:30" in reply and "R$ 15" in reply
    assert "Nossos serviços" not in reply


def test_when_it_is_ready_if_left_at_a_time(runtime: Runtime) -> None:
    paulo = customer_with(runtime, "+5511970002013", [("Apolo", "cachorro")])
    assert "1h30" in paulo.say("o banho e tosa demora quanto tempo?")
    reply = paulo.say("se eu deixar o apolo as 10h fica pronto q horas? queria buscar cedo")
    assert "Deixando às 10:00" in reply and "11:30" in reply
    assert "Posso confirmar" not in reply
    summary = paulo.say("show, entao marca pra sexta as 10h")
    assert "Banho e tosa para Apolo" in summary and "10:00" in summary
    paulo.say("sim")
    assert rows(runtime) == [("Apolo", "Banho e tosa", at(20, 10), "booked")]


def test_a_new_pet_in_lower_case_beside_a_known_one_is_booked_too(runtime: Runtime) -> None:
    marcos = customer_with(runtime, "+5511970002014", [("Thor", "cachorro")])
    summary = marcos.say(
        "oi td bem? queria agendar banho pros meus dois dogs, thor e luna, na quinta as 2 da tarde"
    )
    assert "Banho para Thor" in summary and "em seguida confirmo o banho de Luna" in summary
    assert "Luna" in marcos.say("sim")
    marcos.say("cachorro")
    marcos.say("golden retriever")
    marcos.say("sim")
    assert rows(runtime) == [
        ("Thor", "Banho", at(19, 14), "booked"),
        ("Luna", "Banho", at(19, 14), "booked"),
    ]


def test_pra_luna_tbm_is_a_new_pet_not_the_only_one_known(runtime: Runtime) -> None:
    marcos = customer_with(runtime, "+5511970002015", [("Thor", "cachorro")])
    summary = marcos.say("quero marcar banho pra luna tbm quinta 14h, golden retriever")
    assert "Banho para Luna" in summary and "vou cadastrar: Luna" in summary
    marcos.say("sim")
    assert rows(runtime) == [("Luna", "Banho", at(19, 14), "booked")]


def test_asking_about_the_next_pet_at_the_confirmation_keeps_both(runtime: Runtime) -> None:
    """'e o tom?' while Mel's waits: Tom's comes next; Mel is not swapped for Tom and Tom
    is not booked twice."""
    renata = customer_with(runtime, "+5511970002016", [("Mel", "gato"), ("Tom", "cachorro")])
    first = renata.say("oi! queria marcar banho pra mel e pro tom na sexta as 10, pode ser junto?")
    assert "Banho para Mel" in first and "em seguida confirmo o banho de Tom" in first
    again = renata.say("e o tom? é pros dois")
    assert "Tom eu confirmo logo em seguida" in again and "Banho para Mel" in again
    assert "Banho para Tom" in renata.say("sim, os dois")
    renata.say("sim, os dois")
    assert rows(runtime) == [
        ("Mel", "Banho", at(20, 10), "booked"),
        ("Tom", "Banho", at(20, 10), "booked"),
    ]


def test_a_weekday_ruled_out_is_never_the_one_booked(runtime: Runtime) -> None:
    nanda = customer_with(runtime, "+5511970002017", [("Biscoito", "cachorro")])
    nanda.say("oi quero agendar banho pro Biscoito")
    offered = nanda.say("qualquer dia menos quinta, de tarde de preferencia")
    assert "quinta" not in offered.lower() and "(19/11)" not in offered
    summary = nanda.say("falei menos quinta 🙄 sexta as 14h")
    assert "Na sexta (20/11) às 14:00" in summary
    nanda.say("ufa, sim")
    assert rows(runtime) == [("Biscoito", "Banho", at(20, 14), "booked")]


def test_the_day_that_cannot_be_is_the_booking_and_another_day_the_same_time(
    runtime: Runtime,
) -> None:
    bia = customer_with(runtime, "+5511970002018", [("Lola", "cachorro")])
    book(runtime, bia.phone, "Lola", "Tosa", at(19, 11))
    summary = bia.say(
        "oii, quinta nao vou conseguir levar a lola 😩 tem como ser outro dia no mesmo "
        "horario? sexta ou segunda tanto faz"
    )
    assert "Posso remarcar?" in summary and "Na sexta (20/11) às 11:00" in summary
    bia.say("opa, sim")
    assert rows(runtime)[-1] == ("Lola", "Tosa", at(20, 11), "booked")


def test_laughter_and_fillers_are_not_part_of_a_pets_name(runtime: Runtime) -> None:
    rita = Customer(runtime, "demo", "+5511970002019")
    assert "nome" in rita.say("queria marcar banho pro meu cachorro sexta 8h")
    asked = rita.say("é o paçoca kkk")
    assert "Paçoca" in asked and "Kkk" not in asked
    summary = rita.say("vira-lata")
    assert "Banho para Paçoca\n" in summary
    rita.say("sim")
    assert rows(runtime) == [("Paçoca", "Banho", at(20, 8), "booked")]


def test_a_time_said_to_be_fine_is_taken(runtime: Runtime) -> None:
    """'8h tá ótimo' agrees to 8h; it is no booking said to stay as it is."""
    rita = customer_with(runtime, "+5511970002020", [("Thor", "cachorro")])
    rita.say("queria marcar banho pro thor")
    summary = rita.say("pode ser sexta entao, 8h ta otimo")
    assert "Posso confirmar?" in summary and "Na sexta (20/11) às 08:00" in summary


@pytest.mark.parametrize(
    ("asked", "when"),
    [
        ("o nico ta com banho e tosa quinta 10h. na vdd quero so o banho, e passa pras 11h", 11),
        ("oi, o do nico muda pra so banho", 10),
    ],
)
def test_only_part_of_a_combo_changes_the_booked_service(
    runtime: Runtime, asked: str, when: int
) -> None:
    rafa = customer_with(runtime, "+5511970002021", [("Nico", "cachorro")])
    book(runtime, rafa.phone, "Nico", "Banho e tosa", at(19, 10))
    summary = rafa.say(asked)
    assert "Banho para Nico" in summary and f"às {when}:00" in summary
    rafa.say("sim")
    assert rows(runtime)[-1] == ("Nico", "Banho", at(19, when), "booked")
    assert [r[3] for r in rows(runtime)].count("booked") == 1


def test_holidays_by_name_and_the_eve_of_the_one_just_asked(runtime: Runtime) -> None:
    """The demo shop closes on national holidays (Christmas) and opens on the 24th."""
    lu = Customer(runtime, "demo", "+5511970002022")
    reply = lu.say("oi! vcs vao abrir no natal? e na vespera, dia 24?")
    assert "25/12" in reply and "24/12" in reply and "Posso te ajudar a" not in reply
    assert "01/01" in lu.say("e no ano novo?")


def test_what_day_is_today_and_open_now(runtime: Runtime) -> None:
    """The suite's clock: Tuesday 17/11 10:00, inside the shop's hours."""
    lia = Customer(runtime, "demo", "+5511970002023")
    reply = lia.say("oi, que dia é hoje? vcs tao abertos agora?")
    assert "Hoje é terça, 17/11" in reply and "abertos agora, até as 18:00" in reply


def test_each_price_question_of_a_burst_for_its_own_size(runtime: Runtime) -> None:
    ana = Customer(runtime, "demo", "+5511970002024")
    reply = ana.say("qual o valor do banho pra cachorro pequeno? e pra gigante de pelo longo?")
    assert "Banho (porte pequeno): R$ 50,00" in reply
    assert "Banho (porte gigante): R$ 115,00" in reply


def test_cancelling_for_a_pet_with_nothing_booked_says_so(runtime: Runtime) -> None:
    ivo = customer_with(runtime, "+5511970002025", [("Bruce", "cachorro"), ("Diana", "cachorro")])
    book(runtime, ivo.phone, "Bruce", "Banho", at(19, 15))
    asked = ivo.say("vou viajar de ultima hora, cancela os dois banhos de quinta pfv")
    assert "Diana não tem horário marcado" in asked and "banho de Bruce" in asked
    done = ivo.say("sim, e o da diana tbm")
    assert "Cancelado" in done and "Diana não tem horário marcado" in done
    assert rows(runtime) == [("Bruce", "Banho", at(19, 15), "cancelled")]


def test_the_price_of_the_booking_just_listed_and_paying_in_installments(
    runtime: Runtime,
) -> None:
    with_documents(runtime, "faq.md")
    gabi = customer_with(runtime, "+5511970002026", [("Toddy", "cachorro")])
    book(runtime, gabi.phone, "Toddy", "Banho e tosa", at(19, 14))
    assert "14:00" in gabi.say("oi, esqueci que horas ficou o toddy na quinta 🙈")
    reply = gabi.say("e qnto vai dar? posso pagar no cartao em 2x?")
    assert "Banho e tosa: R$ 110,00" in reply and "3x" in reply


def test_a_question_about_adding_something_during_a_booking_is_answered(
    runtime: Runtime,
) -> None:
    with_documents(runtime, "faq.md")
    marta = customer_with(runtime, "+5511970002027", [("Kiara", "cachorro")])
    assert "Posso confirmar?" in marta.say("oi, queria marcar banho da Kiara quinta às 8h")
    reply = marta.say("e da pra incluir o taxi dog?")
    assert "R$ 15" in reply and "Posso confirmar?" in reply


def test_move_one_pets_booking_and_cancel_the_others_named_in_lower_case(
    runtime: Runtime,
) -> None:
    ana = customer_with(runtime, "+5511970002028", [("Rex", "cachorro"), ("Luna", "cachorro")])
    book(runtime, ana.phone, "Rex", "Banho", at(19, 10))
    book(runtime, ana.phone, "Luna", "Tosa", at(19, 10))
    summary = ana.say("oi, preciso passar o do rex pra sexta mesmo horario e cancelar o da luna")
    assert "Posso remarcar?" in summary and "Banho para Rex" in summary
    assert "Quer cancelar a tosa de Luna" in ana.say("sim")
    ana.say("sim")
    assert rows(runtime) == [
        ("Rex", "Banho", at(19, 10), "cancelled"),
        ("Luna", "Tosa", at(19, 10), "cancelled"),
        ("Rex", "Banho", at(20, 10), "booked"),
    ]


@pytest.mark.parametrize(
    ("asked", "moved_to"),
    [
        ("consegue passar o banho do rex meia hora depois?", at(19, 10, 30)),
        ("o banho do rex de quinta da pra passar pro dia seguinte? msm horario", at(20, 10)),
    ],
)
def test_a_move_relative_to_the_booking(runtime: Runtime, asked: str, moved_to: object) -> None:
    rex = customer_with(runtime, "+5511970002029", [("Rex", "cachorro")])
    book(runtime, rex.phone, "Rex", "Banho", at(19, 10))
    assert "Posso remarcar?" in rex.say(asked)
    rex.say("sim")
    assert rows(runtime)[-1] == ("Rex", "Banho", moved_to, "booked")


def test_the_earliest_of_a_days_bookings_is_the_one_moved(runtime: Runtime) -> None:
    pat = customer_with(runtime, "+5511970002030", [("Mel", "cachorro"), ("Bolt", "cachorro")])
    book(runtime, pat.phone, "Mel", "Banho", at(19, 9))
    book(runtime, pat.phone, "Bolt", "Banho", at(19, 11))
    summary = pat.say("o q ta mais cedo na quinta passa pras 10h pfv")
    assert "Era na quinta (19/11) às 09:00" in summary and "Banho para Mel" in summary
    pat.say("pode sim")
    assert sorted(r for r in rows(runtime) if r[3] == "booked") == [
        ("Bolt", "Banho", at(19, 11), "booked"),
        ("Mel", "Banho", at(19, 10), "booked"),
    ]


def test_cancel_today_when_the_same_weekday_next_week_is_booked_too(runtime: Runtime) -> None:
    """'o de hoje' is today's, not also next Tuesday's."""
    bob = customer_with(runtime, "+5511970002031", [("Bob", "cachorro")])
    book(runtime, bob.phone, "Bob", "Banho", at(17, 15))
    book(runtime, bob.phone, "Bob", "Banho", at(24, 15))
    asked = bob.say("vou ter q cancelar o banho do bob de hj 😕")
    assert "Quer cancelar o banho de Bob de hoje (17/11)" in asked
    bob.say("ok pode cancelar")
    assert rows(runtime) == [
        ("Bob", "Banho", at(17, 15), "cancelled"),
        ("Bob", "Banho", at(24, 15), "booked"),
    ]


def test_cancel_the_first_and_move_the_other(runtime: Runtime) -> None:
    sonia = customer_with(runtime, "+5511970002032", [("Bela", "cachorro")])
    book(runtime, sonia.phone, "Bela", "Banho", at(18, 9))
    book(runtime, sonia.phone, "Bela", "Banho", at(25, 9))
    asked = sonia.say("cancela o primeiro e o outro passa pra 10h pf")
    assert "Quer cancelar o banho de Bela de amanhã (18/11)" in asked
    moved = sonia.say("isso msm")
    assert "Cancelado" in moved and "Posso remarcar?" in moved and "(25/11) às 10:00" in moved
    sonia.say("isso msm")
    assert sorted((r[2], r[3]) for r in rows(runtime)) == [
        (at(18, 9), "cancelled"),
        (at(25, 9), "cancelled"),
        (at(25, 10), "booked"),
    ]


def test_no_at_the_cancel_question_naming_another_booking_asks_about_that_one(
    runtime: Runtime,
) -> None:
    aline = customer_with(runtime, "+5511970002033", [("Toby", "cachorro"), ("Mel", "cachorro")])
    book(runtime, aline.phone, "Toby", "Banho", at(19, 10))
    book(runtime, aline.phone, "Mel", "Banho", at(20, 10))
    assert "banho de Mel" in aline.say("cancela o banho de sexta por favor")
    again = aline.say("não pera", "é o de quinta, do toby", "o da mel na sexta fica")
    assert "Quer cancelar o banho de Toby" in again
    aline.say("isso")
    assert rows(runtime) == [
        ("Toby", "Banho", at(19, 10), "cancelled"),
        ("Mel", "Banho", at(20, 10), "booked"),
    ]


def test_a_booking_right_after_one_the_pet_has_that_day(runtime: Runtime) -> None:
    carlos = customer_with(runtime, "+5511970002034", [("Bob", "cachorro")])
    book(runtime, carlos.phone, "Bob", "Banho", at(19, 10))
    summary = carlos.say("quero marcar tosa pro bob na quinta tb", "logo depois do banho dele")
    assert "Tosa para Bob" in summary and "Na quinta (19/11) às 11:00" in summary
    assert "em seguida" not in summary
    carlos.say("isso")
    assert rows(runtime)[-1] == ("Bob", "Tosa", at(19, 11), "booked")


def test_two_pets_one_after_the_other(runtime: Runtime) -> None:
    fer = customer_with(runtime, "+5511970002035", [("Luna", "cachorro"), ("Thor", "cachorro")])
    fer.say("marca vacina pra luna e pro thor quinta 10h", "primeiro a luna dps o thor")
    assert "Na quinta (19/11) às 10:30" in fer.say("isso")
    fer.say("isso")
    assert rows(runtime) == [
        ("Luna", "Vacinação", at(19, 10), "booked"),
        ("Thor", "Vacinação", at(19, 10, 30), "booked"),
    ]


def test_the_price_of_a_booking_the_customer_has(runtime: Runtime) -> None:
    renata = customer_with(runtime, "+5511970002036", [("Nina", "cachorro")])
    book(runtime, renata.phone, "Nina", "Banho e tosa", at(18, 13))
    reply = renata.say("quanto vai dar o banho e tosa da nina amanhã?")
    assert "R$ 110,00" in reply and "Horários livres" not in reply
    assert "Quer agendar" not in reply


# --- what the wider readings must leave alone (found by a review of this round) ---


def test_later_inside_a_request_does_not_swallow_it(runtime: Runtime) -> None:
    mel = customer_with(runtime, "+5511970002040", [("Mel", "cachorro")])
    book(runtime, mel.phone, "Mel", "Banho", at(19, 10))
    assert "Quer cancelar" in mel.say("cancela o banho da mel por favor, depois eu marco outro")
    other = customer_with(runtime, "+5511970002041", [("Bia", "cachorro")])
    assert "Para qual dia" in other.say("quero marcar um banho pra bia, depois eu volto pra buscar")


def test_cancel_then_book_later_still_cancels(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511970002042", [("Mel", "cachorro")])
    book(runtime, ana.phone, "Mel", "Tosa", at(19, 10))
    assert "Quer cancelar a tosa de Mel" in ana.say("cancela a tosa e depois marco com calma")


def test_a_known_pet_is_big_not_a_second_pet(runtime: Runtime) -> None:
    """'o thor e grande' is 'Thor é grande' as typed on a phone."""
    leo = customer_with(runtime, "+5511970002043", [("Thor", "cachorro")])
    summary = leo.say("quero marcar banho pro thor sexta 10h. o thor e grande")
    assert "Banho para Thor" in summary and "em seguida" not in summary


def test_a_day_said_to_stay_is_not_cancelled(runtime: Runtime) -> None:
    ana = customer_with(runtime, "+5511970002044", [("Mel", "cachorro")])
    book(runtime, ana.phone, "Mel", "Banho", at(19, 10))
    book(runtime, ana.phone, "Mel", "Banho", at(20, 10))
    asked = ana.say("cancela o banho de quinta, sexta continua")
    assert "Quer cancelar o banho de Mel da quinta (19/11)" in asked and "estes 2" not in asked


def test_open_now_on_a_day_named_is_that_day(runtime: Runtime) -> None:
    lia = Customer(runtime, "demo", "+5511970002045")
    reply = lia.say("vcs abrem agora no sabado?")
    assert "abertos agora" not in reply and "08:00 às 12:00" in reply


def test_a_name_that_is_also_a_breed_written_as_a_name(runtime: Runtime) -> None:
    rita = Customer(runtime, "demo", "+5511970002046")
    rita.say("queria marcar banho pro meu cachorro sexta 8h")
    assert "Lulu" in rita.say("Lulu")


def test_a_change_to_the_next_pet_at_the_confirmation_is_no_question(runtime: Runtime) -> None:
    renata = customer_with(runtime, "+5511970002047", [("Mel", "gato"), ("Tom", "cachorro")])
    renata.say("oi! queria marcar banho pra mel e pro tom na sexta as 10")
    assert "confirmo logo em seguida" not in renata.say("pro tom faz tosa em vez de banho")


def test_a_second_question_about_an_errand_is_not_the_first_service(runtime: Runtime) -> None:
    with_documents(runtime, "faq.md")
    leo = Customer(runtime, "demo", "+5511970002048")
    reply = leo.say("quanto custa o banho? e quanto custa pra buscar em casa?")
    assert "Banho: a partir de R$ 45,00" in reply and "R$ 15" in reply


def test_when_the_shop_closes_is_no_pickup_question(runtime: Runtime) -> None:
    rita = customer_with(runtime, "+5511970002049", [("Mel", "cachorro")])
    book(runtime, rita.phone, "Mel", "Banho e tosa", at(20, 14))
    reply = rita.say("que horas acaba o expediente de vcs no sabado?")
    assert "termina por volta" not in reply and "12:00" in reply


def test_each_pet_its_own_day(runtime: Runtime) -> None:
    """Bob's 'sexta' is Bob's: he is not booked on Mel's Thursday."""
    ana = customer_with(runtime, "+5511970002050", [("Mel", "cachorro"), ("Bob", "cachorro")])
    first = ana.say("oi, quero marcar banho pra Mel quinta 15h e pro Bob sexta 15h")
    assert "Banho para Mel" in first and "Na quinta (19/11) às 15:00" in first
    assert "Na sexta (20/11) às 15:00" in ana.say("sim")
    ana.say("sim")
    assert rows(runtime) == [
        ("Mel", "Banho", at(19, 15), "booked"),
        ("Bob", "Banho", at(20, 15), "booked"),
    ]


def test_earlier_by_a_little_half_hour_and_to_the_end_of_the_afternoon(runtime: Runtime) -> None:
    duke = customer_with(runtime, "+5511970002051", [("Duke", "cachorro")])
    book(runtime, duke.phone, "Duke", "Banho", at(19, 14))
    earlier = duke.say("da pra adiantar meia horinha?")
    assert "Posso remarcar?" in earlier and "às 13:30" in earlier
    duke.say("sim")
    assert rows(runtime)[-1] == ("Duke", "Banho", at(19, 13, 30), "booked")
    late = duke.say("consegue jogar o do duke pro fim da tarde?")
    assert "Posso remarcar?" in late and "às 17:00" in late


def test_a_summary_changed_twice_is_never_the_same_question_three_times(
    runtime: Runtime,
) -> None:
    gus = customer_with(runtime, "+5511970002052", [("Bidu", "cachorro")])
    first = gus.say("oi, banho pro bidu sexta 9h")
    second = gus.say("não, 10h")
    third = gus.say("aliás 10h30, foi mal kkk")
    assert first.count("Posso confirmar?") == 1 and "Posso confirmar?" not in second + third
    assert "Anotado! Ficou assim, confirmo?" in second and "às 10:30" in third
    gus.say("isso")
    assert rows(runtime) == [("Bidu", "Banho", at(20, 10, 30), "booked")]


def test_when_a_pet_at_the_shop_now_is_ready(runtime: Runtime) -> None:
    """The suite's clock is 10:00: Mel's bath began at 09:30 and ends at 10:30."""
    rita = customer_with(runtime, "+5511970002053", [("Mel", "cachorro")])
    book(runtime, rita.phone, "Mel", "Banho", at(17, 9, 30))
    assert "termina por volta das 10:30" in rita.say("que horas a mel fica pronta?")


def test_a_drop_off_too_late_to_be_ready_before_closing(runtime: Runtime) -> None:
    paulo = Customer(runtime, "demo", "+5511970002054")
    reply = paulo.say("se eu deixar o banho e tosa sexta as 17h30 fica pronto q horas?")
    assert "Às 17:30 não dá" in reply and "fechamos às 18:00" in reply


def test_a_formal_request_for_the_vet_is_a_consultation(runtime: Runtime) -> None:
    cida = Customer(runtime, "demo", "+5511970002055")
    reply = cida.say(
        "Boa tarde. Meu nome é Dona Cida, tenho uma gatinha chamada Mimi de 12 anos. Gostaria "
        "de saber se a doutora pode atendê-la na próxima quarta-feira pela manhã, pois ela está "
        "com pouco apetite."
    )
    assert "consulta veterinária amanhã (18/11)" in reply and "Posso te ajudar a" not in reply


def test_the_price_of_a_service_the_shop_does_not_have(runtime: Runtime) -> None:
    ana = Customer(runtime, "demo", "+5511970002056")
    assert "não encontrei na nossa lista" in ana.say("qual o valor da castração?")
    assert "não encontrei" not in Customer(runtime, "demo", "+5511970002057").say(
        "qual o valor do banho?"
    )


def test_ele_chama_rex_big_and_hairy(runtime: Runtime) -> None:
    """'ele chama Rex' names Rex (never a pet called 'Ele'); 'grandão', 'peludo' size him."""
    marcos = Customer(runtime, "demo", "+5511970002058")
    summary = marcos.say(
        "oi eu to precisando dar um banho no meu cachorro ele chama Rex é um vira lata grandão "
        "de pelo curto, da pra levar sexta de manha umas 8 e meia?"
    )
    assert "Banho para Rex" in summary and "Ele" not in summary
    assert "R$ 80,00 (porte grande)" in summary
    gus = Customer(runtime, "demo", "+5511970002059")
    price = gus.say("quanto custa banho num golden?", "ele é grande e bem peludo kkk")
    assert "Banho (porte grande): R$ 90,00" in price


def test_a_new_time_said_as_tipo(runtime: Runtime) -> None:
    diego = customer_with(runtime, "+5511970002060", [("Bolt", "cachorro")])
    book(runtime, diego.phone, "Bolt", "Banho", at(17, 15))
    summary = diego.say("oi o banho do bolt hj as 15 da pra ser mais tarde?", "tipo 4 e meia")
    assert "Posso remarcar?" in summary and "às 16:30" in summary


def test_two_pets_bookings_moved_each_to_its_time(runtime: Runtime) -> None:
    sab = customer_with(runtime, "+5511970002061", [("Mel", "cachorro"), ("Lola", "cachorro")])
    book(runtime, sab.phone, "Mel", "Banho", at(20, 14))
    book(runtime, sab.phone, "Lola", "Banho", at(20, 15))
    first = sab.say(
        "bom diaaa",
        "da pra passar o banho da mel e da lola de sexta pra sabado de manha?",
        "mel 9h e lola 10h",
    )
    assert "Banho para Mel" in first and "No sábado (21/11) às 09:00" in first
    assert "No sábado (21/11) às 10:00" in sab.say("sim")
    sab.say("sim")
    assert sorted(r for r in rows(runtime) if r[3] == "booked") == [
        ("Lola", "Banho", at(21, 10), "booked"),
        ("Mel", "Banho", at(21, 9), "booked"),
    ]


def test_any_day_but_one_never_suggests_that_day(runtime: Runtime) -> None:
    """Tuesday 10:00: with Wednesday ruled out, the next free afternoon is Thursday's."""
    nanda = customer_with(runtime, "+5511970002062", [("Biscoito", "cachorro")])
    nanda.say("oi quero agendar banho pro Biscoito")
    offered = nanda.say("qualquer dia menos amanhã nem quarta, de tarde")
    assert "quarta" not in offered.lower()


def test_a_shift_wins_over_the_same_time_said_beside_it(runtime: Runtime) -> None:
    rex = customer_with(runtime, "+5511970002063", [("Rex", "cachorro")])
    book(runtime, rex.phone, "Rex", "Banho", at(19, 10))
    summary = rex.say("no mesmo dia e hora não dá, pode ser 1h mais tarde?")
    assert "Posso remarcar?" in summary and "às 11:00" in summary
