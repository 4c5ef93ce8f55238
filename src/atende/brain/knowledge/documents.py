"""Reading a business's documents (Markdown, text, HTML, PDF) into passages.

A passage is a few paragraphs under the heading they belong to: small enough that the
one that answers a question ranks first, big enough to carry the answer whole.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from atende.errors import UnreadableDocument

KINDS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}
CHUNK_CHARS = 700
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True, slots=True)
class ReadDocument:
    name: str
    kind: str
    sha256: str
    chunks: list[tuple[str, str]]  # (heading, text)


def read_document(path: Path) -> ReadDocument:
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        supported = ", ".join(sorted(KINDS))
        raise UnreadableDocument(f"{path.name}: unsupported file type (use {supported})")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(f"{path}: {exc.strerror or exc}") from exc
    if kind == "pdf":
        text = _pdf_text(raw, path.name)
    else:
        text = _decode(raw)
        if kind == "html":
            text = html_to_text(text)
    sections = markdown_sections(text) if kind in ("markdown", "html") else [("", text)]
    chunks = [c for heading, body in sections for c in chunk_text(heading, body)]
    if not chunks:
        raise UnreadableDocument(f"{path.name}: no text found")
    return ReadDocument(path.name, kind, hashlib.sha256(raw).hexdigest(), chunks)


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _pdf_text(raw: bytes, name: str) -> str:
    from io import BytesIO

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(BytesIO(raw))
        return "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise UnreadableDocument(f"{name}: not a readable PDF ({exc})") from exc


class _TextOfHtml(HTMLParser):
    """Visible text of a page, with headings kept as Markdown headings."""

    BLOCKS = frozenset({"p", "div", "li", "br", "tr", "section", "article", "ul", "ol", "table"})
    SKIP = frozenset({"script", "style", "noscript", "head", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n" if tag != "li" else "\n- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    return "\n".join(lines)


def markdown_sections(text: str) -> list[tuple[str, str]]:
    """Split on headings; each section keeps the heading it sits under."""
    sections: list[tuple[str, str]] = []
    heading, body = "", list[str]()
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match:
            sections.append((heading, "\n".join(body)))
            heading, body = match.group(2).strip(), []
        else:
            body.append(line)
    sections.append((heading, "\n".join(body)))
    return [(h, b) for h, b in sections if b.strip() or h]


def chunk_text(heading: str, text: str, size: int = CHUNK_CHARS) -> list[tuple[str, str]]:
    """Paragraphs packed into passages of about ``size`` characters; a longer paragraph
    is cut at sentence ends."""
    paragraphs = [re.sub(r"[ \t]+", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
    pieces: list[str] = []
    for para in filter(None, paragraphs):
        if len(para) <= size:
            pieces.append(para)
            continue
        sentences = re.split(r"(?<=[.!?])\s+", para)
        current = ""
        for sentence in sentences:
            if current and len(current) + len(sentence) + 1 > size:
                pieces.append(current)
                current = ""
            current = f"{current} {sentence}".strip()
        if current:
            pieces.append(current)
    chunks: list[tuple[str, str]] = []
    current = ""
    for piece in pieces:
        if current and len(current) + len(piece) + 2 > size:
            chunks.append((heading, current))
            current = ""
        current = f"{current}\n\n{piece}".strip()
    if current:
        chunks.append((heading, current))
    if not chunks and heading:
        return []
    return chunks
