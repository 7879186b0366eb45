"""Transcript files → a parsed document (title, date, place, turns, speakers, warnings).

``extract`` reads each format (text, Markdown, HTML, DOCX, PDF) into plain text and metadata;
``parse_transcript`` takes it from there, one code path for every format.

Pure Python, no Django: the importer (``corpus_app.importing``) turns the result into rows.
"""

from corpus_app.parsing.document import (
    ParsedDocument,
    ParsedSpeaker,
    ParsedTurn,
    ParseError,
    ParseWarning,
    SpeakerKind,
    TurnKind,
    parse_file,
    parse_transcript,
)

__all__ = [
    "ParseError",
    "ParseWarning",
    "ParsedDocument",
    "ParsedSpeaker",
    "ParsedTurn",
    "SpeakerKind",
    "TurnKind",
    "parse_file",
    "parse_transcript",
]
