"""A legend in the text: the abbreviations it defines for its labels ("Media questions are
prefixed Q, Lavrov's responses SL", "Sergey Lavrov (SL)")."""

from __future__ import annotations

import re
from collections.abc import Sequence

from corpus_app.parsing.cleaning import Line
from corpus_app.parsing.names import lookup_key

# Legends that define label abbreviations. The verbs are also plain-text pre-checks (find_legend),
# so they are plain words without regex syntax.
PREFIXED_VERBS = ("prefixed", "marked", "labelled", "labeled", "indicated", "denoted")
LEGEND_PREFIXED = re.compile(
    rf"^(?P<desc>.+?)\s+(?:(?:are|is|were|was|and|being)\s+)?(?:{'|'.join(PREFIXED_VERBS)})"
    r"\s+(?:with\s+|by\s+|as\s+)?[“\"‘']?(?P<abbr>[A-Z]{1,4})\b[”\"’']?\W*$"
)


# Only unambiguous verbs: "President Putin means …" must not define "Putin".
DEFINES_VERBS = ("=", "stands for", "denotes", "refers to", "is short for")
LEGEND_VERB = rf"(?:{'|'.join(DEFINES_VERBS)})"
LEGEND_DEFINES = re.compile(
    rf"(?<![\w])(?P<abbr>[A-Z]{{1,4}})\s*{LEGEND_VERB}\s*(?P<desc>.+?)"
    rf"(?=\s+(?:and\s+)?[A-Z]{{1,4}}\s*{LEGEND_VERB}|[,;.]|$)"
)


LEGEND_PAREN_FIRST = re.compile(r"(?:^|[;,.]\s*)\((?P<abbr>[A-Z]{1,4})\)\s*(?:[:=–-]\s*)?(?P<desc>[^,;.()]+)")
LEGEND_PAREN_AFTER = re.compile(r"(?P<desc>(?:[A-Z][\w’'-]+\s+){1,3}[A-Z][\w’'-]+)\s+\((?P<abbr>[A-Z]{2,4})\)")
# What both LEGEND_PAREN_* patterns cannot match without: a bracketed abbreviation "(SL)".
_PAREN_ABBREVIATION = re.compile(r"\([A-Z]{1,4}\)")
# The lookup_key of every abbreviation the LEGEND_* patterns define ([A-Z]{1,4}): other labels are not in a legend.
LEGEND_KEY = re.compile(r"[a-z]{1,4}")
_CLAUSE_SPLIT = re.compile(r"[,;]\s*|(?<=[.!?])\s+")
QUESTION_HINT = re.compile(r"\b(?:question|questions|journalists?|media|reporters?|press|audience)\b", re.IGNORECASE)
ANSWER_HINT = re.compile(r"\b(?:answers?|responses?|replies|reply)\b", re.IGNORECASE)
MODERATOR_HINT = re.compile(r"\b(?:moderator|host|chair)\b", re.IGNORECASE)


def find_legend(body: Sequence[Line], body_text: str) -> dict[str, str]:
    """Abbreviations a text defines for its labels: {"q": "Media questions", "sl": "Lavrov’s responses"}.

    ``body_text`` is the body's lines joined. Each pattern runs only on the lines that hold what
    it cannot match without (its verbs, or a bracketed abbreviation): legends are rare, and these
    patterns are slow on long prose lines. The verbs absent from the whole body are left out of
    the per-line checks first, so most lines cost only a "(" search.
    """
    prefixed_verbs = [verb for verb in PREFIXED_VERBS if verb in body_text]
    defines_verbs = [verb for verb in DEFINES_VERBS if verb in body_text]
    legend: dict[str, str] = {}

    def define(abbreviation: str, description: str):
        if description.strip():  # "(SL) ;" defines nothing: a label "SL:" stays unexplained
            legend.setdefault(lookup_key(abbreviation), description.strip())

    for line in body:
        text = line.text
        # The patterns in their original order, so that the first definition of an abbreviation wins.
        if any(verb in text for verb in prefixed_verbs):
            for clause in _CLAUSE_SPLIT.split(text):
                if match := LEGEND_PREFIXED.match(clause.strip()):
                    define(match["abbr"], match["desc"])
        if any(verb in text for verb in defines_verbs):
            for match in LEGEND_DEFINES.finditer(text):
                define(match["abbr"], match["desc"])
        if _PAREN_ABBREVIATION.search(text):
            for match in LEGEND_PAREN_FIRST.finditer(text):
                define(match["abbr"], match["desc"])
            for match in LEGEND_PAREN_AFTER.finditer(text):
                initials = "".join(word[0] for word in match["desc"].split())
                if initials == match["abbr"]:  # "Sergey Lavrov (SL)"
                    define(match["abbr"], match["desc"])
    return legend
