"""The annotating reading view: what the page needs, and the no-JavaScript form.

``reader_context`` gathers everything ``/documents/<id>/`` shows in a fixed number of
queries, however many turns and annotations the document has: the turns with their
highlights rendered on the server, the annotations as JSON for ``reader.js``, the topic
tree and targets for the tagging panel, and what the user may do.
"""

import json
from html import escape
from json.encoder import encode_basestring_ascii
from typing import NamedTuple

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import NotSupportedError
from django.db.models import Aggregate, CharField, Func, OuterRef, Subquery, TextField
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from annotations import highlight, services
from annotations.forms import AnnotateForm
from annotations.models import Annotation, Claim, ClaimStatus, Polarity, Target, Topic
from corpus_app.models import READING_PAGE_TURNS, Document, TurnKind
from desk.text import truncate_chars

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
    text = quote
    # Only single spaces between words (isprintable() is false for any other whitespace): as it is.
    if not quote.isprintable() or "  " in quote or quote.startswith(" ") or quote.endswith(" "):
        text = " ".join(quote.split())
    return truncate_chars(text, limit)


SPEAKERLESS = {"narration": "Narration", "editorial_note": "Editorial note"}
TURN_KINDS = {value: str(label) for value, label in TurnKind.choices}


class SpeakerName(NamedTuple):
    name: str


class ReadingTurn:
    """A turn as the reading view shows it, read as a plain row: 400 of them on a long page.

    It answers what the page, ``turn_section`` and the form's turn choices
    (``forms.turn_choice_label``) ask a ``Turn``: ``pk``, ``position``, ``kind``, ``label``,
    ``text``, ``speaker_id``, ``speaker.name`` and ``get_kind_display()``. ``highlighted`` is
    the escaped HTML of the text (``highlight.render_spans``), a plain ``str`` for ``turn_section``.
    """

    __slots__ = ("pk", "position", "kind", "label", "text", "speaker_id", "speaker_name", "highlighted")

    def __init__(self, pk, position, kind, label, text, speaker_id, speaker_name):
        self.pk = pk
        self.position = position
        self.kind = kind
        self.label = label
        self.text = text
        self.speaker_id = speaker_id
        self.speaker_name = speaker_name
        self.highlighted = ""

    @property
    def speaker(self):
        return SpeakerName(self.speaker_name) if self.speaker_id else None

    def get_kind_display(self):
        return TURN_KINDS.get(self.kind, self.kind)


def reading_turns(document, page=None):
    """The document's turns in order, as ``ReadingTurn``s (those of ``page`` only, if given): one query."""
    rows = document.turns.readable().order_by("position")
    if page is not None:
        rows = rows.filter(position__gte=page.first_position, position__lte=page.last_position)
    rows = rows.values_list("pk", "position", "kind", "label", "text", "speaker_id", "speaker__name")
    return [ReadingTurn(*row) for row in rows]


class ReadingPage(NamedTuple):
    """A page of a long document's reading view: its turns, by position (positions may have gaps)."""

    number: int
    num_pages: int
    turn_count: int
    first_position: int
    last_position: int
    first_turn: int  # 1-based, for "turns 201–400 of 1,234"
    last_turn: int

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.num_pages

    @property
    def previous_page_number(self):
        return self.number - 1

    @property
    def next_page_number(self):
        return self.number + 1


def reading_page(document, *, page=None, turn=None, annotation=None) -> ReadingPage | None:
    """The page of the reading view to show: ``page`` (a number), else the one holding the turn at
    position ``turn`` or the annotation ``annotation`` (links to ``#turn-…`` and ``#annotation-…``
    of a later page land there), else the first; None for a document of one page. Two queries."""
    per_page = READING_PAGE_TURNS
    positions = document.turns.order_by("position").values_list("position", flat=True)
    turn_count = positions.count()
    if turn_count <= per_page:
        return None
    num_pages = -(-turn_count // per_page)
    number = _whole_number(page)
    if number is None:
        position = _whole_number(turn)
        if position is None and _whole_number(annotation) is not None:
            position = (
                Annotation.objects.filter(pk=_whole_number(annotation), turn__document=document)
                .values_list("turn__position", flat=True)
                .first()
            )
        number = 1 if position is None else positions.filter(position__lt=position).count() // per_page + 1
    number = min(max(number, 1), num_pages)
    offset = (number - 1) * per_page
    bounds = list(positions[offset : offset + per_page])
    return ReadingPage(
        number=number,
        num_pages=num_pages,
        turn_count=turn_count,
        first_position=bounds[0],
        last_position=bounds[-1],
        first_turn=offset + 1,
        last_turn=offset + len(bounds),
    )


def _whole_number(value):
    value = str(value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def turn_section(turn):
    """A ``ReadingTurn``'s ``<section>`` (what document_detail.html's loop wrote)."""
    kind = escape(turn.kind)
    position = turn.position
    kind_display = TURN_KINDS.get(turn.kind, turn.kind)
    if turn.speaker_id:
        speaker_name = turn.speaker_name
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


def _script_safe(data):
    """JSON text as ``json_script`` puts it in a ``<script>``: ``<``, ``>`` and ``&`` escaped."""
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003C"), (">", "\\u003E")):
        if char in data:  # a fast scan; replace() counts character by character
            data = data.replace(char, escaped)
    return data


def _json_script(value, element_id):
    """What ``{{ value|json_script:element_id }}`` renders: one json.dumps and three replaces."""
    data = _script_safe(json.dumps(value))
    return mark_safe(f'<script id="{escape(element_id)}" type="application/json">{data}</script>')


_json_str = encode_basestring_ascii  # a str as json.dumps writes it, quotes included


class IdList(Aggregate):
    """The ids as comma-separated text, in no particular order (NULL when there are none)."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"IdList is written for PostgreSQL and SQLite, not {connection.vendor}.")

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "STRING_AGG((%(expressions)s)::text, ',')"
        return super().as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="GROUP_CONCAT(%(expressions)s)", **extra_context)


class IsoTimestamp(Func):
    """A UTC datetime column as ``value.isoformat()`` writes it, formatted by the database.

    Reading 4,000 ``timestamptz`` values into ``datetime`` objects and formatting them back
    cost the reading view more than its queries; the text comes out of the database ready.
    Microseconds are left out when they are zero, as ``isoformat()`` does; NULL stays NULL.
    """

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"IsoTimestamp is written for PostgreSQL and SQLite, not {connection.vendor}.")

    def as_postgresql(self, compiler, connection, **extra_context):
        template = (
            "to_char(%(expressions)s AT TIME ZONE 'UTC', CASE WHEN "
            "mod(extract(microseconds FROM %(expressions)s)::bigint, 1000000) = 0 "
            """THEN 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"' END)"""
        )
        return super().as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django stores ``str(value)`` of the UTC value: "2025-01-02 03:04:05[.123456]".
        template = "replace(%(expressions)s, ' ', 'T') || '+00:00'"
        return super().as_sql(compiler, connection, template=template, **extra_context)


# The annotation columns the page needs, in the order ``reader_context`` unpacks them.
ANNOTATION_COLUMNS = (
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
    "version",
)


def _annotation_rows(document, page=None):
    """The document's annotations (of ``page``'s turns only, if given) as tuples in reading order:
    ``ANNOTATION_COLUMNS``, the author's username, the timestamps as ISO text, the claim's columns
    (NULL without one), then the topic ids (``IdList``): one query."""
    username = get_user_model().USERNAME_FIELD
    topic_ids = (
        Annotation.topics.through.objects.filter(annotation_id=OuterRef("pk"))
        .order_by()
        .values("annotation_id")
        .annotate(ids=IdList("topic_id"))
        .values("ids")
    )
    annotations = Annotation.objects.filter(turn__document=document)
    if page is not None:
        annotations = annotations.filter(
            turn__position__gte=page.first_position, turn__position__lte=page.last_position
        )
    return annotations.order_by("turn__position", "start", "-end", "pk").values_list(
        *ANNOTATION_COLUMNS,
        f"author__{username}",
        IsoTimestamp("created_at"),
        IsoTimestamp("updated_at"),
        "claim__id",
        "claim__status",
        "claim__rationale",
        Cast("claim__evidence", TextField()),  # JSON text: no converter for every row
        "claim__reviewer_id",
        f"claim__reviewer__{username}",
        IsoTimestamp("claim__reviewed_at"),
        "claim__version",
        "claim__group_id",
        Subquery(topic_ids),
    )


def _topic_ids(ids_text, rank):
    """The topic ids of ``IdList`` text ordered like ``annotation.topics.all()``: ``rank`` has
    the topic ids in Topic.Meta.ordering as the database sorts it, NULLs included."""
    if not ids_text:
        return ()
    ids = [pk for pk in map(int, ids_text.split(",")) if pk in rank]
    return tuple(sorted(ids, key=rank.__getitem__))


class _SharedParts:
    """What annotations have in common, written once per page: the JSON and list chips of the
    same topics, of the same stance, and the highlight classes and claim badge of a kind."""

    def __init__(self, topics, paths, targets):
        self.topic_json = {
            topic.pk: json.dumps({"id": topic.pk, "name": topic.name, "path": paths[topic.pk][0]}) for topic in topics
        }
        self.topic_chip = {
            topic.pk: f'<span class="chip" title="{escape(paths[topic.pk][0])}">{escape(topic.name)}</span>'
            for topic in topics
        }
        self.target_names = {target.pk: target.name for target in targets}
        self.polarity_labels = {value: str(label) for value, label in Polarity.choices}
        self.status_labels = {value: str(label) for value, label in ClaimStatus.choices}
        self.topics = {(): ("[]", "")}  # topic ids: (JSON, chips)
        self.stances = {}  # (polarity, target id): (JSON, tag)
        self.kinds = {}  # (has topics, polarity, claim status): (classes, escaped classes, claim badge)

    def get(self, topic_ids, polarity, target_id, claim_status):
        """(classes, escaped classes, topics JSON, stance JSON, list tags HTML) of an annotation."""
        topics = self.topics.get(topic_ids)
        if topics is None:
            topics = self.topics[topic_ids] = self._topics(topic_ids)
        kind = self.kinds.get((bool(topic_ids), polarity, claim_status))
        if kind is None:
            kind = self.kinds[bool(topic_ids), polarity, claim_status] = self._kind(topic_ids, polarity, claim_status)
        if not polarity:
            return kind[0], kind[1], topics[0], "null", topics[1] + kind[2]
        stance = self.stances.get((polarity, target_id))
        if stance is None:
            stance = self.stances[polarity, target_id] = self._stance(polarity, target_id)
        return kind[0], kind[1], topics[0], stance[0], topics[1] + stance[1] + kind[2]

    def _topics(self, topic_ids):
        json_list = f"[{', '.join(self.topic_json[pk] for pk in topic_ids)}]"
        return json_list, "".join(self.topic_chip[pk] for pk in topic_ids)

    def _stance(self, polarity, target_id):
        target_name = self.target_names.get(target_id)
        stance_json = "null"
        if target_id:
            stance_json = json.dumps({"polarity": polarity, "target": {"id": target_id, "name": target_name}})
        label = escape(self.polarity_labels.get(polarity, polarity))
        return (
            stance_json,
            f' <span class="stance stance-{escape(polarity)}">{label} · {escape(target_name or "")}</span>',
        )

    def _kind(self, topic_ids, polarity, claim_status):
        classes = highlight.kind_classes(has_topics=bool(topic_ids), polarity=polarity, claim_status=claim_status)
        badge = ""
        if claim_status is not None:
            label = escape(self.status_labels.get(claim_status, ""))
            badge = f' <span class="status-badge status-{escape(claim_status)}">Claim: {label}</span>'
        return classes, escape(" ".join(classes)), badge


def reader_context(document, user, *, annotate_form=None, page=None):
    """Everything the page shows, in a fixed number of queries.

    A long document has 400 turns and 2,000 annotations, so the annotations are read as
    plain tuples and each one is written out once, in reading order: its JSON for
    ``reader.js`` (the API's shape, ``api_json.annotation_json``; what ``json.dumps`` writes),
    its item in the side list and its passage for the highlights. What annotations share
    (topics, stances, kinds, authors) is encoded and escaped once per page.
    """
    turns = reading_turns(document, page)
    topics = list(Topic.objects.order_by("parent__name", "name", "pk"))  # Topic.Meta.ordering, then id
    paths = topic_paths(topics)
    topic_pairs = sorted(((topic, paths[topic.pk][0]) for topic in topics), key=lambda pair: pair[1].casefold())
    targets = list(Target.objects.order_by("name"))
    rows = list(_annotation_rows(document, page))
    rank = {topic.pk: index for index, topic in enumerate(topics)}
    topic_lists = {}  # IdList text: topic ids in order

    may_delete = user.has_perm("annotations.delete_annotation")
    deletes_any = may_delete and (user.is_superuser or services.can_review_claims(user))
    status_labels = {value: str(label) for value, label in ClaimStatus.choices}
    shared = _SharedParts(topics, paths, targets)
    authors = {}  # author id: (username JSON, may the user delete it)
    document_json = json.dumps(document.pk)

    spans_of = {turn.pk: [] for turn in turns}
    items_json = []
    items_html = []
    for (
        pk,
        turn_id,
        start,
        end,
        quote,
        prefix,
        suffix,
        polarity,
        target_id,
        note,
        author_id,
        version,
        author,
        created_at,
        updated_at,
        claim_id,
        claim_status,
        claim_rationale,
        claim_evidence,
        claim_reviewer_id,
        claim_reviewer,
        claim_reviewed_at,
        claim_version,
        claim_group,
        topic_ids_text,
    ) in rows:
        topic_ids = topic_lists.get(topic_ids_text)
        if topic_ids is None:
            topic_ids = topic_lists[topic_ids_text] = _topic_ids(topic_ids_text, rank)
        classes, swatch, topics_json, stance_json, tags = shared.get(topic_ids, polarity, target_id, claim_status)
        spans_of[turn_id].append((start, end, pk, classes))
        claim_json = "null"
        if claim_id is not None:
            evidence = list(json.loads(claim_evidence) or []) if claim_evidence and claim_evidence != "[]" else []
            claim_json = (
                f'{{"id": {claim_id}, "status": {_json_str(claim_status)}, '
                f'"status_display": {_json_str(status_labels.get(claim_status, claim_status))}, '
                f'"rationale": {_json_str(claim_rationale)}, "evidence": {json.dumps(evidence) if evidence else "[]"}, '
                f'"reviewer": {_json_str(claim_reviewer) if claim_reviewer_id else "null"}, '
                f'"reviewed_at": {_json_str(claim_reviewed_at) if claim_reviewed_at else "null"}, '
                f'"version": {claim_version}, "group": {"null" if claim_group is None else claim_group}}}'
            )
        author_parts = authors.get(author_id)
        if author_parts is None:
            deletes = may_delete and (deletes_any or author_id == user.pk)
            author_parts = authors[author_id] = (_json_str(author), "true" if deletes else "false")
        author_json, can_delete = author_parts
        items_json.append(
            f'{{"id": {pk}, "turn": {turn_id}, "document": {document_json}, "start": {start}, "end": {end}, '
            f'"quote": {_json_str(quote)}, "prefix": {_json_str(prefix)}, "suffix": {_json_str(suffix)}, '
            f'"topics": {topics_json}, "stance": {stance_json}, "claim": {claim_json}, "note": {_json_str(note)}, '
            f'"author": {author_json}, "created_at": {_json_str(created_at)}, "updated_at": {_json_str(updated_at)}, '
            f'"version": {version}, "can_delete": {can_delete}}}'
        )
        # What reader.js renders after a save.
        items_html.append(
            f'<li><a class="ann-link" href="#annotation-{pk}" data-annotation="{pk}">\n'
            f'    <span class="ann-swatch hl {swatch} hl-depth-1" aria-hidden="true"></span>\n'
            f'    <span class="ann-quote">“{escape(_excerpt(quote))}”</span>\n'
            f'    <span class="ann-tags">{tags}</span>\n'
            "  </a></li>"
        )

    for turn in turns:
        turn.highlighted = highlight.render_spans(turn.text, spans_of[turn.pk])

    can_edit = services.can_edit_annotations(user)
    can_review = services.can_review_claims(user)
    if can_edit and annotate_form is None:
        annotate_form = annotate_form_for(turns, topic_pairs, targets)

    topic_tree = [
        {"id": topic.pk, "name": topic.name, "path": path, "depth": paths[topic.pk][1]} for topic, path in topic_pairs
    ]
    targets_json = [{"id": target.pk, "name": target.name} for target in targets]
    reader_config = {"document": document.pk, "canEdit": can_edit, "canReview": can_review, "paged": page is not None}
    return {
        "document": document,
        "object": document,
        "turns": turns,
        "turns_html": mark_safe("".join([turn_section(turn) for turn in turns])),  # escaped in turn_section
        "annotation_count": len(rows),
        "reader_list_html": mark_safe("\n".join(items_html)),  # every value escaped above
        # For <script id="reader-annotations" type="application/json">: what json_script writes.
        "annotations_json": mark_safe(_script_safe(f"[{', '.join(items_json)}]")),
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
        "reading_page": page,
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
            page = reading_page(document, annotation=annotation.pk)
            query = f"?page={page.number}" if page is not None and page.number > 1 else ""
            return redirect(f"{document.get_absolute_url()}{query}#annotation-{annotation.pk}")
    messages.error(request, "The annotation was not saved: see “Annotate without JavaScript” below.")
    turn = form.cleaned_data.get("turn_obj") if hasattr(form, "cleaned_data") else None
    page = reading_page(document, page=None if turn else request.GET.get("page"), turn=turn.position if turn else None)
    context = reader_context(document, request.user, annotate_form=form, page=page)
    return render(request, TEMPLATE, context)
