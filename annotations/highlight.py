"""Cut a turn's text into highlighted segments and write it as HTML; pure Python, no database.

Annotations may overlap, nest or share a boundary. The text is cut at every start
and end, and each piece (a *segment*) knows which annotations cover it, so every
passage stays visible: a piece covered by two annotations is one ``<mark>`` whose
``data-annotations`` lists both and whose ``hl-depth-2`` class makes it darker.

The reading view renders the segments on the server (highlights on first paint and
without JavaScript); ``annotations/static/annotations/reader.js`` runs the same
algorithm after a save. Both must agree: keep ``render_spans`` and ``computeSegments``
in step.

Offsets are Python string indexes (code points), like ``Annotation.start``/``end``.
"""

import html
from functools import lru_cache
from operator import itemgetter

from django.utils.safestring import SafeString, mark_safe

MAX_DEPTH_CLASS = 3  # hl-depth-3 stands for "three or more"


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


_SPAN_ORDER = itemgetter(0, 1, 2)  # start, -end, id: outermost first


@lru_cache(maxsize=1024)
def _mark_classes(kinds: tuple[tuple[str, ...], ...]) -> str:
    """The escaped ``class`` of a mark covered by passages with these kinds (outermost first)."""
    classes = ["hl"]
    for passage_kinds in kinds:
        classes.extend(c for c in passage_kinds if c not in classes)
    classes.append(f"hl-depth-{min(len(kinds), MAX_DEPTH_CLASS)}")
    return html.escape(" ".join(classes))


def render_spans(text: str, spans) -> SafeString:
    """The HTML of a turn's text with its passages, ``(start, end, id, classes)`` tuples, marked.

    Escaped text, and a ``<mark>`` per covered segment listing the passages covering it,
    outermost first (by start, then the longest, then id). The first segment of each passage
    carries ``id="annotation-<id>"`` so a link can point at it; when several passages begin at
    the same place the others get an empty ``<span class="hl-anchor">`` inside the mark (it adds
    no text, so the element's text stays exactly the turn's text). Offsets outside the text are
    clipped; empty passages are left out.

    The text is cut at every boundary and swept once: the passages covering a segment are the
    ones begun at or before it and not yet ended. A turn's HTML is a few hundred marks at most,
    so it is written here rather than in a template (one include per mark).
    """
    if not text:
        return mark_safe("")
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
        return mark_safe(html.escape(text))
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
    return mark_safe("".join(out))  # every piece escaped above
