"""WhatsApp phrasings of 'when', read against a fixed week (never the real clock).

Each row: the text, when it was said ("qua 15:00" = Wednesday of the anchor week at 15:00,
local time), the day expected as an offset in days from that moment's date (or None), the
time "HH:MM" (or None), the period (or None) and a span as offsets (or None). The whole
``When`` is compared, so a row fails on any field found that should not be."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import pytest

from atende.brain.dialogue.when import When, extract_when

ANCHOR = date(2026, 11, 16)  # a Monday
WEEKDAY = {"seg": 0, "ter": 1, "qua": 2, "qui": 3, "sex": 4, "sab": 5, "dom": 6}
BRT = timezone(timedelta(hours=-3))


@dataclass(frozen=True)
class Row:
    text: str
    now: str = "seg 09:00"
    day: int | None = None
    at: str | None = None
    period: str | None = None
    span: tuple[int, int] | None = None


R = Row  # short, so the table reads as a table

ROWS = [
    # times in words and digits
    R("duas da tarde", at="14:00", period="tarde"),
    R("às 3 da tarde", at="15:00", period="tarde"),
    R("meio-dia", at="12:00"),
    R("meio dia e meia", at="12:30"),
    R("pode ser 10 e meia?", at="10:30"),
    R("nove e quinze", at="09:15"),
    R("nove e meia", at="09:30"),
    R("terça as nove horas", day=1, at="09:00"),
    R("qualquer dia menos quarta, de tarde", period="tarde"),
    R("vcs vao abrir no natal?", day=39),  # 25/12 from Monday 16/11
    R("abrem na vespera de natal?", day=38),
    R("e no ano novo?", day=46),
    R("pode ser 22/12 as 10h? quero ele lindo pro natal", day=36, at="10:00"),
    R("banho sexta 10h, pra ficar cheiroso pro natal", day=4, at="10:00"),
    R("sexta nao vai ter horario?", day=4),
    R("qualquer dia menos quarta e quinta"),
    R("dez horas de viagem"),
    R("falei menos quarta 🙄 terça as 14h", day=1, at="14:00"),
    R("quarta nao vou conseguir levar, pode ser terça?", day=1),
    R("amanhã dez horas", day=1, at="10:00"),
    R("às duas horas da tarde", at="14:00", period="tarde"),
    R("dez horas e meia", at="10:30"),
    R("onze e quarenta e cinco", at="11:45"),
    R("as 2 e meia da tarde", at="14:30", period="tarde"),
    R("8 da manhã", at="08:00", period="manha"),
    R("umas 4", at="16:00"),
    R("15h", at="15:00"),
    R("15:30", at="15:30"),
    R("15h30", at="15:30"),
    R("às 10", at="10:00"),
    R("10hrs", at="10:00"),
    R("10 horas", at="10:00"),
    R("uma da tarde", at="13:00", period="tarde"),
    R("às duas", at="14:00"),
    R("lá pelas 3", at="15:00"),
    R("por volta das 11", at="11:00"),
    R("pode ser às onze?", at="11:00"),
    R("as 9h da manha", at="09:00", period="manha"),
    R("8 da noite", at="20:00", period="noite"),
    R("às 7 da noite", at="19:00", period="noite"),
    R("depois das 16h", at="16:00"),
    R("10h e meia", at="10:30"),
    R("às 14:00", at="14:00"),
    R("meiodia", at="12:00"),
    R("ao meio-dia", at="12:00"),
    R("as 3 e quinze", at="15:15"),
    R("às cinco", at="17:00"),
    R("as 10 pode ser?", at="10:00"),
    R("9 hs", at="09:00"),
    R("à uma", at="13:00"),
    R("umas 2 e meia", at="14:30"),
    # greetings never shift a time and are never a period
    R("Boa tarde! Queria marcar banho dia 03/12 às 10h", day=17, at="10:00"),
    R("boa tarde"),
    R("bom dia"),
    R("boa noite, tudo bem?"),
    R("Bom dia! amanhã às 9 tem vaga?", day=1, at="09:00"),
    R("boa noite, pode ser amanha a tarde?", day=1, period="tarde"),
    R("boa tarde, às 4 tem horário?", at="16:00"),
    R("Bom diaaa"),
    R("boaa tarde"),
    R("boa tade, amanhã às 10?", day=1, at="10:00"),
    R("3 horas da tarde", at="15:00", period="tarde"),
    R("de segunda a sexta das 8 às 18", now="qua 10:00", day=5, at="08:00"),
    R("boa tarde! sexta às 10h", day=4, at="10:00"),
    R("Boa tarde, tem horário sábado de manhã?", day=5, period="manha"),
    R("boa noite! 9h amanhã", day=1, at="09:00"),
    # periods and spans
    R("semana que vem de manhã", period="manha", span=(7, 13)),
    R("sexta à tarde", day=4, period="tarde"),
    R("fim de semana", span=(5, 6)),
    R("final de semana", now="qua 10:00", span=(3, 4)),
    R("fim de semana", now="sab 10:00", span=(0, 1)),
    R("fim de semana", now="dom 10:00", span=(6, 7)),
    R("início da semana que vem", span=(7, 9)),
    R("inicio da semana que vem", now="qui 10:00", span=(4, 6)),
    R("essa semana", now="qua 10:00", span=(0, 4)),
    R("ainda essa semana se der", span=(0, 6)),
    R("mês que vem", span=(15, 45)),
    R("de manhã", period="manha"),
    R("à tarde", period="tarde"),
    R("pela manhã", period="manha"),
    R("de tardezinha", period="tarde"),
    R("no fim da tarde", period="tarde"),
    R("a noite", period="noite"),
    R("semana que vem à tarde", now="qua 10:00", period="tarde", span=(5, 11)),
    R("proxima semana", now="sex 10:00", span=(3, 9)),
    R("semana que vem na terça", day=8),
    R("quinta da semana que vem", now="qua 10:00", day=8),
    R("fds", span=(5, 6)),
    R("fim de semana de manha", now="ter 10:00", period="manha", span=(4, 5)),
    R("final da semana que vem", span=(10, 13)),
    R("sábado de manhã", day=5, period="manha"),
    R("amanhã de tardezinha", day=1, period="tarde"),
    R("hoje à noite", day=0, period="noite"),
    R("semana q vem as 10", at="10:00", span=(7, 13)),
    R("prox semana", span=(7, 13)),
    # relative days, weekdays and typos
    R("hoje", day=0),
    R("hj às 15h", day=0, at="15:00"),
    R("amanhã", day=1),
    R("amanha 10h", day=1, at="10:00"),
    R("amnh as 9", day=1, at="09:00"),
    R("amanh de manha", day=1, period="manha"),
    R("depois de amanhã", day=2),
    R("dps de amanha as 14h", day=2, at="14:00"),
    R("terca", day=1),
    R("sabado", day=5),
    R("sab", day=5),
    R("sábado que vem", day=5),
    R("sábado que vem", now="sab 10:00", day=7),
    R("próxima sexta", day=4),
    R("quarta q vem", day=2),
    R("segunda-feira", now="qua 10:00", day=5),
    R("sabdo às 10", day=5, at="10:00"),
    R("quinat de manha", day=3, period="manha"),
    R("tersa 15h", now="qua 10:00", day=6, at="15:00"),
    R("sex às 9", day=4, at="09:00"),
    R("qui 14h", day=3, at="14:00"),
    R("na ter de manha", now="qua 10:00", day=6, period="manha"),
    R("segunda", now="seg 08:00", day=0),
    R("terça", now="qui 10:00", day=5),
    R("terça às 10h", now="ter 15:00", day=7, at="10:00"),
    R("terça às 16h", now="ter 15:00", day=0, at="16:00"),
    R("terça de manhã", now="ter 15:00", day=7, period="manha"),
    R("terça à tarde", now="ter 11:00", day=0, period="tarde"),
    R("hoje às 10h", now="ter 15:00", day=0, at="10:00"),
    R("quinta feira", now="qua 10:00", day=1),
    R("domingo", day=6),
    R("sabadoo", day=5),
    R("segnda às 8", now="qua 10:00", day=5, at="08:00"),
    R("sextaa de tarde", day=4, period="tarde"),
    R("quarta-feira às 9h", day=2, at="09:00"),
    R("sexta-feira, meio dia", day=4, at="12:00"),
    R("sexta 15h30", day=4, at="15:30"),
    R("amanhã às 10 e meia", day=1, at="10:30"),
    R("amanhã umas 3 da tarde", day=1, at="15:00", period="tarde"),
    R("pode ser hoje depois do almoço?", day=0, period="tarde"),
    R("amanhã cedinho", day=1, period="manha"),
    R("amanha cedo", day=1, period="manha"),
    R("o mais cedo possível"),
    R("antes do almoço", period="manha"),
    R("no final do dia", period="tarde"),
    R("nessa quinta as 16", day=3, at="16:00"),
    R("segunda", now="qua 10:00", day=5),
    R("dom de manha", now="qua 10:00", day=4, period="manha"),
    # dates
    R("dia 03/12", day=17),
    R("03/12", day=17),
    R("3/12/2026", day=17),
    R("25 de dezembro", day=39),
    R("dia 5", day=19),
    R("dia 20 às 14h", day=4, at="14:00"),
    R("25 de dezenbro", day=39),
    R("dia 18/11 de manhã", day=2, period="manha"),
    R("10/01", day=55),
    R("dia 30/11 as 3 da tarde", day=14, at="15:00", period="tarde"),
    R("1 de janeiro de 2027", day=46),
    R("dia 5 às 9 e meia", day=19, at="09:30"),
    R("dia 10/11", day=-6),  # gone by a few days: that date, not next year
    R("12/11 às 10h", now="qua 10:00", day=-6, at="10:00"),
    R("10/09", now="qua 10:00", day=-69 + 365),  # long gone: next year
    R("dia 31/04"),
    R("13/13"),
    R("dia 31/04 de manhã", period="manha"),
    R("31/06 às 9h", at="09:00"),
    # not times, not days
    R("R$ 60"),
    R("60 reais"),
    R("quanto custa? R$ 60,00 o banho"),
    R("tenho 2 cachorros"),
    R("tenho 3 gatos"),
    R("meu número é 11 98765-4321"),
    R("ela tem 10 kg"),
    R("ele tem 1 ano"),
    R("3 meses"),
    R("A Mel tem 2 anos"),
    R("as 2 cadelas precisam de banho"),
    R("demora umas 2 horas?"),
    R("demora duas horas?"),
    R("leva umas tres horas"),
    R("quanto tempo leva? 1 hora?"),
    R("quero sabão neutro"),
    R("um segundo"),
    R("quantas vezes por mes?"),
    R("amanhecer"),
    R("o quintal é grande"),
    R("de 2 a 3 dias"),
    R("pedido 4521"),
    R("pesa 10.5 kg"),
    R("pode ser mais tarde?"),
    R("2 banhos e 1 tosa"),
    R("vcs abrem que horas?"),
    R("são 2 cachorros e uma gata"),
    R("faz 3 dias que ele tá coçando"),
    R("vou levar as duas"),
    R("levo as 2 amanhã", day=1),
    R("Rua 25 de Março, 100"),
    R("ela tem um ano e meio"),
    R("daqui a 2 dias", day=2),
    R("em 3 dias às 10h", day=3, at="10:00"),
    R("vou ter que remarcar"),
    R("o sexo dele é macho"),
    R("meu cpf é 123.456.789-10"),
    R("as vezes ele morde"),
    # ranges and accents
    R("entre 10 e 11", at="10:00"),
    R("entre 2 e 4 da tarde", at="14:00", period="tarde"),
    R("das 14h às 16h", at="14:00"),
    R("posso levar às duas", at="14:00"),
    R("tem às 10 ou 11?", at="10:00"),
    # moves
    R("de terça pra quarta", day=2),
    R("queria mudar de sexta pra segunda às 10", now="seg 11:00", day=7, at="10:00"),
    R("muda do dia 20 para o dia 25", day=9),
    # corrections inside one message: the later value wins
    R("hoje às 10h da manhã, não, às 11h", day=0, at="11:00"),
    R("às 10h. na verdade às 11h", at="11:00"),
    R("sexta, quer dizer, sábado às 9h", day=5, at="09:00"),
    R("amanhã às 14h, na vdd às 15h", day=1, at="15:00"),
    R("quinta às 10, ou melhor, sexta", day=4, at="10:00"),
    R("sexta às 9h, melhor às 10h", day=4, at="10:00"),
    R("às 16h, errei, às 17h", at="17:00"),
    R("amanhã não, quis dizer quarta de tarde", day=2, period="tarde"),
    R("hoje não, amanhã às 9", day=1, at="09:00"),
    R("amanhã às 10? não, obrigado", day=1, at="10:00"),
    R("o que quer dizer dia 5?", day=19),
]


def _now(spec: str) -> datetime:
    weekday, clock = spec.split()
    hour, minute = (int(part) for part in clock.split(":"))
    day = ANCHOR + timedelta(days=WEEKDAY[weekday])
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BRT)


def _expected(row: Row, now: datetime) -> When:
    today = now.date()
    day = today + timedelta(days=row.day) if row.day is not None else None
    at = time.fromisoformat(row.at) if row.at else None
    earliest = today + timedelta(days=row.span[0]) if row.span else None
    latest = today + timedelta(days=row.span[1]) if row.span else None
    return When(day, at, row.period, earliest, latest)


def test_table_is_big_enough() -> None:
    assert len(ROWS) >= 130


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.now}|{r.text}" for r in ROWS])
def test_phrasing(row: Row) -> None:
    now = _now(row.now)
    expected = _expected(row, now)
    found = extract_when(row.text, now)
    assert found == expected
    nothing = row.day is None and row.at is None and row.period is None and row.span is None
    assert found.empty is nothing


def test_plain_date_never_skips_a_week() -> None:
    tuesday = ANCHOR + timedelta(days=1)
    assert extract_when("terça às 10h", tuesday).day == tuesday
    assert extract_when("terça às 10h", _now("ter 15:00")).day == tuesday + timedelta(days=7)
