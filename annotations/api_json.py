"""The API's answers as JSON-ready dicts: an annotation, a claim, a document, a linked copy.

The reading page embeds the same annotation dicts (``annotations.reader_views``), so the page's
script sees one shape whether it reads the page or the API; ``annotations.api_schemas`` describes it.
"""

from annotations import services
from annotations.models import Claim, Topic


def _iso(moment):
    return moment.isoformat() if moment else None


def topic_paths():
    """Every topic's path (“Sanctions & economy › Payments”) from one query, whatever the depth."""
    rows = {
        pk: (name, parent_id) for pk, name, parent_id in Topic.objects.order_by().values_list("pk", "name", "parent_id")
    }
    paths = {}

    def path(pk):
        if pk not in paths:
            names, node, seen = [], pk, set()
            while node is not None and node in rows and node not in seen:
                seen.add(node)
                name, node = rows[node]
                names.append(name)
            paths[pk] = " › ".join(reversed(names))
        return paths[pk]

    return path


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


def annotation_json(annotation, user, topic_path):
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
        "topics": [{"id": t.pk, "name": t.name, "path": topic_path(t.pk)} for t in annotation.topics.all()],
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


def document_json(document):
    return {
        "id": document.pk,
        "title": document.title,
        "date": document.date.isoformat() if document.date else None,
        "is_current": document.is_current,
        "url": document.get_absolute_url(),
    }


def copy_json(copy):
    annotation = copy.annotation
    return {
        "claim": copy.pk,
        "annotation": annotation.pk,
        "status": copy.status,
        "document": document_json(annotation.turn.document),
        "speaker": annotation.turn.speaker.name if annotation.turn.speaker_id else None,
        "turn": annotation.turn_id,
        "quote": annotation.quote,
        "url": annotation.get_absolute_url(),
    }
