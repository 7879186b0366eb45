"""DOCX (Word): the body's paragraphs and table cells in document order, with python-docx.

Paragraphs are separated by blank lines; a line break inside a paragraph stays a line break;
a table row is one paragraph with its cells separated by tabs (a transcript set out as a
label column and a speech column keeps each label with its speech). The document's headers
and footers are not part of the body, so they never reach the text. Core properties give
title, author and creation date when they are set.

A DOCX is a zip: a document whose XML parts would unpack to more than ``MAX_XML_BYTES``, or
all its parts to more than four times that (a zip bomb, or not a transcript), is refused
before anything is unpacked.
"""

from __future__ import annotations

import io
import re
import zipfile

import docx
from docx.document import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

from corpus_app.parsing.extract import ExtractedText, ExtractError

MAX_XML_BYTES = 50 * 1024 * 1024
_PLACEHOLDER_AUTHORS = {
    "",
    "user",
    "admin",
    "administrator",
    "author",
    "owner",
    "windows user",
    "microsoft office user",
}


def extract(raw: bytes, *, max_xml_bytes: int = MAX_XML_BYTES) -> ExtractedText:
    _check_size(raw, max_xml_bytes)
    document = docx.Document(io.BytesIO(raw))
    paragraphs = [text for text in _blocks(document) if text]
    if not paragraphs:
        raise ExtractError("this Word document has no text in its body")
    return ExtractedText(format="docx", text="\n\n".join(paragraphs) + "\n", metadata=_metadata(document))


def _check_size(raw: bytes, max_xml_bytes: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ExtractError(f"this Word document is damaged (not a readable zip file: {error})") from error
    xml = sum(part.file_size for part in parts if part.filename.endswith((".xml", ".rels")))
    everything = sum(part.file_size for part in parts)  # python-docx reads images and all into memory
    if xml > max_xml_bytes or everything > 4 * max_xml_bytes:
        size, limit, what = (
            (xml, max_xml_bytes, "XML") if xml > max_xml_bytes else (everything, 4 * max_xml_bytes, "data")
        )
        raise ExtractError(
            f"this Word document would unpack to {size // (1024 * 1024)} MB of {what}, over the "
            f"{limit // (1024 * 1024)} MB limit; it is not a transcript the importer can read"
        )


def _blocks(document: Document):
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            yield _paragraph_text(block)
        elif isinstance(block, Table):
            yield from _table_rows(block)


def _table_rows(table: Table):
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is listed once per grid column it spans
                continue
            seen.add(id(cell._tc))
            texts = [_paragraph_text(p) for p in cell.paragraphs]
            nested = [text for inner in cell.tables for text in _table_rows(inner)]
            text = " ".join(t for t in texts + nested if t)
            if text:
                cells.append(text)
        yield "\t".join(cells)


def _paragraph_text(paragraph: Paragraph) -> str:
    # python-docx renders <w:br/> as "\n" and <w:tab/> as "\t"; collapse the rest of the spacing.
    lines = (re.sub(r"[ \u00a0]+", " ", line).strip() for line in paragraph.text.split("\n"))
    return "\n".join(line for line in lines if line)


def _metadata(document: Document) -> dict[str, str]:
    properties = document.core_properties
    metadata: dict[str, str] = {}
    title = " ".join((properties.title or "").split())
    if title:
        metadata["title"] = title
    author = " ".join((properties.author or "").split())
    if author.casefold() not in _PLACEHOLDER_AUTHORS:
        metadata["author"] = author
    if properties.created is not None:
        metadata["created"] = properties.created.date().isoformat()
    return metadata
