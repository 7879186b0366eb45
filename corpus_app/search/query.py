"""The query language of the search, the same on every database (that of PostgreSQL's
``websearch_to_tsquery``), and the excerpt of a turn's text with its matches marked.

- several words: all must occur (``sanctions payments``);
- ``"a phrase"`` in double quotes: the words in that order;
- ``-word`` or ``-"a phrase"``: must not occur;
- ``or`` between terms: either side may match (``"sad cat" or "fat rat"``).
"""

import re
from dataclasses import dataclass, field

#: Roughly how many characters of a turn an excerpt shows.
EXCERPT_CHARS = 300

ELLIPSIS = "…"


@dataclass
class ParsedQuery:
    """A websearch-style query: alternatives (``or``) of groups of required and excluded terms."""

    groups: list = field(default_factory=list)  # [(required terms, excluded terms), …]

    @property
    def required_terms(self):
        return [term for required, _ in self.groups for term in required]

    def __bool__(self):
        return any(required or excluded for required, excluded in self.groups)


_TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|([^\s"]+)')
_EDGE_PUNCTUATION_RE = re.compile(r"^[^\w]+|[^\w]+$")


def parse_query(text):
    """Split a query into ``or``-separated groups of required and excluded words and phrases.

    >>> parse_query('"national currencies" payments -dollar').groups
    [(['national currencies', 'payments'], ['dollar'])]
    """
    groups = [([], [])]
    for match in _TOKEN_RE.finditer(text or ""):
        minus, phrase, word = match.groups()
        if phrase is not None:
            term, excluded = " ".join(phrase.split()), bool(minus)
        else:
            excluded = word.startswith("-")
            term = _EDGE_PUNCTUATION_RE.sub("", word)
            if not excluded and term.lower() == "or":
                if groups[-1][0] or groups[-1][1]:
                    groups.append(([], []))
                continue
        if term:
            groups[-1][1 if excluded else 0].append(term)
    return ParsedQuery([group for group in groups if group[0] or group[1]])


def piece(text, *, marked=False):
    """A piece of an excerpt: its text, and whether it is a match (``corpus_app/_search_excerpt.html``
    writes it in a ``<mark>``)."""
    return {"text": text, "marked": marked}


def trimmed(pieces):
    """The pieces without empty ones, and without the whitespace before the first and after the last."""
    pieces = [item for item in pieces if item["text"]]
    if pieces and not pieces[0]["marked"]:
        pieces[0] = piece(pieces[0]["text"].lstrip())
    if pieces and not pieces[-1]["marked"]:
        pieces[-1] = piece(pieces[-1]["text"].rstrip())
    return [item for item in pieces if item["text"]]


def highlight(text, terms, *, size=EXCERPT_CHARS):
    """An excerpt of ``text`` around the first match, as pieces (:func:`piece`), the matches marked."""
    spans = []
    for term in terms:
        spans.extend(match.span() for match in re.finditer(re.escape(term), text, re.IGNORECASE))
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])

    begin, finish = 0, len(text)
    if len(text) > size:
        first = merged[0][0] if merged else 0
        begin = max(0, first - size // 3)
        if begin:  # start at a word boundary, never after the match
            space = text.find(" ", begin, first)
            begin = space + 1 if space != -1 else begin
        finish = min(len(text), begin + size)
        if finish < len(text):  # end at a word boundary, never inside the first match
            floor = merged[0][1] if merged else begin
            space = text.rfind(" ", floor, finish)
            finish = space if space != -1 else finish

    pieces = [piece(f"{ELLIPSIS} ")] if begin > 0 else []
    position = begin
    for start, end in merged:
        start, end = max(start, begin), min(end, finish)
        if start >= end:
            continue
        pieces.append(piece(text[position:start]))
        pieces.append(piece(text[start:end], marked=True))
        position = end
    pieces.append(piece(text[position:finish]))
    if finish < len(text):
        pieces.append(piece(f" {ELLIPSIS}"))
    return trimmed(pieces)
