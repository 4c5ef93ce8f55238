"""Conversations that broke when customers wrote as they do (found by trying atende as a
customer): each is replayed and what a receptionist would do is asserted. The suite's
clock is Tuesday 17/11/2026 10:00 in São Paulo; the demo shop opens Mon-Fri 08-18, Sat 08-12."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from atende.brain.knowledge.documents import read_document
from atende.runtime import Runtime
from atende.storage import knowledge, orgs
from atende.storage.demo import DEMO_FAQ
from atende.storage.models import Booking, Contact, Conversation, Message, Organization, Pet
from tests.conftest import demo_runtime
from tests.support.dialogue import TZ, Customer


@pytest.fixture
def runtime(sqlite_url: str, tmp_path: Path) -> Iterator[Runtime]:
    rt = demo_runtime(sqlite_url, tmp_path)
    yield rt
    rt.close()


def booked(runtime: Runtime) -> list[tuple[str, datetime]]:
    with runtime.sessions() as s:
        rows = s.execute(
            select(Pet.name, Booking.starts_at)
            .join(Pet, Pet.id == Booking.pet_id)
            .where(Booking.status == "booked")
            .order_by(Booking.id)
        )
        return [(name, start.astimezone(TZ)) for name, start in rows]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


def test_price_questions_and_a_day_in_one_burst_are_answered_not_booked(
    runtime: Runtime,
) -> None:
    ana = Customer(runtime, "demo", "+5511999992001")
    replies = ana.send("oi", "quanto custa o banho?", "e a tosa?", "vcs abrem domingo?")
    assert len(replies) == 1
    [reply] = replies
    assert reply.index("R$ 60,00") < reply.index("R$ 70,00") < reply.index("omingo")
    assert "Para qual dia" not in reply


def test_several_services_in_one_question_get_every_price(runtime: Runtime) -> None:
    reply = Customer(runtime, "demo", "+5511999992002").say("qnto e a vacina e a consulta?")
    assert "R$ 90,00" in reply and "R$ 150,00" in reply


def test_a_time_alone_after_no_room_today_finds_the_next_day_with_that_time(
    runtime: Runtime,
) -> None:
    bia = Customer(runtime, "demo", "+5511999992003", "Bia")
    first = bia.say("tem horario pra tosa hj de noite?")
    second = bia.say("meio-dia pode ser?")
    assert second != first
    assert "nome" in second  # noon today is free: only the pet is missing
    assert bia.conversation().dialogue_state["frame"]["at"] == "12:00:00"


def test_how_much_in_the_middle_of_a_booking_is_the_booked_services_price(
    runtime: Runtime,
) -> None:
    caio = Customer(runtime, "demo", "+5511999992004")
    caio.say("quero banho amanha 11h pro Pipoca")
    caio.say("cachorro")
    reply = caio.say("quanto custa?")
    assert "R$ 60,00" in reply and "Tosa" not in reply and "raça" in reply


def test_any_day_takes_the_first_free_time(runtime: Runtime) -> None:
    dani = Customer(runtime, "demo", "+5511999992005")
    dani.say("quero marcar um banho")
    reply = dani.say("qualquer dia")
    assert "Acho que não estou conseguindo" not in reply
    assert "Combinado: hoje (17/11) às 10:30" in reply and "nome" in reply
    assert dani.conversation().dialogue_state["frame"]["at"] == "10:30:00"


def test_changing_the_day_inside_a_booking_keeps_the_booking_going(runtime: Runtime) -> None:
    edu = Customer(runtime, "demo", "+5511999992006")
    edu.say("quero marcar banho amanha as 10h pra Thor")
    edu.say("cachorro")
    edu.say("pug")
    edu.say("nao")
    reply = edu.say("quero mudar pra quinta")
    assert "Não encontrei nenhum agendamento" not in reply
    assert "quinta (19/11)" in reply


def test_another_pet_named_in_the_message_is_not_asked_for(runtime: Runtime) -> None:
    fabi = Customer(runtime, "demo", "+5511999992007")
    fabi.say("quero banho amanha 9h pro meu cachorro Bob")
    fabi.say("bulldog")
    assert "Prontinho" in fabi.say("sim")
    reply = fabi.say("quero marcar banho tbm pro meu outro cachorro, o Max, amanha 10h")
    assert "nome" not in reply and "Max" in reply


def test_same_time_on_another_day_is_a_reschedule_to_that_time(runtime: Runtime) -> None:
    gil = Customer(runtime, "demo", "+5511999992008")
    gil.say("quero banho amanha 9h pro meu cachorro Bob")
    gil.say("bulldog")
    gil.say("sim")
    reply = gil.say("passa pra sexta mesmo horario")
    assert "Posso remarcar" in reply and "09:00" in reply and "sexta (20/11)" in reply
    assert "Prontinho" in gil.say("sim")
    assert booked(runtime) == [("Bob", at(20, 9))]


def test_the_address_comes_from_the_shops_settings(runtime: Runtime) -> None:
    reply = Customer(runtime, "demo", "+5511999992009").say("onde fica a loja? qual o endereco?")
    assert "Rua das Acácias, 123" in reply


def test_a_sick_pet_is_offered_a_consultation(runtime: Runtime) -> None:
    reply = Customer(runtime, "demo", "+5511999992010").say(
        "meu cachorro ta vomitando desde ontem e nao quer comer, o que eu faço?"
    )
    assert "consulta" in reply.lower() and "+55 11 3333-4444" in reply
    assert "não entendi" not in reply


def test_a_time_after_closing_says_why_and_offers_the_closest(runtime: Runtime) -> None:
    reply = Customer(runtime, "demo", "+5511999992011").say(
        "quero consulta amanha 17h45 pro meu gato Nino"
    )
    assert "fechamos às 18:00" in reply and "17:30" in reply  # why, and the closest
    assert "08:00\n" not in reply.split("18:00", 1)[1]  # the closest times, not the morning


def test_an_evening_time_is_not_answered_with_no_room_at_all(runtime: Runtime) -> None:
    reply = Customer(runtime, "demo", "+5511999992012").say("quero banho amanha as 8 da noite")
    assert "Não tenho horário livre" not in reply and "17:00" in reply


def test_a_service_and_a_pet_asking_when_starts_a_booking(runtime: Runtime) -> None:
    reply = Customer(runtime, "demo", "+5511999992013").say(
        "oi, meu cachorro Thor precisa de um banho, qnd tem?"
    )
    assert "Posso te ajudar a" not in reply  # not the menu
    assert "Para qual dia" in reply or "Horários livres" in reply


def test_what_do_i_have_booked_lists_the_bookings(runtime: Runtime) -> None:
    hugo = Customer(runtime, "demo", "+5511999992014")
    hugo.say("quero banho amanha 9h pro meu cachorro Bob")
    hugo.say("bulldog")
    hugo.say("sim")
    reply = hugo.say("quais horarios eu tenho marcado?")
    assert "Banho de Bob amanhã (18/11) às 09:00" in reply


def test_thinking_it_over_is_waited_for_and_the_yes_still_books(runtime: Runtime) -> None:
    iris = Customer(runtime, "demo", "+5511999992015")
    iris.say("quero banho amanha 9h pro meu cachorro Bob")
    iris.say("bulldog")
    assert "aguardo" in iris.say("hmm deixa eu ver com meu marido")
    assert "Prontinho" in iris.say("sim")
    assert booked(runtime) == [("Bob", at(18, 9))]


def test_a_service_the_shop_does_not_have_is_said_so(runtime: Runtime) -> None:
    reply = Customer(runtime, "demo", "+5511999992016").say("vcs fazem hidratacao?")
    assert "não encontrei na nossa lista" in reply and "Banho" in reply


def test_greetings_are_returned_in_kind_and_greetings_are_no_breed(runtime: Runtime) -> None:
    jo = Customer(runtime, "demo", "+5511999992017", "Jo Silva")
    assert jo.say("boa noite").startswith("Boa noite, Jo!")
    jo.say("quero banho amanha 9h pro meu cachorro Rex")
    asked = jo.say("oi")
    assert "raça" in asked
    jo.say("labrador")
    assert "Prontinho" in jo.say("sim")
    with runtime.sessions() as s:
        [rex] = s.scalars(select(Pet).where(Pet.name == "Rex")).all()
    assert rex.breed == "Labrador"


def test_no_emergency_settings_still_gives_safe_advice(runtime: Runtime) -> None:
    with runtime.sessions.begin() as s:
        org = s.scalars(select(Organization)).first()
        assert org is not None
        s.execute(update(Organization).where(Organization.id == org.id).values(settings={}))
    reply = Customer(runtime, "demo", "+5511999992018").say("meu gato comeu veneno, socorro")
    assert "pronto-atendimento" in reply


def test_no_reply_repeats_the_previous_one_in_a_long_confused_chat(runtime: Runtime) -> None:
    kim = Customer(runtime, "demo", "+5511999992019")
    said = [kim.say(t) for t in ["oi", "oi", "obrigado", "obrigado", "quero banho", "hmm"]]
    assert all(a != b for a, b in pairwise(said)), said
    assert orgs is not None and time is not None


def test_a_reschedule_naming_another_pet_does_not_move_the_only_booking(
    runtime: Runtime,
) -> None:
    lia = Customer(runtime, "demo", "+5511999992020")
    lia.say("quero banho amanha 9h pro meu cachorro Thor")
    lia.say("golden")
    lia.say("sim")
    thor = lia.conversation().contact_id
    with runtime.sessions.begin() as s:
        org_id = s.scalars(select(Organization.id)).first()
        s.add(Pet(organization_id=org_id, contact_id=thor, name="Mel", species="gato", breed=""))
    reply = lia.say("quero remarcar a tosa da Mel pra sexta")
    assert "Qual destes agendamentos?" in reply and "Posso remarcar" not in reply
    lia.say("deixa pra lá")
    assert booked(runtime) == [("Thor", at(18, 9))]


def test_cancel_before_confirming_drops_the_request_not_an_earlier_booking(
    runtime: Runtime,
) -> None:
    max_ = Customer(runtime, "demo", "+5511999992021")
    max_.say("quero banho amanha 9h pro meu cachorro Thor")
    max_.say("golden")
    max_.say("sim")
    assert "Posso confirmar?" in max_.say("quero outro banho sexta 10h pro Thor")
    assert "não agendei nada" in max_.say("pode cancelar")
    assert max_.say("sim") != ""  # a yes now confirms nothing
    assert booked(runtime) == [("Thor", at(18, 9))]


def with_thors_bath(runtime: Runtime, phone: str) -> Customer:
    """A customer whose dog Thor has a bath on Thursday 19/11 at 10:00."""
    customer = Customer(runtime, "demo", phone)
    customer.say("quero banho quinta 10h pro meu cachorro Thor")
    customer.say("golden")
    assert "Prontinho" in customer.say("sim")
    return customer


@pytest.mark.parametrize(
    ("asked", "moved_to"),
    [
        (
            "surgiu um imprevisto e não vou conseguir levar ele quinta de manhã, dá pra passar"
            " pra sexta no fim da tarde? tipo umas 17h?",
            at(20, 17),
        ),
        ("pode ser 1h mais tarde o banho?", at(19, 11)),
        ("preciso atrasar o banho do Thor em meia hora", at(19, 10, 30)),
        ("troca o banho do Thor pro dia 24 às 9h", at(24, 9)),
        ("quero mudar só o horário do banho pras 15h", at(19, 15)),
    ],
)
def test_reschedules_as_people_ask_for_them(
    runtime: Runtime, asked: str, moved_to: datetime
) -> None:
    thor = with_thors_bath(runtime, "+5511999992030")
    proposal = thor.say(asked)
    assert "Posso remarcar? Era na quinta (19/11) às 10:00." in proposal, proposal
    assert "Prontinho" in thor.say("sim")
    assert booked(runtime) == [("Thor", moved_to)]


def test_choices_by_ordinal_and_never_a_weekday(runtime: Runtime) -> None:
    luna = Customer(runtime, "demo", "+5511999992031")
    assert "Horários livres" in luna.say("tem banho depois de amanhã de tarde?")
    reply = luna.say("segunda opção")
    assert "23/11" not in reply and "nome" in reply  # Thursday's second time, not Monday
    assert luna.conversation().dialogue_state["frame"]["at"] == "12:30:00"
    other = Customer(runtime, "demo", "+5511999992032")
    other.say("quero um banho amanhã")
    other.say("o primeiro")
    assert other.conversation().dialogue_state["frame"]["at"] == "08:00:00"


def test_in_two_days_is_two_days_ahead(runtime: Runtime) -> None:
    bob = Customer(runtime, "demo", "+5511999992033")
    bob.say("banho daqui 2 dias às 10h pro meu cachorro Bob")
    assert "quinta (19/11)" in bob.say("shih tzu")


def test_a_price_question_in_a_booking_does_not_change_the_service(runtime: Runtime) -> None:
    max_ = Customer(runtime, "demo", "+5511999992034")
    max_.say("quero marcar tosa quinta 15h pro meu cachorro Max")
    reply = max_.say("quanto fica banho e tosa junto?")
    assert "R$ 110,00" in reply
    assert "Tosa para Max" in max_.say("schnauzer")


def test_small_talk_about_the_bot_and_unknown_questions(runtime: Runtime) -> None:
    ana = Customer(runtime, "demo", "+5511999992035")
    assert "assistente virtual" in ana.say("vc é robô?")
    assert "Estou aqui" in ana.say("alô")
    assert "Quer que eu chame uma pessoa" in ana.say("vcs vendem ração?")


def test_when_is_my_booking_again(runtime: Runtime) -> None:
    thor = with_thors_bath(runtime, "+5511999992036")
    assert "quinta (19/11) às 10:00" in thor.say("o banho do Thor é que horas mesmo?")


def test_a_long_message_with_a_request_and_a_price_question_books_and_answers(
    runtime: Runtime,
) -> None:
    reply = Customer(runtime, "demo", "+5511999992037").say(
        "oi bom dia tudo bem? então eu tenho um cachorrinho chamado Pipoca ele é bem "
        "bagunceiro e tá precisando muito de um banho e tosa porque tá todo embolado sabe, "
        "eu queria ver se consegue pra quinta de tarde tipo umas 3 horas se tiver, ah e "
        "quanto fica?"
    )
    assert "R$ 110,00" in reply and "raça" in reply and "Pipoca" in reply


def with_demo_faq(session: Session, org: Organization) -> None:
    doc = read_document(Path(DEMO_FAQ))
    knowledge.replace_document(session, org.id, doc.name, doc.kind, doc.sha256, doc.chunks)


def test_a_document_question_beside_a_price_is_answered_too(
    sqlite_url: str, tmp_path: Path
) -> None:
    rt = demo_runtime(sqlite_url, tmp_path, with_demo_faq)
    try:
        reply = Customer(rt, "demo", "+5511999992038").say(
            "oi, quanto custa vacina? vcs aceitam cartão?"
        )
        assert "R$ 90,00" in reply and "3x sem juros" in reply
        assert reply.count("Quer agendar") == 1
        inside = Customer(rt, "demo", "+5511999992039")
        inside.say("quero banho amanha 9h pro meu cachorro Bob")
        asked = inside.say("quanto custa? aceitam pix?")
        assert "R$ 60,00" in asked and "Pix" in asked and "Quer agendar" not in asked
    finally:
        rt.close()


def with_two_pets(runtime: Runtime, phone: str) -> Customer:
    customer = Customer(runtime, "demo", phone)
    customer.say("oi")
    contact = customer.conversation().contact_id
    with runtime.sessions.begin() as s:
        org_id = s.scalars(select(Organization.id)).first()
        s.add(
            Pet(
                organization_id=org_id,
                contact_id=contact,
                name="Thor",
                species="cachorro",
                breed="golden",
            )
        )
        s.add(
            Pet(
                organization_id=org_id,
                contact_id=contact,
                name="Mel",
                species="gato",
                breed="persa",
            )
        )
    return customer


def test_two_pets_in_one_request_are_booked_one_after_the_other(runtime: Runtime) -> None:
    both = with_two_pets(runtime, "+5511999992040")
    first = both.say("banho pro Thor e tosa pra Mel sábado 9h")
    assert "Banho para Thor" in first and "Banho e tosa" not in first
    second = both.say("sim")
    assert "Prontinho" in second and "Agora para Mel" in second and "Tosa para Mel" in second
    assert "Prontinho" in both.say("sim")
    with runtime.sessions() as s:
        rows = s.execute(
            select(Pet.name, Booking.starts_at).join(Pet, Pet.id == Booking.pet_id)
        ).all()
    assert sorted((name, start.astimezone(TZ)) for name, start in rows) == [
        ("Mel", at(21, 9)),
        ("Thor", at(21, 9)),
    ]


def test_both_pets_for_the_same_service(runtime: Runtime) -> None:
    both = with_two_pets(runtime, "+5511999992041")
    assert "Banho para Thor" in both.say("quero dar banho nos dois sexta às 10h")
    second = both.say("sim")
    # the demo shop has two bath stations: Mel's bath fits beside Thor's
    assert "Agora para Mel" in second and "Posso confirmar?" in second and "10:00" in second
    assert "Prontinho" in both.say("sim")
    assert booked(runtime) == [("Thor", at(20, 10)), ("Mel", at(20, 10))]


def test_cancel_both_and_cancel_by_pet_with_a_new_day_named(runtime: Runtime) -> None:
    both = with_two_pets(runtime, "+5511999992042")
    both.say("banho pro Thor e tosa pra Mel sábado 9h")
    both.say("sim")
    both.say("sim")
    assert len(booked(runtime)) == 2
    moved = both.say("quero desmarcar a tosa da Mel e marcar pra segunda")
    assert "tosa" in moved and "segunda (23/11)" in moved  # a reschedule of Mel's tosa
    both.say("deixa pra lá")
    asked = both.say("cancela os dois")
    assert "Quer cancelar estes 2 agendamentos?" in asked
    assert "Tirei 2 agendamentos da agenda" in both.say("sim")
    assert booked(runtime) == []


def test_an_emergency_reaches_the_owners_whatsapp(runtime: Runtime) -> None:
    owner = "+5511900000001"
    with runtime.sessions.begin() as s:
        s.execute(update(Organization).values(owner_phones=[owner]))
    reply = Customer(runtime, "demo", "+5511999992043", "Rita").say(
        "socorro meu cachorro foi atropelado"
    )
    assert "+55 11 3333-4444" in reply
    with runtime.sessions() as s:
        notices = s.scalars(
            select(Message.body)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Contact.phone == owner, Message.direction == "out")
        ).all()
    assert len(notices) == 1 and "🚨 Emergência: Rita" in notices[0]
    assert "atropelado" in notices[0]


@pytest.mark.parametrize(
    ("asked", "service"),
    [
        ("só tosa pro Rex amanhã às 10h, banho não precisa", "Tosa para Rex"),
        ("tosa pro Rex, mas sem banho, amanhã 9h", "Tosa para Rex"),
        ("quero um banho pro Rex amanhã às 10h, depois vejo a tosa", "Banho para Rex"),
        ("queria um banho e uma tosinha pro Rex amanhã às 10h", "Banho e tosa para Rex"),
        ("quero dar a V10 no Rex amanhã às 10h", "Vacinação para Rex"),
        ("antirrábica pro Rex amanhã às 10h", "Vacinação para Rex"),
    ],
)
def test_the_service_is_the_one_asked_for(runtime: Runtime, asked: str, service: str) -> None:
    rex = Customer(runtime, "demo", "+5511999992050")
    reply = rex.say(asked)
    for _ in range(3):  # answer what the bot asks about the new pet
        if "Posso confirmar?" in reply:
            break
        reply = rex.say("cachorro" if "cachorro, gato" in reply else "labrador")
    assert service in reply


def test_two_services_for_one_pet_are_both_proposed(runtime: Runtime) -> None:
    both = with_two_pets(runtime, "+5511999992051")
    first = both.say("consulta pro Thor e depois banho, amanhã às 10h")
    assert "Consulta veterinária para Thor" in first
    second = both.say("sim")
    assert "Agora o banho" in second and "Banho para Thor" in second
    assert "10:30" in second  # after the consultation: Thor cannot be in two places


def test_cancel_and_rebook_in_one_message_is_a_reschedule(runtime: Runtime) -> None:
    thor = with_thors_bath(runtime, "+5511999992052")
    proposal = thor.say("vou precisar cancelar o banho de quinta e marcar pra segunda às 10")
    assert "Posso remarcar?" in proposal and "segunda (23/11)" in proposal
    thor.say("sim")
    assert booked(runtime) == [("Thor", at(23, 10))]


def test_instead_of_is_a_reschedule_and_a_species_picks_the_booking(runtime: Runtime) -> None:
    thor = with_thors_bath(runtime, "+5511999992053")
    assert "Posso remarcar?" in thor.say("pode ser às 16h em vez de 10h?")
    thor.say("sim")
    assert booked(runtime) == [("Thor", at(19, 16))]
    assert "Quer cancelar o banho de Thor" in thor.say("cancela o do cachorro")


def test_a_service_and_a_known_pet_start_a_booking_not_an_faq(
    sqlite_url: str, tmp_path: Path
) -> None:
    rt = demo_runtime(sqlite_url, tmp_path, with_demo_faq)
    try:
        thor = with_two_pets(rt, "+5511999992054")
        assert "Para qual dia você quer o banho?" in thor.say("banho pro Thor")
    finally:
        rt.close()


def test_a_weekend_with_an_hour_and_a_period_the_day_lacks(runtime: Runtime) -> None:
    rex = Customer(runtime, "demo", "+5511999992060")
    rex.say("banho pro meu cachorro Rex no fim de semana às 10h")
    assert rex.conversation().dialogue_state["frame"]["day"] == "2026-11-21"  # Saturday 10:00
    tarde = Customer(runtime, "demo", "+5511999992061").say(
        "banho pro meu cachorro Bob sábado à tarde"
    )
    assert "À tarde não tenho horário livre nesse dia" in tarde and "08:00" in tarde


def test_the_old_hour_picks_the_booking_to_move(runtime: Runtime) -> None:
    both = with_two_pets(runtime, "+5511999992062")
    both.say("banho pro Thor e tosa pra Mel quinta 10h")
    both.say("sim")
    both.say("sim")
    assert "Posso remarcar?" in both.say("muda a tosa das 10 pra 14h")
