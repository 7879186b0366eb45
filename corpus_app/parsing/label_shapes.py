"""Speaker labels by their shape alone: "Sergey Lavrov: …", "Q. …", "Q<tab>…", "CHAIR POWELL. …", a name
alone on its line; and how often a text's paragraphs open with each (``labels`` decides what they mean).
"""

from __future__ import annotations

import collections
import functools
import re
from collections.abc import Callable, Sequence

from corpus_app.parsing.cleaning import Line
from corpus_app.parsing.names import lookup_key, strip_parenthetical
from corpus_app.parsing.vocabulary import LABEL_MAX_WORDS, PERIOD_LABELS

# "Sergey Lavrov: …", "SL:“We …", "MR PRICE: …" (no quotes in a label; "https://" is not one).
LABEL_WITH_COLON = re.compile(r"^(?P<label>[^:“”\"«»]{1,80}?)\s*:(?!//)\s*(?P<rest>.*)$")
LABEL_WITH_PERIOD = re.compile(rf"^(?P<label>{'|'.join(PERIOD_LABELS)})\.\s+(?P<rest>\S.*)$")
# The White House's "Q    Thank you" and "Q<tab>…": a question label set off by a tab or several spaces.
LABEL_WITH_SPACES = re.compile(r"^(?P<label>Q|A|QUESTION|ANSWER)(?:\t|\s{2,})\s*(?P<rest>\S.*)$")
# "Q Thanks, Jen.": a question label and one space, taken as a label where the text does it again and again.
LABEL_Q_SPACE = re.compile(r"^(?P<label>Q)\s(?P<rest>[A-Z“\"'(\[—–-].*)$")
# "CHAIR POWELL. Good afternoon.": a name in capitals and a full stop, taken as a label where the
# text does it again and again (the Federal Reserve's transcripts).
LABEL_CAPS_PERIOD = re.compile(r"^(?P<label>[A-Z][A-Z’'-]+(?:\s+[A-Z][A-Z’'.-]+){0,4})\.\s+(?P<rest>[A-Z“\"(\[].*)$")
# A label set off by a tab, as a two-column table of speaker and speech comes out of a PDF or DOCX.
LABEL_WITH_TAB = re.compile(r"^(?P<label>[A-Z][\w’'.()-]*(?:[ ][\w’'.()-]+){0,5})\t+(?P<rest>\S.*)$")
# A name alone on its line, with no colon, before the speech (Title Case or capitals, no sentence end).
NAME_ALONE = re.compile(r"^[A-Z][\w’'.-]*(?:\s+(?:[A-Z][\w’'.-]*|of|the|and|de|van|von|al))*$")


# Besides a colon or a tab, what the patterns above need at the start: a "Q" or an "A", or two capitals.
_LABEL_START = re.compile(r"[QA]|[A-Z][A-Z’'-]")
# In the order a paragraph's label is looked for.
LABEL_PATTERNS = (
    LABEL_WITH_COLON, LABEL_WITH_PERIOD, LABEL_WITH_SPACES, LABEL_WITH_TAB, LABEL_Q_SPACE, LABEL_CAPS_PERIOD
)  # fmt: skip


def _tab_label(text: str) -> re.Match | None:
    """LABEL_WITH_TAB.match(text), tried only on a line with a tab (most have none; the pattern
    needs one, and takes longer to fail than a look for it)."""
    return LABEL_WITH_TAB.match(text) if "\t" in text else None


def may_be_labelled(text: str) -> bool:
    """Whether any label pattern can match: most lines of prose are ruled out at once."""
    return ":" in text or "\t" in text or _LABEL_START.match(text) is not None


def has_label_shape(text: str) -> bool:
    """Whether a line starts with something shaped like a speaker label, before knowing the speakers."""
    if not may_be_labelled(text):
        return False
    if LABEL_WITH_SPACES.match(text) or LABEL_WITH_PERIOD.match(text) or _tab_label(text):
        return True
    if LABEL_Q_SPACE.match(text) or LABEL_CAPS_PERIOD.match(text):
        return True
    match = LABEL_WITH_COLON.match(text)
    if not match:
        return False
    words = match["label"].split()
    return bool(words) and words[0][:1].isupper() and len(words) <= LABEL_MAX_WORDS + 8


def _may_open_with_label(text: str) -> bool:
    """A quick look before the patterns: every label shape has a colon, a tab or a full stop near
    the start, or begins with a capital "Q", or is a short line (a name alone)."""
    head = text[:90]
    return ":" in head or "\t" in head or "." in head[:50] or text[:1] == "Q" or len(text) <= 60


@functools.lru_cache(maxsize=4096)  # a paragraph is asked twice: for the header, then for the body
def opening_label(text: str) -> str | None:
    """The label-shaped text a paragraph opens with, as written (parentheticals dropped), or None."""
    if not _may_open_with_label(text):
        return None
    match = None
    if may_be_labelled(text):
        match = LABEL_WITH_SPACES.match(text) or LABEL_WITH_PERIOD.match(text)
        match = match or LABEL_Q_SPACE.match(text) or LABEL_CAPS_PERIOD.match(text)
        match = match or _tab_label(text) or LABEL_WITH_COLON.match(text)
    if match and len(match["label"].split()) <= LABEL_MAX_WORDS + 8:
        return strip_parenthetical(match["label"])
    if NAME_ALONE.match(text) and len(text.split()) <= LABEL_MAX_WORDS:
        return text
    return None


def label_counts(body: Sequence[Line], forms: dict[str, str] | None = None) -> collections.Counter:
    """How many paragraphs open with each label-shaped text (keys as lookup_key, parentheticals dropped);
    ``forms`` gets each key's first form as written, to resolve it as a label."""
    counts: collections.Counter = collections.Counter()
    for line in body:
        written = opening_label(line.text)
        if written is None:
            continue
        counts[lookup_key(written)] += 1
        if forms is not None:
            forms.setdefault(lookup_key(written), written)
    return counts


def recurring_label_in(paragraphs: Sequence[Line]) -> Callable[[str], bool]:
    """Whether a line opens with a label that opens other paragraphs too (then it is no headline)."""
    counts = None  # counted when first needed: most lines asked about open with no label at all

    def is_label(text: str) -> bool:
        nonlocal counts
        if not may_be_labelled(text):
            return False
        match = LABEL_WITH_SPACES.match(text) or LABEL_WITH_PERIOD.match(text) or LABEL_Q_SPACE.match(text)
        match = match or _tab_label(text) or LABEL_WITH_COLON.match(text)
        if not match:
            return False
        if counts is None:
            counts = label_counts(paragraphs)
        return counts.get(lookup_key(strip_parenthetical(match["label"])), 0) >= 2

    return is_label
