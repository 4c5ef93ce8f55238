"""Portuguese grammar for replies: articles, contractions, counted nouns, first guesses."""

from __future__ import annotations

from decimal import Decimal

import pytest

from atende.domain import grammar
from atende.domain.entities import ServiceInfo
from atende.domain.grammar import Gender

BANHO = ServiceInfo(1, "Banho", Decimal("60"), 60, "m", False)
VACINACAO = ServiceInfo(2, "Vacinação", Decimal("90"), 30, "f", False)
VACINAS = ServiceInfo(3, "Vacinas", Decimal("90"), 30, "f", True)
BANHOS = ServiceInfo(4, "Banhos do mês", Decimal("200"), 60, "m", True)


@pytest.mark.parametrize(
    ("service", "the", "of", "on", "at"),
    [
        (BANHO, "o Banho", "do Banho", "no Banho", "ao Banho"),
        (VACINACAO, "a Vacinação", "da Vacinação", "na Vacinação", "à Vacinação"),
        (VACINAS, "as Vacinas", "das Vacinas", "nas Vacinas", "às Vacinas"),
        (BANHOS, "os Banhos do mês", "dos Banhos do mês", "nos Banhos do mês", "aos Banhos do mês"),
    ],
)
def test_articles_and_contractions(
    service: ServiceInfo, the: str, of: str, on: str, at: str
) -> None:
    assert grammar.the(service) == the
    assert grammar.of(service) == of
    assert grammar.on(service) == on
    assert grammar.at(service) == at


@pytest.mark.parametrize(
    ("gender", "plural", "article", "de", "em", "a", "por"),
    [
        ("m", False, "o", "do", "no", "ao", "pelo"),
        ("f", False, "a", "da", "na", "à", "pela"),
        ("m", True, "os", "dos", "nos", "aos", "pelos"),
        ("f", True, "as", "das", "nas", "às", "pelas"),
    ],
)
def test_the_contraction_table(
    gender: Gender, plural: bool, article: str, de: str, em: str, a: str, por: str
) -> None:
    assert grammar.article(gender, plural) == article
    assert [grammar.contract(p, gender, plural) for p in ("de", "em", "a", "por")] == [
        de,
        em,
        a,
        por,
    ]


@pytest.mark.parametrize(
    ("count", "noun", "plural", "gender", "said"),
    [
        (0, "horário", None, "m", "nenhum horário"),
        (1, "horário", None, "m", "1 horário"),
        (2, "horário", None, "m", "2 horários"),
        (0, "vaga", None, "f", "nenhuma vaga"),
        (3, "vaga", None, "f", "3 vagas"),
        (2, "opção", None, "f", "2 opções"),
        (5, "mensagem", None, "f", "5 mensagens"),
        (2, "animal", None, "m", "2 animais"),
        (4, "pão", "pães", "m", "4 pães"),
        (-1, "ponto", None, "m", "-1 ponto"),
    ],
)
def test_counted_nouns(
    count: int, noun: str, plural: str | None, gender: Gender, said: str
) -> None:
    assert grammar.counted(count, noun, plural, gender) == said


@pytest.mark.parametrize(
    ("word", "plural"),
    [
        ("horário", "horários"),
        ("serviço", "serviços"),
        ("opção", "opções"),
        ("mensagem", "mensagens"),
        ("animal", "animais"),
        ("hotel", "hotéis"),
        ("lençol", "lençóis"),
        ("flor", "flores"),
        ("vez", "vezes"),
        ("ônibus", "ônibus"),
    ],
)
def test_regular_plurals(word: str, plural: str) -> None:
    assert grammar.plural_of(word) == plural


@pytest.mark.parametrize(
    ("name", "gender", "plural"),
    [
        ("Banho", "m", False),
        ("Tosa", "f", False),
        ("Banho e tosa", "m", False),
        ("Consulta veterinária", "f", False),
        ("Vacinação", "f", False),
        ("Vacinas", "f", True),
        ("Hidratações", "f", True),
        ("Hospedagem", "f", False),
        ("Tosagens", "f", True),
        ("Corte de unhas", "m", False),
        ("Limpeza de dentes", "f", False),
        ("Banhos", "m", True),
        ("Ônibus pet", "m", False),
        ("", "m", False),
    ],
)
def test_first_guess_from_the_head_word(name: str, gender: str, plural: bool) -> None:
    assert grammar.guess_gender(name) == (gender, plural)


def test_old_callers_get_a_masculine_singular_service() -> None:
    old = ServiceInfo(9, "Banho", Decimal("60"), 60)
    assert (old.gender, old.plural) == ("m", False) and grammar.the(old) == "o Banho"
