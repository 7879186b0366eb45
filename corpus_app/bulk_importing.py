"""Many transcript files at once, as ``import_transcripts`` imports a folder.

Worker processes read and parse the files ahead (``corpus_app.parse_ahead``); this process
writes them a batch at a time: one lookup of the batch's content hashes and editions, one insert
of its documents, one ``COPY`` (PostgreSQL) or bulk insert (SQLite) of its turns, one transaction.
On PostgreSQL a batch that needs nothing but its own rows is written by a thread on a connection
of its own (``_BatchWriter``), while this thread sorts out the next.
A new edition goes in the same batch: the documents it replaces are locked and marked replaced
together, and ``edition_replaced`` is sent for each (the annotations app re-anchors, in the batch's
transaction). A file that cannot be read, parsed or checked fails alone before anything is written.
Only the files that need more go through the one-file import
(``corpus_app.importing.transcript_import``), after their batch: a file identical to, or a new
edition of, one before it in the batch, and, should the database refuse a batch (or a receiver of
``edition_replaced`` raise), each of its files in its own transaction, so that a bad file still
costs only itself.
"""

import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from corpus_app.importing import (
    ImportResult,
    SpeakerCache,
    TranscriptError,
    failure_reason,
    heading_of,
    insert_turns,
    source_url_of,
    speaker_ids_for,
    stored_matches,
    transcript_import,
    use_asynchronous_commit,
)
from corpus_app.models import Document, DocumentFile
from corpus_app.parse_ahead import FileReader, ReadFile, SpeakerVersions
from corpus_app.parsing import ParsedDocument
from corpus_app.rows import allocate_ids
from corpus_app.rows import insert as rows_insert
from corpus_app.signals import edition_replaced
from desk.threads import ConnectionThreads

logger = logging.getLogger(__name__)

# Every column of a document, as the batch writes them (a field added to ``Document`` is one more here).
_DOCUMENT_COLUMNS = [field.attname for field in Document._meta.concrete_fields]


IMPORTED, NEW_EDITION, SKIPPED, FAILED, CHECKED = "imported", "new edition", "skipped", "failed", "checked"


@dataclass
class FileOutcome:
    """What became of one file of a run."""

    path: str | Path
    status: str  # IMPORTED, NEW_EDITION, SKIPPED (already imported), FAILED or CHECKED (a dry run)
    document_id: int | None = None
    parsed: ParsedDocument | None = None
    reason: str = ""  # why it failed
    replaced_id: int | None = None  # the edition a NEW_EDITION replaced
    reanchoring: object | None = None  # what re-anchoring the annotations reported (ImportResult.reanchoring)
    exception: BaseException | None = None  # the failure, for the log when it is a bug


@dataclass
class _NewDocument:
    """A file the batch writes: a new document, or a new edition of ``replaces`` (a current document)."""

    index: int  # in the batch
    read: ReadFile
    speaker_ids: dict[str, int]
    outcome: FileOutcome
    replaces: int | None = None


@dataclass
class _Batch:
    """A batch's files sorted out: what is written together, what is reported, what goes one by one after."""

    new: list[_NewDocument] = field(default_factory=list)
    outcomes: list[tuple[int, FileOutcome]] = field(default_factory=list)  # (index in the batch, outcome)
    one_by_one: list[tuple[int, ReadFile]] = field(default_factory=list)
    # What finds its files' documents: content hashes, file names, (title, date, place).
    hashes: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    headings: set[tuple] = field(default_factory=set)


class TranscriptBulkImport:
    """Import (or, with ``dry_run``, check) many files; ``report`` is called with each file's
    :class:`FileOutcome`, in the files' order."""

    BATCH_FILES = 1000
    BATCH_BYTES = 2 << 20  # small enough that the workers parse the next batch while one is written

    def __init__(
        self,
        *,
        report: Callable[[FileOutcome], None],
        publisher: str = "",
        detect_editions: bool = True,
        dry_run: bool = False,
        speaker_cache: SpeakerCache | None = None,
    ):
        self.report = report
        self.publisher = publisher
        self.detect_editions = detect_editions
        self.dry_run = dry_run
        self.speakers = SpeakerVersions(speaker_cache or SpeakerCache())

    def run(self, paths: list[str | Path]):
        with FileReader(paths, self.speakers) as reader, _BatchWriter(enabled=not self.dry_run) as self._writer:
            # The first chunk is written before the others are parsed.
            batch, batch_bytes, size = [], 0, reader.FIRST_CHUNK_FILES
            for read in reader:
                if self.dry_run:
                    self.report(self._checked(read))
                    continue
                batch.append(read)
                batch_bytes += len(read.extracted.text) if read.extracted is not None else 0
                if len(batch) >= size or batch_bytes >= self.BATCH_BYTES:
                    self._import_batch(batch, reader)
                    batch, batch_bytes, size = [], 0, self.BATCH_FILES
            if batch:
                self._import_batch(batch, reader)
            while self._written():
                pass

    @staticmethod
    def _checked(read: ReadFile) -> FileOutcome:
        if read.error is not None:
            return FileOutcome(path=read.path, status=FAILED, reason=read.error)
        return FileOutcome(path=read.path, status=CHECKED, parsed=read.parsed)

    def _import_batch(self, files: list[ReadFile], reader: FileReader):
        if self._writer.enabled:
            try:
                batch = self._sort_out(files, reader, alone=True)
            except Exception:  # told below, where the batch is sorted out again
                batch = None
            if batch is not None:  # written by a writer's thread while this one sorts out the next batch
                while self._writer.full:
                    self._written()
                self._writer.submit(self._write_alone, files, batch)
                return
        while self._written():
            pass
        try:
            with transaction.atomic():
                use_asynchronous_commit()
                batch = self._sort_out(files, reader)
                self._write(batch)
        except Exception as exc:
            self.speakers.created(None)  # some may have been created, then rolled back
            self._one_by_one(files, exc)
            return
        self._report_batch(batch)

    def _write_alone(self, batch: "_Batch"):
        """A batch that needs nothing but its own rows, in its own transaction (in the writer's thread)."""
        with transaction.atomic():
            use_asynchronous_commit()
            self._write(batch)

    def _written(self) -> bool:
        """The oldest batch the writers took, once written: its files reported, or, should the
        database have refused it, each imported on its own. False if there was none."""
        done = self._writer.result()
        if done is None:
            return False
        files, batch, exc = done
        if exc is not None:
            self._one_by_one(files, exc)
        else:
            self._report_batch(batch)
        return True

    def _one_by_one(self, files: list[ReadFile], exc: Exception):
        """A batch the database refused (a file the checks let through): each file on its own."""
        if not isinstance(exc, DatabaseError | ValidationError | TranscriptError):
            logger.exception("a batch of transcripts failed unexpectedly; importing its files one by one", exc_info=exc)
        for read in files:
            self.report(self._import_one(read))

    def _report_batch(self, batch: "_Batch"):
        outcomes = dict(batch.outcomes)
        for index, read in batch.one_by_one:
            outcomes[index] = self._import_one(read)
        for index in sorted(outcomes):
            self.report(outcomes[index])

    def _sort_out(self, files: list[ReadFile], reader: FileReader, *, alone: bool = False) -> _Batch | None:
        """Which files are new, already imported, new editions, or failed; the new speakers created.

        ``alone``: only if the batch can be written beside the one the writer's thread is writing,
        outside this connection's transaction, else None: none of its files is identical to another
        or a new edition (of a stored document, of another file of the batch, or, perhaps, of a file
        of the batch being written: the same name, content or title and date), nor names a speaker
        not stored yet."""
        batch = _Batch()
        parsed = [read for read in files if read.parsed is not None]
        batch.hashes = {read.content_hash for read in files if read.content_hash}
        batch.names = {read.name for read in parsed} if self.detect_editions else set()
        batch.headings = {heading_of(read.parsed) for read in parsed} - {None} if self.detect_editions else set()
        if alone and self._writer.writing_any(batch):
            return None
        stored = stored_matches(hashes=batch.hashes, names=batch.names, headings=batch.headings)
        in_batch_hashes, in_batch_names, in_batch_headings = set(), set(), set()
        for index, read in enumerate(files):
            if read.content_hash in stored.by_hash:
                outcome = FileOutcome(path=read.path, status=SKIPPED, document_id=stored.by_hash[read.content_hash])
                batch.outcomes.append((index, outcome))
                continue
            if read.content_hash and read.content_hash in in_batch_hashes:
                if alone:
                    return None
                batch.one_by_one.append((index, read))  # identical to a file before it: skipped once that one is in
                continue
            if self.speakers.stale(read):
                # This file and a few after it (each perhaps parsed again later, should more speakers come).
                window = files[index : index + reader.REPARSE_FILES]
                reader.parse_again([later for later in window if self.speakers.stale(later)])
            if read.error is not None:
                batch.outcomes.append((index, FileOutcome(path=read.path, status=FAILED, reason=read.error)))
                continue
            in_batch_hashes.add(read.content_hash)
            name, heading = read.name[:255], heading_of(read.parsed)
            later_edition = name in in_batch_names or (heading is not None and heading in in_batch_headings)
            in_batch_names.add(name)
            if heading is not None:
                in_batch_headings.add(heading)
            replaces = stored.previous_edition(name, heading) if self.detect_editions else None
            if alone and (replaces is not None or (self.detect_editions and later_edition)):
                return None
            if self.detect_editions and later_edition:
                batch.one_by_one.append((index, read))  # a new edition of a file before it in the batch
                continue
            if alone and not self._speakers_stored(read.parsed):
                return None
            try:
                speaker_ids = self._speaker_ids(read.parsed)
            except (TranscriptError, ValidationError) as exc:
                batch.outcomes.append((index, FileOutcome(path=read.path, status=FAILED, reason=failure_reason(exc))))
                continue
            outcome = FileOutcome(path=read.path, status=IMPORTED, parsed=read.parsed)
            batch.new.append(_NewDocument(index, read, speaker_ids, outcome, replaces))
            batch.outcomes.append((index, outcome))
        self._lock_replaced(batch)
        return batch

    @staticmethod
    def _lock_replaced(batch: _Batch):
        """The documents the batch's new editions replace, locked: two imports cannot both replace one.
        A file whose document was replaced since the lookup (by another import), or is replaced by a
        file before it in the batch (one found by name, the other by title, date and place), goes
        on its own after the batch."""
        replaced = {new.replaces for new in batch.new if new.replaces is not None}
        if not replaced:
            return
        current = set(
            Document.objects.select_for_update().filter(pk__in=replaced, is_current=True).values_list("pk", flat=True)
        )
        claimed, later = set(), []
        for new in batch.new:
            if new.replaces is not None and (new.replaces not in current or new.replaces in claimed):
                later.append(new)
            claimed.add(new.replaces)
        for new in later:
            batch.new.remove(new)
            batch.outcomes.remove((new.index, new.outcome))
            batch.one_by_one.append((new.index, new.read))

    def _speakers_stored(self, parsed: ParsedDocument) -> bool:
        known = self.speakers.cache.ids()
        return all(turn.speaker in known for turn in parsed.turns if turn.speaker)

    def _speaker_ids(self, parsed: ParsedDocument) -> dict[str, int]:
        """The ids of the speakers of ``parsed``, creating the new ones (in a savepoint of their own:
        a file that cannot create its speakers fails alone)."""
        if self._speakers_stored(parsed):
            return self.speakers.cache.ids()
        created = []
        try:
            with transaction.atomic():
                ids = speaker_ids_for(parsed, self.speakers.cache, created)
        except BaseException:
            self.speakers.created(None)  # some may have been created, then rolled back
            raise
        if created:
            self.speakers.created(speaker.name for speaker in created)
        return ids

    def _write(self, batch: _Batch):
        using = Document.objects.db
        ids = allocate_ids(Document, len(batch.new), using=using)
        imported_at = timezone.now()
        documents = [
            (
                document_id,
                new.read.parsed.title[:500],
                new.read.parsed.kind,
                new.read.parsed.date,
                (new.read.parsed.place or "")[:200],
                (self.publisher or new.read.parsed.publisher)[:200],
                source_url_of(new.read.parsed),
                (new.read.parsed.author or "")[:200],
                new.read.name[:255],
                new.read.extracted.text,
                new.read.content_hash,
                [
                    {"line": warning.line, "code": warning.code, "message": warning.message}
                    for warning in new.read.parsed.warnings
                ],
                imported_at,
                new.replaces,
                True,  # current
            )
            for document_id, new in zip(ids, batch.new, strict=True)
        ]
        rows_insert(Document, _DOCUMENT_COLUMNS, documents, using=using)
        DocumentFile.objects.bulk_create(
            DocumentFile(document_id=document_id, format=new.read.extracted.format, data=new.read.file_data)
            for document_id, new in zip(ids, batch.new, strict=True)
            if new.read.file_data is not None
        )
        insert_turns(
            (
                document_id,
                turn.position,
                new.speaker_ids[turn.speaker] if turn.speaker else None,
                (turn.label or "")[:200],
                turn.kind.value if hasattr(turn.kind, "value") else str(turn.kind),
                turn.text,
                turn.line,
            )
            for document_id, new in zip(ids, batch.new, strict=True)
            for turn in new.read.parsed.turns
        )
        for document_id, new in zip(ids, batch.new, strict=True):
            new.outcome.document_id = document_id
        self._replace_editions([(row, new) for row, new in zip(documents, batch.new, strict=True) if new.replaces])

    @staticmethod
    def _replace_editions(editions: list[tuple[tuple, _NewDocument]]):
        """The documents the new editions replace are no longer current; the receivers of
        ``edition_replaced`` act on each pair (a receiver that raises fails the batch)."""
        if not editions:
            return
        replaced = Document.objects.defer("raw_text").in_bulk([new.replaces for _, new in editions])
        Document.objects.filter(pk__in=replaced).update(is_current=False)
        for row, new in editions:
            old = replaced[new.replaces]
            old.is_current = False
            document = Document(**dict(zip(_DOCUMENT_COLUMNS, row, strict=True)))
            document._state.adding, document._state.db = False, Document.objects.db
            responses = edition_replaced.send(sender=Document, old_document=old, new_document=document)
            new.outcome.status, new.outcome.replaced_id = NEW_EDITION, old.pk
            new.outcome.reanchoring = next((response for _, response in responses if response is not None), None)

    def _import_one(self, read: ReadFile) -> FileOutcome:
        """One file through the one-file import, in its own transaction."""
        before = self.speakers.cache.ids()
        try:
            result: ImportResult = transcript_import(
                path=read.path,
                publisher=self.publisher,
                detect_editions=self.detect_editions,
                speaker_cache=self.speakers.cache,
            )
        except Exception as exc:  # this file's failure alone: its transaction is rolled back
            return FileOutcome(path=read.path, status=FAILED, reason=failure_reason(exc), exception=exc)
        finally:
            if self.speakers.cache.ids() is not before:  # the import read them again: it created some
                self.speakers.created(self.speakers.cache.ids().keys() - before.keys())
        if not result.created:
            return FileOutcome(path=read.path, status=SKIPPED, document_id=result.document.pk)
        return FileOutcome(
            path=read.path,
            status=NEW_EDITION if result.replaced is not None else IMPORTED,
            document_id=result.document.pk,
            parsed=result.parsed,
            replaced_id=result.replaced.pk if result.replaced is not None else None,
            reanchoring=result.reanchoring,
        )


class _BatchWriter:
    """Threads that write batches, each on a connection of its own, while the importer sorts out the
    next (PostgreSQL): the database computes the batches' search vectors and words, and updates
    their indexes, in a server process per connection, while this process works on the next. Each
    batch in its own transaction; not on SQLite (one writer at a time), nor inside a caller's
    transaction (a test's), which another connection would not see."""

    WRITERS = 2

    def __init__(self, *, enabled: bool):
        connection = connections[Document.objects.db]
        self.enabled = enabled and connection.vendor == "postgresql" and not connection.in_atomic_block
        self._pool = None
        self._writing: deque[tuple[list[ReadFile], _Batch, Future]] = deque()  # oldest first

    def __enter__(self):
        if self.enabled:
            self._pool = ConnectionThreads(self.WRITERS, "transcript-writer")
        return self

    def __exit__(self, *exc_info):
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    @property
    def full(self) -> bool:
        return len(self._writing) >= self.WRITERS

    def writing_any(self, batch: _Batch) -> bool:
        """Whether a batch being written holds a file with one of ``batch``'s hashes, names or headings."""
        return any(
            writing.hashes & batch.hashes or writing.names & batch.names or writing.headings & batch.headings
            for _, writing, _ in self._writing
        )

    def submit(self, write: Callable[[_Batch], None], files: list[ReadFile], batch: _Batch):
        self._writing.append((files, batch, self._pool.submit(write, batch)))

    def result(self) -> tuple[list[ReadFile], _Batch, Exception | None] | None:
        """The oldest batch, once written (files, batch, the exception that refused it or None); None if none is."""
        if not self._writing:
            return None
        files, batch, future = self._writing.popleft()
        return files, batch, future.exception()
