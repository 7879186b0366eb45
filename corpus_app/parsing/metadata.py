"""Title, date, place and byline from the top of a text.

A title line may end in ", Place, Month D, YYYY" (MFA transcripts); the date and place may
instead be on a dateline of their own ("Almaty, April 11, 2025") or in a byline
("By Vusala Abbasova November 20, 2023"). "Last update: …" front matter is not the
publication date, only a last-resort fallback.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from corpus_app.parsing.cleaning import UPDATE_LINE, Line
from corpus_app.parsing.turns import QUESTION_LABELS

MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY_NAME = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_WEEKDAY = rf"(?:{_WEEKDAY_NAME},?\s+)?"
_TIME = r"(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:[ap]\.?m\.?|gmt|utc|msk))?)?"

# "April 11, 2025", "April 11 2025", "11 April 2025", "2025-04-11" (each with an optional weekday).
DATE_FORMATS = [
    re.compile(rf"{_WEEKDAY}{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})", re.IGNORECASE),
    re.compile(rf"{_WEEKDAY}(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?P<year>\d{{4}})", re.IGNORECASE),
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"),
]

# A place on a dateline or at the end of a title: "Moscow", "New York", "St. Petersburg", "Nur-Sultan".
PLACE = re.compile(r"[A-Z][\w’'.-]*(?:[ -][A-Z][\w’'.-]*){0,3}")

PUBLISHED_LINE = re.compile(
    r"^(?:published|posted|date|publication date|released)(?:\s+on)?\s*:?\s*(?P<rest>.+)$", re.IGNORECASE
)
BYLINE = re.compile(r"^By\s+(?P<rest>\S.*)$")
# Between a title and the date at its end: ", Moscow, April 11, 2023" or " – April 11, 2023".
TITLE_DATE_SEPARATOR = r"(?:,|\s[–—-])\s*"

TITLE_MAX_WORDS = 60
UPDATE_SEARCH_LINES = 10  # "Last update" front matter sits at the top of the page


@dataclass
class Header:
    title: str
    title_line: int
    date: datetime.date | None
    place: str | None
    author: str | None
    body_start: int  # index of the first body line in the lines given to read_header


def _date_from(match: re.Match) -> datetime.date | None:
    month = match["month"]
    month_number = int(month) if month.isdigit() else MONTHS[month[:3].casefold()]
    try:
        return datetime.date(int(match["year"]), month_number, int(match["day"]))
    except ValueError:
        return None  # "February 30": not a date


def parse_date(text: str) -> datetime.date | None:
    """The date if the whole text is one (a time of day may follow)."""
    text = text.strip()
    for pattern in DATE_FORMATS:
        match = re.fullmatch(rf"{pattern.pattern}{_TIME}\.?", text, re.IGNORECASE)
        if match:
            return _date_from(match)
    return None


def search_date(text: str) -> datetime.date | None:
    for pattern in DATE_FORMATS:
        match = pattern.search(text)
        if match:
            return _date_from(match)
    return None


def split_title(text: str) -> tuple[str, str | None, datetime.date | None]:
    """Title, place and date of a title line ending in ", Place, Month D, YYYY"."""
    for pattern in DATE_FORMATS:
        match = re.search(rf"{TITLE_DATE_SEPARATOR}(?:{pattern.pattern})\s*\.?$", text, re.IGNORECASE)
        if not match or match.start() == 0:
            continue
        head = text[: match.start()].rstrip()
        date = _date_from(match)
        place = None
        before, comma, last = head.rpartition(",")
        if comma and before.strip() and PLACE.fullmatch(last.strip()):
            head, place = before.rstrip(), last.strip()
        return head, place, date
    return text, None, None


def parse_dateline(text: str) -> tuple[str | None, datetime.date] | None:
    """("Almaty", 2025-04-11) for "Almaty, April 11, 2025"; (None, date) for a bare date line."""
    date = parse_date(text)
    if date is not None:
        return None, date
    place, comma, rest = text.partition(",")
    date = parse_date(rest) if comma else None
    if date is None or not PLACE.fullmatch(place.strip()):
        return None
    return place.strip(), date


def parse_byline(text: str) -> tuple[str, datetime.date | None] | None:
    """("Vusala Abbasova", 2023-11-20) for "By Vusala Abbasova November 20, 2023"."""
    match = BYLINE.match(text)
    if not match:
        return None
    author_words = []
    for word in match["rest"].split():
        bare = word.rstrip(",|")
        is_name_word = bare[:1].isupper() and not any(char.isdigit() for char in bare)
        is_date_word = re.fullmatch(f"{_MONTH}|{_WEEKDAY_NAME}", bare, re.IGNORECASE)
        if is_date_word or not (is_name_word or bare in {"and", "&"}):
            break
        author_words.append(bare)
        if bare != word:  # "By John Smith, Reuters": the comma ends the name
            break
    while author_words and author_words[-1] in {"and", "&"}:
        author_words.pop()
    if not author_words or len(author_words) > 6:
        return None
    return " ".join(author_words), search_date(match["rest"])


def parse_published(text: str) -> datetime.date | None:
    match = PUBLISHED_LINE.match(text)
    return parse_date(match["rest"]) if match else None


def find_update_date(lines: list[Line]) -> tuple[datetime.date, int] | None:
    """The date of "Last update: April 29, 2024 10:12" front matter, and its line."""
    for line in lines[:UPDATE_SEARCH_LINES]:
        match = UPDATE_LINE.match(line.text)
        if match:
            date = search_date(match["rest"])
            if date is not None:
                return date, line.number
    return None


@dataclass
class _LineMetadata:
    date: datetime.date | None = None
    place: str | None = None
    author: str | None = None
    priority: int = 0  # lower wins: a dateline beats a byline, a byline beats "Published:"


def _metadata_of(text: str) -> _LineMetadata | None:
    # The byline first: "By Jane Doe, 20 November 2023" also has the shape of a dateline.
    if byline := parse_byline(text):
        return _LineMetadata(date=byline[1], author=byline[0], priority=2)
    if dateline := parse_dateline(text):
        return _LineMetadata(date=dateline[1], place=dateline[0], priority=1)
    if published := parse_published(text):
        return _LineMetadata(date=published, priority=3)
    return None


def _can_be_title(text: str) -> bool:
    label = re.match(r"^(?P<label>[^:.]{1,40})[:.]\s", text)
    if label and label["label"].strip().casefold() in QUESTION_LABELS:
        return False  # the text starts with a question: there is no headline
    return len(text.split()) <= TITLE_MAX_WORDS


def read_header(lines: list[Line]) -> Header | None:
    """The title (the first line that is not a dateline or byline) and the metadata around it.

    Returns None when there is no title: the text starts with a turn or a long paragraph.
    """
    found: list[_LineMetadata] = []
    index = 0
    while index < len(lines) and (metadata := _metadata_of(lines[index].text)):
        found.append(metadata)
        index += 1
    if index == len(lines) or not _can_be_title(lines[index].text):
        return None
    title_line = lines[index]
    title, place, date = split_title(title_line.text)
    found.append(_LineMetadata(date=date, place=place, priority=0))
    index += 1
    while index < len(lines) and (metadata := _metadata_of(lines[index].text)):
        found.append(metadata)
        index += 1

    found.sort(key=lambda metadata: metadata.priority)
    return Header(
        title=title,
        title_line=title_line.number,
        date=next((metadata.date for metadata in found if metadata.date), None),
        place=next((metadata.place for metadata in found if metadata.place), None),
        author=next((metadata.author for metadata in found if metadata.author), None),
        body_start=index,
    )
