"""Articles: direct quotes split out of narration and attributed to whoever the attribution
names ("“…,” the ministry said.", "Lavrov said: “…”")."""

from __future__ import annotations

import re

# Articles: a quote and its attribution.
OPENING_QUOTES = {"“": "”", "«": "»", '"': '"'}
CLOSING_QUOTES = {closing: opening for opening, closing in OPENING_QUOTES.items()}
_QUOTE_PAIRS = {opening + closing: re.compile(f"[{opening}{closing}]") for opening, closing in OPENING_QUOTES.items()}
SPEECH_VERB = re.compile(
    r"\b(?:said|says|stated|states|added|adds|noted|notes|told|tells|wrote|writes|emphasi[sz]ed|stressed|explained"
    r"|declared|remarked|concluded|continued|insisted|warned|pointed out|claimed|argued|asked|replied|answered"
    r"|announced|commented|observed|underlined|underscored|according to)\b"
)


ATTRIBUTION_MAX_WORDS = 15
# (?=[A-Z]): as in ROLE_BEFORE_NAME, every match starts with a capital; saying so makes the scan fast.
ORGANISATION_MENTION = re.compile(
    r"(?=[A-Z])(?:[A-Z][\w’'-]*\s+){0,4}(?:Ministry|Department|Office|Agency|Embassy|Government|Council|Committee"
    r"|Commission|Secretariat|Service|Kremlin)(?:\s+of(?:\s+the)?(?:\s+[A-Z][\w’'-]*)+)?"
)


GENERIC_ORGANISATION = re.compile(
    r"\bthe\s+(?:[a-z]+\s+)?(?P<head>ministry|department|office|agency|embassy|government|council|committee"
    r"|commission|secretariat|service|kremlin)\b",
    re.IGNORECASE,
)


GENERIC_PERSON = re.compile(r"\b(?:he|she|the (?:foreign )?minister|the diplomat|the spokes(?:wo)?man)\b", re.I)


def _matching_quote(text: str, index: int, *, forwards: bool) -> int | None:
    """Index of the quotation mark that closes the one opening at ``index`` (``forwards``), or that
    opens the one closing there; nested “…” counted, a straight quote's match is the next one."""
    mark = text[index]
    other = OPENING_QUOTES[mark] if forwards else CLOSING_QUOTES[mark]
    if mark == other:
        found = text.find(mark, index + 1) if forwards else text.rfind(mark, 0, index)
        return found if found != -1 else None
    pair = _QUOTE_PAIRS[mark + other if forwards else other + mark]
    found = pair.finditer(text, index) if forwards else reversed(list(pair.finditer(text, 0, index + 1)))
    depth = 0
    for match in found:  # only the quotation marks: a loop over every character is slow in Python
        depth += 1 if match.group() == mark else -1
        if depth == 0:
            return match.start()
    return None


def _is_attribution(text: str) -> bool:
    """A short clause with a speech verb and no quotation: "the ministry said.", "Lavrov said:"."""
    if not text or any(char in text for char in (*OPENING_QUOTES, *CLOSING_QUOTES)):
        return False
    return len(text.split()) <= ATTRIBUTION_MAX_WORDS and bool(SPEECH_VERB.search(text))


def split_quote(text: str) -> list[tuple[str, str]] | None:
    """A paragraph as [("quote" | "attribution", text)] when it is a direct quote with its attribution.

    “…,” the ministry said.  /  “…,” Lavrov said. “…”  /  Lavrov said: “…”
    Inline quotes inside a sentence ("… to contain and "push" Russia out …") are not split.
    """
    if text[0] in OPENING_QUOTES:
        end = _matching_quote(text, 0, forwards=True)
        if end is None:
            return None
        quote, rest = text[: end + 1], text[end + 1 :].strip()
        if _is_attribution(rest):
            return [("quote", quote), ("attribution", rest)]
        second = next((index for index, char in enumerate(rest) if char in OPENING_QUOTES), None)
        is_last = second and _matching_quote(rest, second, forwards=True) == len(rest) - 1
        if is_last and _is_attribution(rest[:second].strip()):
            return [("quote", quote), ("attribution", rest[:second].strip()), ("quote", rest[second:])]
        return None
    if text[-1] in CLOSING_QUOTES:
        start = _matching_quote(text, len(text) - 1, forwards=False)
        if start:
            before = text[:start].rstrip()
            if before.endswith((":", ",")) and _is_attribution(before):
                return [("attribution", before), ("quote", text[start:])]
    return None
