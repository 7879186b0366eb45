"""Many transcript files at once, as ``import_transcripts`` imports a folder.

Worker processes read and parse the files ahead (``corpus_app.parse_ahead``); this process
writes them a batch at a time: one lookup of the batch's content hashes and editions, one insert
of its documents, one ``COPY`` (PostgreSQL) or bulk insert (SQLite) of its turns, one transaction.
A file that cannot be read, parsed or checked fails alone before anything is written. Only the
files that need more go through the one-file import (``corpus_app.importing.transcript_import``),
after their batch: new editions (which re-anchor annotations), a file identical to one before it in
the batch, and, should the database refuse a batch, each of its files in its own transaction,
so that a bad file still costs only itself.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from corpus_app.importing import (
    ImportResult,
    SpeakerCache,
    TranscriptError,
    failure_reason,
    insert_turns,
    source_url_of,
    speaker_ids_for,
    transcript_import,
    use_asynchronous_commit,
)
from corpus_app.models import Document, DocumentFile
from corpus_app.parse_ahead import FileReader, ReadFile, SpeakerVersions
from corpus_app.parsing import ParsedDocument
from corpus_app.rows import allocate_ids
from corpus_app.rows import insert as rows_insert

logger = logging.getLogger(__name__)

# The columns the batch writes, in this order (``replaces`` stays empty: new editions go one by one).
_DOCUMENT_COLUMNS = (
    "title",
    "kind",
    "date",
    "place",
    "publisher",
    "source_url",
    "author",
    "source_name",
    "raw_text",
    "content_hash",
    "import_warnings",
    "imported_at",
    "is_current",
)


IMPORTED, NEW_EDITION, SKIPPED, FAILED, CHECKED = "imported", "new edition", "skipped", "failed", "checked"


@dataclass
class FileOutcome:
    """What became of one file of a run."""

    path: Path
    status: str  # IMPORTED, NEW_EDITION, SKIPPED (already imported), FAILED or CHECKED (a dry run)
    document_id: int | None = None
    parsed: ParsedDocument | None = None
    reason: str = ""  # why it failed
    replaced_id: int | None = None  # the edition a NEW_EDITION replaced
    reanchoring: object | None = None  # what re-anchoring the annotations reported (ImportResult.reanchoring)
    exception: BaseException | None = None  # the failure, for the log when it is a bug


@dataclass
class _Batch:
    """A batch's files sorted out: what is written together, what is reported, what goes one by one after."""

    new: list[ReadFile] = field(default_factory=list)
    speaker_ids: list[dict[str, int]] = field(default_factory=list)  # of each new file
    outcomes: list[tuple[int, FileOutcome]] = field(default_factory=list)  # (index in the batch, outcome)
    one_by_one: list[tuple[int, ReadFile]] = field(default_factory=list)


class TranscriptBulkImport:
    """Import (or, with ``dry_run``, check) many files; ``report`` is called with each file's
    :class:`FileOutcome`, in the files' order."""

    BATCH_FILES = 500
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

    def run(self, paths: list[Path]):
        with FileReader(paths, self.speakers) as reader:
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

    @staticmethod
    def _checked(read: ReadFile) -> FileOutcome:
        if read.error is not None:
            return FileOutcome(path=read.path, status=FAILED, reason=read.error)
        return FileOutcome(path=read.path, status=CHECKED, parsed=read.parsed)

    def _import_batch(self, files: list[ReadFile], reader: FileReader):
        try:
            with transaction.atomic():
                use_asynchronous_commit()
                batch = self._sort_out(files, reader)
                self._write(batch)
        except Exception as exc:
            # Refused by the database (a file the checks let through): each file on its own.
            if not isinstance(exc, DatabaseError | ValidationError | TranscriptError):
                logger.exception("a batch of transcripts failed unexpectedly; importing its files one by one")
            self.speakers.created(None)
            for read in files:
                self.report(self._import_one(read))
            return
        outcomes = dict(batch.outcomes)
        for index, read in batch.one_by_one:
            outcomes[index] = self._import_one(read)
        for index in sorted(outcomes):
            self.report(outcomes[index])

    def _sort_out(self, files: list[ReadFile], reader: FileReader) -> _Batch:
        """Which files are new, already imported, new editions, or failed; the new speakers created."""
        batch = _Batch()
        stored = dict(
            Document.objects.filter(content_hash__in={read.content_hash for read in files if read.content_hash})
            .order_by()
            .values_list("content_hash", "pk")
        )
        by_name, by_heading = self._current_editions([read for read in files if read.parsed is not None])
        in_batch_hashes, in_batch_names, in_batch_headings = set(), set(), set()
        for index, read in enumerate(files):
            if read.content_hash in stored:
                batch.outcomes.append(
                    (index, FileOutcome(path=read.path, status=SKIPPED, document_id=stored[read.content_hash]))
                )
                continue
            if read.content_hash and read.content_hash in in_batch_hashes:
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
            parsed = read.parsed
            name, heading = read.name[:255], _heading(parsed)
            later_edition = name in in_batch_names or (heading is not None and heading in in_batch_headings)
            in_batch_names.add(name)
            if heading is not None:
                in_batch_headings.add(heading)
            if self.detect_editions and (later_edition or name in by_name or heading in by_heading):
                batch.one_by_one.append((index, read))  # a new edition: locked, replaced and re-anchored on its own
                continue
            try:
                speaker_ids = self._speaker_ids(parsed)
            except (TranscriptError, ValidationError) as exc:
                batch.outcomes.append((index, FileOutcome(path=read.path, status=FAILED, reason=failure_reason(exc))))
                continue
            batch.new.append(read)
            batch.speaker_ids.append(speaker_ids)
            batch.outcomes.append((index, FileOutcome(path=read.path, status=IMPORTED, parsed=parsed)))
        return batch

    def _speaker_ids(self, parsed: ParsedDocument) -> dict[str, int]:
        """The ids of the speakers of ``parsed``, creating the new ones (in a savepoint of their own:
        a file that cannot create its speakers fails alone)."""
        known = self.speakers.cache.ids()
        if all(turn.speaker in known for turn in parsed.turns if turn.speaker):
            return known
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

    def _current_editions(self, reads: list[ReadFile]) -> tuple[dict, dict]:
        """The current documents these files may be new editions of, by file name and by (title, date, place)."""
        if not self.detect_editions or not reads:
            return {}, {}
        current = Document.objects.filter(is_current=True).order_by()
        fields = ("pk", "source_name", "title", "date", "place")
        by_name = set(
            current.filter(source_name__in={read.name[:255] for read in reads}).values_list("source_name", flat=True)
        )
        headings = {_heading(read.parsed) for read in reads} - {None}
        by_heading = {
            (title, date, place)
            for _, _, title, date, place in current.filter(title__in={heading[0] for heading in headings}).values_list(
                *fields
            )
        } & headings
        return by_name, by_heading

    def _write(self, batch: _Batch):
        using = Document.objects.db
        ids = allocate_ids(Document, len(batch.new), using=using)
        imported_at = timezone.now()
        rows_insert(
            Document,
            ["id", *_DOCUMENT_COLUMNS],
            [
                (
                    document_id,
                    read.parsed.title[:500],
                    read.parsed.kind,
                    read.parsed.date,
                    (read.parsed.place or "")[:200],
                    (self.publisher or read.parsed.publisher)[:200],
                    source_url_of(read.parsed),
                    (read.parsed.author or "")[:200],
                    read.name[:255],
                    read.extracted.text,
                    read.content_hash,
                    [
                        {"line": warning.line, "code": warning.code, "message": warning.message}
                        for warning in read.parsed.warnings
                    ],
                    imported_at,
                    True,
                )
                for document_id, read in zip(ids, batch.new, strict=True)
            ],
            using=using,
        )
        DocumentFile.objects.bulk_create(
            DocumentFile(document_id=document_id, format=read.extracted.format, data=read.file_data)
            for document_id, read in zip(ids, batch.new, strict=True)
            if read.file_data is not None
        )
        insert_turns(
            (
                document_id,
                turn.position,
                speaker_ids[turn.speaker] if turn.speaker else None,
                (turn.label or "")[:200],
                turn.kind.value if hasattr(turn.kind, "value") else str(turn.kind),
                turn.text,
                turn.line,
            )
            for document_id, read, speaker_ids in zip(ids, batch.new, batch.speaker_ids, strict=True)
            for turn in read.parsed.turns
        )
        new_ids = iter(ids)
        for _, outcome in batch.outcomes:
            if outcome.status == IMPORTED:
                outcome.document_id = next(new_ids)

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


def _heading(parsed: ParsedDocument) -> tuple | None:
    """What finds an earlier edition besides the file name: the title, date and place (never without a date)."""
    if parsed.date is None:
        return None
    return (parsed.title[:500], parsed.date, (parsed.place or "")[:200])
