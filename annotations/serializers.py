"""An annotation as JSON: the one shape the API answers and the reading page embeds.

``annotations_json`` writes it for the API (``GET /api/annotations/…``) and for the reading
page's ``reader-annotations`` data, so ``reader.js`` sees one shape from either;
``annotations.api_schemas.AnnotationOut`` describes it for the OpenAPI schema.
"""

from django.contrib.auth import get_user_model
from django.db.models import F

from annotations import services
from annotations.models import TOPIC_PATH_SEPARATOR, Annotation, Claim, Topic, topic_lineages


def _iso(moment):
    return moment.isoformat() if moment else None


def _all_topics():
    return list(Topic.objects.order_by().only("pk", "name", "parent_id"))


def topics_json(topics=None):
    """{topic id: {"id", "name", "path"}} for every topic (one query), or for ``topics``: an
    annotation's topics as its JSON shows them."""
    return {
        pk: {"id": pk, "name": names[-1], "path": TOPIC_PATH_SEPARATOR.join(names)}
        for pk, names in topic_lineages(topics or _all_topics()).items()
    }


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


# An annotation's passage, as each of its JSON shapes (the API's, the exports', the desk format's)
# reads it: its offsets in the turn's text, and its quote with the words just before and after it.
PASSAGE_COLUMNS = ("start", "end", "quote", "prefix", "suffix")

# The annotation columns its JSON shows, read as plain rows: a page of a long document has a
# thousand annotations, and rows cost a fraction of model instances with their authors and targets.
_ANNOTATION_COLUMNS = (
    "id",
    "turn_id",
    "turn__document_id",
    *PASSAGE_COLUMNS,
    "polarity",
    "target_id",
    "target__name",
    "note",
    "author_id",
    "created_at",
    "updated_at",
    "version",
)


def annotations_json(annotations, user, topics=None):
    """The JSON of each annotation of the queryset ``annotations``, in its order, as ``user`` sees
    it (may they delete it?). Four queries at most, however many annotations: the annotations,
    their topics, their claims, and every topic unless ``topics`` (from ``topics_json()``) is given."""
    username = F(f"author__{get_user_model().USERNAME_FIELD}")
    rows = list(annotations.values(*_ANNOTATION_COLUMNS, author_name=username))
    if not rows:
        return []
    if topics is None:
        topics = topics_json()
    # By the same filter as a subquery: a thousand ids as parameters cost more to write than to run.
    ids = annotations.order_by().values("pk")
    topic_ids = {}
    for annotation_id, topic_id in (
        Annotation.topics.through.objects.filter(annotation_id__in=ids)
        .order_by("topic__parent__name", "topic__name", "topic_id")  # as annotation.topics.all() lists them
        .values_list("annotation_id", "topic_id")
    ):
        topic_ids.setdefault(annotation_id, []).append(topic_id)
    claims = {
        claim.annotation_id: claim_json(claim)
        for claim in Claim.objects.filter(annotation_id__in=ids).select_related("reviewer")
    }
    may_delete = {}  # author id: may the user delete what they wrote
    for row in rows:
        if row["author_id"] not in may_delete:
            may_delete[row["author_id"]] = services.can_delete_annotation(user, Annotation(author_id=row["author_id"]))
    return [
        {
            "id": row["id"],
            "turn": row["turn_id"],
            "document": row["turn__document_id"],
            "start": row["start"],
            "end": row["end"],
            "quote": row["quote"],
            "prefix": row["prefix"],
            "suffix": row["suffix"],
            "topics": [topics[pk] for pk in topic_ids.get(row["id"], ())],
            "stance": (
                {"polarity": row["polarity"], "target": {"id": row["target_id"], "name": row["target__name"]}}
                if row["polarity"] and row["target_id"]
                else None
            ),
            "claim": claims.get(row["id"]),
            "note": row["note"],
            "author": row["author_name"],
            "created_at": _iso(row["created_at"]),
            "updated_at": _iso(row["updated_at"]),
            "version": row["version"],
            "can_delete": may_delete[row["author_id"]],
        }
        for row in rows
    ]


def annotation_json(pk, user):
    """One annotation's JSON (``annotations_json``), or None when it does not exist."""
    found = annotations_json(Annotation.objects.filter(pk=pk), user)
    return found[0] if found else None
