"""Cut a turn's text into highlight segments; pure Python, no database.

Annotations may overlap, nest or share a boundary. The text is cut at every start
and end, and each piece (a *segment*) knows which annotations cover it, so every
passage stays visible: a piece covered by two annotations is one ``<mark>`` whose
``data-annotations`` lists both and whose ``hl-depth-2`` class makes it darker.

The reading view renders the segments on the server (highlights on first paint and
without JavaScript); ``annotations/static/annotations/reader.js`` runs the same
algorithm after a save. Both must agree: keep ``segments`` and ``computeSegments``
in step.

Offsets are Python string indexes (code points), like ``Annotation.start``/``end``.
"""

import html
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

MAX_DEPTH_CLASS = 3  # hl-depth-3 stands for "three or more"


@dataclass(frozen=True)
class Highlight:
    """One annotation's passage: ``text[start:end]`` and the CSS classes of its kinds."""

    id: int
    start: int
    end: int
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Segment:
    text: str
    start: int
    end: int
    annotations: tuple[int, ...] = ()  # outermost first: by start, then longest, then id
    classes: tuple[str, ...] = ()  # "hl", the kinds of every covering annotation, "hl-depth-N"
    anchors: tuple[int, ...] = field(default=())  # annotations whose passage begins here

    @property
    def covered(self):
        return bool(self.annotations)


def kind_classes(*, has_topics: bool, polarity: str = "", claim_status: str | None = None) -> tuple[str, ...]:
    """The classes that colour an annotation: topic, stance (per polarity), claim (per status)."""
    classes = []
    if has_topics:
        classes.append("hl-topic")
    if polarity:
        classes.append(f"hl-stance-{polarity}")
    if claim_status:
        classes.append(f"hl-claim-{claim_status.replace('_', '-')}")
    return tuple(classes)


def _clip(highlights, length):
    """Highlights inside ``[0, length]``, non-empty, in reading order (outermost first)."""
    clipped = []
    for item in highlights:
        start, end = max(0, item.start), min(length, item.end)
        if start < end:
            clipped.append(Highlight(item.id, start, end, tuple(item.classes)))
    clipped.sort(key=lambda h: (h.start, -h.end, h.id))
    return clipped


def segments(text: str, highlights) -> list[Segment]:
    """``text`` cut at every highlight boundary; the pieces concatenate to ``text`` exactly."""
    if not text:
        return []
    spans = _clip(highlights, len(text))
    cuts = sorted({0, len(text)} | {h.start for h in spans} | {h.end for h in spans})
    result = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = [h for h in spans if h.start <= start and h.end >= end]
        if not covering:
            result.append(Segment(text[start:end], start, end))
            continue
        kinds = []
        for h in covering:
            kinds.extend(c for c in h.classes if c not in kinds)
        depth = min(len(covering), MAX_DEPTH_CLASS)
        result.append(
            Segment(
                text=text[start:end],
                start=start,
                end=end,
                annotations=tuple(h.id for h in covering),
                classes=("hl", *kinds, f"hl-depth-{depth}"),
                anchors=tuple(h.id for h in covering if h.start == start),
            )
        )
    return result


def render_segments(pieces) -> SafeString:
    """HTML for a ``.turn-text``: plain escaped text, and a ``<mark>`` per covered segment.

    The first segment of each annotation carries ``id="annotation-<id>"`` so a link can
    point at it; when several passages begin at the same place the others get an empty
    ``<span class="hl-anchor">`` inside the mark (it adds no text, so the element's text
    stays exactly the turn's text).
    """
    html = []
    for piece in pieces:
        if not piece.covered:
            html.append(escape(piece.text))
            continue
        extra_anchors = "".join(
            format_html('<span class="hl-anchor" id="annotation-{}"></span>', pk) for pk in piece.anchors[1:]
        )
        id_attr = format_html(' id="annotation-{}"', piece.anchors[0]) if piece.anchors else ""
        html.append(
            format_html(
                '<mark class="{}"{} data-annotations="{}">{}{}</mark>',
                " ".join(piece.classes),
                id_attr,
                " ".join(str(pk) for pk in piece.annotations),
                mark_safe(extra_anchors),  # built with format_html above
                piece.text,
            )
        )
    return mark_safe("".join(html))  # every piece escaped above


def render(text: str, highlights) -> SafeString:
    """``render_segments(segments(text, highlights))`` in one tight loop: the same markup."""
    return mark_safe(render_spans(text, [(h.start, h.end, h.id, tuple(h.classes)) for h in highlights]))


_SPAN_ORDER = itemgetter(0, 1, 2)  # start, -end, id: outermost first


@lru_cache(maxsize=1024)
def _mark_classes(kinds: tuple[tuple[str, ...], ...]) -> str:
    """The escaped ``class`` of a mark covered by passages with these kinds (outermost first)."""
    classes = ["hl"]
    for passage_kinds in kinds:
        classes.extend(c for c in passage_kinds if c not in classes)
    classes.append(f"hl-depth-{min(len(kinds), MAX_DEPTH_CLASS)}")
    return html.escape(" ".join(classes))


def render_spans(text: str, spans) -> str:
    """``render`` for ``(start, end, id, classes)`` tuples: the reading view's 2,000 passages.

    The HTML is returned as a plain ``str`` (every piece escaped): the caller marks the page
    safe once instead of copying each turn into a ``SafeString``.

    A long document has thousands of segments; this builds strings directly instead of
    ``Segment`` objects and ``format_html`` calls (``test_highlight`` checks they agree).
    The text is cut at every boundary and swept once: the passages covering a segment are
    the ones begun at or before it and not yet ended, kept outermost first.
    """
    if not text:
        return ""
    length = len(text)
    clipped = []
    cuts = {0, length}
    for start, end, pk, classes in spans:
        if start < 0:
            start = 0
        if end > length:
            end = length
        if start < end:
            clipped.append((start, -end, pk, classes))
            cuts.add(start)
            cuts.add(end)
    if not clipped:
        return html.escape(text)
    clipped.sort(key=_SPAN_ORDER)
    cuts = sorted(cuts)
    # `in` is a fast scan (a regex is not), and most turns have nothing to escape.
    needs_escape = "&" in text or "<" in text or ">" in text or '"' in text or "'" in text
    out = []
    active = []  # the passages covering the segment, outermost first
    waiting = iter(clipped)
    upcoming = next(waiting)
    for index in range(len(cuts) - 1):
        start = cuts[index]
        end = cuts[index + 1]
        if active:
            active = [h for h in active if -h[1] > start]
        anchors = []
        while upcoming is not None and upcoming[0] == start:
            active.append(upcoming)
            anchors.append(upcoming[2])
            upcoming = next(waiting, None)
        piece = html.escape(text[start:end]) if needs_escape else text[start:end]
        if not active:
            out.append(piece)
            continue
        if len(active) == 1:
            ids = str(active[0][2])
            classes = _mark_classes((active[0][3],))
        else:
            ids = " ".join([str(h[2]) for h in active])
            classes = _mark_classes(tuple([h[3] for h in active]))
        if anchors:
            id_attr = f' id="annotation-{anchors[0]}"'
            extra = "".join([f'<span class="hl-anchor" id="annotation-{pk}"></span>' for pk in anchors[1:]])
            out.append(f'<mark class="{classes}"{id_attr} data-annotations="{ids}">{extra}{piece}</mark>')
        else:
            out.append(f'<mark class="{classes}" data-annotations="{ids}">{piece}</mark>')
    return "".join(out)  # every piece escaped above
