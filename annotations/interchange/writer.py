"""Records into rows, a batch at a time.

A batch (``BATCH_SIZE`` documents, or as many annotations) is checked line by line first, with
no database write: a line that fails is reported with its number and reason and left out. The
rest is written in one transaction with ``bulk_create`` (documents, turns, annotations, their
topics, claims and the history of both), so a thousand documents cost a handful of statements.
Should the database still refuse the batch, it is written again one line at a time, each in a
savepoint, so that only the line it refuses is lost.

Documents are matched by content hash: one already in the desk, or met before in the file, is
skipped as identical. A lone annotation with an id already in the desk is skipped the same way.
The triggers of both apps (search vectors, the documents' words, the dashboard's kept counts)
run per statement, so they see a batch as they see one document.
"""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone

from annotations.interchange.names import Names, split_path
from annotations.interchange.placing import Passage, place
from annotations.interchange.records import AnnotationRecord, DocumentRecord, RecordError
from annotations.models import AnchorStatus, Annotation, Claim, ClaimStatus
from annotations.services import MAX_NOTE_CHARS
from corpus_app.models import Document, Turn

BATCH_SIZE = 500
# A namespace for the ids of annotations that came without one: the same passage and tags of
# the same document get the same id on every import, so importing a file again adds nothing.
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
        self._user_rows = {}
        self._now = timezone.now()

    def run(self, items: Iterable, batch_size: int = BATCH_SIZE) -> ImportReport:
        """``items``: (line, record or RecordError) pairs, as the readers yield them."""
        self.names.default_author()  # outside any batch's transaction: created once, kept
        batch = []
        for line, item in items:
            if isinstance(item, RecordError):
                self._fail(line, str(item))
                continue
            batch.append(item)
            if len(batch) >= batch_size:
                self._batch(batch)
                batch = []
        if batch:
            self._batch(batch)
        return self.report

    def _fail(self, line, reason, record=None):
        self.report.failed.append((line, reason))
        self.on_line(line, f"failed: {reason}", record)

    def _skip(self, record):
        self.report.skipped += 1
        self.on_line(record.line, "skipped as identical", record)

    # --- checking --------------------------------------------------------------------------------------------------

    def _batch(self, records):
        ready = self._check(records)
        if not ready:
            return
        try:
            with transaction.atomic():
                counts = self._write(ready)
                if self.dry_run:
                    transaction.set_rollback(True)
        except (DatabaseError, RecordError):
            self.names.forget()
            counts = self._write_one_by_one(ready)
        self._count(ready, counts)

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
                        _check_entry(entry, f"annotation {n}", uuids_stored)
                    self._hashes.add(record.content_hash)
                    ready.append(_Ready(record, passages))
                else:
                    item = self._check_lone(record, lone)
                    if item is not None:
                        lone_ready.append(item)
            except RecordError as exc:
                self._fail(record.line, str(exc), record)
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
        if record.document not in lone:
            raise RecordError(f"no document “{record.document[:100]}” in the desk for this annotation")
        document_id, turns = lone[record.document]
        positions = sorted(turns)
        if positions != list(range(len(positions))):
            raise RecordError(f"document {document_id}'s turns are not numbered from 0")
        _check_entry(record, "the annotation", set())
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
                self.names.forget()
                self._fail(item.record.line, str(exc), item.record)
                counts.append(None)
            except DatabaseError as exc:
                self.names.forget()
                reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                self._fail(item.record.line, f"the database refused it: {reason}", item.record)
                counts.append(None)
        return counts

    def _count(self, ready, counts):
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
        """Write the checked records; the number of annotations of each, in order."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # see corpus_app.importing._commit_without_waiting_for_the_disk
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        documents = [item for item in ready if item.document_id is None]
        self._write_documents(documents)
        annotations, claims, topics = [], [], []
        for item in ready:
            for entry, passage in item.passages:
                annotation, claim = self._annotation(entry, passage, item.turn_ids[passage.turn])
                annotations.append(annotation)
                topics.append([self.names.topic_id(label) for label in entry.topics])
                claims.append(claim)
        Annotation.objects.bulk_create(annotations)
        self._keep_times(annotations, [entry for item in ready for entry, _ in item.passages])
        through = Annotation.topics.through
        tags = through.objects.bulk_create(
            through(annotation_id=annotation.pk, topic_id=topic_id)
            for annotation, ids in zip(annotations, topics, strict=True)
            for topic_id in dict.fromkeys(ids)
        )
        for annotation, claim in zip(annotations, claims, strict=True):
            if claim is not None:
                claim.annotation_id = annotation.pk
        claims = [claim for claim in claims if claim is not None]
        Claim.objects.bulk_create(claims)
        _keep_claim_times(claims)
        _history(annotations, tags, claims)
        return [len(item.passages) for item in ready]

    def _write_documents(self, items: list[_Ready]):
        if not items:
            return
        records = [item.record for item in items]
        descriptions = {speaker.name: speaker for record in records for speaker in record.speakers}
        names = {turn.speaker for record in records for turn in record.turns if turn.speaker}
        speaker_ids = self.names.speaker_ids(names, descriptions)
        documents = [
            Document(
                title=record.title,
                kind=record.kind,
                date=record.date,
                place=record.place,
                publisher=record.publisher,
                author=record.author,
                source_name=record.source,
                raw_text=record.raw_text,
                content_hash=record.content_hash,
                import_warnings=record.warnings,
            )
            for record in records
        ]
        Document.objects.bulk_create(documents)
        turns = [
            Turn(
                document_id=document.pk,
                position=position,
                speaker_id=speaker_ids[turn.speaker] if turn.speaker else None,
                label=turn.label,
                kind=turn.kind,
                text=turn.text,
                source_line=turn.source_line,
            )
            for document, record in zip(documents, records, strict=True)
            for position, turn in enumerate(record.turns)
        ]
        Turn.objects.bulk_create(turns)
        at = 0
        for item in items:
            count = len(item.record.turns)
            item.turn_ids = {position: turn.pk for position, turn in enumerate(turns[at : at + count])}
            at += count

    def _annotation(self, entry: AnnotationRecord, passage: Passage, turn_id: int):
        polarity, target_id = "", None
        if entry.polarity:
            polarity, target_id = entry.polarity, self.names.target_id(entry.target, entry.target_kind)
        author_id = self.names.user_id(entry.author)
        annotation = Annotation(
            turn_id=turn_id,
            start=passage.start,
            end=passage.end,
            quote=passage.quote,
            prefix=passage.prefix,
            suffix=passage.suffix,
            polarity=polarity,
            target_id=target_id,
            note=entry.note,
            author_id=author_id,
            version=entry.version,
            anchor_status=entry.anchor_status if entry.anchor_status in AnchorStatus.values else AnchorStatus.ANCHORED,
            anchor_score=entry.anchor_score if isinstance(entry.anchor_score, int | float) else None,
        )
        if entry.uuid:
            annotation.uuid = uuid.UUID(entry.uuid)
        # Who and when, for its history entry (simple_history reads these attributes).
        annotation._history_user = self._user(author_id)
        annotation._history_date = entry.updated or entry.created or self._now
        claim = None
        if entry.claim is not None:
            record = entry.claim
            ruled = record.status not in ClaimStatus.open_values()
            reviewer_id = self.names.user_id(record.reviewer) if (record.reviewer or ruled) else None
            claim = Claim(
                status=record.status,
                rationale=record.rationale,
                evidence=record.evidence,
                reviewer_id=reviewer_id,
                reviewed_at=record.reviewed_at or (timezone.now() if ruled else None),
                version=record.version,
            )
            claim._times = (record.created, record.updated)
            claim._history_user = self._user(reviewer_id or author_id)
            claim._history_date = record.updated or record.reviewed_at or record.created or self._now
        return annotation, claim

    def _user(self, pk):
        user = self._user_rows.get(pk)
        if user is None:
            user = self._user_rows[pk] = get_user_model()(pk=pk)
        return user

    def _keep_times(self, annotations, entries):
        """Creation and change times from the file (``bulk_create`` stamps the present)."""
        kept = []
        for annotation, entry in zip(annotations, entries, strict=True):
            if entry.created or entry.updated:
                annotation.created_at = entry.created or annotation.created_at
                annotation.updated_at = entry.updated or annotation.created_at
                kept.append(annotation)
        if kept:
            Annotation.objects.bulk_update(kept, ["created_at", "updated_at"])


def _history(annotations, tags, claims):
    """One “created” entry in the history of each annotation (with its topics) and claim."""
    history = Annotation.history.bulk_history_create(annotations)
    entry_of = {annotation.pk: row.pk for annotation, row in zip(annotations, history, strict=True)}
    model = Annotation.history.model._meta.get_field("historicalannotation_topics").related_model
    model.objects.bulk_create(
        model(id=tag.pk, history_id=entry_of[tag.annotation_id], annotation_id=tag.annotation_id, topic_id=tag.topic_id)
        for tag in tags
    )
    Claim.history.bulk_history_create(claims)


def _keep_claim_times(claims):
    timed = []
    for claim in claims:
        created, updated = claim._times
        if created or updated:
            claim.created_at = created or claim.created_at
            claim.updated_at = updated or claim.created_at
            timed.append(claim)
    if timed:
        Claim.objects.bulk_update(timed, ["created_at", "updated_at"])


def _is_uuid(value):
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


def _check_entry(entry: AnnotationRecord, where, uuids_stored):
    """What the write would find wrong, found before it: a bad id, an empty topic, nothing tagged."""
    if entry.uuid:
        if not _is_uuid(entry.uuid):
            raise RecordError(f"{where}: “{entry.uuid[:60]}” is not a UUID")
        entry.uuid = str(uuid.UUID(entry.uuid))
        if entry.uuid in uuids_stored:
            raise RecordError(f"{where}: an annotation with the id {entry.uuid} is in the desk already")
    for label in entry.topics:
        if not split_path(label):
            raise RecordError(f"{where}: an empty topic")
    if len(entry.note) > MAX_NOTE_CHARS:
        raise RecordError(f"{where}: the note is longer than {MAX_NOTE_CHARS} characters")


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
    if match.view_name == "corpus:document-detail":
        return int(match.kwargs.get("pk") or match.args[0])
    return None
