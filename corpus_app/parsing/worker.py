"""``parse_transcript`` in a worker process, so that an importer can parse the next files while it writes one.

The worker keeps the last speakers it was given: a run sends them with its first text and
again only when they change, not with every text.
"""

from collections.abc import Mapping

from corpus_app.parsing.document import ParsedDocument, parse_transcript

_speakers: tuple[Mapping[str, str], Mapping[str, str]] = ({}, {})


def parse_in_worker(
    text: str,
    *,
    source: str,
    speakers: tuple[Mapping[str, str], Mapping[str, str]] | None,
    metadata: Mapping[str, str] | None = None,
    dropped: tuple[tuple[int, str], ...] = (),
    source_format: str = "text",
) -> ParsedDocument:
    """Parse with ``speakers`` (aliases, speaker kinds), or with the last ones given when None."""
    global _speakers
    if speakers is not None:
        _speakers = speakers
    aliases, speaker_kinds = _speakers
    return parse_transcript(
        text,
        source=source,
        aliases=aliases,
        speaker_kinds=speaker_kinds,
        metadata=metadata,
        dropped=dropped,
        source_format=source_format,
    )
