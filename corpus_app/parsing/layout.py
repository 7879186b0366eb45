"""Paragraphs from lines, whatever the wrapping.

Sources come one paragraph per line, hard-wrapped at a fixed width with blank lines between
paragraphs, hard-wrapped without any blank line, or a mix (an OCR'd typescript with stray
blank lines). The width a text is wrapped at is measured from the text itself, and a line
joins the one before it when that one was filled up to the width: a wrapped line is not a
cut-off line. A line that starts with a speaker label always starts a paragraph, and a
label written over several lines ("Board Chairman of the Foundation for / … Andrei /
Bystritsky:") is put back together.

Every character of a kept line ends up in exactly one paragraph: nothing here drops text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from corpus_app.parsing.cleaning import Line, ends_sentence
from corpus_app.parsing.vocabulary import HONORIFICS, TITLE_WORDS

LABEL_HEAD_WORDS = TITLE_WORDS | HONORIFICS | {"the"}  # what a label's first line can hold alone: "THE", "Senator"

# Dashes that end a line cut off by the speaker: "are you --", "and -".
BROKEN_OFF = re.compile(r"(?:--|—|–|-)$")

# A word's own hyphen at the end of a line: "Franco-", "2020-" (not a dash: " -", "--").
HYPHEN_AT_END = re.compile(r"(?<=[^\W_])-$")

WRAP_MIN_WIDTH = 40  # narrower lines are lists or verse, not wrapping
WRAP_MAX_WIDTH = 110  # wider lines are paragraphs of their own
FILLED_SHARE = 0.72  # a line this share of the width long was filled up by the wrapping
LABEL_MAX_LINES = 3  # a label written over more lines than this is prose


RawLine = Line  # a line of the text, stripped; "" for a blank line


def wrap_width(lines: list[RawLine]) -> int | None:
    """The width a text is hard-wrapped at, or None when its lines are paragraphs.

    Wrapped text has many lines of nearly the same length, the width, and the last lines of
    paragraphs shorter: the width is a high percentile of the line lengths, and the text is
    wrapped when at least half of its lines in runs of two or more come close to it.
    """
    in_runs = [
        len(line.text)
        for index, line in enumerate(lines)
        if line.text
        and (
            (index + 1 < len(lines) and lines[index + 1].text)  # a line with a neighbour
            or (index > 0 and lines[index - 1].text)
        )
    ]
    if len(in_runs) < 4:
        return None
    ordered = sorted(in_runs)
    width = ordered[int(len(ordered) * 0.9) - 1]
    if not WRAP_MIN_WIDTH <= width <= WRAP_MAX_WIDTH:
        return None
    filled = sum(length >= FILLED_SHARE * width for length in in_runs)
    return width if filled >= 0.5 * len(in_runs) else None


def build_paragraphs(
    lines: list[RawLine],
    *,
    starts_turn: Callable[[str], bool],
    is_bare_label: Callable[[str], bool] = lambda text: False,
) -> list[Line]:
    """Join the lines of each paragraph: ``starts_turn(text)`` says whether a line opens a turn,
    ``is_bare_label(text)`` whether it is a label alone whose speech starts on the next line."""
    width = wrap_width(lines)
    paragraphs: list[list[RawLine]] = []
    current: list[RawLine] = []
    for line in lines:
        if not line.text:
            if current:
                paragraphs.append(current)
                current = []
            continue
        if current and (
            width is None
            or starts_turn(line.text)
            or not _continues(current[-1].text, width)
            or (len(current) == 1 and is_bare_label(current[0].text))
        ):
            paragraphs.append(current)
            current = []
        current.append(line)
    if current:
        paragraphs.append(current)
    paragraphs = _join_broken_paragraphs(paragraphs, starts_turn)
    paragraphs = _gather_split_labels(paragraphs, starts_turn)
    paragraphs = _join_label_heads(paragraphs, starts_turn)
    return [
        group[0] if len(group) == 1 else Line(group[0].number, join_lines(line.text for line in group))
        for group in paragraphs
    ]


def join_lines(lines) -> str:
    """The lines of a paragraph as one: a space between them, none after a word's own hyphen at a
    line end ("Franco-" / "German", "re-" / "election")."""
    pieces: list[str] = []
    end = ""  # the last characters joined: all HYPHEN_AT_END needs to see (a final "\\n" included)
    for text in lines:
        pieces.append(text if not end or (HYPHEN_AT_END.search(end) and text[:1].isalnum()) else " " + text)
        end = (end + pieces[-1])[-3:]
    return "".join(pieces)


def _continues(previous: str, width: int) -> bool:
    """Whether the line after ``previous`` goes on with its paragraph, in text wrapped at ``width``."""
    if len(previous) >= FILLED_SHARE * width:
        return True
    # A short line that does not end a sentence was broken early: "The various themes that we
    # have discussed / during this visit I" (an OCR'd page), unless it is a label alone.
    return not ends_sentence(previous) and not BROKEN_OFF.search(previous)


def _join_broken_paragraphs(paragraphs: list[list[RawLine]], starts_turn: Callable[[str], bool]) -> list[list[RawLine]]:
    """A stray blank line (or a dropped page footer) inside a sentence: the paragraph before it
    stops mid-sentence and the one after it goes on in lower case ("… during this visit I" /
    "think I can summarise …")."""
    joined: list[list[RawLine]] = []
    for group in paragraphs:
        if joined:
            before, first = joined[-1][-1].text, group[0].text
            if (
                not ends_sentence(before)
                and not BROKEN_OFF.search(before)
                and first[:1].islower()
                and not starts_turn(first)
            ):
                joined[-1] = joined[-1] + group
                continue
        joined.append(group)
    return joined


def _join_label_heads(paragraphs: list[list[RawLine]], starts_turn: Callable[[str], bool]) -> list[list[RawLine]]:
    """A label's first word left alone on its line ("THE" / "PRESIDENT: Well, …"): put it back."""
    joined: list[list[RawLine]] = []
    for group in paragraphs:
        if joined and len(joined[-1]) == 1:
            head = joined[-1][0].text
            is_title = len(head) <= 30 and all(word.strip(".").casefold() in LABEL_HEAD_WORDS for word in head.split())
            if is_title and len(head.split()) <= 2 and starts_turn(f"{head} {group[0].text}"):
                joined[-1] = joined[-1] + group
                continue
        joined.append(group)
    return joined


def _gather_split_labels(paragraphs: list[list[RawLine]], starts_turn: Callable[[str], bool]) -> list[list[RawLine]]:
    """A label written over several lines ends with a line "…Bystritsky:" alone: the lines
    before it, back to the last one that ends a sentence, are the start of the label."""
    result: list[list[RawLine]] = []
    for group in paragraphs:
        pieces = [group]
        for index in range(1, len(group)):
            line = group[index].text
            if not line.endswith(":") or len(line) > 60:
                continue
            start = index
            while start > 0 and index - start < LABEL_MAX_LINES - 1 and not ends_sentence(group[start - 1].text):
                start -= 1
            if start == index:
                continue
            candidate = " ".join(raw.text for raw in group[start : index + 1])
            if starts_turn(candidate) and not starts_turn(group[start].text):
                head = pieces.pop()
                offset = len(group) - len(head)
                pieces += [head[: start - offset], head[start - offset :]]
        result += [piece for piece in pieces if piece]
    return result
