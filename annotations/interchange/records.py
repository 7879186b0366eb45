"""What every reader makes of its format: plain records, checked before anything is written.

A reader (``desk``, ``doccano``, ``label_studio``, ``w3c``) turns each line or item of a file into
a :class:`DocumentRecord` (a document with its turns and annotations) or an
:class:`AnnotationRecord` on its own (a passage of a document already in the desk). A line that
cannot become one raises :class:`RecordError` with the reason; the writer reports it with the
line number and goes on with the others.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from annotations.models import ClaimStatus, Polarity
from corpus_app.importing import WEB_ADDRESS
from corpus_app.models import DocumentKind, SpeakerKind, TurnKind
from desk.text import text_problem

# The choices' values, once: ``TextChoices.values`` builds a new list on every use.
DOCUMENT_KINDS = tuple(DocumentKind.values)
TURN_KINDS = tuple(TurnKind.values)
SPEAKER_KINDS = tuple(SpeakerKind.values)
POLARITIES = tuple(Polarity.values)
CLAIM_STATUSES = tuple(ClaimStatus.values)

MAX_TITLE = 500
MAX_NAME = 120  # a topic's or a target's name
MAX_INT = 2_147_483_647  # the largest offset, position or version a database column holds
MAX_SHORT = 200  # place, publisher, author, speaker name, label
MAX_SOURCE = 255


class RecordError(ValueError):
    """A line or item that cannot be imported; the message says why."""


# What a reader meets when a value has a type it does not expect (a number for a list, a list for
# text): the line is reported, like any other bad line, instead of stopping the import.
WRONG_TYPE = (TypeError, ValueError, AttributeError, KeyError, IndexError)


def read_items(value, read_item):
    """(number, record or RecordError) for each item of a JSON value (one object, a list, or items
    streamed from one): a bad item is reported by its number, the others still read."""
    items = [value] if isinstance(value, dict) else value
    for number, item in enumerate(items, start=1):
        try:
            yield number, read_item(item, number)
        except RecordError as exc:
            yield number, exc
        except WRONG_TYPE as exc:
            yield number, wrong_type(exc)


def wrong_type(exc) -> RecordError:
    return RecordError(f"a value has the wrong type for its field ({type(exc).__name__}: {str(exc)[:120]})")


def check_text(where, value):
    """What JSON can carry and a database cannot store (a lone surrogate, a NUL or another control
    character; tab and line breaks are text here) refused, as the site's own forms refuse it."""
    if not isinstance(value, str):
        raise RecordError(f"{where} must be text, not {type(value).__name__}")
    if problem := text_problem(value, multiline=True):
        raise RecordError(f"{where} {problem}")


def all_clean(values) -> bool:
    """Whether every value is text ``check_text`` takes: one search of them all, the common case;
    the caller then checks each to name the one that is not."""
    try:
        joined = " ".join(values)
    except TypeError:  # a value that is not text
        return False
    # Printable text (tab and line breaks aside) has none of what ``text_problem`` looks for: a check
    # in C, a tenth of the time of its searches, which only text with other characters needs.
    if joined.replace("\n", " ").replace("\r", " ").replace("\t", " ").isprintable():
        return True
    return text_problem(joined, multiline=True) is None


@dataclass
class TurnRecord:
    text: str
    speaker: str = ""  # a name or alias as written; empty for none
    kind: str = TurnKind.NARRATION
    label: str = ""
    source_line: int | None = None
    noise: bool = False  # page furniture an editor hid from reading (Turn.is_noise)


@dataclass
class ClaimRecord:
    status: str = ClaimStatus.UNVERIFIED
    rationale: str = ""
    evidence: list = field(default_factory=list)
    reviewer: str = ""  # a username; the importing user when empty or unknown
    reviewed_at: datetime.datetime | None = None
    created: datetime.datetime | None = None
    updated: datetime.datetime | None = None
    version: int = 1


@dataclass
class AnnotationRecord:
    """A passage: ``turn`` (a position) with ``start``/``end``, or only a ``quote`` to find.

    On its own (not in a document record), ``document`` names the document already in the desk:
    its id, its URL in this desk, or its source (file name or URL).
    """

    turn: int | None = None
    start: int | None = None
    end: int | None = None
    quote: str = ""
    prefix: str = ""
    suffix: str = ""
    topics: list = field(default_factory=list)  # labels: topic paths or names, mapped by the writer
    polarity: str = ""
    target: str = ""
    target_kind: str = ""
    note: str = ""
    claim: ClaimRecord | None = None
    uuid: str = ""
    author: str = ""  # a username; the importing user when empty or unknown
    created: datetime.datetime | None = None
    updated: datetime.datetime | None = None
    version: int = 1
    anchor_status: str = ""
    anchor_score: float | None = None
    document: str = ""
    line: int = 0

    def text_values(self) -> list:
        """Its texts, ``_ANNOTATION_TEXTS`` then the topics (read one by one: a line has a few of these)."""
        values = [
            self.quote,
            self.prefix,
            self.suffix,
            self.note,
            self.target,
            self.author,
            self.document,
            *self.topics,
        ]
        if self.claim is not None:
            values += [self.claim.rationale, self.claim.reviewer]
        return values

    def check_texts(self, where):
        if all_clean(self.text_values()):
            return
        for name in _ANNOTATION_TEXTS:
            check_text(f"{where}'s {name}", getattr(self, name))
        for topic in self.topics:
            check_text(f"{where}'s topic", topic)
        if self.claim is not None:
            check_text(f"{where}'s claim rationale", self.claim.rationale)
            check_text(f"{where}'s claim reviewer", self.claim.reviewer)


@dataclass
class SpeakerRecord:
    name: str
    kind: str = SpeakerKind.PERSON
    role: str = ""
    affiliation: str = ""
    aliases: list = field(default_factory=list)


@dataclass
class DocumentRecord:
    title: str
    turns: list
    kind: str = DocumentKind.TRANSCRIPT
    date: datetime.date | None = None
    place: str = ""
    publisher: str = ""
    author: str = ""
    source: str = ""
    source_url: str = ""  # where the text was published (Document.source_url)
    raw_text: str = ""
    content_hash: str = ""
    warnings: list = field(default_factory=list)
    annotations: list = field(default_factory=list)
    speakers: list = field(default_factory=list)  # SpeakerRecord: how to create the speakers it names
    line: int = 0

    def finish(self):
        """Fill the raw text and content hash when the file gave none; check the fields."""
        if not all_clean(self._text_values()):
            self._check_texts()
        if not self.title.strip():
            raise RecordError("the document has no title")
        if not self.turns:
            raise RecordError("the document has no turns (no text)")
        _check_length("title", self.title, MAX_TITLE)
        for name in ("place", "publisher", "author"):
            _check_length(name, getattr(self, name), MAX_SHORT)
        _check_length("source", self.source, MAX_SOURCE)
        if self.source_url:
            try:
                WEB_ADDRESS(self.source_url)
            except ValidationError:
                raise RecordError(f"“source_url” is not a web address: {self.source_url[:80]}") from None
        _check_choice("document kind", self.kind, DOCUMENT_KINDS)
        for position, turn in enumerate(self.turns):
            if not isinstance(turn.text, str) or not turn.text:
                raise RecordError(f"turn {position} has no text")
            # Named only when one fails: a document has many turns.
            if turn.kind not in TURN_KINDS:
                _check_choice(f"turn {position} kind", turn.kind, TURN_KINDS)
            if not _fits(turn.speaker, MAX_SHORT):
                _check_length(f"turn {position} speaker", turn.speaker, MAX_SHORT)
            if not _fits(turn.label, MAX_SHORT):
                _check_length(f"turn {position} label", turn.label, MAX_SHORT)
        if not self.raw_text:
            self.raw_text = "\n\n".join(f"{t.label}: {t.text}" if t.label else t.text for t in self.turns)
        if not self.content_hash:
            self.content_hash = content_hash(self)
        return self

    def _text_values(self) -> list:
        """Its texts, as ``_DOCUMENT_TEXTS`` and ``_TURN_TEXTS`` name them, its speakers' and annotations'."""
        values = [self.title, self.place, self.publisher, self.author, self.source, self.raw_text]
        for turn in self.turns:
            values += (turn.text, turn.speaker, turn.label)
        values += [speaker.name for speaker in self.speakers]
        values += [value for annotation in self.annotations for value in annotation.text_values()]
        return values

    def _check_texts(self):
        for name in _DOCUMENT_TEXTS:
            check_text(f"the {name.replace('_', ' ')}", getattr(self, name))
        for position, turn in enumerate(self.turns):
            for name in _TURN_TEXTS:
                check_text(f"turn {position}'s {name}", getattr(turn, name))
        for speaker in self.speakers:
            check_text("a speaker's name", speaker.name)
        for n, annotation in enumerate(self.annotations):
            annotation.check_texts(f"annotation {n}")


_DOCUMENT_TEXTS = ("title", "place", "publisher", "author", "source", "raw_text")
_TURN_TEXTS = ("text", "speaker", "label")
_ANNOTATION_TEXTS = ("quote", "prefix", "suffix", "note", "target", "author", "document")


def content_hash(record: DocumentRecord) -> str:
    """SHA-256 of what makes the document itself (not its annotations): the same text imported
    twice, from the same file or another, is the same document."""
    canonical = _CANONICAL_JSON.encode(
        [
            record.title,
            record.date.isoformat() if record.date else None,
            record.place,
            record.kind,
            [[t.speaker, t.label, t.kind, t.text] for t in record.turns],
        ]
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _fits(value, limit) -> bool:
    """Whether ``_check_length`` takes ``value``: asked first, so that a field is named only when it fails."""
    return isinstance(value, str) and len(value) <= limit


def _check_length(name, value, limit):
    if not isinstance(value, str):
        raise RecordError(f"{name} must be text, not {type(value).__name__}")
    if len(value) > limit:
        raise RecordError(f"{name} is longer than {limit} characters")


def _check_choice(name, value, allowed):
    if value not in allowed:
        raise RecordError(f"unknown {name} “{value}”; use one of {', '.join(allowed)}")


# --- small parsers the readers share ---------------------------------------------------------------------------------


def text_field(item: dict, key: str, default: str = "") -> str:
    value = item.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise RecordError(f"“{key}” must be text, not {type(value).__name__}")
    return value


def int_field(value, name) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"“{name}” must be a whole number, not {json.dumps(value)[:40]}")
    if value < 0:
        raise RecordError(f"“{name}” cannot be negative")
    if value > MAX_INT:
        raise RecordError(f"“{name}” is too large ({value})")
    return value


def parse_date(value, name="date") -> datetime.date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise RecordError(f"“{name}” must be a date like 2025-04-11")
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        raise RecordError(f"“{name}” is not a date like 2025-04-11: “{value[:40]}”") from None


def parse_datetime(value, name) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise RecordError(f"“{name}” must be a time like 2026-11-23T09:30:00Z")
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RecordError(f"“{name}” is not a time like 2026-11-23T09:30:00Z: “{value[:40]}”") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def stance_fields(polarity, target, name="stance") -> tuple[str, str]:
    if not isinstance(polarity or "", str) or not isinstance(target or "", str):
        raise RecordError(f"the {name}'s polarity and target must be text")
    polarity = (polarity or "").strip().lower()
    target = (target or "").strip()
    if not polarity and not target:
        return "", ""
    if polarity not in POLARITIES:
        raise RecordError(f"unknown polarity “{polarity}” in {name}; use one of {', '.join(POLARITIES)}")
    if not target:
        raise RecordError(f"the {name} has a polarity but no target")
    return polarity, target


def claim_status(value) -> str:
    if not isinstance(value or "", str):
        raise RecordError("a claim's status must be text, one of " + ", ".join(CLAIM_STATUSES))
    status = (value or ClaimStatus.UNVERIFIED).strip().lower().replace(" ", "_")
    if status not in CLAIM_STATUSES:
        raise RecordError(f"unknown claim status “{value}”; use one of {', '.join(CLAIM_STATUSES)}")
    return status


def one_turn_document(*, text, line, metadata: dict, source: str = "") -> DocumentRecord:
    """A tool's document: one ``text`` becomes one narration turn with no speaker. Its title, date,
    place, publisher and source come from the tool's ``metadata`` where they are text (tools let
    their users put anything there); the title from the text's first words, the source from ``source``,
    when the metadata gives none."""
    if not isinstance(text, str) or not text:
        raise RecordError("the item has no text")

    def loose(key):
        value = metadata.get(key)
        return value if isinstance(value, str) else ""

    return DocumentRecord(
        title=loose("title") or title_from_text(text),
        turns=[TurnRecord(text=text)],
        raw_text=text,
        line=line,
        date=parse_date(metadata.get("date")),
        place=loose("place"),
        publisher=loose("publisher"),
        source=loose("source") or source,
    )


def title_from_text(text: str, limit: int = 80) -> str:
    words = " ".join(str(text).split())
    return words if len(words) <= limit else words[: limit - 1].rsplit(" ", 1)[0] + "…"
