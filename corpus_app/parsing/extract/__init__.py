"""Bytes of any supported format → plain text and metadata for the transcript parser.

``extract_text(raw, filename=...)`` decides the format from the content first and the file
name second (see ``detect``), then hands the bytes to that format's module. Every module
returns the same ``ExtractedText``; the parser after it has one code path for all formats.
Pure Python, no Django: the importer, the command line and the tests call it alike.

Anything that cannot be read becomes an ``ExtractError`` with a message an editor can act on;
no other exception leaves ``extract_text`` (a fuzz test holds it to that).
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass, field
from types import ModuleType


class ExtractError(ValueError):
    """The file cannot be read as a transcript; the message says why and what to do."""


@dataclass(frozen=True)
class ExtractedText:
    format: str  # "text" | "markdown" | "html" | "docx" | "pdf"
    text: str
    # Only what the source itself says: "title", "date" (ISO when known), "url", "site_name",
    # "author", "place", "description"; PDF and DOCX add "created" (the file's creation date,
    # which is not necessarily the event's).
    metadata: dict[str, str] = field(default_factory=dict)
    # (1-based line in `text` where the line stood or would stand, the line) for each line
    # removed as page chrome (running headers/footers, page numbers), so editors can check.
    dropped: tuple[tuple[int, str], ...] = ()


FORMATS = ("text", "markdown", "html", "docx", "pdf")


def extract_text(raw: bytes, *, filename: str = "") -> ExtractedText:
    """The plain text and metadata of a transcript file of any supported format."""
    from corpus_app.parsing.extract import detect

    if not isinstance(raw, bytes | bytearray | memoryview):
        raise ExtractError("the importer reads files as bytes")
    raw = bytes(raw)
    if not raw.strip():
        raise ExtractError("the file is empty")
    kind = detect.detect_format(raw, filename=filename)
    reader = _format_module(kind).extract
    name = detect.DISPLAY_NAMES[kind]
    try:
        return reader(raw)
    except ExtractError:
        raise
    except (MemoryError, RecursionError) as error:
        raise ExtractError(f"this {name} file is too large or too deeply nested to read") from error
    except Exception as error:  # a damaged file trips the format libraries in many ways
        raise ExtractError(
            f"this file looks like {name} but cannot be read ({type(error).__name__}: {error})"
        ) from error


@functools.cache
def _format_module(kind: str) -> ModuleType:
    """A format's module, imported when first needed (reading text never loads the PDF and HTML
    libraries) and looked up once, not for every file."""
    return importlib.import_module(f"corpus_app.parsing.extract.{kind}")


__all__ = ["FORMATS", "ExtractError", "ExtractedText", "extract_text"]
