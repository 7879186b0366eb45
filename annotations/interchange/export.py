"""The desk's JSON Lines of whole documents (``/documents/export/?format=desk``): what
``import_documents`` reads back without loss.

Each line is a document with its speakers (kind, role, affiliation, aliases), its turns, and its
annotations with their topics (paths), stance, note, author, times, version, anchoring and claim
(status, rationale, evidence, reviewer, times). Documents are read in chunks, and each chunk's
turns, speakers, annotations, topics and claims in one query each, so the queries grow with the
chunks, not the rows, and memory stays flat.
"""

from itertools import islice

from django.contrib.auth import get_user_model

from annotations.models import Annotation, Claim
from annotations.serializers import PASSAGE_COLUMNS
from corpus_app.models import Document, SpeakerAlias, Turn

CHUNK_SIZE = 500


def _iso(value):
    from corpus_app.exports import iso_datetime  # one way of writing a time in every export

    return iso_datetime(value)


def desk_document_lines(queryset, topic_paths: dict):
    """Dicts, one per document of ``queryset``, in the desk's import format."""
    documents = queryset.order_by("pk").iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(islice(documents, CHUNK_SIZE)):
        yield from _chunk(chunk, topic_paths)


def _chunk(documents: list[Document], topic_paths):
    ids = [document.pk for document in documents]
    turns, speaker_ids = {}, set()
    for row in (
        Turn.objects.filter(document_id__in=ids)
        .order_by("document_id", "position")
        .values(
            "document_id",
            "id",
            "position",
            "speaker_id",
            "speaker__name",
            "label",
            "kind",
            "text",
            "source_line",
            "is_noise",
        )
    ):
        turns.setdefault(row["document_id"], []).append(row)
        if row["speaker_id"]:
            speaker_ids.add(row["speaker_id"])
    speakers = _speakers(speaker_ids)
    annotations = _annotations(ids, topic_paths)
    for document in documents:
        document_turns = turns.get(document.pk, [])
        used = dict.fromkeys(turn["speaker_id"] for turn in document_turns if turn["speaker_id"])
        yield {
            "title": document.title,
            "kind": document.kind,
            "date": document.date.isoformat() if document.date else None,
            "place": document.place,
            "publisher": document.publisher,
            "author": document.author,
            "source": document.source_name,
            "source_url": document.source_url,
            "content_hash": document.content_hash,
            "raw_text": document.raw_text,
            "warnings": document.import_warnings,
            "speakers": [speakers[pk] for pk in used],
            "turns": [
                {
                    "speaker": turn["speaker__name"],
                    "label": turn["label"],
                    "kind": turn["kind"],
                    "text": turn["text"],
                    "source_line": turn["source_line"],
                    **({"noise": True} if turn["is_noise"] else {}),  # said only of the few that are
                }
                for turn in document_turns
            ],
            "annotations": annotations.get(document.pk, []),
        }


def _speakers(ids):
    from corpus_app.models import Speaker

    aliases = {}
    for speaker_id, alias in SpeakerAlias.objects.filter(speaker_id__in=ids).values_list("speaker_id", "alias"):
        aliases.setdefault(speaker_id, []).append(alias)
    return {
        row["id"]: {
            "name": row["name"],
            "kind": row["kind"],
            "role": row["role"],
            "affiliation": row["affiliation"],
            "aliases": sorted(aliases.get(row["id"], [])),
        }
        for row in Speaker.objects.filter(pk__in=ids).values("id", "name", "kind", "role", "affiliation")
    }


def _annotations(document_ids, topic_paths):
    username = f"author__{get_user_model().USERNAME_FIELD}"
    rows = list(
        Annotation.objects.filter(turn__document_id__in=document_ids)
        .order_by("turn__document_id", "turn__position", "start", "pk")
        .values(
            "id",
            "uuid",
            "turn__document_id",
            "turn__position",
            *PASSAGE_COLUMNS,
            "polarity",
            "target__name",
            "target__kind",
            "note",
            username,
            "created_at",
            "updated_at",
            "version",
            "anchor_status",
            "anchor_score",
        )
    )
    ids = [row["id"] for row in rows]
    topics = {}
    for annotation_id, topic_id in Annotation.topics.through.objects.filter(annotation_id__in=ids).values_list(
        "annotation_id", "topic_id"
    ):
        topics.setdefault(annotation_id, []).append(topic_paths[topic_id])
    reviewer = f"reviewer__{get_user_model().USERNAME_FIELD}"
    claims = {
        row["annotation_id"]: {
            "status": row["status"],
            "rationale": row["rationale"],
            "evidence": row["evidence"],
            "reviewer": row[reviewer],
            "reviewed_at": _iso(row["reviewed_at"]),
            "created": _iso(row["created_at"]),
            "updated": _iso(row["updated_at"]),
            "version": row["version"],
        }
        for row in Claim.objects.filter(annotation_id__in=ids).values(
            "annotation_id",
            "status",
            "rationale",
            "evidence",
            reviewer,
            "reviewed_at",
            "created_at",
            "updated_at",
            "version",
        )
    }
    found = {}
    for row in rows:
        entry = {
            "id": str(row["uuid"]),
            "turn": row["turn__position"],
            "start": row["start"],
            "end": row["end"],
            "quote": row["quote"],
            "prefix": row["prefix"],
            "suffix": row["suffix"],
            "topics": sorted(topics.get(row["id"], [])),
            "stance": {"polarity": row["polarity"], "target": row["target__name"], "target_kind": row["target__kind"]}
            if row["polarity"]
            else None,
            "note": row["note"],
            "claim": claims.get(row["id"]),
            "author": row[username],
            "created": _iso(row["created_at"]),
            "updated": _iso(row["updated_at"]),
            "version": row["version"],
            "anchor_status": row["anchor_status"],
            "anchor_score": row["anchor_score"],
        }
        found.setdefault(row["turn__document_id"], []).append(entry)
    return found
