"""The annotations export in W3C Web Annotation JSON-LD (``/annotations/export/?format=w3c``).

One ``AnnotationCollection`` with one ``AnnotationPage`` holding every annotation,
https://www.w3.org/TR/annotation-model/, written as it streams.
"""

from django.conf import settings
from django.utils import timezone

from annotations.models import ClaimStatus
from corpus_app.exports import absolute_url, document_url_maker, iso_datetime, json_text

# The W3C Web Annotation Protocol names this profile for annotation JSON-LD.
W3C_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"


def _textual_body(purpose, value):
    return {"type": "TextualBody", "purpose": purpose, "value": value, "format": "text/plain", "language": "en"}


def w3c_annotation(row, paths, document_url, status_labels):
    """One annotation (a row of ``annotation_value_rows``) as a W3C Web Annotation (JSON-LD).

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
        "created": iso_datetime(row["created_at"]),
        "modified": iso_datetime(row["updated_at"]),
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


def w3c_collection_lines(request, rows, *, total, paths):
    """The collection around ``rows`` (annotation value rows), ``total`` of them, as lines of JSON-LD."""
    collection_id = absolute_url(request, request.get_full_path())
    organisation = getattr(settings, "DESK_ORGANISATION_NAME", "Annotation desk")
    head = {
        "@context": ANNO_CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": f"Annotations from {organisation}, exported {timezone.localdate().isoformat()}",
        "total": total,
    }
    page = {"id": f"{collection_id}#page-1", "type": "AnnotationPage", "partOf": collection_id, "startIndex": 0}
    # Opening: the collection and its one page, up to the "[" of its items.
    opening = json_text({**head, "first": {**page, "items": []}})
    yield opening[: -len("]}}")] + "\n"
    document_url = document_url_maker(request)
    status_labels = {value: str(label) for value, label in ClaimStatus.choices}
    for index, row in enumerate(rows):
        yield ("," if index else "") + json_text(w3c_annotation(row, paths, document_url, status_labels)) + "\n"
    yield "]}}\n"
