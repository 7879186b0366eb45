"""Exports of documents, annotations and claims, in open formats.

Every export applies the same filter parameters as its listing (``?topic=…&speaker=…``) and
picks its format with ``?format=``:

- ``/documents/export/``: ``csv``, ``jsonl``
- ``/annotations/export/``: ``csv``, ``jsonl``, ``w3c`` (a W3C Web Annotation ``AnnotationCollection``
  in JSON-LD, https://www.w3.org/TR/annotation-model/)
- ``/claims/export/``: ``csv``, ``jsonl``, ``claimreview`` (a JSON array of schema.org ``ClaimReview``
  objects, one per claim with a verdict, https://schema.org/ClaimReview)

Responses stream: rows are read with ``.iterator(chunk_size=…)`` and written one at a time, so
memory stays flat however many rows there are, and the number of SQL queries does not grow with
the rows (related rows come from ``select_related`` and one prefetch per chunk; topic paths from
one query for the whole, small, topic tree).
"""

import csv
import json
import re
from datetime import UTC
from itertools import islice

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.views.decorators.http import require_GET

from annotations.filters import AnnotationFilter, ClaimFilter
from annotations.interchange.export import desk_document_lines
from annotations.models import Annotation, Claim, ClaimStatus, Topic
from annotations.serializers import topic_paths
from corpus_app.filters import DocumentFilter
from corpus_app.models import Document, SpeakerKind, Turn

CHUNK_SIZE = 2000  # rows per database round trip (and per prefetch query)

CSV_TYPE = "text/csv; charset=utf-8"
JSONL_TYPE = "application/x-ndjson"
JSONLD_TYPE = "application/ld+json"
# The W3C Web Annotation Protocol names this profile for annotation JSON-LD.
W3C_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"

# Cells a spreadsheet would read as a formula (or that hide one behind a tab or carriage return),
# also after leading spaces, which spreadsheets skip, get a leading apostrophe: OWASP's advice
# against CSV injection.
CSV_FORMULA = re.compile(r"[^\S\t\r]*[=+\-@\t\r]")

# ClaimReview ratings: one documented number-to-word table, best 4, worst 1.
#   accurate 4, misleading 2, false 1. 3 is left free for a later "mostly accurate".
#   unverifiable has no place on a true/false scale, so it gets no ratingValue (and no
#   bestRating/worstRating, which would describe a number that is not there): only its
#   alternateName, which is the rating part fact-check readers (Google's Fact Check Explorer) show.
CLAIMREVIEW_BEST_RATING = 4
CLAIMREVIEW_WORST_RATING = 1
CLAIMREVIEW_RATINGS = {
    ClaimStatus.ACCURATE: ("Accurate", 4),
    ClaimStatus.MISLEADING: ("Misleading", 2),
    ClaimStatus.FALSE: ("False", 1),
    ClaimStatus.UNVERIFIABLE: ("Unverifiable", None),
}
CLAIM_REVIEWED_MAX = 74  # Google: "under about 75 characters"

DOCUMENT_COLUMNS = ["id", "title", "kind", "date", "place", "publisher", "author", "source_name", "turns", "url"]
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

# How a list is written in one CSV cell.
CSV_JOINERS = {"topics": "; ", "evidence": " "}


# --- small helpers -------------------------------------------------------------------------------------------------


def _iso_datetime(value):
    """ISO 8601 / RFC 3339 in UTC (``2026-11-23T09:30:00.123456Z``), or None."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _iso_date(value):
    return value.isoformat() if value is not None else None


def _absolute(request, path):
    """An absolute, ASCII-only URL: rfc3987 (and RDF tools) reject relative and non-ASCII IRIs."""
    return iri_to_uri(request.build_absolute_uri(path))


def _document_url(request, document_id):
    return _absolute(request, reverse("annotations:document-detail", args=[document_id]))


def _turn_url(request, turn):
    return f"{_document_url(request, turn.document_id)}#turn-{turn.position}"


def _annotation_url(request, annotation):
    return f"{_document_url(request, annotation.turn.document_id)}#annotation-{annotation.pk}"


def _topics_prefetch(lookup):
    # Only the ids: names and parents come from the path table.
    return Prefetch(lookup, queryset=Topic.objects.order_by().only("pk"))


def _sorted_paths(topics, paths):
    return sorted(paths[topic.pk] for topic in topics)


def _json(value):
    """Compact JSON, UTF-8 kept readable; <, > and & escaped so that no export can carry live markup."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and CSV_FORMULA.match(value):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write() returns what it was given, for csv.writer in a generator."""

    def write(self, value):
        return value


def _csv_lines(columns, rows):
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            if isinstance(value, list):
                value = CSV_JOINERS.get(column, "; ").join(value)
            cells.append(_csv_cell(value))
        yield writer.writerow(cells)


def _jsonl_lines(rows):
    for row in rows:
        yield _json(row) + "\n"


def _bad_format(fmt, allowed):
    shown = f"“{fmt}”" if fmt else "no format"
    return HttpResponseBadRequest(
        f"Unknown export format: {shown}. Use ?format= with one of: {', '.join(allowed)}.\n",
        content_type="text/plain; charset=utf-8",
    )


def _bad_filters(filterset):
    return HttpResponseBadRequest(
        "Invalid filter parameters:\n" + filterset.errors.as_text() + "\n",
        content_type="text/plain; charset=utf-8",
    )


def _stream(lines, *, content_type, name, extension):
    response = StreamingHttpResponse(lines, content_type=content_type)
    filename = f"{name}-{timezone.localdate().isoformat()}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _filtered(filterset_class, request, queryset):
    """The listing's filterset over ``queryset``; (queryset, None) or (None, 400 response)."""
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    if not filterset.is_valid():
        return None, _bad_filters(filterset)
    return filterset.qs, None


# --- documents -----------------------------------------------------------------------------------------------------

# ``desk``: whole documents (turns, annotations, claims) as import_documents reads them back.
DOCUMENT_FORMATS = ("csv", "jsonl", "desk")


def _document_row(request, document):
    return {
        "id": document.pk,
        "title": document.title,
        "kind": document.kind,
        "date": _iso_date(document.date),
        "place": document.place,
        "publisher": document.publisher,
        "author": document.author,
        "source_name": document.source_name,
        "turns": document.turn_count,
        "url": _document_url(request, document.pk),
    }


def _document_rows(request, queryset):
    for document in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield _document_row(request, document)


@login_required
@require_GET
def document_export(request):
    fmt = request.GET.get("format", "")
    if fmt not in DOCUMENT_FORMATS:
        return _bad_format(fmt, DOCUMENT_FORMATS)
    queryset, error = _filtered(DocumentFilter, request, Document.objects.all())
    if error:
        return error
    if fmt == "desk":
        lines = _jsonl_lines(desk_document_lines(queryset, topic_paths()))
        return _stream(lines, content_type=JSONL_TYPE, name="documents-desk", extension="jsonl")
    # A subquery, not Count("turns"): the text filter joins turns too and would inflate a JOIN count.
    turn_count = Turn.objects.filter(document=OuterRef("pk")).order_by().values("document").annotate(n=Count("pk"))
    queryset = queryset.defer("raw_text", "import_warnings").annotate(turn_count=Subquery(turn_count.values("n")))
    rows = _document_rows(request, queryset)
    if fmt == "csv":
        return _stream(_csv_lines(DOCUMENT_COLUMNS, rows), content_type=CSV_TYPE, name="documents", extension="csv")
    return _stream(_jsonl_lines(rows), content_type=JSONL_TYPE, name="documents", extension="jsonl")


# --- annotations ---------------------------------------------------------------------------------------------------

ANNOTATION_FORMATS = ("csv", "jsonl", "w3c")


def _annotation_queryset():
    return Annotation.objects.all()


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
    "start",
    "end",
    "quote",
    "prefix",
    "suffix",
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


def _document_url_maker(request):
    """``_document_url(request, pk)`` for many pks: one ``reverse()`` and one absolute URL."""
    head, tail = _document_url(request, 0).rsplit("/0/", 1)
    return lambda pk: f"{head}/{pk}/{tail}"


def _annotation_value_rows(queryset):
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
        "date": _iso_date(row["turn__document__date"]),
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
        "created": _iso_datetime(row["created_at"]),
        "updated": _iso_datetime(row["updated_at"]),
        "url": f"{document_url(row['turn__document_id'])}#annotation-{row['id']}",
    }


def _annotation_rows(request, queryset):
    paths = topic_paths()
    document_url = _document_url_maker(request)
    for row in _annotation_value_rows(queryset):
        yield _annotation_row(row, paths, document_url)


def _textual_body(purpose, value):
    return {"type": "TextualBody", "purpose": purpose, "value": value, "format": "text/plain", "language": "en"}


def w3c_annotation(row, paths, document_url, status_labels):
    """One annotation (a row of ``_annotation_value_rows``) as a W3C Web Annotation (JSON-LD).

    Its target is the turn's text. Offsets are Python string indexes, i.e. Unicode code
    points, which is what the model's TextPositionSelector counts.
    """
    bodies = [_textual_body("tagging", path) for path in sorted(paths[pk] for pk in row["topic_ids"])]
    motivations = ["tagging"] if bodies else []
    if row["polarity"] and row["target_id"]:
        motivations.append("classifying")
        bodies.append(_textual_body("classifying", f"{row['polarity']}: {row['target__name']}"))
    if row["claim__status"] is not None:
        motivations.append("assessing")
        bodies.append(_textual_body("assessing", f"Claim: {status_labels[row['claim__status']].lower()}"))
    if row["note"]:
        motivations.append("commenting")
        bodies.append(_textual_body("commenting", row["note"]))

    quote_selector = {"type": "TextQuoteSelector", "exact": row["quote"]}
    if row["prefix"]:
        quote_selector["prefix"] = row["prefix"]
    if row["suffix"]:
        quote_selector["suffix"] = row["suffix"]
    creator = {"type": "Person", "nickname": row["author"]}
    full_name = f"{row['author__first_name']} {row['author__last_name']}".strip()  # User.get_full_name()
    if full_name:
        creator["name"] = full_name

    item = {
        "@context": ANNO_CONTEXT,
        "id": f"urn:uuid:{row['uuid']}",
        "type": "Annotation",
        "created": _iso_datetime(row["created_at"]),
        "modified": _iso_datetime(row["updated_at"]),
        "creator": creator,
        # Nothing tagged (possible only for rows written outside the services): a plain highlight.
        "motivation": motivations[0] if len(motivations) == 1 else (motivations or "highlighting"),
    }
    if bodies:
        item["body"] = bodies
    item["target"] = {
        "source": f"{document_url(row['turn__document_id'])}#turn-{row['turn__position']}",
        "selector": [
            quote_selector,
            {"type": "TextPositionSelector", "start": row["start"], "end": row["end"]},
        ],
    }
    return item


def _w3c_lines(request, queryset):
    collection_id = _absolute(request, request.get_full_path())
    organisation = getattr(settings, "DESK_ORGANISATION_NAME", "Annotation desk")
    total = queryset.count()
    head = {
        "@context": ANNO_CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": f"Annotations from {organisation}, exported {timezone.localdate().isoformat()}",
        "total": total,
    }
    page = {"id": f"{collection_id}#page-1", "type": "AnnotationPage", "partOf": collection_id, "startIndex": 0}
    # Opening: the collection and its one page, up to the "[" of its items.
    opening = _json({**head, "first": {**page, "items": []}})
    yield opening[: -len("]}}")] + "\n"
    paths = topic_paths()
    document_url = _document_url_maker(request)
    status_labels = {value: str(label) for value, label in ClaimStatus.choices}
    for index, row in enumerate(_annotation_value_rows(queryset)):
        yield ("," if index else "") + _json(w3c_annotation(row, paths, document_url, status_labels)) + "\n"
    yield "]}}\n"


@login_required
@require_GET
def annotation_export(request):
    fmt = request.GET.get("format", "")
    if fmt not in ANNOTATION_FORMATS:
        return _bad_format(fmt, ANNOTATION_FORMATS)
    queryset, error = _filtered(AnnotationFilter, request, _annotation_queryset())
    if error:
        return error
    if fmt == "csv":
        rows = _annotation_rows(request, queryset)
        return _stream(_csv_lines(ANNOTATION_COLUMNS, rows), content_type=CSV_TYPE, name="annotations", extension="csv")
    if fmt == "jsonl":
        rows = _annotation_rows(request, queryset)
        return _stream(_jsonl_lines(rows), content_type=JSONL_TYPE, name="annotations", extension="jsonl")
    return _stream(_w3c_lines(request, queryset), content_type=W3C_TYPE, name="annotations", extension="jsonld")


# --- claims --------------------------------------------------------------------------------------------------------

CLAIM_FORMATS = ("csv", "jsonl", "claimreview")


def _claim_queryset():
    return (
        Claim.objects.for_review_list()
        .defer(
            "annotation__turn__document__raw_text",
            "annotation__turn__document__import_warnings",
            "annotation__turn__text",
        )
        .prefetch_related(_topics_prefetch("annotation__topics"))
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
        "date": _iso_date(turn.document.date),
        "topics": _sorted_paths(annotation.topics.all(), paths),
        "rationale": claim.rationale,
        "evidence": list(claim.evidence or []),
        "reviewer": claim.reviewer.get_username() if claim.reviewer_id else None,
        "reviewed_at": _iso_datetime(claim.reviewed_at),
        "url": _annotation_url(request, annotation),
    }


def _claim_rows(request, queryset):
    paths = topic_paths()
    for claim in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield _claim_row(request, claim, paths)


def shorten(text, limit=CLAIM_REVIEWED_MAX):
    """``text`` on one line, at most ``limit`` characters, cut on a word boundary with "…" when longer."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]  # room for the ellipsis
    if text[limit - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + "…"


def claim_review(request, claim, organisation):
    """A claim with a verdict as a schema.org ClaimReview (Google's fact-check properties)."""
    annotation = claim.annotation
    turn = annotation.turn
    document = turn.document
    word, value = CLAIMREVIEW_RATINGS[claim.status]
    rating = {"@type": "Rating", "alternateName": word}
    if value is not None:
        rating.update(ratingValue=value, bestRating=CLAIMREVIEW_BEST_RATING, worstRating=CLAIMREVIEW_WORST_RATING)
    if claim.rationale:
        rating["ratingExplanation"] = claim.rationale

    item_reviewed = {"@type": "Claim"}
    if turn.speaker_id:
        kind = "Organization" if turn.speaker.kind == SpeakerKind.ORGANISATION else "Person"
        item_reviewed["author"] = {"@type": kind, "name": turn.speaker.name}
    if document.date:
        item_reviewed["datePublished"] = document.date.isoformat()
    item_reviewed["appearance"] = {"@type": "CreativeWork", "url": _turn_url(request, turn), "headline": document.title}

    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": shorten(annotation.quote),
        "reviewRating": rating,
        "url": _annotation_url(request, annotation),
        "author": organisation,
    }
    if claim.reviewed_at:
        review["datePublished"] = timezone.localdate(claim.reviewed_at).isoformat()
    review["itemReviewed"] = item_reviewed
    if claim.evidence:
        review["citation"] = list(claim.evidence)
    return review


def _claimreview_lines(request, queryset):
    organisation = {
        "@type": "Organization",
        "name": getattr(settings, "DESK_ORGANISATION_NAME", "Annotation desk"),
        "url": _absolute(request, "/"),
    }
    yield "[\n"
    for index, claim in enumerate(queryset.iterator(chunk_size=CHUNK_SIZE)):
        yield ("," if index else "") + _json(claim_review(request, claim, organisation)) + "\n"
    yield "]\n"


@login_required
@require_GET
def claim_export(request):
    fmt = request.GET.get("format", "")
    if fmt not in CLAIM_FORMATS:
        return _bad_format(fmt, CLAIM_FORMATS)
    queryset, error = _filtered(ClaimFilter, request, _claim_queryset())
    if error:
        return error
    if fmt == "csv":
        rows = _claim_rows(request, queryset)
        return _stream(_csv_lines(CLAIM_COLUMNS, rows), content_type=CSV_TYPE, name="claims", extension="csv")
    if fmt == "jsonl":
        rows = _claim_rows(request, queryset)
        return _stream(_jsonl_lines(rows), content_type=JSONL_TYPE, name="claims", extension="jsonl")
    # An unreviewed claim gets no ClaimReview; a ClaimReview carries no topics, so no topic prefetch.
    reviewed = queryset.filter(status__in=ClaimStatus.verdict_values()).prefetch_related(None)
    return _stream(_claimreview_lines(request, reviewed), content_type=JSONLD_TYPE, name="claims", extension="jsonld")
