"""The parsed document, and ``parse_transcript``: raw text in, a ParsedDocument out.

The data flows: raw text → lines (``cleaning``: control characters, footers, page noise)
→ header (``metadata``: title, date, place, byline) → turns (``turns``: labels, speakers,
kinds, editorial notes, quotes). Every step reports what an editor should check as a
ParseWarning with the 1-based line number of the raw text.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corpus_app.parsing.extract import ExtractedText


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
    format: str = "text"  # the file's format: "text", "markdown", "html", "docx" or "pdf"
    url: str = ""  # where it was published, when the file says (front matter, a page's metadata)
    publisher: str = ""  # who published it, when the file says (a site's name)

    def to_dict(self) -> dict:
        """The JSON contract of ``import_transcripts --dry-run --json``: plain, JSON-serialisable values."""
        return {
            "source": self.source,
            "format": self.format,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "place": self.place,
            "kind": self.kind,
            "author": self.author,
            "url": self.url,
            "publisher": self.publisher,
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


Names = Mapping[str, str] | None  # the speakers' aliases or kinds a caller passes


def parse_transcript(
    text: str,
    *,
    source: str = "",
    aliases: Names = None,
    speaker_kinds: Names = None,
    metadata: Names = None,
    dropped: Sequence[tuple[int, str]] = (),
    source_format: str = "text",
) -> ParsedDocument:
    """Parse one transcript or article.

    ``aliases`` maps a name variant or label as texts use it to the canonical speaker name
    (looked up case-insensitively); ``speaker_kinds`` maps canonical names to "person",
    "organisation" or "group". Both are optional: without them speakers are resolved from
    the text itself (names in the title, legends, surnames). ``metadata`` is what the file's
    format says of itself (front matter, a page's meta tags: "title", "date", "author"…);
    it wins over what the text's first lines suggest. ``dropped`` are the lines the format's
    reader removed (running page headers, page numbers), reported with the parser's own.
    """
    # One form for every accented letter (NFC), so that search and comparisons see “é” whether the
    # file spelt it as one code point or as e + U+0301.
    text = unicodedata.normalize("NFC", text)
    if not text:
        raise ParseError("the text is empty")
    if not text.strip():
        raise ParseError("the text contains only whitespace")

    metadata = dict(metadata or {})
    warnings: list[ParseWarning] = [
        ParseWarning(line, "dropped_noise", f"dropped a page header or footer: “{text}”") for line, text in dropped
    ]
    lines = cleaning.split_lines(text, warnings)
    update = header_rules.find_update_date(lines)  # before the noise rules drop it
    lines = cleaning.drop_footer(lines, warnings)
    breaks: list[int] = []  # separators: what follows one is a new turn
    lines = cleaning.drop_page_noise(lines, warnings, breaks)  # before the times: "10:51 A.M. EDT" is noise
    lines = cleaning.drop_timestamps(lines, warnings)
    if not any(line.text for line in lines):
        raise ParseError("nothing is left after removing page noise (photo captions, timestamps, footers)")

    # A first layout with any label-shaped line start, to find the header and the names the
    # text gives; then the body's layout with the labels this text's speakers really use.
    draft = layout.build_paragraphs(lines, starts_turn=label_shapes.has_label_shape)
    header = header_rules.read_header(draft, metadata=metadata, is_label=label_shapes.recurring_label_in(draft))
    if header is None:  # a transcript that starts with its first turn: named after its file
        header = header_rules.untitled_header(draft, source=source)
        warnings.append(ParseWarning(header.title_line, "no_title", f"no headline; titled “{header.title}”"))
    for line in header.dropped:
        warnings.append(ParseWarning(line.number, "dropped_noise", f"dropped a header line: “{line.text}”"))
    if header.body_start >= len(draft):
        raise ParseError(f"no text after the title “{header.title}”")
    listed = participants.read_participants(draft, header.body_start)
    if listed is not None:
        for line in listed.lines:
            warnings.append(
                ParseWarning(line.number, "dropped_noise", f"dropped the list of participants: “{line.text}”")
            )
        if listed.end >= len(draft):
            raise ParseError(f"no text after the list of participants of “{header.title}”")
        header.body_start = listed.end
    first_body_line = draft[header.body_start].number
    directory = labels.SpeakerDirectory(
        aliases=aliases or {},
        speaker_kinds=speaker_kinds or {},
        title=header.title,
        body=draft[header.body_start :],
        named=header_rules.people_named(metadata),
        participants=listed.people if listed else (),
        speaker_key=listed.legend if listed else None,
        header=draft[: header.body_start],
    )
    paragraphs = layout.build_paragraphs(
        [line for line in lines if line.number >= first_body_line],
        starts_turn=directory.opens_turn,
        is_bare_label=directory.is_bare_label,
    )
    headings: list[int] = []  # section headings: in a text without labels, each section is a turn
    body = cleaning.drop_section_headings(paragraphs, warnings, is_label=directory.opens_turn, breaks=headings)
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

    result = turns.build_turns(body, directory=directory, warnings=warnings, breaks=breaks, section_breaks=headings)
    warnings.sort(key=lambda warning: warning.line)  # stable: same-line warnings keep their order
    return ParsedDocument(
        source=source,
        format=source_format,
        title=header.title,
        date=date,
        place=header.place,
        kind=result.kind,
        author=header.author,
        turns=result.turns,
        speakers=result.speakers,
        warnings=warnings,
        url=_web_address(metadata.get("url", "")),
        publisher=" ".join(metadata.get("site_name", "").split())[:200],
    )


_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"]{1,2000}")


def _web_address(value: str) -> str:
    """``value`` if it is an http(s) address a reader can follow, else nothing."""
    value = value.strip()
    return value if _WEB_ADDRESS.fullmatch(value) else ""


def parse_file(raw: bytes, *, source: str = "", aliases: Names = None, speaker_kinds: Names = None) -> ParsedDocument:
    """Parse a transcript file of any format the importer reads (text, Markdown, HTML, DOCX, PDF)."""
    from corpus_app.parsing.extract import ExtractError, extract_text

    try:
        extracted = extract_text(raw, filename=source)
    except ExtractError as exc:
        raise ParseError(str(exc)) from None
    return parse_extracted(extracted, source=source, aliases=aliases, speaker_kinds=speaker_kinds)


def parse_extracted(
    extracted: ExtractedText, *, source: str = "", aliases: Names = None, speaker_kinds: Names = None
) -> ParsedDocument:
    """Parse the text a format's reader took out of a file, with what it said of the file."""
    return parse_transcript(
        extracted.text,
        source=source,
        aliases=aliases,
        speaker_kinds=speaker_kinds,
        metadata=extracted.metadata,
        dropped=extracted.dropped,
        source_format=extracted.format,
    )


# The step modules import the data types above, so they are imported after them, here at the end
# (not inside parse_transcript: an import statement costs time at every call). The package's
# __init__ imports this module first, whichever step module a caller asks for.
from corpus_app.parsing import cleaning, label_shapes, labels, layout, participants, turns  # noqa: E402
from corpus_app.parsing import metadata as header_rules  # noqa: E402
