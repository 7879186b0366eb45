"""The annotating reading view: what the page needs, and the no-JavaScript form.

``reader_context`` gathers everything ``/documents/<id>/`` shows in a fixed number of
queries, however many turns and annotations the document has: the turns with their
highlights rendered on the server, the annotations as JSON for ``reader.js``, the topic
tree and targets for the tagging panel, and what the user may do.
"""

import json
import unicodedata
from html import escape

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
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


def _excerpt(quote, limit=LIST_QUOTE_CHARS):
    """``Truncator(" ".join(quote.split())).chars(limit)``, without the Truncator's loop per character."""
    text = " ".join(quote.split())
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        if any(map(unicodedata.combining, text)):
            return Truncator(text).chars(limit)  # combining characters do not count: Django's own loop
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


SPEAKERLESS = {"narration": "Narration", "editorial_note": "Editorial note"}


def turn_section(turn):
    """A turn's ``<section>`` (what document_detail.html's loop wrote): 400 of them on a long page."""
    kind = escape(turn.kind)
    position = turn.position
    kind_display = str(turn.get_kind_display())
    if turn.speaker_id:
        speaker_name = turn.speaker.name
        who = f'<a class="speaker" href="#turn-{position}">{escape(speaker_name)}</a>'
    else:
        speaker_name = ""
        who = f'<span class="speaker none">{SPEAKERLESS.get(turn.kind, "Unattributed")}</span>'
    label = ""
    if turn.label and turn.label != speaker_name and turn.label.lower() != kind_display.lower():
        label = f'<span class="label" title="Label as written in the source">{escape(turn.label)}</span>'
    return (
        f'\n    <section class="turn turn-{kind}" id="turn-{position}" data-turn="{turn.pk}">\n'
        '      <header class="turn-head">\n'
        f"        {who}\n"
        f"        {label}\n"
        f'        <span class="kind kind-{kind}">{escape(kind_display)}</span>\n'
        "      </header>\n"
        f'      <div class="turn-text">{turn.highlighted}</div>\n'
        "    </section>\n  "
    )


def _json_script(value, element_id):
    """What ``{{ value|json_script:element_id }}`` renders: one json.dumps and three replaces."""
    data = json.dumps(value).replace("&", "\\u0026").replace("<", "\\u003C").replace(">", "\\u003E")
    return mark_safe(f'<script id="{escape(element_id)}" type="application/json">{data}</script>')


def _list_item(row, polarity_labels, status_labels):
    """One ``<li>`` of the side column's annotation list (what reader.js renders after a save)."""
    pk = row["id"]
    tags = "".join(
        f'<span class="chip" title="{escape(path)}">{escape(name)}</span>' for name, path in row["topic_pairs"]
    )
    if row["polarity"]:
        polarity = escape(row["polarity"])
        label = escape(polarity_labels.get(row["polarity"], row["polarity"]))
        tags += f' <span class="stance stance-{polarity}">{label} · {escape(row["target_name"] or "")}</span>'
    if row["claim_id"] is not None:
        status = escape(row["claim_status"])
        label = escape(status_labels.get(row["claim_status"], ""))
        tags += f' <span class="status-badge status-{status}">Claim: {label}</span>'
    return (
        f'<li><a class="ann-link" href="#annotation-{pk}" data-annotation="{pk}">\n'
        f'    <span class="ann-swatch hl {escape(" ".join(row["classes"]))} hl-depth-1" aria-hidden="true"></span>\n'
        f'    <span class="ann-quote">“{escape(_excerpt(row["quote"]))}”</span>\n'
        f'    <span class="ann-tags">{tags}</span>\n'
        "  </a></li>"
    )


ANNOTATION_FIELDS = (
    "id",
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
    "claim__id",
    "claim__status",
    "claim__rationale",
    "claim__evidence",
    "claim__reviewer_id",
    "claim__reviewed_at",
    "claim__version",
    "claim__group_id",
)


def _iso(moment):
    return moment.isoformat() if moment else None


def reader_context(document, user, *, annotate_form=None):
    """Everything the page shows, in a fixed number of queries.

    The annotations are read as plain rows (``values()``), their topics from the m2m table,
    and the JSON for ``reader.js`` (the API's shape, see ``api.annotation_json``), the list
    items and the highlights are built with plain string work: a page has thousands of them.
    """
    User = get_user_model()
    turns = list(document.turns.for_reading())
    topic_pairs, paths, targets = reader_lists()
    topic_names = {topic.pk: topic.name for topic, _ in topic_pairs}
    target_names = {target.pk: target.name for target in targets}
    username_field = f"author__{User.USERNAME_FIELD}"
    reviewer_field = f"claim__reviewer__{User.USERNAME_FIELD}"
    rows = list(
        Annotation.objects.filter(turn__document=document)
        .order_by("start", "-end", "pk")
        .values(*ANNOTATION_FIELDS, username_field, reviewer_field)
    )
    topics_of = {}
    # Ordered like ``annotation.topics.all()`` (Topic.Meta.ordering), the database's NULL order included.
    for annotation_id, topic_id in (
        Annotation.topics.through.objects.filter(annotation__turn__document=document)
        .order_by("topic__parent__name", "topic__name", "topic_id")
        .values_list("annotation_id", "topic_id")
    ):
        topics_of.setdefault(annotation_id, []).append(topic_id)

    may_delete = user.has_perm("annotations.delete_annotation")
    deletes_any = may_delete and (user.is_superuser or services.can_review_claims(user))
    polarity_labels = {value: str(label) for value, label in Polarity.choices}
    status_labels = {value: str(label) for value, label in ClaimStatus.choices}
    topic_json = {pk: {"id": pk, "name": topic_names[pk], "path": paths[pk][0]} for pk in topic_names}

    by_turn = {turn.pk: [] for turn in turns}
    for row in rows:
        topic_ids = [pk for pk in topics_of.get(row["id"], ()) if pk in topic_names]
        row["topic_pairs"] = [(topic_names[pk], paths[pk][0]) for pk in topic_ids]
        row["topic_ids"] = topic_ids
        row["claim_id"] = row["claim__id"]
        row["claim_status"] = row["claim__status"]
        row["target_name"] = target_names.get(row["target_id"])
        row["classes"] = highlight.kind_classes(
            has_topics=bool(topic_ids), polarity=row["polarity"], claim_status=row["claim__status"]
        )
        by_turn[row["turn_id"]].append(row)

    reading_order = []
    for turn in turns:
        turn_rows = by_turn[turn.pk]
        turn.reader_annotations = turn_rows
        turn.highlighted = highlight.render(
            turn.text, [highlight.Highlight(r["id"], r["start"], r["end"], r["classes"]) for r in turn_rows]
        )
        reading_order.extend(turn_rows)

    annotations_json = []
    for row in reading_order:
        claim = None
        if row["claim_id"] is not None:
            claim = {
                "id": row["claim_id"],
                "status": row["claim_status"],
                "status_display": status_labels.get(row["claim_status"], row["claim_status"]),
                "rationale": row["claim__rationale"],
                "evidence": list(row["claim__evidence"] or []),
                "reviewer": row[reviewer_field] if row["claim__reviewer_id"] else None,
                "reviewed_at": _iso(row["claim__reviewed_at"]),
                "version": row["claim__version"],
                "group": row["claim__group_id"],
            }
        annotations_json.append(
            {
                "id": row["id"],
                "turn": row["turn_id"],
                "document": document.pk,
                "start": row["start"],
                "end": row["end"],
                "quote": row["quote"],
                "prefix": row["prefix"],
                "suffix": row["suffix"],
                "topics": [topic_json[pk] for pk in row["topic_ids"]],
                "stance": (
                    {"polarity": row["polarity"], "target": {"id": row["target_id"], "name": row["target_name"]}}
                    if row["polarity"] and row["target_id"]
                    else None
                ),
                "claim": claim,
                "note": row["note"],
                "author": row[username_field],
                "created_at": _iso(row["created_at"]),
                "updated_at": _iso(row["updated_at"]),
                "version": row["version"],
                "can_delete": may_delete and (deletes_any or row["author_id"] == user.pk),
            }
        )

    can_edit = services.can_edit_annotations(user)
    can_review = services.can_review_claims(user)
    if can_edit and annotate_form is None:
        annotate_form = annotate_form_for(turns, topic_pairs, targets)

    topic_tree = [
        {"id": topic.pk, "name": topic.name, "path": path, "depth": paths[topic.pk][1]} for topic, path in topic_pairs
    ]
    targets_json = [{"id": target.pk, "name": target.name} for target in targets]
    reader_config = {"document": document.pk, "canEdit": can_edit, "canReview": can_review}
    return {
        "document": document,
        "object": document,
        "turns": turns,
        "turns_html": mark_safe("".join(turn_section(turn) for turn in turns)),  # escaped in turn_section
        "reader_annotations": reading_order,
        "reader_list_html": mark_safe(  # every value escaped in _list_item
            "\n".join(_list_item(row, polarity_labels, status_labels) for row in reading_order)
        ),
        "annotations_json": annotations_json,
        "annotations_script": _json_script(annotations_json, "reader-annotations"),
        "topic_tree": topic_tree,
        "topic_script": _json_script(topic_tree, "reader-topics"),
        "targets": targets,
        "targets_json": targets_json,
        "targets_script": _json_script(targets_json, "reader-targets"),
        "polarities": Polarity.choices,
        "claim_statuses": [(value.replace("_", "-"), label) for value, label in ClaimStatus.choices],
        "can_edit": can_edit,
        "can_review": can_review,
        "annotate_form": annotate_form if can_edit else None,
        "reader_config": reader_config,
        "config_script": _json_script(reader_config, "reader-config"),
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
