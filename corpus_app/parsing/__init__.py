"""Raw transcript text → a parsed document (title, date, place, turns, speakers, warnings).

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
    "parse_transcript",
]
