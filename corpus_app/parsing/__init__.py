"""Transcript files → a parsed document (title, date, place, turns, speakers, warnings).

``extract`` reads each format (text, Markdown, HTML, DOCX, PDF) into plain text and metadata;
``parse_transcript`` takes it from there, one code path for every format: ``cleaning`` (lines,
page noise, times) → ``layout`` (paragraphs, whatever the wrapping) → ``metadata`` and
``participants`` (the header) → ``label_shapes``, ``speakers`` and ``labels`` (who the labels
name, learnt from the document; the words they know are in ``vocabulary``, ``names`` and ``legend``) →
``segments`` (blocks and kinds) → ``turns`` and ``articles`` (the turns written out).

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
    parse_extracted,
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
    "parse_extracted",
    "parse_file",
    "parse_transcript",
]
