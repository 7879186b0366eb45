"""The annotating reading view: what the page needs, and the no-JavaScript form.

``reader_context`` gathers everything ``/documents/<id>/`` shows in a fixed number of
queries, however many turns and annotations the document has: the turns with their
highlights rendered on the server, the annotations as JSON for ``reader.js``, the topic
tree and targets for the tagging panel, and what the user may do.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from annotations import highlight, services
from annotations.forms import AnnotateForm
from annotations.models import Annotation, Claim, ClaimStatus, Polarity, Target, Topic
from corpus_app.models import Document

TEMPLATE = "corpus_app/document_detail.html"
LIST_QUOTE_CHARS = 90

# Where an AnnotationError from the services belongs in the no-JavaScript form.
ERROR_FIELDS = {
    "start": "passage",
    "end": "passage",
    "quote": "passage",
    "stance": "target",
    "note": "note",
    "claim": "claim",
}


def topic_paths(topics):
    """{topic id: (path, depth)} for every topic, from rows already loaded (no query)."""
    by_id = {topic.pk: topic for topic in topics}
    paths = {}
    for topic in topics:
        names, node, seen = [], topic, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = by_id.get(node.parent_id)
        paths[topic.pk] = (" › ".join(reversed(names)), len(names) - 1)
    return paths


def claim_of(annotation):
    try:
        return annotation.claim
    except Claim.DoesNotExist:
        return None


def reader_lists():
    """Topics as (topic, path) pairs sorted by path, the paths by id, and the targets: two queries."""
    topics = list(Topic.objects.order_by())
    paths = topic_paths(topics)
    topic_pairs = sorted(((topic, paths[topic.pk][0]) for topic in topics), key=lambda pair: pair[1].casefold())
    return topic_pairs, paths, list(Target.objects.order_by("name"))


def annotate_form_for(turns, topic_pairs, targets, data=None):
    return AnnotateForm(data, turns=turns, topics=topic_pairs, targets=targets)


def reader_context(document, user, *, annotate_form=None):
    from annotations.api import annotation_json  # the API's serializer: one shape for page and API

    turns = list(document.turns.for_reading())
    turns_by_id = {turn.pk: turn for turn in turns}
    topic_pairs, paths, targets = reader_lists()
    annotations = list(
        Annotation.objects.for_reader()
        .select_related("claim__reviewer")
        .filter(turn__document=document)
        .order_by("start", "-end", "pk")
    )

    by_turn = {turn.pk: [] for turn in turns}
    for annotation in annotations:
        annotation.turn = turns_by_id[annotation.turn_id]  # reuse the loaded turn: no query per row
        claim = claim_of(annotation)
        topics = list(annotation.topics.all())
        annotation.reader_topics = [(topic.name, paths.get(topic.pk, (topic.name, 0))[0]) for topic in topics]
        annotation.reader_claim = claim
        annotation.reader_classes = highlight.kind_classes(
            has_topics=bool(topics), polarity=annotation.polarity, claim_status=claim.status if claim else None
        )
        annotation.reader_excerpt = Truncator(" ".join(annotation.quote.split())).chars(LIST_QUOTE_CHARS)
        by_turn[annotation.turn_id].append(annotation)

    reading_order = []
    for turn in turns:
        turn.reader_annotations = by_turn[turn.pk]
        turn.highlighted = highlight.render(
            turn.text, [highlight.Highlight(a.pk, a.start, a.end, a.reader_classes) for a in by_turn[turn.pk]]
        )
        reading_order.extend(by_turn[turn.pk])

    can_edit = services.can_edit_annotations(user)
    can_review = services.can_review_claims(user)
    if can_edit and annotate_form is None:
        annotate_form = annotate_form_for(turns, topic_pairs, targets)

    def path_of(pk):
        return paths.get(pk, ("", 0))[0]

    return {
        "document": document,
        "object": document,
        "turns": turns,
        "reader_annotations": reading_order,
        "annotations_json": [annotation_json(a, user, path_of) for a in reading_order],
        "topic_tree": [
            {"id": topic.pk, "name": topic.name, "path": path, "depth": paths[topic.pk][1]}
            for topic, path in topic_pairs
        ],
        "targets": targets,
        "targets_json": [{"id": target.pk, "name": target.name} for target in targets],
        "polarities": Polarity.choices,
        "claim_statuses": [(value.replace("_", "-"), label) for value, label in ClaimStatus.choices],
        "can_edit": can_edit,
        "can_review": can_review,
        "annotate_form": annotate_form if can_edit else None,
        "reader_config": {"document": document.pk, "canEdit": can_edit, "canReview": can_review},
    }


@login_required
@require_POST
def annotate_form(request, pk):
    """The no-JavaScript form: find the pasted passage in the chosen turn and annotate it."""
    document = get_object_or_404(Document, pk=pk)
    if not services.can_edit_annotations(request.user):
        raise PermissionDenied("Your role cannot annotate.")
    turns = list(document.turns.for_reading())
    topic_pairs, _, targets = reader_lists()
    form = annotate_form_for(turns, topic_pairs, targets, data=request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            annotation = services.annotation_create(
                user=request.user,
                turn=data["turn_obj"],
                start=data["start"],
                end=data["end"],
                quote=data["passage"],
                topics=data["topic_objs"],
                polarity=data.get("polarity") or "",
                target=data["target_obj"] if data.get("polarity") else None,
                claim=bool(data.get("claim")),
                note=data.get("note") or "",
            )
        except services.AnnotationError as error:
            form.add_error(ERROR_FIELDS.get(error.field), error.message)
        else:
            message = "Annotation saved."
            if form.occurrences > 1:
                message += (
                    f" The passage occurs {form.occurrences} times in this turn; the first occurrence was annotated."
                )
            messages.success(request, message)
            return redirect(f"{document.get_absolute_url()}#annotation-{annotation.pk}")
    messages.error(request, "The annotation was not saved: see “Annotate without JavaScript” below.")
    context = reader_context(document, request.user, annotate_form=form)
    return render(request, TEMPLATE, context)
