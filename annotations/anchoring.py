"""Finding an annotated passage again in a corrected text. Pure Python, no Django.

The approach is Hypothesis's text-quote anchoring: an annotation remembers its quote and
the 32 characters either side of it. In the new text we look for the exact quote first
(its context breaks ties between several occurrences), then for the best approximate
location of the quote, scored together with how well the text around it matches the old
prefix and suffix. A passage that cannot be placed with confidence gives ``None``: the
caller keeps the annotation where it was, as orphaned, rather than guessing.

Scores are between 0 and 1. ``quote similarity`` is the normalised Levenshtein similarity
of the old quote and the new passage; ``context`` the mean similarity of the old prefix
and suffix with the text now around the passage.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

EXACT = "exact"
FUZZY = "fuzzy"

QUOTE_WEIGHT, CONTEXT_WEIGHT, POSITION_WEIGHT = 0.70, 0.25, 0.05
MIN_QUOTE_SIMILARITY = 0.75  # below this the passage has changed too much to be "the same"
MIN_SCORE = 0.72
# A passage rewritten in the middle is still found when both its neighbours are intact.
MIN_QUOTE_SIMILARITY_WITH_CONTEXT, STRONG_CONTEXT = 0.55, 0.9
SHORT_QUOTE = 24  # characters: a short quote occurs by chance, so it also needs its context
SHORT_QUOTE_MIN_CONTEXT = 0.6
CANDIDATE_TURNS = 4  # turns whose best approximate match is refined (the others are only screened)
CONTEXT_PROBE = 20  # characters of the prefix/suffix looked up exactly to propose boundaries


@dataclass(frozen=True)
class Anchor:
    turn_index: int
    start: int
    end: int
    method: str  # EXACT or FUZZY
    score: float


def similarity(a: str, b: str) -> float:
    return Levenshtein.normalized_similarity(a, b)


def context_similarity(text: str, start: int, end: int, prefix: str, suffix: str) -> float:
    """How well the text around [start, end) matches the old prefix and suffix (1.0 when there is none)."""
    scores = []
    if prefix:
        scores.append(similarity(prefix, text[max(0, start - len(prefix)) : start]))
    if suffix:
        scores.append(similarity(suffix, text[end : end + len(suffix)]))
    return sum(scores) / len(scores) if scores else 1.0


def _position_score(turn_index, start, turn_hint, offset_hint):
    if turn_hint is None:
        return 0.0
    if turn_index != turn_hint:
        return 0.0
    if offset_hint is None:
        return 1.0
    return 1.0 / (1.0 + abs(start - offset_hint) / 200)


def _occurrences(text: str, quote: str):
    index = text.find(quote)
    while index >= 0:
        yield index
        index = text.find(quote, index + 1)


def _is_word_start(text, i):
    return text[i].isalnum() and (i == 0 or not text[i - 1].isalnum())


def _is_word_end(text, j):
    return text[j - 1].isalnum() and (j == len(text) or not text[j].isalnum())


def _starts_near(text, quote, low, high, word_start):
    """Where the passage may begin: where a word begins, or (mid-word quotes) where the quote's first character is."""
    low, high = max(0, low), min(len(text), high)
    first = quote[0]
    if word_start and first.isalnum():
        return {i for i in range(low, high) if _is_word_start(text, i)}
    return {i for i in range(low, high) if text[i] == first or _is_word_start(text, i)}


def _ends_near(text, quote, low, high, word_end):
    """Where the passage may end: after a word, or (mid-word quotes) after the quote's last character."""
    low, high = max(1, low), min(len(text), high)
    last = quote[-1]
    if word_end and last.isalnum():
        return {j for j in range(low, high + 1) if _is_word_end(text, j)}
    return {j for j in range(low, high + 1) if text[j - 1] == last or _is_word_end(text, j)}


def best_span(
    quote: str, text: str, start: int, end: int, *, word_start: bool = True, word_end: bool = True
) -> tuple[int, int, float]:
    """Move the boundaries of an approximate match [start, end) to where the quote fits best.

    ``word_start``/``word_end``: the old passage began/ended at a word boundary (its prefix
    ended, its suffix began, with something other than a letter), so the new one does too.
    """
    slack = max(10, len(quote) // 3)
    starts = _starts_near(text, quote, start - slack, start + slack, word_start) or {start}
    ends = _ends_near(text, quote, end - slack, end + slack, word_end) or {end}
    start = min(starts, key=lambda s: abs(s - start))
    end = min((e for e in ends if e > start), key=lambda e: abs(e - end), default=end)
    best = (similarity(quote, text[start:end]), start, end)
    # Coordinate descent: the best start for this end, then the best end for that start.
    for _ in range(2):
        s_best = max(((similarity(quote, text[s : best[2]]), s) for s in starts if s < best[2]), default=None)
        if s_best and s_best[0] > best[0]:
            best = (s_best[0], s_best[1], best[2])
        e_best = max(((similarity(quote, text[best[1] : e]), e) for e in ends if e > best[1]), default=None)
        if e_best and e_best[0] > best[0]:
            best = (e_best[0], best[1], e_best[1])
    score, s, e = best
    return s, e, score


def _context_spans(text, quote, prefix, suffix):
    """Passages framed by an exact copy of the old prefix's end and the old suffix's beginning."""
    if len(prefix) < CONTEXT_PROBE // 2 or len(suffix) < CONTEXT_PROBE // 2:
        return
    head, tail = prefix[-CONTEXT_PROBE:], suffix[:CONTEXT_PROBE]
    starts = [i + len(head) for i in _occurrences(text, head)]
    ends = list(_occurrences(text, tail))
    for s in starts:
        for e in ends:
            if len(quote) * 0.5 <= e - s <= len(quote) * 1.6 + 20:
                yield s, e


def anchor(
    *,
    quote: str,
    prefix: str = "",
    suffix: str = "",
    texts: Sequence[str],
    turn_hint: int | None = None,
    offset_hint: int | None = None,
) -> Anchor | None:
    """Where ``quote`` is now among ``texts`` (the new turns, in order); None when it cannot be placed."""
    if not quote:
        return None

    def total(quote_score, turn_index, start, end):
        context = context_similarity(texts[turn_index], start, end, prefix, suffix)
        position = _position_score(turn_index, start, turn_hint, offset_hint)
        return QUOTE_WEIGHT * quote_score + CONTEXT_WEIGHT * context + POSITION_WEIGHT * position, context

    # 1. The exact quote. Several occurrences: the one whose surroundings match best.
    exact = []
    for turn_index, text in enumerate(texts):
        for start in _occurrences(text, quote):
            score, context = total(1.0, turn_index, start, start + len(quote))
            exact.append((score, context, turn_index, start))
    if exact:
        score, context, turn_index, start = max(exact, key=lambda c: (c[0], -c[2], -c[3]))
        if len(quote) >= SHORT_QUOTE or context >= SHORT_QUOTE_MIN_CONTEXT:
            return Anchor(turn_index, start, start + len(quote), EXACT, round(score, 4))

    # 2. The best approximate location, screened turn by turn, refined in the most promising turns.
    screened = []
    for turn_index, text in enumerate(texts):
        if len(text) < len(quote) * 0.5:
            continue
        alignment = fuzz.partial_ratio_alignment(quote, text, score_cutoff=50)
        if alignment is not None:
            screened.append((alignment.score, turn_index, alignment.dest_start, alignment.dest_end))
    word_start = not prefix or not prefix[-1].isalnum()
    word_end = not suffix or not suffix[0].isalnum()
    spans = set()
    for _, turn_index, ds, de in sorted(screened, reverse=True)[:CANDIDATE_TURNS]:
        found = best_span(quote, texts[turn_index], ds, de, word_start=word_start, word_end=word_end)
        spans.add((turn_index, *found[:2]))
    for turn_index, text in enumerate(texts):
        for s, e in _context_spans(text, quote, prefix, suffix):
            spans.add((turn_index, s, e))

    best = None
    for turn_index, s, e in spans:
        quote_score = similarity(quote, texts[turn_index][s:e])
        score, context = total(quote_score, turn_index, s, e)
        candidate = (score, quote_score, context, turn_index, s, e)
        if best is None or candidate[:1] > best[:1]:
            best = candidate
    if exact:  # a short exact match with a weak context competes with the approximate ones
        score, context, turn_index, start = max(exact, key=lambda c: (c[0], -c[2], -c[3]))
        if best is None or score >= best[0]:
            best = (score, 1.0, context, turn_index, start, start + len(quote))
    if best is None:
        return None
    score, quote_score, context, turn_index, s, e = best
    if not _confident(quote, score, quote_score, context):
        return None
    method = EXACT if texts[turn_index][s:e] == quote else FUZZY
    return Anchor(turn_index, s, e, method, round(score, 4))


def _confident(quote, score, quote_score, context):
    if len(quote) < SHORT_QUOTE and context < SHORT_QUOTE_MIN_CONTEXT:
        return False
    if quote_score >= MIN_QUOTE_SIMILARITY and score >= MIN_SCORE:
        return True
    return quote_score >= MIN_QUOTE_SIMILARITY_WITH_CONTEXT and context >= STRONG_CONTEXT
