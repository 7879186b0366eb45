"""Exports of annotations and claims, in open formats, and the ``desk`` format of the documents export.

Every export applies the same filter parameters as its listing (``?topic=…&speaker=…``) and
picks its format with ``?format=``:

- ``/annotations/export/``: ``csv``, ``jsonl``, ``w3c`` (a W3C Web Annotation ``AnnotationCollection``
  in JSON-LD, https://www.w3.org/TR/annotation-model/)
- ``/claims/export/``: ``csv``, ``jsonl``, ``claimreview`` (a JSON array of schema.org ``ClaimReview``
  objects, one per claim with a verdict, https://schema.org/ClaimReview)
- ``/documents/export/?format=desk`` (the corpus app's export, this format added in ``AnnotationsConfig.ready``):
  whole documents with their turns, annotations and claims, as ``import_documents`` reads them back.

Responses stream (``corpus_app.exports``); related rows come from ``select_related`` and one
prefetch per chunk, topic paths from one query for the whole, small, topic tree.
"""

from itertools import islice

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.views.decorators.http import require_GET

from annotations.export_claimreview import JSONLD_TYPE, claimreview_lines
from annotations.export_w3c import W3C_TYPE, w3c_collection_lines
from annotations.filters import AnnotationFilter, ClaimFilter
from annotations.interchange.export import desk_document_lines
from annotations.models import Annotation, Claim, ClaimStatus, Topic
from annotations.serializers import PASSAGE_COLUMNS
from corpus_app.exports import (
    CHUNK_SIZE,
    TABLE_FORMATS,
    absolute_url,
    document_url_maker,
    filtered_export,
    iso_date,
    iso_datetime,
    jsonl_lines,
    stream,
    table_stream,
)

ANNOTATION_COLUMNS = [
    "id",
    "uuid",
    "document_id",
    "document_title",
    "date",
    "turn_position",
    "speaker",
    "turn_kind",
    "start",
    "end",
    "quote",
    "topics",
    "polarity",
    "target",
    "claim_status",
    "note",
    "author",
    "created",
    "updated",
    "url",
]
CLAIM_COLUMNS = [
    "id",
    "status",
    "quote",
    "speaker",
    "document",
    "date",
    "topics",
    "rationale",
    "evidence",
    "reviewer",
    "reviewed_at",
    "url",
]


def _topics_prefetch(lookup):
    # Only the ids: names and parents come from the path table.
    return Prefetch(lookup, queryset=Topic.objects.order_by().only("pk"))


def _sorted_paths(topics, paths):
    return sorted(paths[topic.pk] for topic in topics)


def desk_export_lines(documents):
    """The documents export's ``desk`` format: whole documents, one JSON line each."""
    return jsonl_lines(desk_document_lines(documents, Topic.objects.paths()))


# --- annotations ---------------------------------------------------------------------------------------------------

ANNOTATION_FORMATS = ("csv", "jsonl", "w3c")


# The columns an annotation export reads: plain rows (``values()``), no model instances. A
# row of 100,000 costs a dict, not seven model instances, a prefetch and a ``reverse()``.
ANNOTATION_VALUES = (
    "id",
    "uuid",
    "turn__document_id",
    "turn__document__title",
    "turn__document__date",
    "turn__position",
    "turn__speaker__name",
    "turn__kind",
    *PASSAGE_COLUMNS,
    "polarity",
    "target_id",
    "target__name",
    "claim__status",
    "note",
    "author__first_name",
    "author__last_name",
    "created_at",
    "updated_at",
)


def annotation_value_rows(queryset):
    """The filtered annotations as dicts, each with its sorted topic ids, one topic query per chunk."""
    username = f"author__{get_user_model().USERNAME_FIELD}"
    rows = (
        queryset.prefetch_related(None)
        .select_related(None)
        .values(*ANNOTATION_VALUES, username)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    through = Annotation.topics.through.objects.order_by()
    while True:
        chunk = list(islice(rows, CHUNK_SIZE))
        if not chunk:
            return
        topics = {}
        for annotation_id, topic_id in through.filter(annotation_id__in=[row["id"] for row in chunk]).values_list(
            "annotation_id", "topic_id"
        ):
            topics.setdefault(annotation_id, []).append(topic_id)
        for row in chunk:
            row["topic_ids"] = topics.get(row["id"], ())
            row["author"] = row[username]
            yield row


def _annotation_row(row, paths, document_url):
    return {
        "id": row["id"],
        "uuid": str(row["uuid"]),
        "document_id": row["turn__document_id"],
        "document_title": row["turn__document__title"],
        "date": iso_date(row["turn__document__date"]),
        "turn_position": row["turn__position"],
        "speaker": row["turn__speaker__name"],
        "turn_kind": row["turn__kind"],
        "start": row["start"],
        "end": row["end"],
        "quote": row["quote"],
        "topics": sorted(paths[pk] for pk in row["topic_ids"]),
        "polarity": row["polarity"] or None,
        "target": row["target__name"],
        "claim_status": row["claim__status"],
        "note": row["note"],
        "author": row["author"],
        "created": iso_datetime(row["created_at"]),
        "updated": iso_datetime(row["updated_at"]),
        "url": f"{document_url(row['turn__document_id'])}#annotation-{row['id']}",
    }


def _annotation_rows(request, queryset):
    paths = Topic.objects.paths()
    document_url = document_url_maker(request)
    for row in annotation_value_rows(queryset):
        yield _annotation_row(row, paths, document_url)


@login_required
@require_GET
def annotation_export(request):
    fmt, queryset, error = filtered_export(request, ANNOTATION_FORMATS, AnnotationFilter, Annotation.objects.all())
    if error:
        return error
    if fmt in TABLE_FORMATS:
        return table_stream(fmt, ANNOTATION_COLUMNS, _annotation_rows(request, queryset), name="annotations")
    lines = w3c_collection_lines(
        request, annotation_value_rows(queryset), total=queryset.count(), paths=Topic.objects.paths()
    )
    return stream(lines, content_type=W3C_TYPE, name="annotations", extension="jsonld")


# --- claims --------------------------------------------------------------------------------------------------------

CLAIM_FORMATS = ("csv", "jsonl", "claimreview")


def _claim_queryset():
    return Claim.objects.for_review_list().defer(
        "annotation__turn__document__raw_text", "annotation__turn__document__import_warnings"
    )


def _claim_row(request, claim, paths):
    annotation = claim.annotation
    turn = annotation.turn
    return {
        "id": claim.pk,
        "status": claim.status,
        "quote": annotation.quote,
        "speaker": turn.speaker.name if turn.speaker_id else None,
        "document": turn.document.title,
        "date": iso_date(turn.document.date),
        "topics": _sorted_paths(annotation.topics.all(), paths),
        "rationale": claim.rationale,
        "evidence": list(claim.evidence or []),
        "reviewer": claim.reviewer.get_username() if claim.reviewer_id else None,
        "reviewed_at": iso_datetime(claim.reviewed_at),
        "url": absolute_url(request, annotation.get_absolute_url()),
    }


def _claim_rows(request, queryset):
    paths = Topic.objects.paths()
    # The quote is enough: no turn's whole text.
    queryset = queryset.defer("annotation__turn__text").prefetch_related(_topics_prefetch("annotation__topics"))
    for claim in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield _claim_row(request, claim, paths)


@login_required
@require_GET
def claim_export(request):
    fmt, queryset, error = filtered_export(request, CLAIM_FORMATS, ClaimFilter, _claim_queryset())
    if error:
        return error
    if fmt in TABLE_FORMATS:
        return table_stream(fmt, CLAIM_COLUMNS, _claim_rows(request, queryset), name="claims")
    # An unreviewed claim gets no ClaimReview. A ClaimReview carries no topics, but the claim's whole
    # sentence, so the turn's text is read.
    reviewed = queryset.filter(status__in=ClaimStatus.verdict_values())
    lines = claimreview_lines(request, reviewed.iterator(chunk_size=CHUNK_SIZE))
    return stream(lines, content_type=JSONLD_TYPE, name="claims", extension="jsonld")
