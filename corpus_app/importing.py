"""Parsed transcripts into Document/Turn rows.

The parser (``corpus_app.parsing``) knows nothing of the database; this module reads
the file, hands the parser the speaker aliases stored so far, and writes one document
with its turns inside a single transaction, so a file either lands whole or not at all.
Over 400 lines because the one-file import and the batch path (``bulk_importing``) share its
look-ups, speaker resolution and failure reasons, which would otherwise be written twice.
"""

import hashlib
import json
import logging
import os
import stat
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError, connections, transaction

from corpus_app.models import Document, DocumentFile, Speaker, Turn
from corpus_app.parsing import ParsedDocument, ParseError, parse_extracted
from corpus_app.parsing.extract import ExtractedText, ExtractError, extract_text
from corpus_app.rows import insert as rows_insert
from corpus_app.signals import edition_replaced

logger = logging.getLogger(__name__)


class TranscriptError(Exception):
    """A file that cannot be imported; the message says why and is shown to the editor."""


@dataclass
class TranscriptSource:
    name: str
    raw_bytes: bytes
    # The plain text the parser reads (the file itself for text, taken out of it for other
    # formats), the format, what the file says of itself, and the chrome its reader removed.
    extracted: ExtractedText

    @property
    def text(self) -> str:
        return self.extracted.text

    @property
    def format(self) -> str:
        return self.extracted.format

    @cached_property
    def content_hash(self):
        return hashlib.sha256(self.raw_bytes).hexdigest()


@dataclass
class ImportResult:
    document: Document
    parsed: ParsedDocument | None  # None when the file was already imported
    created: bool
    replaced: Document | None = None  # the earlier edition this import superseded
    reanchoring: object | None = None  # what the receivers of ``edition_replaced`` reported (re-anchoring)


def _size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def _refuse_if_too_large(size: int):
    limit = settings.IMPORT_MAX_FILE_BYTES
    if size > limit:
        raise TranscriptError(
            f"the file is {_size(size)}, larger than the {_size(limit)} allowed (IMPORT_MAX_FILE_BYTES)"
        )


def transcript_read(*, path: str | Path) -> TranscriptSource:
    # The path as given, string or Path: a run of 20,000 files makes no Path object of each.
    # Unbuffered: the file is read whole, once, and a buffered reader would only add work.
    # Opened without waiting: a named pipe opened to be read would wait for a writer for ever.
    with file_errors_as(TranscriptError), open(path, "rb", buffering=0, opener=_without_waiting) as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise TranscriptError(NOT_A_FILE)
        _refuse_if_too_large(status.st_size)  # before reading it: a huge file is never held in memory
        raw_bytes = file.read()
    return transcript_decode(name=file_name(path), raw_bytes=raw_bytes)


NOT_A_FILE = "is not a file to read (a pipe, a device or a socket)"


def _without_waiting(path, flags: int) -> int:
    return os.open(path, flags | os.O_NONBLOCK)


def file_name(path: str | Path) -> str:
    """The file's name as text a database takes (``path_text``)."""
    return path_text(os.path.basename(path))


def path_text(path: str | Path) -> str:
    """A path as text a database takes: the bytes of a name that are not UTF-8 (a Latin-1 name
    from an old archive, kept by Linux as it was written) become "\ufffd"."""
    text = str(path)
    try:
        text.encode()
    except UnicodeEncodeError:
        return text.encode(errors="surrogateescape").decode(errors="replace")
    return text


@contextmanager
def file_errors_as(error: type[Exception]):
    """A file that cannot be read, as ``error`` with the reason an editor understands (for any
    importer of files: transcripts, JSON Lines, other tools' exports)."""
    try:
        yield
    except FileNotFoundError:
        raise error("no such file") from None
    except IsADirectoryError:
        raise error("is a folder, not a file") from None
    except OSError as exc:
        raise error(f"cannot be read ({exc.strerror or exc})") from None


def transcript_decode(*, name: str, raw_bytes: bytes) -> TranscriptSource:
    """The file's text and metadata, in whatever format it is (text, Markdown, HTML, DOCX, PDF)."""
    _refuse_if_too_large(len(raw_bytes))
    try:
        extracted = extract_text(raw_bytes, filename=name)
    except ExtractError as exc:
        raise TranscriptError(str(exc)) from None
    return TranscriptSource(name=name, raw_bytes=raw_bytes, extracted=extracted)


class SpeakerCache:
    """The speakers the importer needs, read once for a run of many files: the aliases and
    kinds the parser takes, and the id of each speaker for the turns.

    ``transcript_import`` calls :meth:`invalidate` when a file created speakers (or failed after
    perhaps creating some), so the next file reads them again: every file still sees exactly
    the speakers stored before it. Without a cache, each file reads them afresh.
    """

    def __init__(self, *, without_tables_ok: bool = False):
        self._data = None
        self._ids = None
        # A dry run checks files on a machine whose database was never migrated: then it parses
        # without stored speakers instead of failing (``missing_tables`` says so).
        self.without_tables_ok = without_tables_ok
        self.missing_tables = False

    def get(self):
        """(alias map, {name: kind}) for the parser."""
        if self._data is None and self.without_tables_ok:
            try:
                with transaction.atomic():
                    Speaker.objects.exists()
            except DatabaseError:
                self.missing_tables = True
                self._data, self._ids = ({}, {}), {}
        if self._data is None:
            speakers = Speaker.objects.all()
            rows = list(speakers.values_list("name", "kind", "pk"))
            self._data = (speakers.alias_map(), {name: kind for name, kind, _ in rows})
            self._ids = {name: pk for name, _, pk in rows}
        return self._data

    def ids(self) -> dict[str, int]:
        """{name: id} of every speaker."""
        self.get()
        return self._ids

    def invalidate(self):
        self._data = self._ids = None


def transcript_parse(*, source: TranscriptSource, speaker_cache: SpeakerCache | None = None) -> ParsedDocument:
    aliases, speaker_kinds = (speaker_cache or SpeakerCache()).get()
    try:
        return parse_extracted(source.extracted, source=source.name, aliases=aliases, speaker_kinds=speaker_kinds)
    except ParseError as exc:
        raise TranscriptError(str(exc)) from None


def transcript_check(*, parsed: ParsedDocument):
    """Refuse a parse that the database cannot store as it is: a speaker name longer than its
    field (a legend can yield one; cutting it could merge two speakers), or a turn over
    ``IMPORT_MAX_TURN_CHARS``. Checked before anything of the file is written."""
    name_limit = Speaker._meta.get_field("name").max_length
    for speaker in parsed.speakers:
        if len(speaker.name) > name_limit:
            raise TranscriptError(
                f"a speaker name is {len(speaker.name)} characters long, the longest allowed is {name_limit}: "
                f"“{speaker.name[:60]}…” (a legend or label read as a name?)"
            )
    turn_limit = settings.IMPORT_MAX_TURN_CHARS
    for turn in parsed.turns:
        if len(turn.text) > turn_limit:
            raise TranscriptError(
                f"turn {turn.position + 1} (line {turn.line}) is {len(turn.text):,} characters long, "
                f"more than the {turn_limit:,} allowed (IMPORT_MAX_TURN_CHARS)"
            )


class PreparedTranscript(Protocol):
    """A file handed to ``transcript_import`` already read, to be parsed its own way (the import
    page's files: from the bytes it kept, with the editor's preview edits applied)."""

    def read(self) -> TranscriptSource: ...

    def parse(self, speaker_cache: SpeakerCache) -> ParsedDocument: ...


def speaker_ids_for(parsed: ParsedDocument, speaker_cache: SpeakerCache, created: list) -> dict[str, int]:
    """The id of every speaker name the parsed document uses, creating the new speakers (listed in ``created``)."""
    names = {turn.speaker for turn in parsed.turns if turn.speaker}
    known = speaker_cache.ids()
    ids = {name: known[name] for name in names if name in known}
    missing = names - ids.keys()
    if not missing:
        return ids
    # Not in the cache: perhaps stored since it was read (by another import), else new.
    ids.update(Speaker.objects.filter(name__in=missing).values_list("name", "pk"))
    for parsed_speaker in parsed.speakers:
        if parsed_speaker.name in missing and parsed_speaker.name not in ids:
            speaker = Speaker(
                name=parsed_speaker.name,
                kind=_kind_value(parsed_speaker.kind),
                role=parsed_speaker.role[:200],
                affiliation=parsed_speaker.affiliation[:200],
            )
            speaker.full_clean()
            speaker.save()
            ids[speaker.name] = speaker.pk
            created.append(speaker)
    missing = names - ids.keys()
    if missing:
        raise TranscriptError(f"the parser named speakers it did not describe: {', '.join(sorted(missing))}")
    return ids


_TURN_COLUMNS = ("document_id", "position", "speaker_id", "label", "kind", "text", "source_line")


def insert_turns(rows):
    """Insert turns, given as tuples in ``_TURN_COLUMNS`` order (``corpus_app.rows``: one ``COPY``
    on PostgreSQL); the triggers declared on ``Turn`` compute their search vectors."""
    rows_insert(Turn, list(_TURN_COLUMNS), list(rows), using=Turn.objects.db)


WEB_ADDRESS = URLValidator(schemes=["http", "https"])


def source_url_of(parsed: ParsedDocument) -> str:
    """The web address the file gives for itself, if Django's URL validation accepts it, else none."""
    if not parsed.url:
        return ""
    try:
        WEB_ADDRESS(parsed.url)
    except ValidationError:
        return ""
    return parsed.url


def _kind_value(kind) -> str:
    return kind.value if hasattr(kind, "value") else str(kind)


@dataclass
class StoredMatches:
    """What the database holds of some files: the documents with their bytes (by content hash), and
    the current documents they may be new editions of, by file name and by (title, date, place)
    (the newest of each)."""

    by_hash: dict[str, int]
    by_name: dict[str, int]
    by_heading: dict[tuple, int]

    def previous_edition(self, name: str, heading: tuple | None) -> int | None:
        """The current document a file is a new edition of: by name first, then by title, date and place."""
        found = self.by_name.get(name[:255])
        return found if found is not None else self.by_heading.get(heading)


def heading_of(parsed: ParsedDocument) -> tuple | None:
    """What finds an earlier edition besides the file name: the title, date and place (never without a date)."""
    if parsed.date is None:
        return None
    return (parsed.title[:500], parsed.date, (parsed.place or "")[:200])


def stored_matches(*, hashes: set[str], names: set[str], headings: set[tuple]) -> StoredMatches:
    """One query for a batch of files (or one): every term answered by an index (content hash,
    file name, title and date), in SQL of its own: the ORM took longer to build it than the
    database to answer it."""
    connection = connections[Document.objects.db]
    names = {name[:255] for name in names}
    date_field = Document._meta.get_field("date")
    found = StoredMatches({}, {}, {})
    if not (hashes or names or headings):
        return found
    lookup = _stored_matches_postgresql if connection.vendor == "postgresql" else _stored_matches_sql
    sql, params = lookup(connection, hashes, names, headings)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for pk, content_hash, is_current, source_name, title, date, place, *_ in rows:
        if content_hash in hashes:
            found.by_hash[content_hash] = pk
        if not is_current:
            continue
        if source_name in names:
            found.by_name[source_name] = pk
        heading = (title, date_field.to_python(date), place)
        if heading in headings:
            found.by_heading[heading] = pk
    return found


_MATCH_COLUMNS = ("id", "content_hash", "is_current", "source_name", "title", "date", "place")


def _stored_matches_sql(connection, hashes, names, headings) -> tuple[str, list]:
    """The lookup as one ``WHERE … OR …``, each term by an index (SQLite reads them as a ``MULTI-INDEX OR``)."""
    quote = connection.ops.quote_name

    def among(column, values):
        return f"{quote(column)} IN ({', '.join(['%s'] * len(values))})", list(values)

    clauses, params = [], []
    if hashes:
        sql, values = among("content_hash", hashes)
        clauses.append(sql)
        params += values
    if names:
        sql, values = among("source_name", names)
        clauses.append(f"({quote('is_current')} AND {sql})")
        params += values
    if headings:
        titles, title_params = among("title", {title for title, _, _ in headings})
        dates, date_params = among("date", {date for _, date, _ in headings})  # the drivers adapt dates
        clauses.append(f"({quote('is_current')} AND {titles} AND {dates})")
        params += title_params + date_params
    columns = ", ".join(quote(column) for column in _MATCH_COLUMNS)
    sql = (
        f"SELECT {columns} FROM {quote(Document._meta.db_table)} WHERE {' OR '.join(clauses)} "
        f"ORDER BY {quote('imported_at')}, {quote('id')}"  # the newest last: it wins
    )
    return sql, params


def _stored_matches_postgresql(connection, hashes, names, headings) -> tuple[str, list]:
    """The lookup on PostgreSQL: each term a query of its own by its index, the (title, date) pairs
    joined as pairs (titles and dates looked up apart make every title meet every date), and each
    list of values one JSON parameter, not a placeholder per value for the driver to quote."""
    table = Document._meta.db_table
    columns = ", ".join([*_MATCH_COLUMNS, "imported_at"])
    each = "IN (SELECT jsonb_array_elements_text(%s::jsonb))"
    queries, params = [], []
    if hashes:
        queries.append(f"SELECT {columns} FROM {table} WHERE content_hash {each}")
        params.append(json.dumps(list(hashes)))
    if names:
        queries.append(f"SELECT {columns} FROM {table} WHERE is_current AND source_name {each}")
        params.append(json.dumps(list(names)))
    if headings:
        queries.append(
            f"SELECT {columns} FROM {table} JOIN jsonb_to_recordset(%s::jsonb) AS heading (title text, date date) "
            "USING (title, date) WHERE is_current"
        )
        params.append(json.dumps([{"title": title, "date": date.isoformat()} for title, date, _ in headings]))
    sql = f"{' UNION '.join(queries)} ORDER BY imported_at, id"  # the newest last: it wins
    return sql, params


def _stored_or_previous_edition(*, source: TranscriptSource, parsed: ParsedDocument) -> tuple[int, bool] | None:
    """(id, same bytes) of the document already imported from these bytes, else of the current
    document this file is a new edition of (``StoredMatches.previous_edition``)."""
    heading = heading_of(parsed)
    found = stored_matches(hashes={source.content_hash}, names={source.name}, headings={heading} - {None})
    if source.content_hash in found.by_hash:
        return found.by_hash[source.content_hash], True
    previous = found.previous_edition(source.name, heading)
    return (previous, False) if previous is not None else None


def _lock_edition(document_id) -> Document:
    """The edition to replace, locked: two imports of new editions of it cannot both win."""
    # Its raw text (the whole earlier file) is not needed to replace it.
    document = Document.objects.select_for_update().defer("raw_text").filter(pk=document_id).first()
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
    prepared: PreparedTranscript | None = None,
) -> ImportResult:
    """Import one file; an already imported file (same bytes) is returned untouched.

    A new edition of a document already in the corpus (``replaces``, or found by
    the edition lookup unless ``detect_editions`` is off) becomes the current one, and the
    receivers of ``corpus_app.signals.edition_replaced`` act on it (the annotations app re-anchors
    the old edition's annotations onto the new text) in this same transaction.
    ``speaker_cache`` (one per run of many files) saves reading the speakers for every file;
    ``prepared`` is the file already read, to be parsed its own way (``PreparedTranscript``).
    """
    created = []
    try:
        return _transcript_import(path, publisher, replaces, detect_editions, speaker_cache, prepared, created)
    except BaseException:
        if speaker_cache is not None:
            speaker_cache.invalidate()  # the speakers of a failed file may have been rolled back
        raise
    finally:
        if created and speaker_cache is not None:
            speaker_cache.invalidate()


def use_asynchronous_commit():
    """On PostgreSQL, let this transaction's COMMIT return before its write-ahead log reaches the disk
    (``synchronous_commit`` off, for this transaction only).

    A crash of the database server just after may lose the last imports, never half of one;
    importing the folder again brings them back. Not inside a caller's transaction, whose own
    writes it would cover too.
    """
    connection = connections[Document.objects.db]
    if connection.vendor == "postgresql" and not connection.savepoint_ids:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


@transaction.atomic
def _transcript_import(path, publisher, replaces, detect_editions, speaker_cache, prepared, created) -> ImportResult:
    use_asynchronous_commit()
    speaker_cache = speaker_cache or SpeakerCache()
    source = prepared.read() if prepared is not None else transcript_read(path=path)
    # Parsed before looking for the file in the database, so that one query finds both the
    # document already imported from these bytes and the edition this one may replace.
    parse_error = None
    try:
        if prepared is not None:
            parsed = prepared.parse(speaker_cache)
        else:
            parsed = transcript_parse(source=source, speaker_cache=speaker_cache)
    except TranscriptError as exc:  # raised below, unless the file was imported already: then it is skipped
        parsed, parse_error = None, exc
    if parsed is None or replaces is not None or not detect_editions:
        stored = Document.objects.filter(content_hash=source.content_hash).first()
        if stored is not None:
            return ImportResult(document=stored, parsed=None, created=False)
        found = None
    else:
        found = _stored_or_previous_edition(source=source, parsed=parsed)
        if found is not None and found[1]:  # the same bytes: already imported
            return ImportResult(document=Document.objects.get(pk=found[0]), parsed=None, created=False)
    if parse_error is not None:
        raise parse_error
    transcript_check(parsed=parsed)
    old = None
    if replaces is not None:
        old = _lock_edition(replaces)
    elif found is not None:
        old = _lock_edition(found[0])

    speaker_ids = speaker_ids_for(parsed, speaker_cache, created)
    document = Document(
        title=parsed.title[:500],
        kind=parsed.kind,
        date=parsed.date,
        place=(parsed.place or "")[:200],
        author=(parsed.author or "")[:200],
        publisher=(publisher or parsed.publisher)[:200],
        source_url=source_url_of(parsed),
        source_name=source.name[:255],
        raw_text=source.text,
        content_hash=source.content_hash,
        replaces=old,
        import_warnings=[
            {"line": warning.line, "code": warning.code, "message": warning.message} for warning in parsed.warnings
        ],
    )
    # Its check constraints hold by construction (the kind is checked with the fields; a new
    # document cannot be its own edition), and so do its unique fields: no document has its
    # content hash (looked up above, in this transaction) and none replaces ``old`` (it is
    # current, and locked), which exists (locked above). Checking them here would cost a query each.
    document.full_clean(exclude=["replaces"], validate_unique=False, validate_constraints=False)
    document.save()
    # The file, unless it is the raw text itself (most UTF-8 text files are): then the raw text is the file.
    if not (source.format == "text" and source.raw_bytes == source.text.encode()):
        DocumentFile.objects.create(document=document, format=source.format, data=source.raw_bytes)
    insert_turns(
        [
            (
                document.pk,
                turn.position,
                speaker_ids[turn.speaker] if turn.speaker else None,
                (turn.label or "")[:200],
                _kind_value(turn.kind),
                turn.text,
                turn.line,
            )
            for turn in parsed.turns
        ]
    )
    if old is None:
        return ImportResult(document=document, parsed=parsed, created=True)

    Document.objects.filter(pk=old.pk).update(is_current=False)
    responses = edition_replaced.send(sender=Document, old_document=old, new_document=document)
    report = next((response for _, response in responses if response is not None), None)
    return ImportResult(document=document, parsed=parsed, created=True, replaced=old, reanchoring=report)


def failure_reason(exc: BaseException) -> str:
    """What went wrong with one file, for the editor; its transaction is rolled back whatever it was.
    An unexpected error is a bug: its traceback is logged."""
    if isinstance(exc, TranscriptError):
        return str(exc)
    if isinstance(exc, ValidationError):
        return "the file's content does not fit the database: " + "; ".join(exc.messages)
    if isinstance(exc, DatabaseError):
        return f"the database refused the file ({type(exc).__name__}: {str(exc).strip()})"
    logger.error("importing a transcript failed unexpectedly", exc_info=exc)
    return f"an unexpected error while importing it ({type(exc).__name__}: {exc})"
