"""How Brazilians really write to a pet shop / vet clinic on WhatsApp, and what atende
must understand from it. Written from how people write, not from the rules."""

from __future__ import annotations

import pytest

from atende.brain.dialogue.intents import (
    correction_in,
    find_service,
    intents_of,
    is_no,
    is_yes,
    main_intent,
    questions_in,
    questions_of,
)
from atende.brain.dialogue.normalize import normalize
from atende.brain.dialogue.urgency import asks_about_emergency_service, emergency_in
from atende.domain.entities import ServiceInfo

INTENTS = [
    # prices
    ("qnto ta a consulta", "prices"),
    ("qto custa banho", "prices"),
    ("qnt é o banho?", "prices"),
    ("quanto ta o banho pra cachorro grande?", "prices"),
    ("qual o valor da vacina?", "prices"),
    ("quanto fica banho e tosa", "prices"),
    ("qnto sai uma tosa?", "prices"),
    ("vcs cobram quanto na consulta?", "prices"),
    ("preço do banho", "prices"),
    ("qual o preco?", "prices"),
    ("quanto custaa", "prices"),
    ("quanto q é a vacina da raiva?", "prices"),
    ("valores?", "prices"),
    ("me manda os preços pfv", "prices"),
    ("quanto vcs cobram pra tosar um poodle?", "prices"),
    ("quanto é pra vacinar filhote?", "prices"),
    ("tá quanto o banho?", "prices"),
    ("qnto custa o banho e tosa de um shih tzu", "prices"),
    ("qual valor consulta", "prices"),
    ("quanto custa exame de sangue?", "prices"),
    ("oi boa tarde, qual o preço da tosa higiênica?", "prices"),
    ("qual o vlr do banho", "prices"),
    # hours
    ("vcs abrem domingo?", "hours"),
    ("q horas fecha hj", "hours"),
    ("que horas abre amanha?", "hours"),
    ("vcs tão abertos?", "hours"),
    ("ate q horas vcs ficam hj", "hours"),
    ("qual horario de vcs sabado", "hours"),
    ("funciona feriado?", "hours"),
    ("abre no feriado?", "hours"),
    ("vcs abrem q horas", "hours"),
    ("horário de atendimento?", "hours"),
    ("que horas vcs fecham hoje", "hours"),
    ("estão atendendo agora?", "hours"),
    ("vcs trabalham sabado?", "hours"),
    ("fecha pro almoço?", "hours"),
    ("ta aberto?", "hours"),
    ("vcs funcionam no domingo de manha?", "hours"),
    # slots
    ("tem banho hoje às 15:30?", "slots"),
    ("oi, tem banho hoje as 17h?", "slots"),
    ("tem horario amanha de manha?", "slots"),
    ("tem vaga pra tosa sabado?", "slots"),
    ("tem horário pra hj?", "slots"),
    ("consegue encaixar ele hoje?", "slots"),
    ("tem como hoje a tarde?", "slots"),
    ("quais horarios tem amanha?", "slots"),
    ("tem consulta amanhã cedo?", "slots"),
    ("da pra hoje ainda?", "slots"),
    ("tem vaga?", "slots"),
    ("tem algum horario livre na sexta?", "slots"),
    ("sexta tem horario?", "slots"),
    ("tem vacina hj a tarde?", "slots"),
    ("qual o proximo horario disponivel?", "slots"),
    ("amanhã às 10 tem?", "slots"),
    ("vc tem horario pra banho depois das 14h?", "slots"),
    ("tem tosa sabado de manha?", "slots"),
    ("tem vaga pro banho amanhã?", "slots"),
    # book
    ("quero marcar banho pro thor", "book"),
    ("queria agendar uma consulta", "book"),
    ("gostaria de agendar vacina", "book"),
    ("agenda um banho pra mim amanhã às 10?", "book"),
    ("quero um banho e tosa pra sexta", "book"),
    ("preciso de uma consulta pro meu gato, ele ta mancando", "book"),
    ("marca pra mim tosa sabado 9h", "book"),
    ("quero levar minha cachorra pra tomar banho", "book"),
    ("da pra marcar um banhoo amanha?", "book"),
    ("qro agendar", "book"),
    ("agnedar banho", "book"),
    ("quero vacinar meu filhote", "book"),
    ("preciso levar ele no vet", "book"),
    ("vou querer um banho", "book"),
    ("pode marcar pra mim?", "book"),
    ("eu queria um horario pra consulta", "book"),
    ("bom dia, quero agendar banho pra minha shih tzu", "book"),
    ("quero dar banho no rex", "book"),
    ("nao é urgente, mas queria marcar consulta", "book"),
    ("sem pressa, quero agendar vacina quando der", "book"),
    ("queria marcar uma consuta pra minha gata", "book"),
    ("quero agendar banho e tosa, quanto custa?", "book"),
    # reschedule
    ("consegue adiantar o banho pras 9h?", "reschedule"),
    ("dá pra mudar pra sexta?", "reschedule"),
    ("cancela o banho de quarta e marca pra sexta 9h", "reschedule"),
    ("desmarca a tosa de amanha e coloca pra segunda", "reschedule"),
    ("quero trocar o horário", "reschedule"),
    ("pode passar pra amanhã?", "reschedule"),
    ("preciso remarcar a consulta", "reschedule"),
    ("da pra atrasar meia hora?", "reschedule"),
    ("tem como empurrar pra tarde?", "reschedule"),
    ("consigo trocar pra quinta?", "reschedule"),
    ("vou me atrasar, da pra passar pras 11?", "reschedule"),
    # running late: a notice, not a move
    ("vou atrasar uns 20 min pro banho do max", "late"),
    ("to preso no transito", "late"),
    ("vou chegar uns 10 minutos atrasada", "late"),
    ("tô atrasado, já tô chegando", "late"),
    # durations and registering pets
    ("quanto tempo demora banho e tosa?", "duration"),
    ("a consulta dura quanto tempo?", "duration"),
    ("quero cadastrar meus bichinhos", "register"),
    ("tenho um cachorro novo, quero deixar ele cadastrado", "register"),
    ("queria registrar meu gato no sistema de vcs", "register"),
    ("mudar o dia do banho", "reschedule"),
    ("queria mudar o horario da tosa", "reschedule"),
    ("pode ser outro dia?", "reschedule"),
    ("adianta pra 8h pfv", "reschedule"),
    ("remarca pra semana que vem", "reschedule"),
    ("reagendar vacina", "reschedule"),
    ("muda pra 15h?", "reschedule"),
    ("nao vou conseguir ir, da pra passar pra sexta?", "reschedule"),
    ("tem como trocar o banho de amanha pra quinta?", "reschedule"),
    # cancel
    ("não vou conseguir ir, pode tirar?", "cancel"),
    ("pode desmarcar", "cancel"),
    ("não vou poder levar ela amanhã", "cancel"),
    ("cancela o banho", "cancel"),
    ("cancelaa", "cancel"),
    ("nao vou mais precisar do horario", "cancel"),
    ("vou ter que desmarcar", "cancel"),
    ("nao vai dar pra ir amanha", "cancel"),
    ("pode tirar meu horario", "cancel"),
    ("imprevisto aqui, nao vou conseguir levar o thor", "cancel"),
    ("cancelar consulta", "cancel"),
    ("desmarca a tosa dela pfv", "cancel"),
    # handoff
    ("quero falar com alguem", "handoff"),
    ("me passa pra atendente pfv", "handoff"),
    ("posso falar com a vet?", "handoff"),
    ("quero falar com uma pessoa", "handoff"),
    ("falar c atendente", "handoff"),
    ("quero falar com um humano", "handoff"),
    ("me passa pra alguem de verdade pfv", "handoff"),
    ("preciso falar diretamente com a dra paula", "handoff"),
    ("consegue me passar pra alguem da loja?", "handoff"),
    ("transfere pra equipe por favor", "handoff"),
    ("vc pode pedir pra alguem me ligar amanha?", "handoff"),
    ("prefiro resolver por telefone", "handoff"),
    ("ele voltou com a orelha machucada. quero uma explicação", "handoff"),
    # emergency
    ("socorro meu cachorro foi atropelado", "emergency"),
    ("URGENTE meu gato comeu chumbinho", "emergency"),
    ("ele ta sangrando muito", "emergency"),
    ("minha cachorra ta convulsionando o que eu faço", "emergency"),
    ("meu cachorro ta vomitando sangue", "emergency"),
    ("ela nao ta respirando direito", "emergency"),
    ("acho que envenenaram meu cachorro", "emergency"),
    ("emergencia! posso levar agora?", "emergency"),
    ("preciso falar com o veterinario urgente, ele desmaiou", "emergency"),
    ("meu gato ta engasgado", "emergency"),
    ("atropelaram minha cachorra", "emergency"),
    ("ele bebeu soda caustica", "emergency"),
    ("ta tremendo muito e babando", "emergency"),
    ("ta com falta de ar", "emergency"),
    # services
    ("vcs fazem tosa na tesoura?", "services"),
    ("quais servicos vcs tem?", "services"),
    ("vcs tem veterinario?", "services"),
    ("fazem hidratação?", "services"),
    ("o que vcs fazem", "services"),
    ("vcs atendem gato?", "services"),
    ("vcs vacinam gato?", "services"),
    ("vocês atendem emergência?", "services"),
    ("tem atendimento de urgencia 24h?", "services"),
    # thanks
    ("vlw", "thanks"),
    ("obg", "thanks"),
    ("brigadão", "thanks"),
    ("valeu, tmj", "thanks"),
    ("obrigadaaa", "thanks"),
    ("mt obg", "thanks"),
    ("show, obrigado", "thanks"),
    ("brigado viu", "thanks"),
    # greeting
    ("oiii", "greeting"),
    ("oie", "greeting"),
    ("bom diaaa", "greeting"),
    ("boa tarde, tudo bem?", "greeting"),
    ("olaa", "greeting"),
    ("e ai blz?", "greeting"),
    ("opa", "greeting"),
    ("oi boa noite", "greeting"),
    # optout
    ("para de me mandar mensagem", "optout"),
    ("nao quero mais receber essas msgs", "optout"),
    ("sair", "optout"),
    # nothing to act on
    ("kkkkk", None),
    ("ok", None),
    ("👍", None),
    # "fechado" alone is a yes, never the opening hours
    ("fechado", None),
    ("fechou", None),
    ("fechado!", None),
    ("fechadíssimo", None),
    ("ok fechado", None),
    ("fechado 👍", None),
    ("fecha que horas?", "hours"),
    ("vcs fecham às 18h?", "hours"),
    ("está fechado hoje?", "hours"),
    ("abre sábado?", "hours"),
]


@pytest.mark.parametrize(("text", "intent"), INTENTS, ids=[t for t, _ in INTENTS])
def test_intent(text: str, intent: str | None) -> None:
    assert main_intent([text]) == intent


NOT_INTENTS = [
    ("posso passar pra pegar ele às 17h?", "reschedule"),
    ("qual a marca da ração que vcs usam?", "book"),
    ("quais marcas de shampoo vcs usam no banho?", "book"),
    ("ele ta vomitando desde ontem", "emergency"),
    ("o banho ficou ótimo, obrigado", "book"),
    ("vou ver e te falo", "book"),
    ("cancela o banho do Rex e marca uma consulta pra Mel sexta", "reschedule"),
    ("cancela a tosa e depois eu marco outro dia", "reschedule"),
    ("me passa pra alguem de verdade", "reschedule"),
    # ordinary messages the wider patterns must leave alone
    ("vcs podem me ligar quando ela ficar pronta?", "handoff"),
    ("vc liga pra confirmar?", "handoff"),
    ("que absurdo de lindo que ficou o banho da mel!!", "handoff"),
    ("quero uma explicação de como funciona o pacote mensal", "handoff"),
    ("pode passar pra ela?", "handoff"),
    ("passa pra loja as 14h", "handoff"),
    ("cancela a tosa e depois marco com calma", "reschedule"),
    ("desmarca a consulta e ai marco quando ele melhorar", "reschedule"),
    ("cancela o banho da mel e marca pro thor no lugar", "reschedule"),
    ("cancela o banho de sexta e me passa o pix do reembolso", "reschedule"),
]


@pytest.mark.parametrize(("text", "intent"), NOT_INTENTS, ids=[t for t, _ in NOT_INTENTS])
def test_not_intent(text: str, intent: str) -> None:
    assert intent not in intents_of(text)


SERVICES = [
    ServiceInfo(1, "Banho", 60, 60),  # type: ignore[arg-type]
    ServiceInfo(2, "Tosa", 70, 60),  # type: ignore[arg-type]
    ServiceInfo(3, "Banho e tosa", 110, 90),  # type: ignore[arg-type]
    ServiceInfo(4, "Consulta veterinária", 150, 30),  # type: ignore[arg-type]
    ServiceInfo(5, "Vacinação", 90, 30),  # type: ignore[arg-type]
]

SERVICE_ROWS = [
    ("banhoo", "Banho"),
    ("banhoooo pro rex", "Banho"),
    ("vacinacao", "Vacinação"),
    ("vacinas", "Vacinação"),
    ("tosaa", "Tosa"),
    ("consuta", "Consulta veterinária"),
    ("banho e tosa", "Banho e tosa"),
    ("banho + tosa", "Banho e tosa"),
    ("banho e tosa completa", "Banho e tosa"),
    ("banho/tosa", "Banho e tosa"),
    ("banho c/ tosa higienica", "Banho e tosa"),
    ("veterinario", "Consulta veterinária"),
    ("vet", "Consulta veterinária"),
    ("levar no vet", "Consulta veterinária"),
    ("veterinária pra minha gata", "Consulta veterinária"),
    ("consultas", "Consulta veterinária"),
    ("vacina v10", "Vacinação"),
    ("vacina antirrabica", "Vacinação"),
    ("tosar", "Tosa"),
    ("tosa higiênica", "Tosa"),
    ("dar banho", "Banho"),
    ("banhos", "Banho"),
    ("quero vacinar", "Vacinação"),
    ("Banho!", "Banho"),
    ("BANHO E TOSA", "Banho e tosa"),
    ("quanto custa a tosa?", "Tosa"),
    ("e a tosa?", "Tosa"),
    ("vacinaçao", "Vacinação"),
    ("boa tarde", None),
    ("bom dia, tudo bem?", None),
    ("qual o horário?", None),
    ("obrigado", None),
    ("minha gata ta com tosse", None),
    ("vou viajar semana que vem", None),
    ("consegue?", None),
    ("mais tarde", None),
]


@pytest.mark.parametrize(("text", "expected"), SERVICE_ROWS, ids=[t for t, _ in SERVICE_ROWS])
def test_service(text: str, expected: str | None) -> None:
    found = find_service(text, SERVICES)
    assert (found.name if found else None) == expected


YES = [
    "ufa, sim",
    "opa, sim",
    "rola sim 🤙",
    "se sim pode confirmar",
    "👍",
    "👍🏻",
    "👍🏽",
    "✅",
    "👌",
    "🙏",
    "☑️",
    "👍👍",
    "sim",
    "s",
    "Sim!",
    "simmm",
    "sim sim",
    "pode ser",
    "pode",
    "fechado",
    "beleza",
    "blz",
    "bora",
    "isso aí",
    "isso",
    "perfeito",
    "show",
    "top",
    "confirmo",
    "confirma",
    "pode confirmar",
    "ok",
    "okk",
    "certo",
    "claro",
    "quero",
    "manda ver",
    "tá ótimo",
    "tá bom",
    "ta bom",
    "combinado",
    "sim, mas às 11h",
    "não, pode confirmar",
    "pode sim",
    "isso mesmo",
    "uhum",
    "aham",
    "simm pode marcar",
    "ok obrigado",
    "Perfeito!!",
    "fechou",
    "tá certo",
    "claro que sim",
    "sim por favor",
    "pode marcar",
    "ótimo",
    "joia",
    "de boa",
    "fechado!",
    "fechadíssimo",
    "ok fechado",
    "fechado 👍",
    "quero!",
    "quero sim",
    "pode sim, não tem problema",
]
NO = [
    "👎",
    "não",
    "nao",
    "n",
    "Não, obrigado",
    "melhor não",
    "deixa pra lá",
    "deixa quieto",
    "esquece",
    "agora não",
    "não precisa",
    "nem",
    "negativo",
    "naao",
    "nãoo",
    "n precisa",
    "nao obg",
    "prefiro não",
    "acho que não",
    "não quero",
    "nem precisa",
    "esquece isso",
    "claro que não",
    "pode não",
    "isso não",
    "ok não",
    "não pode",
]
NEITHER = [
    "nao sei",
    "não sei ainda",
    "talvez",
    "vou ver",
    "deixa eu ver",
    "sei lá",
    "qual o preço?",
    "oi",
    "que horas?",
    "hmm",
    "n entendi",
    "nem sei",
    # a yes-word inside another sentence is no confirmation
    "o thor nao, a luna vai sim",
    "se sim, eu pago na hora?",
    "se sim, qual o valor?",
    "ele vai sim tomar vacina?",
    # a yes-word with a negation or a change is no confirmation
    "sim não",
    "quero mudar o horário",
    "quero outro dia",
    "quero outro horário",
    "quero cancelar",
    "pode cancelar?",
    "pode ser outro dia?",
    "ok, mas quero trocar pra sexta",
]


@pytest.mark.parametrize("text", YES)
def test_yes(text: str) -> None:
    assert is_yes(text) and not is_no(text)


@pytest.mark.parametrize("text", NO)
def test_no(text: str) -> None:
    assert is_no(text) and not is_yes(text)


@pytest.mark.parametrize("text", NEITHER)
def test_neither_yes_nor_no(text: str) -> None:
    assert not is_yes(text) and not is_no(text)


EMERGENCY = [
    ("socorro meu cachorro foi atropelado", True),
    ("minha cadela ta em trabalho de parto e tem um filhotinho entalado faz uma hora", True),
    ("meu gato macho ta tentando fazer xixi o dia todo e nao sai nada", True),
    ("ele levou uma mordida de outro cachorro ontem, o olho ta inchado e fechado", True),
    ("ele fez xixi no tapete de novo", False),
    ("ele nao faz xixi no tapete higienico, so no chao", False),
    ("sem xixi no tapete por favor", False),
    ("o cachorro levou uma mordida de pulga", False),
    ("o olho machucado ja sarou", False),
    ("o filhotinho nao sai de perto de mim", False),
    ("URGENTE meu gato comeu chumbinho", True),
    ("ele ta sangrando muito", True),
    ("tem sangue no xixi dela", True),
    ("minha cachorra ta convulsionando", True),
    ("ele teve uma convulsão agora", True),
    ("meu cachorro ta vomitando sangue", True),
    ("ela não está respirando", True),
    ("acho que envenenaram meu cachorro", True),
    ("ele comeu veneno de rato", True),
    ("envenenamento, o que faço?", True),
    ("emergência!!", True),
    ("é uma emergencia", True),
    ("ele desmaiou", True),
    ("meu gato ta engasgado", True),
    ("engasgou com um osso", True),
    ("atropelaram minha cachorra", True),
    ("ele bebeu soda caustica", True),
    ("ta tremendo muito", True),
    ("ta com falta de ar", True),
    ("preciso de uma consulta urgente", True),
    ("SOCORRO", True),
    ("urgência, meu cão caiu da janela", True),
    ("não é urgente", False),
    ("nada urgente, pode ser semana que vem", False),
    ("sem pressa", False),
    ("vacina", False),
    ("vocês atendem emergência?", False),
    ("vcs fazem atendimento de urgencia?", False),
    ("tem plantão de emergência?", False),
    ("quanto custa exame de sangue?", False),
    ("qual o valor da consulta de emergencia?", False),
    ("ele toma remédio pra convulsão, preciso de receita", False),
    ("o banho é urgente pq vou viajar amanhã", False),
    ("quero agendar vacina", False),
    ("ta tremendo de frio depois do banho", False),
    ("oi", False),
    ("ele ta respirando com dificuldade", True),
    ("respirando mal", True),
    ("comeu chocolate", True),
    ("comeu uva", True),
    ("xilitol", True),
    ("picada de cobra", True),
    ("uma cobra picou ele", True),
    ("barriga inchada e tentando vomitar", True),
    ("a cadela ta parindo e o filhote não sai", True),
    ("teve um ataque", True),
    ("tá babando e tremendo", True),
    ("não consegue levantar", True),
    ("olho saltado", True),
    ("não é emergência, só quero marcar vacina", False),
    ("tem antipulgas e veneno pra carrapato?", False),
    ("o veneno de carrapato funciona?", False),
    ("quero cancelar, urgente", False),
    ("posso pagar no pix? é urgente", False),
    ("preciso urgente de uma consulta de rotina", False),
    ("ele caiu do sofá mas ta bem", False),
    ("engasgou ontem mas já passou", False),
    ("Sangue bom! valeu", False),
    ("qual o telefone de emergência?", False),
    ("vocês atendem emergência de madrugada?", False),
    ("preciso de um banho urgente", False),
    ("teve um ataque de tosse", False),
]


@pytest.mark.parametrize(("text", "expected"), EMERGENCY, ids=[t for t, _ in EMERGENCY])
def test_emergency(text: str, expected: bool) -> None:
    assert emergency_in(text) is expected


ASKS_EMERGENCY = [
    ("vocês atendem emergência?", True),
    ("tem plantão 24h?", True),
    ("vcs fazem atendimento de urgencia?", True),
    ("meu cachorro foi atropelado", False),
    ("quanto custa o banho?", False),
]


@pytest.mark.parametrize(("text", "expected"), ASKS_EMERGENCY, ids=[t for t, _ in ASKS_EMERGENCY])
def test_asks_about_emergency_service(text: str, expected: bool) -> None:
    assert asks_about_emergency_service(text) is expected


CORRECTIONS = [
    ("na verdade é sexta", True),
    ("na vdd quero tosa", True),
    ("melhor às 10", True),
    ("errei, é às 15h", True),
    ("não, é pra Mel", True),
    ("ops, dia 12", True),
    ("quis dizer terça", True),
    ("troca pra tosa", True),
    ("digo, 14h", True),
    ("corrigindo: é o Thor", True),
    ("opa, errei", True),
    ("nao nao, é amanhã", True),
    ("melhor não", False),
    ("qual o melhor horário?", False),
    ("quero um banho", False),
    ("na sexta", False),
    ("obrigado", False),
    ("opa, bom dia", False),
    ("não", False),
]


@pytest.mark.parametrize(("text", "expected"), CORRECTIONS, ids=[t for t, _ in CORRECTIONS])
def test_correction(text: str, expected: bool) -> None:
    assert correction_in(text) is expected


QUESTIONS = [
    ("quanto custa o banho? e a tosa? vcs abrem domingo?", ["prices", "prices", "hours"]),
    ("oi! quanto custa o banho?", ["prices"]),
    ("bom dia\nqual o valor da consulta\ne da vacina", ["prices", "prices"]),
    ("vcs abrem sabado? e domingo?", ["hours", "hours"]),
    ("quanto é o banho? tem horario amanha?", ["prices", "slots"]),
    ("oi tudo bem? queria saber o preço da tosa e se tem horário sexta", ["prices", "slots"]),
    ("quero marcar banho pro rex amanha às 10", ["book"]),
    ("qual o horario de vcs? vcs fazem tosa na tesoura?", ["hours", "services"]),
    ("oi", []),
    ("boa tarde! tudo bem?", []),
    ("oi, tem banho hoje as 17h?", ["slots"]),
]


@pytest.mark.parametrize(("text", "intents"), QUESTIONS, ids=[t for t, _ in QUESTIONS])
def test_questions(text: str, intents: list[str]) -> None:
    parts = questions_of(text, SERVICES)
    assert [q.intent for q in parts] == intents
    assert len(questions_in(text)) == len(intents)


def test_a_follow_up_with_a_verb_of_its_own_is_its_own_question() -> None:
    assert questions_in("vcs tem estacionamento na loja? e no centro tem outra loja?") == [
        "vcs tem estacionamento na loja?",
        "no centro tem outra loja?",
    ]
    assert questions_in("vcs vao abrir no natal? e na vespera, dia 24?")[1] == (
        "vcs vao abrir na vespera, dia 24?"
    )


def test_follow_up_carries_the_question() -> None:
    parts = questions_in("quanto custa o banho? e a tosa? vcs abrem domingo?")
    assert parts[1] == "quanto custa a tosa?"
    assert questions_of("quanto custa o banho? e a tosa?", SERVICES)[1].service == "Tosa"
    assert questions_in("vcs abrem sabado? e domingo?")[1] == "vcs abrem domingo?"


NORMALIZED = [
    ("Qnto tá o banhoooo?", "quanto esta o banho?"),
    ("oiii vc tb abre hj?", "oi voce tambem abre hoje?"),
    ("simmm", "sim"),
    ("consuta amanhã", "consulta amanha"),
    ("vlw, tmj", "valeu, tamo junto"),
    ("isso", "isso"),
]


@pytest.mark.parametrize(("text", "expected"), NORMALIZED, ids=[t for t, _ in NORMALIZED])
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected
