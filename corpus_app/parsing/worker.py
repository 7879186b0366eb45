"""``parse_transcript`` in a worker process, so that an importer can parse the next files while it writes one.

The worker keeps the last speakers it was given: a run sends them with its first text and
again only when they change, not with every text.
"""

from collections.abc import Mapping

from corpus_app.parsing.document import ParsedDocument, parse_extracted
from corpus_app.parsing.extract import ExtractedText

_speakers: tuple[Mapping[str, str], Mapping[str, str]] = ({}, {})


def parse_in_worker(
    extracted: ExtractedText, *, source: str, speakers: tuple[Mapping[str, str], Mapping[str, str]] | None
) -> ParsedDocument:
    """Parse with ``speakers`` (aliases, speaker kinds), or with the last ones given when None."""
    global _speakers
    if speakers is not None:
        _speakers = speakers
    aliases, speaker_kinds = _speakers
    return parse_extracted(extracted, source=source, aliases=aliases, speaker_kinds=speaker_kinds)
