"""What the reading view (``/documents/<id>/``) shows, read in a fixed number of queries however
many turns and annotations the document has: a page of turns with their highlights, the
annotations of those turns (for the side list, and as the API's JSON for ``reader.js``), the
topic tree and targets of the tagging panel, and what the user may do.
"""

from functools import cached_property
from typing import NamedTuple

from django.urls import reverse

from annotations import highlight, services
from annotations.forms import AnnotateForm
from annotations.models import TOPIC_PATH_SEPARATOR, Annotation, ClaimStatus, Polarity, Target, Topic, topic_lineages
from annotations.serializers import annotations_json, topics_json
from corpus_app.models import READING_PAGE_TURNS, Speaker, TurnKind
from desk.cache import ANNOTATIONS, CORPUS, generations_key
from desk.text import truncate_chars

LIST_EXCERPT_CHARS = 90  # as reader.js writes the list after a save
# The turn sections and the annotation list of a page are cached until the data changes (a long
# document's page has hundreds of turns and can have a thousand annotations: rendering them is most
# of the page's time).
FRAGMENT_CACHE_SECONDS = 15 * 60


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


def _whole_number(value):
    value = str(value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def reading_page(document, *, page=None, turn=None, annotation=None) -> ReadingPage | None:
    """The page of the reading view to show: ``page`` (a number), else the one holding the turn at
    position ``turn`` or the annotation ``annotation`` (links to ``#turn-…`` and ``#annotation-…``
    of a later page land there), else the first; None for a document of one page. Two queries."""
    per_page = READING_PAGE_TURNS
    # Pages count the turns a reader sees; page noise shown to an editor falls between their bounds.
    positions = document.turns.readable().order_by("position").values_list("position", flat=True)
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
    before = min(offset, 1)  # the previous page's last turn, where there is one
    bounds = list(positions[offset - before : offset + per_page])
    return ReadingPage(
        number=number,
        num_pages=num_pages,
        turn_count=turn_count,
        # From just after the previous page's last turn (the first page from the start) to this page's
        # last turn (the last page to the end), so that no noise turn falls between two pages.
        first_position=bounds[0] + 1 if offset else -1,
        last_position=bounds[-1] if number < num_pages else 2**31 - 1,
        first_turn=offset + 1,
        last_turn=offset + len(bounds) - before,
    )


def _on_page(queryset, page, position_field):
    if page is None:
        return queryset
    return queryset.filter(
        **{f"{position_field}__gte": page.first_position, f"{position_field}__lte": page.last_position}
    )


def reading_turns(document, page=None, *, with_noise=False):
    """The document's turns in order (those of ``page`` only, if given): one query. Turns marked
    as page noise are left out unless ``with_noise`` (an editor restoring one)."""
    turns = document.turns.for_reading() if not with_noise else document.turns.select_related("speaker")
    turns = list(_on_page(turns.order_by("position"), page, "position"))
    if page is None or page.number == 1:
        # The first turn a reader sees has none before it to be merged into: it is offered no merge.
        first = next((turn for turn in turns if not turn.is_noise), None)
        if first is not None:
            first.opens_document = True
    return turns


class ListedAnnotation(NamedTuple):
    """An annotation as the side list shows it (what reader.js writes after a save)."""

    id: int
    classes: str  # its highlight's colours
    excerpt: str
    topics: list  # {"id", "name", "path"} dicts
    polarity: str  # "opposes", or "" for no stance
    stance: str  # "Opposes · European Union"
    claim_status: str  # "in_review", or "" for no claim
    claim_label: str


def highlight_classes(annotation):
    """The classes that colour an annotation (its JSON) in the text and the list."""
    stance, claim = annotation["stance"], annotation["claim"]
    return highlight.kind_classes(
        has_topics=bool(annotation["topics"]),
        polarity=stance["polarity"] if stance else "",
        claim_status=claim["status"] if claim else None,
    )


def listed_annotations(annotations):
    """The annotations (their JSON) as the side list shows them."""
    polarity_labels = dict(Polarity.choices)
    listed = []
    for data in annotations:
        stance, claim = data["stance"], data["claim"]
        listed.append(
            ListedAnnotation(
                id=data["id"],
                classes=" ".join(highlight_classes(data)),
                excerpt=truncate_chars(" ".join(data["quote"].split()), LIST_EXCERPT_CHARS),
                topics=data["topics"],
                polarity=stance["polarity"] if stance else "",
                stance=f"{polarity_labels[stance['polarity']]} · {stance['target']['name']}" if stance else "",
                claim_status=claim["status"] if claim else "",
                claim_label=claim["status_display"] if claim else "",
            )
        )
    return listed


def tagging_choices():
    """Topics as (topic, path) pairs sorted by path with each topic's depth, and the targets: two queries."""
    topics = list(Topic.objects.order_by())
    lineages = topic_lineages(topics)
    pairs = [(topic, TOPIC_PATH_SEPARATOR.join(lineages[topic.pk])) for topic in topics]
    pairs.sort(key=lambda pair: pair[1].casefold())
    depths = {pk: len(names) - 1 for pk, names in lineages.items()}
    return pairs, depths, list(Target.objects.order_by("name"))


def annotate_form_for(turns, topic_pairs, targets, data=None):
    return AnnotateForm(data, turns=turns, topics=topic_pairs, targets=targets)


def turn_editor_context(document):
    """What the turn tools of an editor's page need: the page-noise count (for "Show page noise (N)")
    and the speakers offered in the speaker field (the document's; another name is looked up, or
    created, by the API). Two queries."""
    speakers = Speaker.objects.filter(turns__document=document).distinct().order_by("name").values("id", "name")
    return {
        "noise_count": document.turns.filter(is_noise=True).count(),
        "turn_kinds": TurnKind.choices,
        "turn_editor_config": {
            "api": reverse("annotations:api-turn", args=[0]).removesuffix("0/"),
            "speakers": list(speakers),
        },
    }


class _PageData:
    """A page's turns, its annotations' JSON and an editor's no-JavaScript form, read and built when
    first asked for: a view whose cached fragments are all found does neither."""

    def __init__(self, document, user, page, *, with_noise, topic_pairs, targets):
        self.document, self.user, self.page = document, user, page
        self.with_noise, self.topic_pairs, self.targets = with_noise, topic_pairs, targets
        self.topics = topics_json([topic for topic, _ in topic_pairs])

    @cached_property
    def turns(self):
        return reading_turns(self.document, self.page, with_noise=self.with_noise)

    @cached_property
    def annotations(self):
        annotations = Annotation.objects.filter(turn__document=self.document)
        annotations = _on_page(annotations, self.page, "turn__position").order_by(
            "turn__position", "start", "-end", "pk"
        )
        return annotations_json(annotations, self.user, self.topics)

    @cached_property
    def turns_with_passages(self):
        passages = {turn.pk: [] for turn in self.turns}
        for data in self.annotations:
            passages[data["turn"]].append((data["start"], data["end"], data["id"], highlight_classes(data)))
        for turn in self.turns:
            turn.passages = passages[turn.pk]
        return self.turns

    def listed_annotations(self):
        return listed_annotations(self.annotations)

    @cached_property
    def annotate_form(self):
        turns = [turn for turn in self.turns if not turn.is_noise]
        return annotate_form_for(turns, self.topic_pairs, self.targets)


def reader_context(document, user, *, annotate_form=None, page=None, show_noise=False):
    """Everything the reading view's template shows, in a fixed number of queries. ``show_noise``:
    an editor sees the turns marked as page noise too (to restore one)."""
    can_edit = services.can_edit_annotations(user)
    show_noise = show_noise and can_edit
    topic_pairs, depths, targets = tagging_choices()
    data = _PageData(document, user, page, with_noise=show_noise, topic_pairs=topic_pairs, targets=targets)
    fragments_key = f"{generations_key(CORPUS, ANNOTATIONS)}:{document.pk}:{page.number if page else 0}"
    return {
        **(turn_editor_context(document) if can_edit else {}),
        "show_noise": show_noise,
        "document": document,
        # The template calls these (and reads the data behind them) only where a fragment is not cached.
        "turns": lambda: data.turns_with_passages,
        "turn_count": lambda: document.turns.readable().count(),  # a count, so that the turns stay unread
        "listed_annotations": data.listed_annotations,
        "annotations_json": lambda: data.annotations,
        # The cached fragments follow the data's generations (desk.cache): any write of the corpus or
        # the annotations gives them new keys. The annotations' JSON says what this user may delete.
        "fragments_key": fragments_key,
        "user_fragments_key": f"{fragments_key}:{user.pk}",
        "fragment_cache_seconds": FRAGMENT_CACHE_SECONDS,
        "topic_tree": [
            {"id": topic.pk, "name": topic.name, "path": path, "depth": depths[topic.pk]} for topic, path in topic_pairs
        ],
        "targets": targets,
        "targets_json": [{"id": target.pk, "name": target.name} for target in targets],
        "polarities": Polarity.choices,
        "claim_statuses": [(value.replace("_", "-"), label) for value, label in ClaimStatus.choices],
        "can_edit": can_edit,
        # A form sent back with its errors, else a blank one built where its cached fragment is missing.
        "annotate_form": (annotate_form or (lambda: data.annotate_form)) if can_edit else None,
        "annotate_form_sent": annotate_form is not None,
        "reader_config": {"canEdit": can_edit, "paged": page is not None},
        "reading_page": page,
        "current_edition": None if document.is_current else document.current_edition(),
        "earlier_editions": document.earlier_editions() if document.replaces_id else [],
    }
