"""Parsed transcripts into Document/Turn rows.

The parser (``corpus_app.parsing``) knows nothing of the database; this module reads
the file, hands the parser the speaker aliases stored so far, and writes one document
with its turns inside a single transaction, so a file either lands whole or not at all.
"""

import hashlib
import multiprocessing
import sys
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import DatabaseError, connections, transaction

from corpus_app.models import Document, DocumentFile, Speaker, Turn
from corpus_app.parsing import ParsedDocument, ParseError, parse_extracted
from corpus_app.parsing.extract import ExtractedText, ExtractError, extract_text
from corpus_app.parsing.worker import parse_in_worker
from corpus_app.rows import insert as rows_insert
from corpus_app.signals import edition_replaced
from desk.cache import CORPUS, bump


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


def transcript_read(*, path: Path) -> TranscriptSource:
    path = Path(path)
    try:
        _refuse_if_too_large(path.stat().st_size)  # before reading it: a huge file is never held in memory
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise TranscriptError("no such file") from None
    except IsADirectoryError:
        raise TranscriptError("is a folder, not a file") from None
    except OSError as exc:
        raise TranscriptError(f"cannot be read ({exc.strerror or exc})") from None
    return transcript_decode(name=path.name, raw_bytes=raw_bytes)


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


@dataclass
class SearchVectors:
    """What the database computes of a document's turns for searches."""

    turns: list[bytes]  # each turn's search vector, in PostgreSQL's binary form (tsvector_send)
    lexemes: str  # the document's lexemes, every word of its turns (migration 0009), as tsvector text


@dataclass
class PreparedTranscript:
    """A file of a run, read, and perhaps being parsed in a worker process (see ``TranscriptReader``)."""

    path: Path
    source: TranscriptSource | None = None
    error: str | None = None  # why it cannot be read
    future: Future | None = None  # the worker's parse
    speakers: tuple | None = None  # the (aliases, kinds) the worker parses with
    vectors: Future | None = None  # (the worker's parse, the search vectors of its turns), see SearchVectorMaker

    def read(self) -> TranscriptSource:
        if self.error is not None:
            raise TranscriptError(self.error)
        return self.source

    def parse(self, speaker_cache: SpeakerCache) -> ParsedDocument:
        """The parse with the speakers stored now: the worker's, unless the speakers changed since it
        started (a file before this one created some) or it has not started yet (then it is not waited for)."""
        source = self.read()
        future, self.future = self.future, None
        if future is not None and (future.running() or future.done() or not future.cancel()):
            speakers = speaker_cache.get()
            if self.speakers is speakers or self.speakers == speakers:
                try:
                    return future.result()
                except ParseError as exc:
                    raise TranscriptError(str(exc)) from None
                except Exception:  # a lost worker: parse here (a parser bug raises here again)
                    pass
        return transcript_parse(source=source, speaker_cache=speaker_cache)

    def search_vectors(self, parsed: ParsedDocument) -> SearchVectors | None:
        """The search vectors of ``parsed`` if they were computed ahead for this very parse, else None
        (the database computes them as the turns are inserted)."""
        vectors, self.vectors = self.vectors, None
        if vectors is None or vectors.cancel():  # not started: not worth waiting for
            return None
        try:
            computed_for, result = vectors.result()
        except Exception:  # a failed parse, a lost connection: nothing is lost, the database computes them
            return None
        return result if computed_for is parsed else None

    def discard(self):
        for future in (self.future, self.vectors):
            if future is not None:
                future.cancel()
        self.future = self.vectors = None


class TranscriptReader:
    """The files of a run, read ahead and, for a run of many, parsed ahead in a worker process
    while the importer writes the files before them.

    The worker parses with the speakers stored when a file is read ahead; ``PreparedTranscript.parse``
    parses again here if they changed by the file's turn, so each file is parsed exactly as
    ``transcript_parse`` would. Used as a context manager: the worker stops at the end.
    """

    AHEAD = 8  # files read ahead of the one being imported
    WORKER_MIN_FILES = 32  # fewer are parsed here: starting a worker takes longer than parsing them

    def __init__(self, paths, *, speaker_cache: SpeakerCache):
        self.paths = list(paths)
        self.speaker_cache = speaker_cache
        self._executor = None
        self._vector_maker = None
        self._sent = None  # the speakers the worker has
        self._pending: deque[PreparedTranscript] = deque()

    def __enter__(self):
        # A forked worker: a spawned one would run the caller's main script again. Forking is
        # safe on Linux (the worker only parses: it never uses the database connection it inherits).
        if len(self.paths) >= self.WORKER_MIN_FILES and sys.platform == "linux":
            try:
                self._executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
            except (OSError, ImportError, NotImplementedError, ValueError):  # no processes here: parse in this one
                self._executor = None
        if self._executor is not None and SearchVectorMaker.available():
            self._vector_maker = SearchVectorMaker()
        return self

    def __exit__(self, *exc_info):
        for prepared in self._pending:
            prepared.discard()
        self._pending.clear()
        if self._vector_maker is not None:
            self._vector_maker.close()
            self._vector_maker = None
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __iter__(self):
        for path in self.paths:
            self._pending.append(self._prepare(path))
            if len(self._pending) > self.AHEAD:
                yield self._pending.popleft()
        while self._pending:
            yield self._pending.popleft()

    def _prepare(self, path) -> PreparedTranscript:
        try:
            prepared = PreparedTranscript(path=path, source=transcript_read(path=path))
        except TranscriptError as exc:
            return PreparedTranscript(path=path, error=str(exc))
        if self._executor is None:
            return prepared
        speakers = self.speaker_cache.get()
        changed = not (self._sent is speakers or self._sent == speakers)
        try:
            prepared.future = self._executor.submit(
                parse_in_worker,
                prepared.source.extracted,
                source=prepared.source.name,
                speakers=speakers if changed else None,
            )
        except Exception:  # a lost worker: the rest is parsed here
            self._executor = None
            return prepared
        self._sent, prepared.speakers = speakers, speakers
        if self._vector_maker is not None:
            prepared.vectors = self._vector_maker.submit(prepared.future)
        return prepared


class SearchVectorMaker:
    """The search vectors of the turns of the files parsed ahead, and each document's lexemes,
    computed by the database on a connection of their own (in a thread) while the importer's
    connection writes the file before.

    Computing a turn's ``tsvector`` is most of the database's work in an import; on the importer's
    connection it waited for that, file after file. With the vectors ready, the insert stores them
    (the triggers on ``corpus_app_turn`` compute only what is not given: migrations 0008 and 0009).
    Each is computed by the same expressions on the same server, so a search finds exactly what it
    would otherwise.
    """

    def __init__(self):
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="search-vectors")

    @staticmethod
    def available() -> bool:
        return connections[Turn.objects.db].vendor == "postgresql"

    def submit(self, parse: Future) -> Future:
        return self._thread.submit(self._compute, parse)

    def _compute(self, parse: Future):
        parsed = parse.result()
        from corpus_app.search import VECTOR_EXPRESSION_OF  # the search owns the expression

        connection = connections[Turn.objects.db]  # this thread's own connection
        connection.ensure_connection()
        # Binary results, which need a cursor that binds parameters on the server (Django's bind
        # them here): the vectors go back into the COPY as they came, with no text to parse.
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(
                f"WITH turn AS MATERIALIZED (SELECT position, {VECTOR_EXPRESSION_OF % 'text'} AS vector "
                "FROM unnest(%s::text[]) WITH ORDINALITY AS turn(text, position)) "
                # The lexemes as migration 0009's trigger collects them, once, on the first row.
                "SELECT vector, CASE WHEN position = 1 THEN (SELECT coalesce(array_to_tsvector(array_agg(lexeme)), '') "
                "FROM turn, unnest(tsvector_to_array(vector)) AS lexeme)::text END FROM turn ORDER BY position",
                [[turn.text for turn in parsed.turns]],
                binary=True,
            )
            rows = cursor.fetchall()
        return parsed, SearchVectors(turns=[row[0] for row in rows], lexemes=rows[0][1] if rows else "")

    def close(self):
        """Stop, after the computation under way; call it once the files not imported are discarded."""
        self._thread.submit(connections.close_all)  # the thread's connection ends with it
        self._thread.shutdown(wait=True)


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


def insert_turns(rows, *, search_vectors: SearchVectors | None = None, document_id=None):
    """Insert turns, given as tuples in ``_TURN_COLUMNS`` order (``corpus_app.rows``: one ``COPY``
    on PostgreSQL). ``search_vectors`` (PostgreSQL only) are those of ``document_id``'s turns."""
    connection = connections[Turn.objects.db]
    bump(CORPUS, using=connection.alias)  # COPY and bulk inserts send no signals
    if connection.vendor != "postgresql" or search_vectors is None:
        rows_insert(Turn, list(_TURN_COLUMNS), list(rows), using=Turn.objects.db)
        return
    table = connection.ops.quote_name(Turn._meta.db_table)
    from corpus_app.search import VECTOR_COLUMN

    columns = ", ".join(connection.ops.quote_name(column) for column in (*_TURN_COLUMNS, VECTOR_COLUMN))
    with connection.cursor() as cursor:
        # The document's lexemes too, in the same round trip as the setting that tells the trigger
        # on the turns (migration 0009) they are given for this document: collecting them there
        # made each file's insert half as long again.
        cursor.execute(
            "WITH given AS (SELECT set_config('corpus_app.lexemes_given', %s, true)) "
            "INSERT INTO corpus_app_document_lexemes (document_id, lexemes) SELECT %s, %s::tsvector FROM given",
            [str(document_id), document_id, search_vectors.lexemes],
        )
        # Binary COPY: the vectors as the database sent them (a third faster than as text).
        cursor.cursor.adapters.register_dumper(_BinaryTsvector, _BinaryTsvectorDumper)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([*_TURN_COLUMN_TYPES, "tsvector"])
            for row, vector in zip(rows, search_vectors.turns, strict=True):
                copy.write_row((*row, _BinaryTsvector(vector)))


_TURN_COLUMN_TYPES = ("bigint", "integer", "bigint", "varchar", "varchar", "text", "integer")  # of _TURN_COLUMNS


class _BinaryTsvector(bytes):
    """A ``tsvector`` in PostgreSQL's binary form, as a binary cursor returns it."""


class _BinaryTsvectorDumper(psycopg.adapt.Dumper):
    """Writes a :class:`_BinaryTsvector` as it is, typed ``tsvector`` (no Python type stands for one)."""

    format = psycopg.pq.Format.BINARY
    oid = psycopg.postgres.types["tsvector"].oid  # a built-in type: the same id on every server

    def dump(self, obj):
        return obj


def _kind_value(kind) -> str:
    return kind.value if hasattr(kind, "value") else str(kind)


def _stored_or_previous_edition(*, source: TranscriptSource, parsed: ParsedDocument) -> tuple[int, bool] | None:
    """(id, same bytes) of the document already imported from these bytes, else of the current
    document this file is a new edition of: the same file name, or the same title, date and place
    (an undated title alone is too weak a match: ``date = NULL`` is never true). A match by name
    wins over one by title, date and place; the newest wins among them.

    One query, in SQL of its own: it runs for every file of a run, and building it with the ORM
    took four times as long as running it.
    """
    connection = connections[Document.objects.db]
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote('id')}, {quote('content_hash')} = %(hash)s FROM {quote(Document._meta.db_table)} "
        # Three terms each answered by an index (SQLite too: a "current" factored out made it read every row).
        f"WHERE {quote('content_hash')} = %(hash)s OR ({quote('is_current')} AND {quote('source_name')} = %(name)s)"
        f" OR ({quote('is_current')} AND {quote('date')} = %(date)s AND {quote('title')} = %(title)s"
        f" AND {quote('place')} = %(place)s) "
        # The same bytes first, then the same name, then the same title, date and place; the newest among them.
        f"ORDER BY CASE WHEN {quote('content_hash')} = %(hash)s THEN 0 WHEN {quote('source_name')} = %(name)s THEN 1"
        f" ELSE 2 END, {quote('imported_at')} DESC, {quote('id')} DESC LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "hash": source.content_hash,
                "name": source.name[:255],
                "date": parsed.date,
                "title": parsed.title[:500],
                "place": (parsed.place or "")[:200],
            },
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


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
    ``prepared`` is the file as a ``TranscriptReader`` read (and perhaps parsed) it.
    """
    created = []
    try:
        return _transcript_import(
            path=path,
            publisher=publisher,
            replaces=replaces,
            detect_editions=detect_editions,
            speaker_cache=speaker_cache,
            prepared=prepared,
            created=created,
        )
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
def _transcript_import(*, path, publisher, replaces, detect_editions, speaker_cache, prepared, created) -> ImportResult:
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
        ],
        search_vectors=prepared.search_vectors(parsed) if prepared is not None else None,
        document_id=document.pk,
    )
    if old is None:
        return ImportResult(document=document, parsed=parsed, created=True)

    Document.objects.filter(pk=old.pk).update(is_current=False)
    responses = edition_replaced.send(sender=Document, old_document=old, new_document=document)
    report = next((response for _, response in responses if response is not None), None)
    return ImportResult(document=document, parsed=parsed, created=True, replaced=old, reanchoring=report)
