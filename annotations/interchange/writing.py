"""One checked batch into the tables: documents, turns, annotations, their topics, claims, history.

Each table gets one statement per batch (``rows.insert``), its rows built as tuples, with the
values the models would give (``auto_now`` times, a new UUID, ``is_current``). The history of
each annotation and claim starts with one “created” entry by its author (or reviewer), dated
when it was last changed, with the annotation's topics, as ``simple_history`` writes it; the
annotations' entries are copied by the database from the rows just written (``INSERT … SELECT``),
not sent again.
"""

import os
import uuid

from django.db import connection

from annotations.models import AnchorStatus, Annotation, Claim, ClaimStatus
from corpus_app.models import Document, Turn
from corpus_app.rows import allocate_ids, insert

ANCHOR_STATUSES = tuple(AnchorStatus.values)
DOCUMENT_COLUMNS = [
    "id",
    "title",
    "kind",
    "date",
    "place",
    "publisher",
    "author",
    "source_name",
    "source_url",
    "raw_text",
    "content_hash",
    "import_warnings",
    "imported_at",
    "replaces_id",
    "is_current",
]
TURN_COLUMNS = ["id", "document_id", "position", "speaker_id", "label", "kind", "text", "source_line", "is_noise"]
ANNOTATION_COLUMNS = [
    "id",
    "uuid",
    "turn_id",
    "start",
    "end",
    "quote",
    "prefix",
    "suffix",
    "polarity",
    "target_id",
    "note",
    "author_id",
    "created_at",
    "updated_at",
    "version",
    "anchor_status",
    "anchor_score",
]
CLAIM_COLUMNS = [
    "id",
    "annotation_id",
    "group_id",
    "status",
    "rationale",
    "evidence",
    "reviewer_id",
    "reviewed_at",
    "created_at",
    "updated_at",
    "version",
]
HISTORY_COLUMNS = ["history_date", "history_change_reason", "history_type", "history_user_id"]


def write_batch(ready, names, now) -> list[int]:
    """Write the checked records (``writer._Ready``); the number of annotations of each, in order."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # why: corpus_app.importing.use_asynchronous_commit
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
    _write_documents([item for item in ready if item.document_id is None], names, now)
    annotations, tags, claims = [], [], []
    entries = [(entry, passage, item.turn_ids[passage.turn]) for item in ready for entry, passage in item.passages]
    ids = allocate_ids(Annotation, len(entries))
    new_uuids = iter(_new_uuids(len(entries)))
    for pk, (entry, passage, turn_id) in zip(ids, entries, strict=True):
        target_id = names.target_id(entry.target, entry.target_kind) if entry.polarity else None
        author_id = names.user_id(entry.author)
        created = entry.created or entry.updated or now
        annotations.append(
            (
                pk,
                uuid.UUID(entry.uuid) if entry.uuid else next(new_uuids),
                turn_id,
                passage.start,
                passage.end,
                passage.quote,
                passage.prefix,
                passage.suffix,
                entry.polarity,
                target_id,
                entry.note,
                author_id,
                created,
                entry.updated or created,
                entry.version,
                entry.anchor_status if entry.anchor_status in ANCHOR_STATUSES else AnchorStatus.ANCHORED,
                entry.anchor_score if isinstance(entry.anchor_score, int | float) else None,
            )
        )
        tags.extend((pk, topic_id) for topic_id in dict.fromkeys(names.topic_id(label) for label in entry.topics))
        if entry.claim is not None:
            claims.append(_claim(pk, entry.claim, author_id, names, now))
    insert(Annotation, ANNOTATION_COLUMNS, annotations)
    through = Annotation.topics.through
    tags = [(pk, *tag) for pk, tag in zip(allocate_ids(through, len(tags)), tags, strict=True)]
    insert(through, ["id", "annotation_id", "topic_id"], tags)
    claim_ids = allocate_ids(Claim, len(claims))
    claims = [(pk, *claim) for pk, claim in zip(claim_ids, claims, strict=True)]
    insert(Claim, CLAIM_COLUMNS, [row[:-1] for row in claims])
    _history(ids, claims)
    return [len(item.passages) for item in ready]


def _new_uuids(count) -> list[uuid.UUID]:
    """Random UUIDs as ``uuid.uuid4`` makes them, from one read of the system's randomness instead of one each."""
    randomness = os.urandom(16 * count)
    return [uuid.UUID(bytes=randomness[start : start + 16], version=4) for start in range(0, 16 * count, 16)]


def _claim(annotation_id, record, author_id, names, now):
    ruled = record.status not in ClaimStatus.open_values()
    reviewer_id = names.user_id(record.reviewer) if (record.reviewer or ruled) else None
    created = record.created or record.updated or now
    return (
        annotation_id,
        None,
        record.status,
        record.rationale,
        record.evidence,
        reviewer_id,
        record.reviewed_at or (now if ruled else None),
        created,
        record.updated or created,
        record.version,
        reviewer_id or author_id,  # who the history names; not a column of the claim
    )


def _write_documents(items, names, now):
    if not items:
        return
    records = [item.record for item in items]
    descriptions = {speaker.name: speaker for record in records for speaker in record.speakers}
    speaker_ids = names.speaker_ids(
        {turn.speaker for record in records for turn in record.turns if turn.speaker}, descriptions
    )
    document_ids = allocate_ids(Document, len(records))
    insert(
        Document,
        DOCUMENT_COLUMNS,
        [
            (
                pk,
                r.title,
                r.kind,
                r.date,
                r.place,
                r.publisher,
                r.author,
                r.source,
                r.source_url,
                r.raw_text,
                r.content_hash,
                r.warnings,
                now,
                None,
                True,
            )
            for pk, r in zip(document_ids, records, strict=True)
        ],
    )
    turn_ids = iter(allocate_ids(Turn, sum(len(record.turns) for record in records)))
    turns = []
    for item, document_id in zip(items, document_ids, strict=True):
        item.turn_ids = {}
        for position, turn in enumerate(item.record.turns):
            pk = next(turn_ids)
            item.turn_ids[position] = pk
            speaker_id = speaker_ids[turn.speaker] if turn.speaker else None
            turns.append(
                (pk, document_id, position, speaker_id, turn.label, turn.kind, turn.text, turn.source_line, turn.noise)
            )
    insert(Turn, TURN_COLUMNS, turns)


def _history(annotation_ids, claims):
    """One “created” entry in the history of each annotation (with its topics) and claim: the row's
    columns, then the entry's (dated when the row last changed, by its author or reviewer).
    The annotations' entries are copied from the rows just written, by the database, in the order
    of their ids (their history ids follow it, as the topics' entries do the tags' ids)."""
    history = Annotation.history.model
    if annotation_ids:
        _copied_into_history(history, annotation_ids)
    updated = CLAIM_COLUMNS.index("updated_at")
    insert(
        Claim.history.model,
        [*CLAIM_COLUMNS, *HISTORY_COLUMNS],
        [(*row[:-1], row[updated], None, "+", row[-1]) for row in claims],  # its last value: who the entry names
    )


def _copied_into_history(history, annotation_ids):
    tagged = history._meta.get_field("historicalannotation_topics").related_model
    quote = connection.ops.quote_name
    columns = [quote(column) for column in ANNOTATION_COLUMNS]
    entry_columns = [quote(column) for column in ["history_id", *HISTORY_COLUMNS]]
    values = ", ".join(f"annotation.{column}" for column in columns)
    entries, params = _entries_of(history, annotation_ids)
    # The batch's ids lie between its first and last (a writer beside it may have taken some of
    # those between): each side of the join is read by that range of its index.
    ids_between = [annotation_ids[0], annotation_ids[-1]]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(columns + entry_columns)}) "
            f"SELECT {values}, entry.history_id, annotation.updated_at, NULL, '+', annotation.author_id "
            f"FROM {quote(Annotation._meta.db_table)} annotation JOIN {entries} ON entry.id = annotation.id "
            "WHERE annotation.id BETWEEN %s AND %s",
            params + ids_between,
        )
        cursor.execute(
            f"INSERT INTO {quote(tagged._meta.db_table)} (id, annotation_id, topic_id, history_id) "
            "SELECT tag.id, tag.annotation_id, tag.topic_id, entry.history_id "
            f"FROM {quote(Annotation.topics.through._meta.db_table)} tag JOIN {entries} "
            "ON entry.id = tag.annotation_id WHERE tag.annotation_id BETWEEN %s AND %s ORDER BY tag.id",
            params + ids_between,
        )


def _entries_of(history, annotation_ids) -> tuple[str, list]:
    """A table ``entry`` (id, history_id) pairing each annotation with the id of its entry, for joins:
    on PostgreSQL the ids taken from the sequence, as arrays (two writers take theirs side by side);
    on SQLite, whose one writer takes a run of ids for each table, the runs'."""
    ids = allocate_ids(history, len(annotation_ids))
    if connection.vendor == "postgresql":
        return "unnest(%s::bigint[], %s::bigint[]) AS entry (id, history_id)", [annotation_ids, ids]
    first, last = annotation_ids[0], annotation_ids[-1]
    quote = connection.ops.quote_name
    return (
        f"(SELECT id, id + %s AS history_id FROM {quote(Annotation._meta.db_table)} WHERE id BETWEEN %s AND %s) entry",
        [ids[0] - first, first, last],
    )
