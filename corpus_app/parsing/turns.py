"""Turns: the blocks of the body written out as turns, with editorial notes split out of
speech, unlabelled paragraphs made remarks (first person) or narration, and articles' quotes.

The data flows: lines (``cleaning``) → paragraphs (``layout``) → header (``metadata``) →
speakers and labels (``speakers``, ``labels``) → blocks and kinds (``segments``) → turns (here).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from corpus_app.parsing.articles import GENERIC_ORGANISATION, GENERIC_PERSON, ORGANISATION_MENTION, split_quote
from corpus_app.parsing.cleaning import Line, ends_sentence
from corpus_app.parsing.document import ParsedSpeaker, ParsedTurn, ParseWarning, SpeakerKind, TurnKind
from corpus_app.parsing.labels import SpeakerDirectory
from corpus_app.parsing.names import LEADING_THE, surname_of, whole_word
from corpus_app.parsing.segments import INLINE_NOTE, Block, assign_kinds, segment
from corpus_app.parsing.speakers import Resolution

# Cues that tell opening remarks (first person, greetings) from an introduction about the
# speaker (their name). Pronouns like "he" are no cue: speakers talk about other people.
# (?=[IMmWwuOo]), the words' first letters, changes no match but lets most positions fail at once.
FIRST_PERSON = re.compile(r"(?=[IMmWwuOo])\b(?:I|me|my|My|mine|myself|we|We|us|our|Our|ours|ourselves)\b")
CLOSED_QUOTE = re.compile(r"“[^“”]*”|\"[^\"]*\"")  # a quoted "we" is someone else's
GREETING = re.compile(
    r"^[“\"‘'(]*(?:good (?:morning|afternoon|evening|day)|hello|ladies and gentlemen|dear (?:colleagues|friends)"
    r"|colleagues|friends|thank you)\b",
    re.IGNORECASE,
)

SALUTATION_MAX_WORDS = 10  # "Mr dear friend Mr Putin, ladies and gentlemen,"
# A speaker broken off or trailing away: "but —", "and --", "Thank –", "we…".
INTERRUPTED = re.compile(r"(?:—|–|--|-|…|\.\.\.)[”’\"'»)\]]*$")
# A paragraph that ends with a bracketed note is complete: "… [Statement in Indonesian]", "(Laughter)".
STAGE_NOTE_END = re.compile(r"[(\[][^()\[\]]{1,80}[)\]]$")


def _ends_mid_sentence(text: str) -> bool:
    """Whether a paragraph stops where no sentence ends: a line cut off by a scrape or a copy. A
    speaker broken off with a dash ("but I can —") was cut off in the room, not in the file."""
    if ends_sentence(text) or STAGE_NOTE_END.search(text) or INTERRUPTED.search(text):
        return False
    is_salutation = text.endswith(",") and len(text.split()) <= SALUTATION_MAX_WORDS  # "Colleagues,"
    return not is_salutation


def _voice(text: str, speaker_names: list[str]) -> str | None:
    """The voice of a paragraph: "first" (the speaker's words), "third" (about them) or None (unclear)."""
    unquoted = CLOSED_QUOTE.sub(" ", text)
    first = len(FIRST_PERSON.findall(unquoted)) + (3 if GREETING.match(text) else 0)
    third = sum(2 * len(whole_word(surname_of(name)).findall(unquoted)) for name in speaker_names)
    if first > third:
        return "first"
    if third > first:
        return "third"
    return None


def _voices(paragraphs: list[Line], speaker_names: list[str], default: str) -> list[str]:
    """Each paragraph's voice; an unclear paragraph takes its neighbour's."""
    voices = [_voice(paragraph.text, speaker_names) for paragraph in paragraphs]
    known = [voice for voice in voices if voice]
    last = known[0] if known else default
    filled = []
    for voice in voices:
        last = voice or last
        filled.append(last)
    return filled


@dataclass
class _Draft:
    speaker: str | None
    label: str | None
    kind: TurnKind
    line: int | None  # where the turn starts: its label, or its first text
    texts: list[str] = field(default_factory=list)


@dataclass
class TurnsResult:
    turns: list[ParsedTurn]
    speakers: list[ParsedSpeaker]
    kind: str  # "transcript" or "article"


def _split_inline_notes(text: str) -> list[tuple[str, str | None, bool]]:
    """[(text, note label, is_note)]: "… economy. (RPA: EU growth …)" → the speech, then the note."""
    if "(" not in text and "[" not in text:  # most paragraphs: no bracket, so no note (INLINE_NOTE needs one)
        text = text.strip()
        return [(text, None, False)] if text else []
    pieces = []
    position = 0
    for match in INLINE_NOTE.finditer(text):
        before = text[position : match.start()].strip()
        if before:
            pieces.append((before, None, False))
        pieces.append((match.group(0), match["label"], True))
        position = match.end()
    rest = text[position:].strip()
    if rest:
        pieces.append((rest, None, False))
    return pieces


class _TurnWriter:
    """Collects drafts in reading order and turns them into ParsedTurns."""

    def __init__(self, directory: SpeakerDirectory, warnings: list[ParseWarning]):
        self.directory = directory
        self.warnings = warnings
        self.drafts: list[_Draft] = []
        self.last_organisations: list[str] = []  # articles: organisations mentioned so far, latest last
        self.last_person: str | None = None

    def check_truncation(self, paragraph: Line, speech: str) -> None:
        if speech and _ends_mid_sentence(speech):
            tail = " ".join(speech.split()[-8:])
            self.warnings.append(ParseWarning(paragraph.number, "truncated_line", f"line ends mid-sentence: “…{tail}”"))

    def speech(
        self, paragraphs: list[Line], *, speaker: str | None, label: str | None, kind: TurnKind, line: int
    ) -> None:
        """One speaker's stretch; an inline editorial note splits it into speech, note, speech."""
        draft = _Draft(speaker, label, kind, line)
        for paragraph in paragraphs:
            pieces = _split_inline_notes(paragraph.text)
            speech_pieces = [text for text, _, is_note in pieces if not is_note]
            self.check_truncation(paragraph, speech_pieces[-1] if speech_pieces else "")
            for text, note_label, is_note in pieces:
                if is_note:
                    self._add(draft)
                    self._add(_Draft(None, note_label, TurnKind.EDITORIAL_NOTE, paragraph.number, [text]))
                    draft = _Draft(speaker, label, kind, line=None)  # the speech goes on after the note
                else:
                    draft.texts.append(text)
                    draft.line = draft.line or paragraph.number
        self._add(draft)

    def note(self, paragraph: Line, label: str | None) -> None:
        self._add(_Draft(None, label, TurnKind.EDITORIAL_NOTE, paragraph.number, [paragraph.text]))

    def article_paragraph(self, paragraph: Line) -> None:
        """Narration, or a direct quote attributed to whoever the attribution names."""
        self._remember_mentions(paragraph.text)
        parts = None if INLINE_NOTE.search(paragraph.text) else split_quote(paragraph.text)
        if parts is None:
            self.speech([paragraph], speaker=None, label=None, kind=TurnKind.NARRATION, line=paragraph.number)
            return
        self.check_truncation(paragraph, paragraph.text)
        attribution = next(text for role, text in parts if role == "attribution")
        speaker = self._attributed_speaker(attribution, paragraph.number)
        for role, text in parts:
            kind = TurnKind.QUOTE if role == "quote" else TurnKind.NARRATION
            self._add(_Draft(speaker if role == "quote" else None, None, kind, paragraph.number, [text]))

    def _remember_mentions(self, text: str) -> None:
        for match in ORGANISATION_MENTION.finditer(text):
            name = LEADING_THE.sub("", match.group(0))
            self.last_organisations.append(self.directory.alias(name) or name)
        if person := self.directory.last_person_mentioned(text):
            self.last_person = person

    def _attributed_speaker(self, attribution: str, line: int) -> str | None:
        directory = self.directory
        resolution = None
        if generic := GENERIC_ORGANISATION.search(attribution):
            head = generic["head"].casefold()
            name = directory.alias(generic.group(0)) or next(
                (name for name in reversed(self.last_organisations) if head in name.casefold()), None
            )
            if name:
                resolution = Resolution(name, "alias" if name in directory.known_names else "text")
        if resolution is None and (person := directory.find_person_in(attribution)):
            resolution = Resolution(person.name, person.source, role=person.role)
        if resolution is None and GENERIC_PERSON.search(attribution) and self.last_person:
            resolution = Resolution(self.last_person, "text")
        if resolution is None:
            return None
        if directory.kind_of(resolution.name) is SpeakerKind.PERSON:
            self.last_person = resolution.name
        return directory.use(resolution, label=None, line=line, warnings=self.warnings)

    def _add(self, draft: _Draft) -> None:
        if draft.texts:
            self.drafts.append(draft)

    def turns(self) -> list[ParsedTurn]:
        return [
            ParsedTurn(
                position=position,
                speaker=draft.speaker,
                label=draft.label,
                kind=draft.kind,
                text="\n\n".join(draft.texts),
                line=draft.line,
            )
            for position, draft in enumerate(self.drafts)
        ]


def build_turns(
    body: list[Line],
    *,
    directory: SpeakerDirectory,
    warnings: list[ParseWarning],
    breaks: Sequence[int] = (),
    section_breaks: Sequence[int] = (),
) -> TurnsResult:
    """Turns of the body. ``breaks`` (separators) always end a turn; ``section_breaks`` (headings)
    end one only in a text without labels, where they are the only structure: a caption inside a
    labelled speech does not cut it."""
    if section_breaks and not any(directory.opens_turn(paragraph.text) for paragraph in body):
        breaks = [*breaks, *section_breaks]
    blocks = segment(body, directory, warnings, breaks)
    assign_kinds(blocks)
    writer = _TurnWriter(directory, warnings)

    has_labels = any(block.resolution is not None for block in blocks)
    principal = directory.principal
    # Whose mentions make a paragraph third person: the title's speaker and the labelled speakers.
    labelled = [block.resolution for block in blocks if block.resolution and not block.resolution.question]
    speaker_names = list(dict.fromkeys([*([principal] if principal else []), *(r.name for r in labelled if r.name)]))
    is_transcript = has_labels

    for block in blocks:
        if block.is_note:
            writer.note(block.paragraphs[0], block.note_label)
        elif block.resolution is not None:
            resolution = block.resolution
            speaker = directory.use(resolution, label=block.label, line=block.line, warnings=warnings)
            writer.speech(block.paragraphs, speaker=speaker, label=block.label, kind=block.kind, line=block.line)
        else:
            is_transcript = _write_unlabelled(block, writer, principal, speaker_names, has_labels) or is_transcript

    return TurnsResult(
        turns=writer.turns(),
        speakers=directory.parsed_speakers(),
        kind="transcript" if is_transcript else "article",
    )


def _write_unlabelled(
    block: Block, writer: _TurnWriter, principal: str | None, speaker_names: list[str], has_labels: bool
) -> bool:
    """Unlabelled paragraphs: the title's speaker's remarks (first person) or narration.

    Returns True if they were remarks, which makes a text without labels a transcript.
    """
    voices = _voices(block.paragraphs, speaker_names, default="first" if principal else "third")
    if not has_labels and not (principal and "first" in voices):
        for paragraph in block.paragraphs:  # an article
            writer.article_paragraph(paragraph)
        return False
    directory = writer.directory
    made_remarks = False
    index = 0
    while index < len(block.paragraphs):
        end = index + 1
        while end < len(block.paragraphs) and voices[end] == voices[index]:
            end += 1
        if voices[index] == "third":  # the publisher's lead, however many paragraphs: one narration turn
            paragraphs = block.paragraphs[index:end]
            writer.speech(paragraphs, speaker=None, label=None, kind=TurnKind.NARRATION, line=paragraphs[0].number)
            index = end
            continue
        paragraphs = block.paragraphs[index:end]
        speaker = None
        if principal:
            resolution = Resolution(principal, "title")
            speaker = directory.use(resolution, label=None, line=paragraphs[0].number, warnings=writer.warnings)
        writer.speech(paragraphs, speaker=speaker, label=None, kind=TurnKind.REMARKS, line=paragraphs[0].number)
        made_remarks = True
        index = end
    return made_remarks
