"""Which format a file is in: its content first, its name second.

A PDF starts with ``%PDF-`` (some writers put a few bytes before it); a DOCX is a zip holding
``word/document.xml``; HTML opens with a doctype, ``<html``, ``<head`` or ``<body`` after
any comments; Markdown is a ``.md``/``.markdown`` name or, for other names, Markdown's own
marks on several lines. Everything else is read as text, which rejects binary content itself.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile

DISPLAY_NAMES = {"text": "text", "markdown": "Markdown", "html": "HTML", "docx": "DOCX", "pdf": "PDF"}

_HTML_START = re.compile(
    rb"^(?:\s|<!--.*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])",
    re.IGNORECASE | re.DOTALL,
)
_HTML_NAMES = (".html", ".htm", ".xhtml")
_MARKDOWN_NAMES = (".md", ".markdown", ".mdown", ".mkd")
# Lines that are Markdown's own and rare in plain transcripts.
_MARKDOWN_SIGNALS = re.compile(
    r"^(?:#{1,6}\s+\S"  # ATX heading
    r"|>\s?\S"  # blockquote
    r"|\s{0,3}```"  # fenced code
    r"|.*\*\*[^*\s][^*]*\*\*"  # bold
    r"|.*(?<!!)\[[^\[\]\n]+\]\([^)\s]+\)"  # link (its text holds no "[": see extract.markdown)
    r"|.*!\[[^\[\]\n]*\]\([^)\s]+\)"  # image
    r"|\s{0,3}\[[^\[\]\n]+\]:\s+\S"  # link reference definition
    r")",
    re.MULTILINE,
)
# Each of those signals holds one of these characters: a text without any is not read for them.
_MARKDOWN_MARKS = (b"#", b">", b"`", b"*", b"[")
_SNIFF_BYTES = 64 * 1024
_MARKDOWN_SNIFF_BYTES = 16 * 1024  # Markdown shows its markup early; a long plain text is not read twice


def detect_format(raw: bytes, *, filename: str = "") -> str:
    name = filename.lower()
    head = raw[:_SNIFF_BYTES]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") and (_is_docx(raw) or name.endswith(".docx") or b"word/document.xml" in raw):
        return "docx"  # a damaged one too, so that the editor hears it is a damaged Word document
    if _HTML_START.match(_without_bom(head)):
        return "html"
    if name.endswith(_MARKDOWN_NAMES):
        return "markdown"
    if name.endswith(_HTML_NAMES) and re.search(rb"<(?:p|div|br|table)[\s>/]", head, re.IGNORECASE):
        return "html"
    if _looks_like_markdown(head):
        return "markdown"
    return "text"


def _without_bom(head: bytes) -> bytes:
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            head = head[len(bom) :]
            if bom != b"\xef\xbb\xbf":  # UTF-16: sniff its ASCII bytes
                head = head.replace(b"\x00", b"")
            break
    return head


def _is_docx(raw: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return False


def _looks_like_markdown(head: bytes) -> bool:
    head = head[:_MARKDOWN_SNIFF_BYTES]
    if not any(mark in head for mark in _MARKDOWN_MARKS):  # a look for each is quicker than a pattern's
        return False
    sample = head.decode("utf-8", errors="ignore")
    return sum(1 for _ in itertools.islice(_MARKDOWN_SIGNALS.finditer(sample), 3)) >= 3
