"""Records into rows, a batch at a time.

A batch (``BATCH_SIZE`` documents, or as many annotations) is checked line by line first, with
no database write: a line that fails is reported with its number and reason and left out. The
rest is written in one transaction, one statement per table (``writing``: documents, turns,
annotations, their topics, claims and the history of both), so a thousand documents cost a
dozen statements.
Should the database still refuse the batch, it is written again one line at a time, each in a
savepoint, so that only the line it refuses is lost.

Documents are matched by content hash: one already in the desk, or met before in the file, is
skipped as identical. A lone annotation with an id already in the desk is skipped the same way.
The triggers of both apps (search vectors, the documents' words, the dashboard's kept counts)
run per statement, so they see a batch as they see one document.
"""

import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.db import DatabaseError, connection, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone

from annotations.interchange.names import Names, split_path
from annotations.interchange.placing import place
from annotations.interchange.records import (
    MAX_NAME,
    WRONG_TYPE,
    AnnotationRecord,
    DocumentRecord,
    RecordError,
    check_text,
    wrong_type,
)
from annotations.interchange.writing import write_batch
from annotations.models import Annotation
from annotations.services import MAX_NOTE_CHARS, MAX_RATIONALE_CHARS, AnnotationError, clean_evidence
from corpus_app.models import Document, Turn
from corpus_app.rows import checkpoints_beside
from desk.threads import ConnectionThreads

BATCH_SIZE = 1000
# A namespace for the ids of lone annotations that came without one: the same passage of the same
# document gets the same id on every import, so importing a file again adds nothing.
UUID_NAMESPACE = uuid.UUID("3f0c1d52-6a55-4c8e-9a43-4d1e3b7f0a17")


@dataclass
class ImportReport:
    documents: int = 0
    turns: int = 0
    annotations: int = 0
    skipped: int = 0
    failed: list = field(default_factory=list)  # (line, reason)


@dataclass
class _Ready:
    """A record checked against its document's turns, with every passage placed."""

    record: DocumentRecord | AnnotationRecord
    passages: list  # (AnnotationRecord, Passage)
    document_id: int | None = None  # a lone annotation's document
    turn_ids: dict | None = None  # its document's {position: turn id}


class Importer:
    def __init__(self, *, names: Names, dry_run: bool = False, on_line: Callable | None = None):
        self.names = names
        self.dry_run = dry_run
        self.on_line = on_line or (lambda line, outcome, record: None)
        self.report = ImportReport()
        self._hashes = set()  # content hashes met in this run
        self._uuids = set()
        self._labels = set()  # topic labels found well-formed
        self._lock = threading.Lock()  # the report and the caller's progress, from the writers too
        self._forget = True

    def run(self, items: Iterable, batch_size: int = BATCH_SIZE) -> ImportReport:
        """``items``: (line, record or RecordError) pairs, as the readers yield them."""
        self.names.default_author()  # outside any batch's transaction: created once, kept
        with checkpoints_beside(), ParallelWriters(self._write_checked, parallel=not self.dry_run) as writers:
            batch = []
            for line, item in items:
                if isinstance(item, RecordError):
                    self._fail(line, str(item))
                    continue
                batch.append(item)
                if len(batch) >= batch_size:
                    self._submit(writers, batch)
                    batch = []
            if batch:
                self._submit(writers, batch)
        return self.report

    def _submit(self, writers, records):
        ready = self._check(records)
        if ready and writers.parallel:
            self.names.prepare(ready)  # here, committed: the writers only read the names
        writers.submit(ready)

    def _fail(self, line, reason, record=None):
        with self._lock:
            self.report.failed.append((line, reason))
            self.on_line(line, f"failed: {reason}", record)

    def _skip(self, record):
        with self._lock:
            self.report.skipped += 1
            self.on_line(record.line, "skipped as identical", record)

    # --- checking --------------------------------------------------------------------------------------------------

    def _write_checked(self, ready, parallel=False):
        """Write a checked batch (in a writer thread when ``parallel``: the names are known then)."""
        if not ready:
            return
        self._forget = not parallel  # names made in a rolled-back transaction are gone with it
        try:
            with transaction.atomic():
                counts = self._write(ready)
                if self.dry_run:
                    transaction.set_rollback(True)
        except (DatabaseError, RecordError):
            self._forget_names()
            counts = self._write_one_by_one(ready)
        if self.dry_run:
            self._forget_names()  # the speakers, topics and targets it made were rolled back with it
        self._count(ready, counts)

    def _forget_names(self):
        if self._forget:
            self.names.forget()

    def _check(self, records) -> list[_Ready]:
        documents = [record for record in records if isinstance(record, DocumentRecord)]
        stored = set(
            Document.objects.filter(content_hash__in=[r.content_hash for r in documents]).values_list(
                "content_hash", flat=True
            )
        )
        lone = self._lone_targets([record for record in records if isinstance(record, AnnotationRecord)])
        given = [entry.uuid for record in documents for entry in record.annotations if entry.uuid]
        uuids_stored = set()
        if given:
            valid = [value for value in given if _is_uuid(value)]
            uuids_stored = set(map(str, Annotation.objects.filter(uuid__in=valid).values_list("uuid", flat=True)))
        ready, lone_ready = [], []
        for record in records:
            try:
                if isinstance(record, DocumentRecord):
                    if record.content_hash in stored or record.content_hash in self._hashes:
                        self._skip(record)
                        continue
                    texts = [turn.text for turn in record.turns]
                    passages = [
                        (entry, place(entry, texts, f"annotation {n}")) for n, entry in enumerate(record.annotations)
                    ]
                    for n, entry in enumerate(record.annotations):
                        _check_entry(entry, f"annotation {n}", uuids_stored, self._labels)
                    self._hashes.add(record.content_hash)
                    ready.append(_Ready(record, passages))
                else:
                    item = self._check_lone(record, lone)
                    if item is not None:
                        lone_ready.append(item)
            except RecordError as exc:
                self._fail(record.line, str(exc), record)
            except WRONG_TYPE as exc:
                self._fail(record.line, str(wrong_type(exc)), record)
        # Lone annotations whose id (given, or made from the passage) is in the desk: imported before.
        stored = set(
            map(
                str,
                Annotation.objects.filter(uuid__in=[item.record.uuid for item in lone_ready]).values_list(
                    "uuid", flat=True
                ),
            )
        )
        for item in lone_ready:
            if item.record.uuid in stored:
                self._skip(item.record)
            else:
                ready.append(item)
        return ready

    def _lone_targets(self, records):
        """For annotations on documents already in the desk: {reference: (document id, {position: (turn id, text)})}."""
        if not records:
            return {}
        ids, sources = {}, set()
        for record in records:
            reference = record.document
            document_id = _desk_document_id(reference)
            if document_id is not None:
                ids[reference] = document_id
            else:
                sources.add(reference)
        sources = {source for source in sources if _is_text(source)}  # the others fail their check
        by_source = dict(Document.objects.current().filter(source_name__in=sources).values_list("source_name", "pk"))
        for reference in sources:
            if reference in by_source:
                ids[reference] = by_source[reference]
        turns = {}
        for document_id, position, pk, text in Turn.objects.filter(document_id__in=set(ids.values())).values_list(
            "document_id", "position", "pk", "text"
        ):
            turns.setdefault(document_id, {})[position] = (pk, text)
        return {reference: (document_id, turns.get(document_id, {})) for reference, document_id in ids.items()}

    def _check_lone(self, record: AnnotationRecord, lone) -> _Ready | None:
        record.check_texts("the annotation")  # a document's annotations were checked with it (``finish``)
        _check_entry(record, "the annotation", set(), self._labels)
        if record.document not in lone:
            raise RecordError(f"no document “{record.document[:100]}” in the desk for this annotation")
        document_id, turns = lone[record.document]
        positions = sorted(turns)
        if positions != list(range(len(positions))):
            raise RecordError(f"document {document_id}'s turns are not numbered from 0")
        passage = place(record, [turns[position][1] for position in positions])
        if not record.uuid:
            record.uuid = str(uuid.uuid5(UUID_NAMESPACE, f"{document_id}:{passage.turn}:{passage.start}:{passage.end}"))
        if record.uuid in self._uuids:
            self._skip(record)
            return None
        self._uuids.add(record.uuid)
        return _Ready(record, [(record, passage)], document_id, {p: turns[p][0] for p in positions})

    # --- writing ---------------------------------------------------------------------------------------------------

    def _write_one_by_one(self, ready):
        counts = []
        for item in ready:
            try:
                with transaction.atomic():
                    counts.extend(self._write([item]))
                    if self.dry_run:
                        transaction.set_rollback(True)
            except RecordError as exc:
                self._forget_names()
                self._fail(item.record.line, str(exc), item.record)
                counts.append(None)
            except DatabaseError as exc:
                self._forget_names()
                reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                self._fail(item.record.line, f"the database refused it: {reason}", item.record)
                counts.append(None)
        return counts

    def _count(self, ready, counts):
        with self._lock:
            for item, count in zip(ready, counts, strict=True):
                if count is None:
                    continue
                record = item.record
                if isinstance(record, DocumentRecord):
                    self.report.documents += 1
                    self.report.turns += len(record.turns)
                self.report.annotations += count
                self.on_line(record.line, f"imported, {count} annotation(s)", record)

    def _write(self, ready: list[_Ready]) -> list[int]:
        return write_batch(ready, self.names, timezone.now())


class ParallelWriters:
    """Batches written by two threads, each on a connection of its own, while the next batch is
    read and checked (PostgreSQL): the server works on two batches at once, and this process reads
    while it does. Most of an import's time is the database's (the turns' search vectors and
    words, the indexes, the history), in one server process per connection.

    Each batch is still its own transaction; what two batches could both create (speakers,
    topics, targets) is created before, here (``Names.prepare``). Written in place instead: on
    SQLite (one writer at a time), in a dry run (which rolls everything back, names included),
    and inside a transaction of the caller's (a test's), which another connection would not see.
    """

    WRITERS = 2

    def __init__(self, write, *, parallel=True):
        self._write = write
        self.parallel = parallel and connection.vendor == "postgresql" and not connection.in_atomic_block
        self._pending = []
        self._pool = None

    def __enter__(self):
        if self.parallel:
            self._pool = ConnectionThreads(self.WRITERS, "import-writer")
        return self

    def submit(self, ready):
        if self._pool is None:
            self._write(ready)
            return
        # At most one batch waiting for a writer: memory stays that of a few batches.
        while len(self._pending) > self.WRITERS:
            self._pending.pop(0).result()  # a writer's error is raised here
        self._pending.append(self._pool.submit(self._write, ready, True))

    def __exit__(self, *exc_info):
        if self._pool is None:
            return
        try:
            for pending in self._pending:
                pending.result()
        finally:
            self._pool.close()


def _is_text(value):
    try:
        check_text("", value)
    except RecordError:
        return False
    return True


def _is_uuid(value):
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


def _check_entry(entry: AnnotationRecord, where, uuids_stored, labels):
    """What the write would find wrong, found before it: a bad id, an empty topic, nothing tagged.
    ``labels``: the topic labels found well-formed so far (a file has few: each is checked once)."""
    if entry.uuid:
        if not _is_uuid(entry.uuid):
            raise RecordError(f"{where}: “{entry.uuid[:60]}” is not a UUID")
        entry.uuid = str(uuid.UUID(entry.uuid))
        if entry.uuid in uuids_stored:
            raise RecordError(f"{where}: an annotation with the id {entry.uuid} is in the desk already")
    for label in entry.topics:
        if label in labels:
            continue
        if not split_path(label):
            raise RecordError(f"{where}: an empty topic")
        if any(len(name) > MAX_NAME for name in split_path(label)):
            raise RecordError(f"{where}: a topic's name is longer than {MAX_NAME} characters")
        labels.add(label)
    if len(entry.target.strip()) > MAX_NAME:
        raise RecordError(f"{where}: the stance's target is longer than {MAX_NAME} characters")
    if len(entry.note) > MAX_NOTE_CHARS:
        raise RecordError(f"{where}: the note is longer than {MAX_NOTE_CHARS} characters")
    if entry.claim is not None:
        if len(entry.claim.rationale) > MAX_RATIONALE_CHARS:
            raise RecordError(f"{where}: the claim's rationale is longer than {MAX_RATIONALE_CHARS} characters")
        try:  # the links a reviewer could have given: http(s), at most twenty
            entry.claim.evidence = clean_evidence(entry.claim.evidence)
        except AnnotationError as exc:
            raise RecordError(f"{where}: {exc}") from None


def _desk_document_id(reference: str) -> int | None:
    """A document id, or the URL of a document in this desk (``…/documents/12/#turn-3``), as its id."""
    if reference.isdigit():
        return int(reference)
    path = urlsplit(reference).path
    if not path:
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name == "annotations:document-detail":
        return int(match.kwargs.get("pk") or match.args[0])
    return None
