"""The knowledge base: `atende kb` on every file type, retrieval of the right passage,
and FAQ answers in conversations (offline brain and the LLM's search_knowledge tool)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from atende.brain.knowledge.documents import read_document
from atende.brain.knowledge.retrieval import KnowledgeSearch
from atende.runtime import Runtime
from atende.storage import knowledge, orgs
from atende.storage.db import transaction
from tests.conftest import demo_runtime, llm_settings
from tests.support.dialogue import Customer
from tests.support.fake_llm import calls, last_tool_results, start_fake_llm, text, tool
from tests.support.pdf import text_pdf
from tests.test_cli import atende

FIXTURES = Path(__file__).parent / "fixtures" / "kb"


@pytest.fixture
def documents(tmp_path: Path) -> list[Path]:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("faq.md", "politicas.txt", "vacinas.html"):
        shutil.copy(FIXTURES / name, docs / name)
    (docs / "hotel.pdf").write_bytes(
        text_pdf(
            [
                "Hotelzinho para cães",
                "Diária de R$ 80 com passeios e ração inclusa.",
                "Check-in até as 10h e check-out até as 18h.",
            ]
        )
    )
    return sorted(docs.iterdir())


def test_kb_add_reads_every_file_type_with_a_progress_bar(
    tmp_path: Path, documents: list[Path]
) -> None:
    assert atende(tmp_path, "init", "--demo").returncode == 0
    added = atende(tmp_path, "kb", "add", "demo", *map(str, documents))
    assert added.returncode == 0, added.stderr
    assert "100%" in added.stderr and "4/4" in added.stderr  # tqdm's bar
    for line in (
        "added: faq.md (markdown, 3 passages)",
        "added: hotel.pdf (pdf, 1 passages)",
        "added: politicas.txt (text, 1 passages)",
        "added: vacinas.html (html, 2 passages)",
    ):
        assert line in added.stdout
    listed = atende(tmp_path, "kb", "list", "demo").stdout
    assert [line.split("\t")[0] for line in listed.splitlines()] == [
        "demo_faq.md",  # what init --demo brings
        "faq.md",
        "hotel.pdf",
        "politicas.txt",
        "vacinas.html",
    ]
    found = atende(tmp_path, "kb", "search", "demo", "qual o valor da diária do hotel?").stdout
    assert found.splitlines()[0].endswith("hotel.pdf") and "R$ 80" in found
    again = atende(tmp_path, "kb", "add", "demo", str(documents[0]))  # same name: replaced
    assert again.returncode == 0
    names = [
        line.split("\t")[0] for line in atende(tmp_path, "kb", "list", "demo").stdout.splitlines()
    ]
    assert names.count("faq.md") == 1
    removed = atende(tmp_path, "kb", "remove", "demo", "hotel.pdf")
    assert removed.stdout.strip() == "removed: hotel.pdf"
    assert (
        "no passage matches" in atende(tmp_path, "kb", "search", "demo", "hotelzinho diária").stdout
    )


def test_kb_refuses_bad_input_and_changes_nothing(tmp_path: Path, documents: list[Path]) -> None:
    atende(tmp_path, "init", "--demo")
    (tmp_path / "planilha.xlsx").write_bytes(b"PK\x03\x04")
    (tmp_path / "quebrado.pdf").write_bytes(b"%PDF-1.4 nothing here")
    for args, message in (
        (["kb", "add", "demo", str(tmp_path / "planilha.xlsx")], "unsupported file type"),
        (["kb", "add", "demo", str(tmp_path / "nao-existe.md")], "no such file"),
        (["kb", "add", "nobody", str(documents[0])], "no organization 'nobody'"),
        (["kb", "add", "demo", str(documents[0]), str(tmp_path / "quebrado.pdf")], "quebrado.pdf"),
        (["kb", "remove", "demo", "nada.md"], "not in the knowledge base"),
    ):
        result = atende(tmp_path, *args)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    listed = atende(tmp_path, "kb", "list", "demo").stdout
    assert [line.split("\t")[0] for line in listed.splitlines()] == ["demo_faq.md"]


QUESTIONS = [
    ("vcs aceitam cartão de crédito?", "faq.md", "Pagamento"),
    ("tem onde estacionar o carro?", "faq.md", "Estacionamento"),
    ("vocês buscam o cachorro em casa?", "faq.md", "Táxi dog"),
    ("se eu cancelar em cima da hora pago multa?", "politicas.txt", ""),
    ("com quantos dias o filhote pode tomar vacina?", "vacinas.html", "Vacinação"),
    ("precisa levar a carteirinha?", "vacinas.html", "Documentos"),
    ("quanto custa a diária do hotelzinho?", "hotel.pdf", ""),
]


def with_documents(paths: list[Path]) -> Callable[[Any, Any], None]:
    def add(session: Any, org: Any) -> None:
        for path in paths:
            doc = read_document(path)
            knowledge.replace_document(session, org.id, doc.name, doc.kind, doc.sha256, doc.chunks)

    return add


@pytest.fixture
def shop(db_url: str, tmp_path: Path, documents: list[Path]) -> Iterator[Runtime]:
    rt = demo_runtime(db_url, tmp_path, with_documents(documents))
    yield rt
    rt.close()


@pytest.mark.parametrize(("question", "source", "heading"), QUESTIONS)
def test_search_finds_the_passage_that_answers(
    shop: Runtime, question: str, source: str, heading: str
) -> None:
    with shop.sessions() as s:
        [best, *_] = KnowledgeSearch().search(s, 1, question)
    assert (best.passage.source, best.passage.heading) == (source, heading)
    assert best.confident


def test_offline_brain_answers_faqs_from_the_documents(shop: Runtime) -> None:
    gabi = Customer(shop, "demo", "+5511999990020", "Gabi")
    answer = gabi.say("Oi! vcs aceitam pix?")
    assert answer.startswith("Olá, Gabi! 😊 Aceitamos Pix, cartão de crédito em até 3x")
    assert "Posso ajudar em mais alguma coisa?" in answer
    assert "R$ 15 cada trecho" in gabi.say("quanto custa o táxi dog?")
    assert "R$ 60,00" in gabi.say("quanto custa o banho?")  # services still win
    assert "não sei responder" in gabi.say("qual a capital da Mongólia?")  # no invented answer


def test_documents_added_later_are_found_without_a_restart(shop: Runtime) -> None:
    hugo = Customer(shop, "demo", "+5511999990021")
    assert "não sei responder" in hugo.say("vocês vendem brinquedo de corda?")
    with transaction(shop.sessions) as s:
        org = orgs.org_by_slug(s, "demo")
        assert org is not None
        knowledge.replace_document(
            s, org.id, "loja.md", "markdown", "x", [("Loja", "Vendemos brinquedos de corda.")]
        )
    assert "Vendemos brinquedos de corda" in hugo.say("vocês vendem brinquedo de corda?")


def test_the_llm_searches_the_knowledge_base_and_sees_the_sources(
    sqlite_url: str, tmp_path: Path, documents: list[Path]
) -> None:
    llm = start_fake_llm()
    seen: list[dict[str, object]] = []

    def answer(request: dict[str, object]) -> dict[str, object]:
        seen.extend(last_tool_results(request))  # type: ignore[arg-type]
        return text("Até 2 horas antes é grátis 🙂")

    llm.play(calls(tool("search_knowledge", query="multa cancelamento")), answer)
    rt = demo_runtime(sqlite_url, tmp_path, with_documents([documents[2]]), **llm_settings(llm.url))
    try:
        reply = Customer(rt, "demo", "+5511999990022").say("e se eu precisar desmarcar?")
        assert reply == "Até 2 horas antes é grátis 🙂"
        [result] = seen
        passage = result["passages"][0]  # type: ignore[index]
        assert passage["source"] == "politicas.txt" and "2 horas antes" in passage["text"]
    finally:
        rt.close()
        llm.stop()


def test_plainly_matching_passages_ride_along_in_the_prompt(
    sqlite_url: str, tmp_path: Path, documents: list[Path]
) -> None:
    llm = start_fake_llm()
    llm.play(text("**Sim!** Aceitamos Pix 😊"))
    rt = demo_runtime(sqlite_url, tmp_path, with_documents(documents), **llm_settings(llm.url))
    try:
        reply = Customer(rt, "demo", "+5511999990023").say("e pix, vocês aceitam?")
        assert reply == "*Sim!* Aceitamos Pix 😊"  # WhatsApp bold, not Markdown
        system = llm.requests[0]["messages"][0]["content"]
        assert "From the business's documents (faq.md): Aceitamos Pix" in system
    finally:
        rt.close()
        llm.stop()


def test_optional_embeddings_find_passages_that_share_no_word_with_the_question(
    tmp_path: Path, documents: list[Path]
) -> None:
    fake = start_fake_llm()
    env = {"ATENDE_EMBEDDINGS_MODEL": "toy-embed", "ATENDE_EMBEDDINGS_BASE_URL": fake.url}
    try:
        atende(tmp_path, "init", "--demo")
        question = "posso desistir?"  # the policy says "Cancelamentos e remarcações"
        atende(tmp_path, "kb", "add", "demo", *map(str, documents))
        words_only = atende(tmp_path, "kb", "search", "demo", question).stdout
        assert "politicas.txt" not in words_only
        added = atende(tmp_path, "kb", "add", "demo", str(documents[2]), **env)
        assert added.returncode == 0, added.stderr
        assert "added: politicas.txt (text, 1 passages, with embeddings)" in added.stdout
        assert fake.embedding_inputs[-1][0].startswith("Política de cancelamento")
        found = atende(tmp_path, "kb", "search", "demo", question, **env).stdout
        assert (
            found.splitlines()[0].startswith("[0.00 ~") and "politicas.txt" in found.splitlines()[0]
        )
        fake.embeddings_down = True
        failed = atende(tmp_path, "kb", "add", "demo", str(documents[0]), **env)
        assert failed.returncode == 2 and "embeddings failed" in failed.stderr
        still = atende(tmp_path, "kb", "search", "demo", "aceitam pix?", **env)
        assert still.returncode == 0 and "faq.md" in still.stdout  # words alone, no crash
    finally:
        fake.stop()


def test_the_models_search_uses_embeddings_and_survives_their_outage(
    sqlite_url: str, tmp_path: Path, documents: list[Path]
) -> None:
    from atende.brain.knowledge.embeddings import Embedder, EmbeddingConfig, to_bytes

    llm = start_fake_llm()
    policy = read_document(documents[2])

    def add_with_vectors(session: Any, org: Any) -> None:
        embedder = Embedder(EmbeddingConfig("toy-embed", llm.url))
        vectors = [to_bytes(v) for v in embedder.embed([t for _, t in policy.chunks])]
        embedder.close()
        knowledge.replace_document(
            session, org.id, policy.name, policy.kind, policy.sha256, policy.chunks, vectors
        )

    results: list[dict[str, Any]] = []

    def record(request: dict[str, Any]) -> dict[str, Any]:
        results.extend(last_tool_results(request))
        return text("ok")

    search = calls(tool("search_knowledge", query="dá pra desistir?"))
    llm.play(search, record, search, record)
    rt = demo_runtime(
        sqlite_url,
        tmp_path,
        add_with_vectors,
        **llm_settings(llm.url, embeddings_model="toy-embed"),
    )
    try:
        ivo = Customer(rt, "demo", "+5511999990024")
        ivo.say("tenho uma dúvida sobre desistir")
        assert results[0]["passages"][0]["source"] == "politicas.txt"
        llm.embeddings_down = True
        assert ivo.say("e então?") == "ok"  # words only now: nothing found, nothing broken
        assert results[1]["passages"] == []
    finally:
        rt.close()
        llm.stop()
