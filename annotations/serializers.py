"""An annotation as JSON: the one shape the API answers and the reading page embeds.

``annotation_json`` is what ``GET /api/annotations/<id>/`` returns and what ``reader.js`` reads
from the page's ``reader-annotations`` data, so the script sees one shape from either;
``annotations.api_schemas.AnnotationOut`` describes it for the OpenAPI schema.
"""

from annotations import services
from annotations.models import Claim, Topic


def _iso(moment):
    return moment.isoformat() if moment else None


def topic_lineages(topics):
    """{topic id: [root name, …, topic name]} for topics already loaded (no query); a parent
    missing from ``topics`` ends the line, and a cycle is walked once."""
    by_id = {topic.pk: topic for topic in topics}
    lineages = {}
    for topic in topics:
        names, node, seen = [], topic, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = by_id.get(node.parent_id)
        lineages[topic.pk] = names[::-1]
    return lineages


def topic_paths(topics=None):
    """{topic id: "Sanctions & economy › Payments"} for every topic (one query), or for ``topics``."""
    if topics is None:
        topics = Topic.objects.order_by().only("pk", "name", "parent_id")
    return {pk: " › ".join(names) for pk, names in topic_lineages(list(topics)).items()}


def claim_json(claim):
    return {
        "id": claim.pk,
        "status": claim.status,
        "status_display": claim.get_status_display(),
        "rationale": claim.rationale,
        "evidence": list(claim.evidence or []),
        "reviewer": claim.reviewer.get_username() if claim.reviewer_id else None,
        "reviewed_at": _iso(claim.reviewed_at),
        "version": claim.version,
        "group": claim.group_id,
    }


def annotation_json(annotation, user, paths):
    """An annotation loaded with ``Annotation.objects.for_reader()``, as ``user`` sees it (may they
    delete it?); ``paths`` is ``topic_paths()``."""
    try:
        claim = annotation.claim
    except Claim.DoesNotExist:
        claim = None
    return {
        "id": annotation.pk,
        "turn": annotation.turn_id,
        "document": annotation.turn.document_id,
        "start": annotation.start,
        "end": annotation.end,
        "quote": annotation.quote,
        "prefix": annotation.prefix,
        "suffix": annotation.suffix,
        "topics": [{"id": topic.pk, "name": topic.name, "path": paths[topic.pk]} for topic in annotation.topics.all()],
        "stance": (
            {"polarity": annotation.polarity, "target": {"id": annotation.target.pk, "name": annotation.target.name}}
            if annotation.polarity and annotation.target_id
            else None
        ),
        "claim": claim_json(claim) if claim is not None else None,
        "note": annotation.note,
        "author": annotation.author.get_username(),
        "created_at": _iso(annotation.created_at),
        "updated_at": _iso(annotation.updated_at),
        "version": annotation.version,
        "can_delete": services.can_delete_annotation(user, annotation),
    }
