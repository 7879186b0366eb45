"""Parsed transcripts into Document/Turn rows.

The parser (``corpus_app.parsing``) knows nothing of the database; this module reads
the file, hands the parser the speaker aliases stored so far, and writes one document
with its turns inside a single transaction, so a file either lands whole or not at all.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.db import connections, transaction

from corpus_app.models import Document, Speaker, Turn
from corpus_app.parsing import ParsedDocument, ParseError, parse_transcript

# Bytes that never occur in a text transcript: a NUL means an image, a PDF, a database file.
_BINARY_MARKERS = (b"\x00",)


class TranscriptError(Exception):
    """A file that cannot be imported; the message says why and is shown to the editor."""


@dataclass
class TranscriptSource:
    name: str
    raw_bytes: bytes
    text: str

    @property
    def content_hash(self):
        return hashlib.sha256(self.raw_bytes).hexdigest()


@dataclass
class ImportResult:
    document: Document
    parsed: ParsedDocument | None  # None when the file was already imported
    created: bool
    replaced: Document | None = None  # the earlier edition this import superseded
    reanchoring: object | None = None  # annotations.services.ReanchorReport when an edition was replaced


def transcript_read(*, path: Path) -> TranscriptSource:
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise TranscriptError("no such file") from None
    except IsADirectoryError:
        raise TranscriptError("is a folder, not a file") from None
    except OSError as exc:
        raise TranscriptError(f"cannot be read ({exc.strerror or exc})") from None
    return transcript_decode(name=path.name, raw_bytes=raw_bytes)


def transcript_decode(*, name: str, raw_bytes: bytes) -> TranscriptSource:
    if not raw_bytes.strip():
        raise TranscriptError("the file is empty")
    if any(marker in raw_bytes for marker in _BINARY_MARKERS):
        raise TranscriptError("this is a binary file, not a text transcript")
    try:
        # utf-8-sig: a byte order mark from a Windows editor is not part of the text.
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TranscriptError(
            f"the text is not valid UTF-8 (byte 0x{raw_bytes[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8 and import it again"
        ) from None
    return TranscriptSource(name=name, raw_bytes=raw_bytes, text=text)


class SpeakerCache:
    """The speaker aliases and kinds the parser needs, read once for a run of many files.

    ``transcript_import`` calls :meth:`invalidate` when a file created speakers (or failed after
    perhaps creating some), so the next file reads them again: every file still sees exactly
    the speakers stored before it. Without a cache, each file reads them afresh.
    """

    def __init__(self):
        self._data = None

    def get(self):
        if self._data is None:
            speakers = Speaker.objects.all()
            self._data = (speakers.alias_map(), dict(speakers.values_list("name", "kind")))
        return self._data

    def invalidate(self):
        self._data = None


def transcript_parse(*, source: TranscriptSource, speaker_cache: SpeakerCache | None = None) -> ParsedDocument:
    aliases, speaker_kinds = (speaker_cache or SpeakerCache()).get()
    try:
        return parse_transcript(
            source.text,
            source=source.name,
            aliases=aliases,
            speaker_kinds=speaker_kinds,
        )
    except ParseError as exc:
        raise TranscriptError(str(exc)) from None


def _speakers_for(parsed: ParsedDocument, created: list | None = None) -> dict[str, Speaker]:
    """The Speaker row of every name the parsed document uses, creating the new ones (listed in ``created``)."""
    names = {turn.speaker for turn in parsed.turns if turn.speaker}
    existing = {speaker.name: speaker for speaker in Speaker.objects.filter(name__in=names)}
    for parsed_speaker in parsed.speakers:
        if parsed_speaker.name in names and parsed_speaker.name not in existing:
            speaker = Speaker(
                name=parsed_speaker.name,
                kind=_kind_value(parsed_speaker.kind),
                role=parsed_speaker.role[:200],
                affiliation=parsed_speaker.affiliation[:200],
            )
            speaker.full_clean()
            speaker.save()
            existing[speaker.name] = speaker
            if created is not None:
                created.append(speaker)
    missing = names - existing.keys()
    if missing:
        raise TranscriptError(f"the parser named speakers it did not describe: {', '.join(sorted(missing))}")
    return existing


_TURN_COLUMNS = ("document_id", "position", "speaker_id", "label", "kind", "text", "source_line")


def _insert_turns(turns):
    """Insert a document's turns: one ``COPY`` on PostgreSQL (several times faster than a
    multi-row ``INSERT`` for thousands of rows), ``bulk_create`` elsewhere."""
    connection = connections[Turn.objects.db]
    if connection.vendor != "postgresql":
        Turn.objects.bulk_create(turns)
        return
    table = connection.ops.quote_name(Turn._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in _TURN_COLUMNS)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for turn in turns:
            copy.write_row([getattr(turn, column) for column in _TURN_COLUMNS])


def _kind_value(kind) -> str:
    return kind.value if hasattr(kind, "value") else str(kind)


def previous_edition(*, source_name: str, parsed: ParsedDocument) -> Document | None:
    """The current document a new file is a new edition of: same file name, or same title, date and place."""
    current = Document.objects.current()
    by_name = current.filter(source_name=source_name[:255]).order_by("-imported_at", "-pk").first()
    if by_name is not None:
        return by_name
    if parsed.date is None:  # an undated title alone is too weak a match
        return None
    return (
        current.filter(title=parsed.title[:500], date=parsed.date, place=(parsed.place or "")[:200])
        .order_by("-imported_at", "-pk")
        .first()
    )


def _lock_edition(document_id) -> Document:
    """The edition to replace, locked: two imports of new editions of it cannot both win."""
    document = Document.objects.select_for_update().filter(pk=document_id).first()
    if document is None:
        raise TranscriptError(f"there is no document {document_id} to replace")
    if not document.is_current:
        newer = document.current_edition()
        raise TranscriptError(
            f"document {document.pk} was already replaced by a newer edition (document {newer.pk}); replace that one"
        )
    return document


def transcript_import(
    *,
    path: Path,
    publisher: str = "",
    replaces: int | None = None,
    detect_editions: bool = True,
    speaker_cache: SpeakerCache | None = None,
) -> ImportResult:
    """Import one file; an already imported file (same bytes) is returned untouched.

    A new edition of a document already in the corpus (``replaces``, or found by
    ``previous_edition`` unless ``detect_editions`` is off) becomes the current one, and the
    annotations of the old edition are re-anchored onto its text, in this same transaction.
    ``speaker_cache`` (one per run of many files) saves reading the speakers for every file.
    """
    created = []
    try:
        return _transcript_import(
            path=path,
            publisher=publisher,
            replaces=replaces,
            detect_editions=detect_editions,
            speaker_cache=speaker_cache,
            created=created,
        )
    except BaseException:
        if speaker_cache is not None:
            speaker_cache.invalidate()  # the speakers of a failed file may have been rolled back
        raise
    finally:
        if created and speaker_cache is not None:
            speaker_cache.invalidate()


@transaction.atomic
def _transcript_import(*, path, publisher, replaces, detect_editions, speaker_cache, created) -> ImportResult:
    source = transcript_read(path=path)
    existing = Document.objects.filter(content_hash=source.content_hash).first()
    if existing is not None:
        return ImportResult(document=existing, parsed=None, created=False)
    parsed = transcript_parse(source=source, speaker_cache=speaker_cache)
    old = None
    if replaces is not None:
        old = _lock_edition(replaces)
    elif detect_editions:
        candidate = previous_edition(source_name=source.name, parsed=parsed)
        old = _lock_edition(candidate.pk) if candidate is not None else None

    speakers = _speakers_for(parsed, created)
    document = Document(
        title=parsed.title[:500],
        kind=parsed.kind,
        date=parsed.date,
        place=(parsed.place or "")[:200],
        author=(parsed.author or "")[:200],
        publisher=publisher[:200],
        source_name=source.name[:255],
        raw_text=source.text,
        content_hash=source.content_hash,
        replaces=old,
        import_warnings=[
            {"line": warning.line, "code": warning.code, "message": warning.message} for warning in parsed.warnings
        ],
    )
    # Its check constraints hold by construction (the kind is checked with the fields; a new
    # document cannot be its own edition): checking them here would cost a query each.
    document.full_clean(validate_constraints=False)
    document.save()
    _insert_turns(
        Turn(
            document=document,
            position=turn.position,
            speaker=speakers.get(turn.speaker) if turn.speaker else None,
            label=(turn.label or "")[:200],
            kind=_kind_value(turn.kind),
            text=turn.text,
            source_line=turn.line,
        )
        for turn in parsed.turns
    )
    if old is None:
        return ImportResult(document=document, parsed=parsed, created=True)

    from annotations.services import annotations_reanchor  # annotations build on the corpus, not the reverse

    Document.objects.filter(pk=old.pk).update(is_current=False)
    report = annotations_reanchor(old_document=old, new_document=document)
    return ImportResult(document=document, parsed=parsed, created=True, replaced=old, reanchoring=report)
