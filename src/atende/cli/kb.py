"""``atende kb …``: the business's documents the assistant answers from."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from atende.cli.common import CliError, console, database, find_org, settings
from atende.config import Settings

if TYPE_CHECKING:
    from atende.brain.knowledge.documents import ReadDocument

app = typer.Typer(help="The knowledge base: documents the assistant answers from.")

Slug = Annotated[str, typer.Argument(help="the organization's slug")]


@app.command()
def add(
    slug: Slug,
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help=".md .txt .html .pdf")],
) -> None:
    """Add documents; a file with the same name replaces the one stored."""
    from tqdm import tqdm

    from atende.brain.knowledge.documents import read_document
    from atende.errors import UnreadableDocument
    from atende.storage import knowledge

    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise CliError("no such file: " + ", ".join(missing))
    config = settings()
    read = []
    for path in tqdm(files, desc="reading", unit="file", file=sys.stderr):
        try:
            read.append(read_document(path))
        except UnreadableDocument as exc:
            raise CliError(str(exc)) from exc
    vectors = _embed_passages(config, read)
    with database(config) as session:
        org = find_org(session, slug)
        for doc in read:
            knowledge.replace_document(
                session, org.id, doc.name, doc.kind, doc.sha256, doc.chunks, vectors.get(doc.name)
            )
    out = console()
    for doc in read:
        extra = ", with embeddings" if doc.name in vectors else ""
        out.print(f"added: {doc.name} ({doc.kind}, {len(doc.chunks)} passages{extra})")


def _embed_passages(config: Settings, docs: list[ReadDocument]) -> dict[str, list[bytes]]:
    """Vectors per document when ATENDE_EMBEDDINGS_MODEL is set; nothing is stored if the
    endpoint fails (the user fixes it and adds again)."""
    from tqdm import tqdm

    from atende.brain.knowledge.embeddings import to_bytes
    from atende.errors import EmbeddingError
    from atende.runtime import embedder_for

    embedder = embedder_for(config)
    if embedder is None:
        return {}
    out: dict[str, list[bytes]] = {}
    try:
        for doc in tqdm(docs, desc="embedding", unit="file", file=sys.stderr):
            texts = [f"{heading}\n{text}".strip() for heading, text in doc.chunks]
            out[doc.name] = [to_bytes(v) for v in embedder.embed(texts)]
    except EmbeddingError as exc:
        raise CliError(f"embeddings failed ({exc}); check ATENDE_EMBEDDINGS_*") from exc
    finally:
        embedder.close()
    return out


@app.command("list")
def list_documents(slug: Slug) -> None:
    """Documents and their passages."""
    from atende.storage import knowledge

    with database(settings()) as session:
        docs = knowledge.documents(session, find_org(session, slug).id)
    if not docs:
        console().print("the knowledge base is empty: atende kb add SLUG FILE...")
    for d in docs:  # tab-separated, for scripts
        print(f"{d.name}\t{d.kind}\t{d.chunks} passages\t{d.chars} chars")


@app.command()
def remove(slug: Slug, names: Annotated[list[str], typer.Argument(metavar="NAME...")]) -> None:
    """Remove documents by name."""
    from atende.storage import knowledge

    with database(settings()) as session:
        org = find_org(session, slug)
        gone = [n for n in names if knowledge.remove_document(session, org.id, n)]
    out = console()
    for name in gone:
        out.print(f"removed: {name}")
    unknown = sorted(set(names) - set(gone))
    if unknown:
        raise CliError("not in the knowledge base: " + ", ".join(unknown))


@app.command()
def search(slug: Slug, query: Annotated[str, typer.Argument(help="a customer's question")]) -> None:
    """The passages a question finds."""
    from atende.brain.knowledge.retrieval import KnowledgeSearch
    from atende.runtime import embedder_for

    config = settings()
    with database(config) as session:
        finder = KnowledgeSearch(embedder_for(config))
        hits = finder.search(session, find_org(session, slug).id, query, k=3)
    out = console()
    if not hits:
        out.print("no passage matches")
    for hit in hits:
        where = hit.passage.source + (f" › {hit.passage.heading}" if hit.passage.heading else "")
        similar = f" ~{hit.similarity:.2f}" if hit.similarity is not None else ""
        out.print(f"[{hit.score:.2f}{similar}] {where}\n{hit.passage.text}\n")
