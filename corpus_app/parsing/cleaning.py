"""Lines of the raw text, without control characters, page noise and end-of-page footers.

Lines keep their numbers and blank lines stay (``layout`` joins wrapped lines into
paragraphs). A dropped line becomes a blank line, so that it still separates what stood
around it. Each dropped line is reported (``dropped_noise``, ``dropped_footer``) so an
editor can check that nothing real was lost; the rules are data at the top of the module,
easy to extend. They describe page furniture in general, never a particular site.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from corpus_app.parsing.document import ParseWarning

LINE_BREAK = re.compile(r"\r\n|\r|\n")

# C0 and C1 control characters and DEL; tab stays (line breaks are gone by then).
# All of them are non-printable (str.isprintable), which split_lines checks first.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# A whole line that is only page furniture (compared case-insensitively, trailing colon ignored).
NOISE_LINES = {
    "none", "null", "nan", "undefined", "n/a", "photo", "photos", "video", "videos", "image", "images", "gallery",
    "audio", "фото", "видео", "scroll to top", "back to top", "to top", "skip to content", "skip to main content",
    "print", "print version", "share", "share this", "tweet", "email", "copy link", "advertisement", "subscribe",
    "listen to this article", "syndicate content", "advanced settings", "e&oe", "e & oe", "proof copy e & oe",
    "proof copy e&oe", "transcript", "transcription", "ends", "end", "-ends-", "— ends —", "[ends]", "(ends)",
}  # fmt: skip

NOISE_PATTERNS = [
    # Photo and video captions: "Photo: MFA", "Photo by Reuters", "Video © RT".
    re.compile(r"^(?:photo|video|image|picture|фото|видео)s?\s*(?::|by\b|credit\b|©|\|).{0,100}$", re.IGNORECASE),
    # Bare timestamps: "15:38", "12:04 GMT", "9:30 am".
    re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:[ap]\.?m\.?|gmt|utc|msk))?$", re.IGNORECASE),
    # Digit-and-separator ids: "676-12-04-2024" (an ISO date line is metadata, see metadata.py).
    re.compile(r"^\d+(?:[-/._]\d+)+$"),
    # Logos: "Newsroom logo".
    re.compile(r"^(?:\S+\s+){0,4}logo$", re.IGNORECASE),
    # Lines that are only a link.
    re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE),
    # Calls to read on elsewhere: "read more in our Telegram-channel https://t.me/…", "Follow us on X".
    re.compile(r"^(?:read more|read also|subscribe|follow us|join us)\b.{0,80}(?:https?://\S+)?$", re.IGNORECASE),
    # Tag lists: "Tags: Russia, CIS".
    re.compile(r"^(?:tags|topics|keywords|subjects?(?:\(s\))?)\s*:.{0,200}$", re.IGNORECASE),
    # Times of day, alone or as the end mark: "10:51 A.M. EDT", "END 11:22 A.M. EDT", "(4:06 p.m.)".
    re.compile(
        r"^\(?(?:end\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?\s?m\.?)?\s*(?:[a-z]{2,4})?\)?$",
        re.IGNORECASE,
    ),
    # Page numbers and page footers: "Page 3 of 9", "- 3 -", "3".
    re.compile(r"^(?:page\s+)?\d{1,4}(?:\s+of\s+\d{1,4})?$|^[-–—]\s*\d{1,4}\s*[-–—]$", re.IGNORECASE),
    # Headings set in spaced letters: "P R O C E E D I N G S".
    re.compile(r"^(?:\w ){3,}\w$"),
    # Posting lines of a content management system: "Submitted on 1 May 2015", "Posted by admin".
    re.compile(r"^(?:submitted|posted)\s+(?:on|by)\b.{0,100}$", re.IGNORECASE),
    # Language switchers: "English | Français | Español", "EN | RU".
    re.compile(r"^(?:[A-Za-z\u00c0-\u024f\u0400-\u04ff]{2,12}\s*\|\s*){2,}[A-Za-z\u00c0-\u024f\u0400-\u04ff]{2,12}$"),
    # Enquiry lines of a press office: "Inquiries: (02) 6277 7500", "Media contact: …".
    re.compile(r"^(?:inquiries|enquiries|media (?:contact|inquiries|enquiries))\s*:.{0,80}$", re.IGNORECASE),
]

# All the noise patterns as one (each keeps its own flags): one match call per line instead of
# one per pattern, for the same answer as any(pattern.match(text) for pattern in NOISE_PATTERNS).
_ANY_NOISE_PATTERN = re.compile(
    "|".join(
        f"(?i:{pattern.pattern})" if pattern.flags & re.IGNORECASE else f"(?:{pattern.pattern})"
        for pattern in NOISE_PATTERNS
    )
)

# Separators: "* * *", "*****", "---", "• • •", "===". Dropped, but what follows one is a new turn.
SEPARATOR = re.compile(r"^[*•·=_~#\-–—\s]{3,}$")

# The end of a sentence: . ? ! … : ; then perhaps closing quotes and brackets (see ends_sentence).
_SENTENCE_END_CHARACTERS = (".", "?", "!", "…", ":", ";")
_CLOSING_CHARACTERS = "”’\"'»)]"

# A line that is only an ISO date is a dateline (metadata.py), not a digit-and-separator id.
ISO_DATE_LINE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Front matter that is not the publication date ("Last update: April 29, 2024 10:12"); the
# date in it is a last-resort fallback (metadata.find_update_date).
UPDATE_LINE = re.compile(
    r"^(?:last\s+updated?|updated|last\s+modified|modified)(?:\s+on)?\s*:?\s*(?P<rest>.*)$", re.IGNORECASE
)

# A whole line that starts the end-of-article block (related links, reading lists).
FOOTER_HEADINGS = {
    "further reading", "related", "related articles", "related news", "related stories", "related content",
    "read more", "read also", "see also", "more on this topic", "more on the topic", "you may also like",
    "recommended", "more stories", "latest news", "most read",
}  # fmt: skip

# The line that ends a press office's transcript.
END_MARKS = {"ends", "end", "-ends-", "— ends —", "[ends]", "(ends)"}

# Words that stay lowercase inside a Title Case heading ("Ministers of the CIS").
HEADING_MINOR_WORDS = {
    "a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "vs",
    "with",
}  # fmt: skip
HEADING_MAX_WORDS = 10
HEADING_MAX_CHARS = 80
_ENDS_PUNCTUATED = re.compile(r"[.?!…:;,\"“”«»]$")  # not a heading: a sentence, a label, a salutation

# The longest entry of NOISE_LINES and FOOTER_HEADINGS: a longer line is neither (see _listed_key).
_LISTED_MAX_CHARS = max(len(entry) for entry in NOISE_LINES | FOOTER_HEADINGS)

LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
LETTER = re.compile(r"[^\W\d_]")


class Line(NamedTuple):  # a tuple: made for every line and paragraph, several times, and never changed
    number: int  # 1-based line number in the raw text
    text: str  # stripped of surrounding whitespace (NBSP included), control characters removed


def ends_sentence(text: str) -> bool:
    """Whether the text ends a sentence: one of . ? ! … : ; then perhaps closing quotes and brackets,
    at the end of the text or before a final line break. Only the end is looked at: a search with
    a pattern would try every full stop of a paragraph."""
    return text.removesuffix("\n").rstrip(_CLOSING_CHARACTERS).endswith(_SENTENCE_END_CHARACTERS)


def split_lines(text: str, warnings: list[ParseWarning]) -> list[Line]:
    """Every line of the text, stripped (NBSP too), without control characters; blank lines as ""."""
    text = text.removeprefix("\ufeff")
    # Fast paths for the usual text: without CR, LINE_BREAK only ever matches "\n"; a printable
    # line (str.isprintable is about twice as fast as the pattern) has no control character.
    raw_lines = LINE_BREAK.split(text) if "\r" in text else text.split("\n")
    lines = []
    for number, raw in enumerate(raw_lines, start=1):
        found = not raw.isprintable() and CONTROL_CHARACTERS.findall(raw)
        if found:
            codes = ", ".join(sorted({f"U+{ord(char):04X}" for char in found}))
            message = f"removed {len(found)} control character(s): {codes}"
            warnings.append(ParseWarning(number, "control_characters", message))
            raw = CONTROL_CHARACTERS.sub("", raw)
        lines.append(Line(number, raw.strip()))
    return lines


# Timestamps of recordings: "[00:01:23] …", "Joe Biden: (00:02)", "Jane Doe  0:03" (Otter).
_TIMESTAMP = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
TIMESTAMPED_LINES = [
    # a label, then the time in brackets: "Joe Biden: (00:02)", "Reporter 1 (12:40): How …"
    re.compile(
        rf"^(?P<label>[A-Z][^:()\[\]]{{0,60}}?)\s*(?::\s*[\[(]{_TIMESTAMP}[\])]|[\[(]{_TIMESTAMP}[\])]\s*:?)\s*(?P<rest>.*)$"
    ),
    # a name, then the time, alone on the line: "Jane Doe  0:03"
    re.compile(rf"^(?P<label>[A-Z][\w.'’ -]{{0,40}}?)\s{{2,}}{_TIMESTAMP}$()(?P<rest>)"),
    # the time first: "[00:01:23] MODERATOR: Welcome", "00:01:23 Welcome"
    re.compile(rf"^[\[(]?{_TIMESTAMP}[\])]?\s+()(?P<rest>\S.*)$"),
]
TIMESTAMPS_MIN_COUNT = 2  # lines written so, for a text to be a timed recording
# A digit, a colon and a digit: what every pattern above needs (most texts have too few lines with
# one). Written colon first, so that the search skips to each colon instead of trying every digit.
CLOCK_TIME = re.compile(r":(?<=\d:)\d")


def drop_timestamps(lines: list[Line], warnings: list[ParseWarning]) -> list[Line]:
    """A recording's transcript with the times taken out of its lines ("Joe Biden: (00:02)" → "Joe
    Biden:"), where the text times its lines throughout; one warning says how many and shows them."""
    with_times = [index for index, line in enumerate(lines) if CLOCK_TIME.search(line.text)]
    for pattern in TIMESTAMPED_LINES if len(with_times) >= TIMESTAMPS_MIN_COUNT else ():
        timed = [index for index in with_times if pattern.match(lines[index].text)]
        if len(timed) < TIMESTAMPS_MIN_COUNT:
            continue
        lines = list(lines)
        for index in timed:
            match = pattern.match(lines[index].text)
            label = match.groupdict().get("label") or ""
            text = f"{label.strip()}: {match['rest']}".strip() if label else match["rest"]
            lines[index] = Line(lines[index].number, text)
        shown = " / ".join(f"line {lines[index].number}" for index in timed[:5])
        more = f" and {len(timed) - 5} more" if len(timed) > 5 else ""
        message = f"dropped the recording times of {len(timed)} lines ({shown}{more})"
        warnings.append(ParseWarning(lines[timed[0]].number, "dropped_noise", message))
    return lines


def _listed_key(text: str) -> str | None:
    """``text.casefold().rstrip(":").strip()``, the key of NOISE_LINES and FOOTER_HEADINGS, or None
    when the line is too long to be listed.

    Casefolding every line of prose is slow, so the short key is cut first and folded after:
    the result is the same because casefold maps each character on its own, never to nothing,
    and maps no character but ":" to ":" and none but whitespace (unchanged) to whitespace.
    Folding never shortens, so a key longer than every entry before folding stays unlisted.
    """
    key = text.rstrip(":").strip()
    return key.casefold() if len(key) <= _LISTED_MAX_CHARS else None


def is_page_noise(text: str) -> bool:
    if _listed_key(text) in NOISE_LINES:
        return True
    if len(text) < 80 and UPDATE_LINE.match(text):
        return True
    return _ANY_NOISE_PATTERN.match(text) is not None and not ISO_DATE_LINE.match(text)


def drop_page_noise(lines: list[Line], warnings: list[ParseWarning], breaks: list[int] | None = None) -> list[Line]:
    """The lines with page noise blanked (a dropped line still separates its neighbours); the line
    numbers of separators ("* * *") go to ``breaks``."""
    kept = []
    for line in lines:
        if line.text and SEPARATOR.match(line.text):
            warnings.append(ParseWarning(line.number, "dropped_noise", f"dropped a separator: “{line.text}”"))
            if breaks is not None:
                breaks.append(line.number)
            line = Line(line.number, "")
        elif line.text and is_page_noise(line.text):
            warnings.append(ParseWarning(line.number, "dropped_noise", f"dropped page noise: “{line.text}”"))
            line = Line(line.number, "")
        kept.append(line)
    return kept


def drop_footer(lines: list[Line], warnings: list[ParseWarning]) -> list[Line]:
    """Drop the end-of-article block: from a "Further Reading" line, or a trailing foreign-script block."""
    start = _footer_heading_index(lines)
    if start is None:
        start = _foreign_script_footer_index(lines)
    if start is None:
        return lines
    dropped = [line for line in lines[start:] if line.text]
    if not dropped:
        return lines[:start]
    # Every line in the message: what the importer drops, an editor can still read and check.
    dropped_text = " / ".join(line.text for line in dropped)
    warnings.append(
        ParseWarning(
            dropped[0].number,
            "dropped_footer",
            f"dropped the page footer, {len(dropped)} line(s) to the end: “{dropped_text}”",
        )
    )
    return lines[:start]


def _footer_heading_index(lines: list[Line]) -> int | None:
    # Never the first line: that is the headline of the page.
    first = next((index for index, line in enumerate(lines) if line.text), len(lines))
    for index in range(first + 1, len(lines)):
        key = _listed_key(lines[index].text)
        if key in FOOTER_HEADINGS:
            return index
        if key in END_MARKS and not any(
            LETTER.search(line.text) and len(line.text) > 12 for line in lines[index + 1 :]
        ):
            return index  # "ENDS": what follows it (an operator's initials, blank lines) is not the text
    return None


def _foreign_script_footer_index(lines: list[Line]) -> int | None:
    """Index where a trailing block without Latin letters starts, in a text written in Latin script.

    Russian MFA pages end with the site's Russian navigation ("Дополнительные материалы",
    "• Фото", …) after an English transcript.
    """
    start = len(lines)
    while start > 1 and (not lines[start - 1].text or not LATIN_LETTER.search(lines[start - 1].text)):
        start -= 1
    block = [line for line in lines[start:] if line.text]
    if not any(LETTER.search(line.text) for line in block):
        return None  # only digits and symbols: the noise rules deal with those
    return start if _is_latin_script(lines[:start]) else None


def _is_latin_script(lines: list[Line]) -> bool:
    text = "".join(line.text for line in lines)
    letters = len(LETTER.findall(text))
    return letters > 0 and len(LATIN_LETTER.findall(text)) > letters / 2


def is_section_heading(text: str) -> bool:
    """A short Title Case line without end punctuation: an image caption or a section heading.

    "CIS Map" and "CIS Meetings" are; a line cut off mid-sentence such as "Days of" is not
    (it ends with a lowercase function word), nor "Colleagues," (punctuation), nor a
    speaker label "SERGEY LAVROV:" (colon).
    """
    if len(text) > HEADING_MAX_CHARS or _ENDS_PUNCTUATED.search(text) or ":" in text:
        return False
    if text.startswith(("(", "[")):
        return False  # a stage direction such as "(Applause)" is an editorial note, not a heading
    words = [word.strip("()[]‘’'\"“”") for word in text.split()]
    words = [word for word in words if word and word not in {"–", "—", "-", "&", "|"}]
    if not 2 <= len(words) <= HEADING_MAX_WORDS:
        return False
    if words[0].casefold() in HEADING_MINOR_WORDS or words[-1].casefold() in HEADING_MINOR_WORDS:
        return False
    return all(word[0].isupper() or word[0].isdigit() or word.casefold() in HEADING_MINOR_WORDS for word in words)


def drop_section_headings(
    lines: list[Line],
    warnings: list[ParseWarning],
    *,
    is_label: Callable[[str], bool] = lambda text: False,
    breaks: list[int] | None = None,
) -> list[Line]:
    """Drop headings and captions from the body (the title line is not passed in); a speaker's
    name alone on its line ("Heinz Fischer") is a label, not a heading. A heading's line number
    goes to ``breaks``: the section after it is a turn of its own."""
    kept = []
    for line in lines:
        if is_section_heading(line.text) and not is_label(line.text):
            warnings.append(ParseWarning(line.number, "dropped_noise", f"dropped a heading or caption: “{line.text}”"))
            if breaks is not None and kept and ends_sentence(kept[-1].text):
                breaks.append(line.number)  # a caption in the middle of a sentence cuts nothing
        else:
            kept.append(line)
    return kept
