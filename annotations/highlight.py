"""Cut a turn's text into highlighted segments; pure Python, no database.

Annotations may overlap, nest or share a boundary. The text is cut at every start
and end, and each piece (a *segment*) knows which annotations cover it, so every
passage stays visible: a piece covered by two annotations is one ``<mark>`` whose
``data-annotations`` lists both and whose ``hl-depth-2`` class makes it darker.

The reading view renders the segments on the server (``annotations/_reading_turn.html``:
highlights on first paint and without JavaScript); ``annotations/static/annotations/reader.js``
runs the same algorithm after a save. Both must agree: keep ``segments`` and ``computeSegments``
in step.

Offsets are Python string indexes (code points), like ``Annotation.start``/``end``.
"""

import itertools
from functools import lru_cache
from operator import itemgetter

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
    """The ``class`` of a mark covered by passages with these kinds (outermost first)."""
    classes = ["hl"]
    for passage_kinds in kinds:
        classes.extend(c for c in passage_kinds if c not in classes)
    classes.append(f"hl-depth-{min(len(kinds), MAX_DEPTH_CLASS)}")
    return " ".join(classes)


def segments(text: str, spans) -> list[dict]:
    """A turn's text cut at its passages' boundaries, ``(start, end, id, classes)`` tuples.

    One dict per segment, in order, the texts adding up to the turn's text: ``text``; ``ids``,
    the passages covering it, outermost first (by start, then the longest, then id), as
    ``data-annotations`` lists them ("" for none); ``classes``, its mark's class; ``anchor``, the
    passage that begins there (a link's target, ``annotation-<id>``; None for none) and
    ``more_anchors``, the others beginning there too (each an empty ``hl-anchor`` in the mark, so
    that the mark's text stays the turn's text). Offsets outside the text are clipped; empty
    passages are left out.

    The text is cut at every boundary and swept once: the passages covering a segment are the
    ones begun at or before it and not yet ended.
    """
    if not text:
        return []
    length = len(text)
    clipped = []
    cuts = {0, length}
    for start, end, pk, classes in spans:
        start, end = max(start, 0), min(end, length)
        if start < end:
            clipped.append((start, -end, pk, classes))
            cuts.add(start)
            cuts.add(end)
    cuts = sorted(cuts)
    clipped.sort(key=_SPAN_ORDER)
    result = []
    active = []  # the passages covering the segment, outermost first
    waiting = iter(clipped)
    upcoming = next(waiting, None)
    for start, end in itertools.pairwise(cuts):
        if active:
            active = [span for span in active if -span[1] > start]
        anchors = []
        while upcoming is not None and upcoming[0] == start:
            active.append(upcoming)
            anchors.append(upcoming[2])
            upcoming = next(waiting, None)
        # Every key in every segment: the template reads them all, and a missing one costs a failed lookup.
        result.append(
            {
                "text": text[start:end],
                "ids": " ".join([str(span[2]) for span in active]),
                "classes": _mark_classes(tuple([span[3] for span in active])) if active else "",
                "anchor": anchors[0] if anchors else None,
                "more_anchors": anchors[1:],
            }
        )
    return result
