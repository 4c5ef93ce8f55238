"""The knowledge base's documents and passages, per organization."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from atende.storage.models import KnowledgeChunk, KnowledgeDocument
from atende.storage.paging import After, Page, by_id, take


@dataclass(frozen=True, slots=True)
class Passage:
    id: int
    source: str
    heading: str
    text: str
    embedding: bytes | None = None


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    id: int
    name: str
    kind: str
    chunks: int
    chars: int


def replace_document(
    session: Session,
    org_id: int,
    name: str,
    kind: str,
    sha256: str,
    chunks: list[tuple[str, str]],
    embeddings: list[bytes] | None = None,
) -> int:
    """Store a document's passages; a document of the same name is replaced, not doubled."""
    remove_document(session, org_id, name)
    doc = KnowledgeDocument(
        organization_id=org_id,
        name=name,
        kind=kind,
        sha256=sha256,
        chars=sum(len(text) for _, text in chunks),
    )
    session.add(doc)
    session.flush()
    session.add_all(
        KnowledgeChunk(
            organization_id=org_id,
            document_id=doc.id,
            position=i,
            heading=heading,
            text=text,
            embedding=embeddings[i] if embeddings else None,
        )
        for i, (heading, text) in enumerate(chunks)
    )
    session.flush()
    return doc.id


def documents_page(
    session: Session, org_id: int, after: After | None, limit: int
) -> Page[DocumentInfo]:
    """One page of the knowledge base's documents with their passage counts, oldest first."""
    counts = (
        select(func.count())
        .where(KnowledgeChunk.document_id == KnowledgeDocument.id)
        .scalar_subquery()
    )
    stmt = select(KnowledgeDocument, counts).where(KnowledgeDocument.organization_id == org_id)
    rows = [
        DocumentInfo(doc.id, doc.name, doc.kind, int(n), doc.chars)
        for doc, n in session.execute(by_id(stmt, KnowledgeDocument.id, after, limit))
    ]
    return take(rows, limit, lambda d: After(d.id))


def remove_document(session: Session, org_id: int, name: str) -> bool:
    doc_id = session.scalar(
        select(KnowledgeDocument.id).where(
            KnowledgeDocument.organization_id == org_id, KnowledgeDocument.name == name
        )
    )
    if doc_id is None:
        return False
    session.execute(
        delete(KnowledgeChunk).where(
            KnowledgeChunk.organization_id == org_id, KnowledgeChunk.document_id == doc_id
        )
    )
    session.execute(delete(KnowledgeDocument).where(KnowledgeDocument.id == doc_id))
    return True


def documents(session: Session, org_id: int) -> list[DocumentInfo]:
    counts = (
        select(KnowledgeChunk.document_id, func.count().label("n"))
        .where(KnowledgeChunk.organization_id == org_id)
        .group_by(KnowledgeChunk.document_id)
        .subquery()
    )
    stmt = (
        select(KnowledgeDocument, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.document_id == KnowledgeDocument.id)
        .where(KnowledgeDocument.organization_id == org_id)
        .order_by(KnowledgeDocument.name)
    )
    return [
        DocumentInfo(doc.id, doc.name, doc.kind, int(n), doc.chars)
        for doc, n in session.execute(stmt)
    ]


def revision(session: Session, org_id: int) -> tuple[int, int]:
    """Changes whenever a document is added or removed: (count, newest chunk id)."""
    row = session.execute(
        select(func.count(), func.coalesce(func.max(KnowledgeChunk.id), 0)).where(
            KnowledgeChunk.organization_id == org_id
        )
    ).one()
    return int(row[0]), int(row[1])


def passages(session: Session, org_id: int) -> list[Passage]:
    stmt = (
        select(KnowledgeChunk, KnowledgeDocument.name)
        .join(KnowledgeDocument, KnowledgeDocument.id == KnowledgeChunk.document_id)
        .where(KnowledgeChunk.organization_id == org_id)
        .order_by(KnowledgeChunk.id)
    )
    return [
        Passage(c.id, name, c.heading, c.text, c.embedding) for c, name in session.execute(stmt)
    ]
