"""The parsed document, and ``parse_transcript``: raw text in, a ParsedDocument out.

The data flows: raw text → lines (``cleaning``: control characters, footers, page noise)
→ header (``metadata``: title, date, place, byline) → turns (``turns``: labels, speakers,
kinds, editorial notes, quotes). Every step reports what an editor should check as a
ParseWarning with the 1-based line number of the raw text.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class ParseError(ValueError):
    """Input that cannot be parsed at all; the message is shown to the editor."""


class TurnKind(StrEnum):
    REMARKS = "remarks"
    QUESTION = "question"
    ANSWER = "answer"
    NARRATION = "narration"
    QUOTE = "quote"
    EDITORIAL_NOTE = "editorial_note"


class SpeakerKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    GROUP = "group"  # an unnamed group or role: "Journalist", "Moderator", "Senior Administration Official"


@dataclass(frozen=True)
class ParseWarning:
    line: int  # 1-based line number in the raw text
    code: str
    message: str


@dataclass
class ParsedSpeaker:
    name: str
    kind: SpeakerKind
    role: str = ""
    affiliation: str = ""
    labels: list[str] = field(default_factory=list)  # labels as written in this text that resolved to the speaker


@dataclass
class ParsedTurn:
    position: int
    speaker: str | None  # a ParsedSpeaker.name, or None (narration, editorial notes)
    label: str | None  # the label as written, without its colon ("Q", "Sergey Lavrov (replying in English)")
    kind: TurnKind
    text: str  # the turn's paragraphs, each stripped, joined by a blank line
    line: int  # 1-based line of the raw text where the turn starts


@dataclass
class ParsedDocument:
    source: str
    title: str
    date: datetime.date | None
    place: str | None
    kind: str  # "transcript" or "article"
    author: str | None
    turns: list[ParsedTurn]
    speakers: list[ParsedSpeaker]
    warnings: list[ParseWarning]

    def to_dict(self) -> dict:
        """The JSON contract of ``import_transcripts --dry-run --json``: plain, JSON-serialisable values."""
        return {
            "source": self.source,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "place": self.place,
            "kind": self.kind,
            "author": self.author,
            "turns": [
                {
                    "position": turn.position,
                    "speaker": turn.speaker,
                    "label": turn.label,
                    "kind": TurnKind(turn.kind).value,
                    "text": turn.text,
                    "line": turn.line,
                }
                for turn in self.turns
            ],
            "speakers": [
                {
                    "name": speaker.name,
                    "kind": SpeakerKind(speaker.kind).value,
                    "role": speaker.role,
                    "affiliation": speaker.affiliation,
                    "labels": list(speaker.labels),
                }
                for speaker in self.speakers
            ],
            "warnings": [
                {"line": warning.line, "code": warning.code, "message": warning.message} for warning in self.warnings
            ],
        }


def parse_transcript(
    text: str,
    *,
    source: str = "",
    aliases: Mapping[str, str] | None = None,
    speaker_kinds: Mapping[str, str] | None = None,
) -> ParsedDocument:
    """Parse one transcript or article.

    ``aliases`` maps a name variant or label as texts use it to the canonical speaker name
    (looked up case-insensitively); ``speaker_kinds`` maps canonical names to "person",
    "organisation" or "group". Both are optional: without them speakers are resolved from
    the text itself (names in the title, legends, surnames).
    """
    # The step modules import the data types above, so they are imported here, not at the top.
    from corpus_app.parsing import cleaning, metadata, turns

    # One form for every accented letter (NFC), so that search and comparisons see “é” whether the
    # file spelt it as one code point or as e + U+0301.
    text = unicodedata.normalize("NFC", text)
    if not text:
        raise ParseError("the text is empty")
    if not text.strip():
        raise ParseError("the text contains only whitespace")

    warnings: list[ParseWarning] = []
    lines = cleaning.split_lines(text, warnings)
    update = metadata.find_update_date(lines)  # before the noise rules drop the "Last update" line
    lines = cleaning.drop_footer(lines, warnings)
    lines = cleaning.drop_page_noise(lines, warnings)
    if not lines:
        raise ParseError("nothing is left after removing page noise (photo captions, timestamps, footers)")

    header = metadata.read_header(lines)
    if header is None:
        raise ParseError("no title found: the text should start with a headline, not with a speaker's turn")
    body = cleaning.drop_section_headings(lines[header.body_start :], warnings)
    if not body:
        raise ParseError(f"no text after the title “{header.title}”")

    date = header.date
    if date is None and update is not None:
        date, update_line = update
        warnings.append(
            ParseWarning(update_line, "date_from_update", f"no publication date; used the page's update date {date}")
        )
    if date is None:
        warnings.append(ParseWarning(header.title_line, "no_date", "no publication date found"))

    result = turns.build_turns(
        body,
        title=header.title,
        aliases=aliases or {},
        speaker_kinds=speaker_kinds or {},
        warnings=warnings,
    )
    warnings.sort(key=lambda warning: warning.line)  # stable: same-line warnings keep their order
    return ParsedDocument(
        source=source,
        title=header.title,
        date=date,
        place=header.place,
        kind=result.kind,
        author=header.author,
        turns=result.turns,
        speakers=result.speakers,
        warnings=warnings,
    )
