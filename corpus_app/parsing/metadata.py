"""Title, date, place and byline from the top of a text.

A title line may end in ", Place, Month D, YYYY" (MFA transcripts); the date and place may
instead be on a dateline of their own ("Almaty, April 11, 2025") or in a byline
("By Vusala Abbasova November 20, 2023"). "Last update: …" front matter is not the
publication date, only a last-resort fallback.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from corpus_app.parsing.cleaning import UPDATE_LINE, Line
from corpus_app.parsing.label_shapes import has_label_shape
from corpus_app.parsing.names import looks_like_personal_name
from corpus_app.parsing.vocabulary import QUESTION_LABELS

MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTHS = {month: number for number, month in enumerate(MONTH_ABBREVIATIONS, 1)}  # "jan" → 1
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY_NAME = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_WEEKDAY = rf"(?:{_WEEKDAY_NAME},?\s+)?"
_TIME = r"(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:[ap]\.?m\.?|gmt|utc|msk))?)?"
# Between a title and the date at its end: ", Moscow, April 11, 2023" or " – April 11, 2023".
TITLE_DATE_SEPARATOR = r"(?:,|\s[–—-])\s*"

# "April 11, 2025", "April 11 2025", "11 April 2025", "2025-04-11" (each with an optional weekday).
DATE_FORMATS = [
    re.compile(rf"{_WEEKDAY}{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})", re.IGNORECASE),
    re.compile(rf"{_WEEKDAY}(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?P<year>\d{{4}})", re.IGNORECASE),
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"),
    # Chinese and Japanese: "2004年1月28日".
    re.compile(r"(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"),
]
# A whole text that is a date, a time of day may follow (parse_date).
WHOLE_DATES = [re.compile(rf"{pattern.pattern}{_TIME}\.?", re.IGNORECASE) for pattern in DATE_FORMATS]
# A title that ends in a date: ", Moscow, April 11, 2023", " – April 11, 2023"; then "… on June 2, 2020".
TITLE_END_DATES = [
    re.compile(rf"{TITLE_DATE_SEPARATOR}(?:{pattern.pattern})\s*\.?$", re.IGNORECASE) for pattern in DATE_FORMATS
]
TITLE_ON_DATES = [
    re.compile(rf"\s(?:on|of|held on|dated)\s+(?:{pattern.pattern})\s*\.?$", re.IGNORECASE) for pattern in DATE_FORMATS
]
# "09/01/2015", "1.9.2015": which number is the month is decided in _numeric_date.
NUMERIC_DATE = re.compile(
    rf"(?:(?P<weekday>{_WEEKDAY_NAME[:-3]}[a-z]*|mon|tue|wed|thu|fri|sat|sun)\.?,?\s+)?"
    r"(?P<first>\d{1,2})[/.](?P<second>\d{1,2})[/.](?P<year>\d{4})",
    re.IGNORECASE,
)
YEAR = re.compile(r"\d{4}")  # what every date above holds
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

# A place on a dateline or at the end of a title: "Moscow", "New York", "St. Petersburg", "Nur-Sultan".
PLACE = re.compile(r"[A-Z][\w’'.-]*(?:[ -][A-Z][\w’'.-]*){0,3}")

PUBLISHED_LINE = re.compile(
    r"^(?:published|posted|date|publication date|released)(?:\s+on)?\s*:?\s*(?P<rest>.+)$", re.IGNORECASE
)
BYLINE = re.compile(r"^By\s+(?P<rest>\S.*)$")

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
    # Header lines that gave no title, date or place (letterheads, the headline repeated, fields):
    # reported as dropped, so that an editor sees every line of the file went somewhere.
    dropped: list[Line] = field(default_factory=list)


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
    for pattern in WHOLE_DATES:
        match = pattern.fullmatch(text)
        if match:
            return _date_from(match)
    return None


def search_date(text: str) -> datetime.date | None:
    """The first date written in the text; "15 May 201921:30" (a time run into it) counts."""
    if not YEAR.search(text):
        return None  # the date patterns are slow to search; the year's four digits are quick to miss
    for pattern in DATE_FORMATS:
        match = pattern.search(text)
        if match:
            return _date_from(match)
    if match := NUMERIC_DATE.search(text):
        return _numeric_date(match)
    return None


def _numeric_date(match: re.Match) -> datetime.date | None:
    """Day and month of "09/01/2015": a number over 12 is the day; otherwise the weekday, when the
    text gives one, tells which reading is meant; otherwise month first, as the US writes it."""
    first, second, year = int(match["first"]), int(match["second"]), int(match["year"])
    readings = []
    for month, day in ((first, second), (second, first)):
        try:
            readings.append(datetime.date(year, month, day))
        except ValueError:
            continue
    if match["weekday"]:
        weekday = match["weekday"][:3].casefold()
        matching = [date for date in readings if WEEKDAYS[date.weekday()] == weekday]
        readings = matching or readings
    return readings[0] if readings else None


def date_of_metadata(value: str) -> datetime.date | None:
    """The date a file's metadata gives: "2021-05-18", "2021-05-18 14:19:49-04:00", "18 May 2021"."""
    value = value.strip()
    if match := re.match(r"(\d{4})-(\d{2})-(\d{2})", value):
        try:
            return datetime.date(*map(int, match.groups()))
        except ValueError:
            return None
    return search_date(value)


def split_title(text: str) -> tuple[str, str | None, datetime.date | None]:
    """Title, place and date of a title line ending in ", Place, Month D, YYYY"."""
    # Every date ends with a digit or "日", then perhaps spaces and a full stop: without them, no search.
    end = text.removesuffix("\n").removesuffix(".").rstrip()
    if not (end[-1:].isdecimal() or end.endswith("日")):
        return text, None, None
    for pattern in TITLE_END_DATES:
        match = pattern.search(text)
        if not match or match.start() == 0:
            continue
        head = text[: match.start()].rstrip()
        date = _date_from(match)
        place = None
        before, comma, last = head.rpartition(",")
        if comma and before.strip() and PLACE.fullmatch(last.strip()):
            head, place = before.rstrip(), last.strip()
        return head, place, date
    for pattern in TITLE_ON_DATES:  # "… Press Conference on June 2, 2020": the date, the title kept whole
        match = pattern.search(text)
        if match:
            return text, None, _date_from(match)
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
        is_name_word = bare[:1].isupper() and not any(map(str.isdigit, bare))
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
    """The date of "Last update: April 29, 2024 10:12" front matter in the first lines, and its line."""
    for line in itertools.islice((line for line in lines if line.text), UPDATE_SEARCH_LINES):
        match = UPDATE_LINE.match(line.text)
        if match:
            date = search_date(match["rest"])
            if date is not None:
                return date, line.number
    return None


@dataclass(frozen=True)
class _LineMetadata:
    date: datetime.date | None = None
    place: str | None = None
    author: str | None = None
    priority: int = 0  # lower wins: a dateline beats a byline, a byline beats "Published:"


@functools.lru_cache(maxsize=1024)  # a header line is asked several times; the result is only read
def _metadata_of(text: str) -> _LineMetadata | None:
    # The byline first: "By Jane Doe, 20 November 2023" also has the shape of a dateline.
    if byline := parse_byline(text):
        return _LineMetadata(date=byline[1], author=byline[0], priority=2)
    if dateline := parse_dateline(text):
        return _LineMetadata(date=dateline[1], place=dateline[0], priority=1)
    if published := parse_published(text):
        return _LineMetadata(date=published, priority=3)
    return None


_OPENING_LABEL = re.compile(r"^(?P<label>[^:.]{1,40})[:.]\s")


def _can_be_title(text: str) -> bool:
    label = _OPENING_LABEL.match(text)
    if label and label["label"].strip().casefold() in QUESTION_LABELS:
        return False  # the text starts with a question: there is no headline
    return len(text.split()) <= TITLE_MAX_WORDS


# Header fields of a press office's transcript: "DATE: 18 September 2006", "TITLE: …", "Subject(s): …".
FIELD_LINE = re.compile(
    r"^(?P<field>date|title|subjects?(?:\(s\))?|location|place|venue|time)\s*:\s*(?P<rest>.*)$", re.I
)
HEADER_LINE_MAX_WORDS = 14
HEADER_LINE_MAX_CHARS = 300  # the headline repeated can be long; a header line is never longer
MINOR_WORDS = {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "the", "to", "with", "en"}
DATE_SEARCH_PARAGRAPHS = 6  # a date line may follow the title and a few header lines
_ENDS_ABBREVIATION = re.compile(r"\b(?:[A-Z]\.){2,}$")  # "Washington, D.C."
_ENDS_SENTENCE = re.compile(r"[.?!…;][”’\"')\]]*$")
_NOT_WORD = re.compile(r"[^\w\s]")
_LATIN_LETTER = re.compile("[A-Za-z]")
_NAME_SEPARATOR = re.compile(r"\s*(?:;|,|\||\n)\s*")


def _is_header_line(text: str, title: str) -> bool:
    """A line of the page's header block: a letterhead in capitals, a place or time line, a field,
    or the headline again; never a speaker's turn, and never a sentence."""
    if len(text) > HEADER_LINE_MAX_CHARS:
        return False  # a paragraph of speech
    if _is_headline_again(text, title):
        return True
    if has_label_shape(text) and not FIELD_LINE.match(text) and not text.isupper():
        return False
    if FIELD_LINE.match(text) or _metadata_of(text):
        return True
    if _is_date_line(text):
        return True  # "6 Feb 2017 Posted in Press releases", "(May 21, 2022)"
    if text.endswith(",") or text.startswith(("(", "[")) or _comparable(text) in QUESTION_LABELS | {"a", "answer"}:
        return False  # a salutation ("Colleagues,"), a note or legend, a label alone ("QUESTION")
    letters = [char for char in text if char.isalpha()]
    if any(char.isupper() for char in letters) and not any(char.islower() for char in letters):
        return True  # a letterhead in capitals: "DEPARTMENT OF FOREIGN AFFAIRS AND TRADE"
    words = [word.strip("(),;–—-") for word in text.split()]
    words = [word for word in words if word]
    ends_abbreviation = bool(_ENDS_ABBREVIATION.search(text))
    # A place or occasion line in Title Case: "Aboard Air Force One", "State Palace, Jakarta".
    return (
        0 < len(words) <= HEADER_LINE_MAX_WORDS
        and (ends_abbreviation or not _ENDS_SENTENCE.search(text))
        and all(word[0].isupper() or word[0].isdigit() or word.casefold() in MINOR_WORDS for word in words)
    )


@functools.lru_cache(maxsize=4096)
def _comparable(text: str) -> str:
    """Words only, folded: a header line and the headline compare equal whatever their punctuation."""
    return " ".join(_NOT_WORD.sub(" ", text).split()).casefold()


def _is_headline_again(text: str, title: str) -> bool:
    """The headline, or a part of it, or it with more around it: "The Secretary's Remarks" repeated."""
    line, headline = _comparable(text), _comparable(title)
    return bool(line) and (line in headline or headline in line)


def _is_date_line(text: str) -> bool:
    """A short line of the page giving a date: "6 Feb 2017 Posted in Press releases". A line in another
    script that gives a date is the publisher's own note, kept as narration."""
    return len(text.split()) <= 10 and len(text) <= 80 and bool(_LATIN_LETTER.search(text)) and bool(search_date(text))


PLACE_PREPOSITIONS = {"aboard", "at", "in", "via", "on", "en"}


def _is_place_line(text: str, title: str) -> bool:
    """A header line naming where the event took place: a city after a comma ("State Palace,
    Jakarta") or a preposition first ("Aboard Air Force One", "Via Teleconference")."""
    letters = [char for char in text if char.isalpha()]
    if not letters or not any(char.islower() for char in letters) or len(text.split()) > 10:
        return False
    if "," not in text and text.split()[0].casefold() not in PLACE_PREPOSITIONS:
        return False
    return not _is_headline_again(text, title)


def people_named(metadata: Mapping[str, str]) -> list[str]:
    """Personal names the metadata gives (authors, creators): "Gareth Evans; Liberal Party" → ["Gareth Evans"]."""
    names = []
    for name in _NAME_SEPARATOR.split(metadata.get("author") or ""):
        words = name.split()
        if looks_like_personal_name(words):
            names.append(" ".join(words))
    return names


def _read_header_lines(
    lines: list[Line], index: int, title: str, found: list[_LineMetadata], dropped: list[Line]
) -> int:
    """Read the header lines from ``index`` on into ``found`` (what they say) and ``dropped`` (the
    lines that say nothing); return the index of the first body line."""
    while index < len(lines) and _is_header_line(lines[index].text, title):
        text = lines[index].text
        header_field = FIELD_LINE.match(text)
        if header_field and header_field["field"].casefold() == "date":
            found.append(_LineMetadata(date=search_date(header_field["rest"]), priority=1))
        elif line_metadata := _metadata_of(text):
            found.append(line_metadata)
        elif _is_date_line(text) and (date := search_date(text)):
            found.append(_LineMetadata(date=date, priority=3))
        elif not header_field and _is_place_line(text, title):
            # "Aboard Air Force One En Route Detroit, Michigan": a line naming a city comes first.
            found.append(_LineMetadata(place=text, priority=5 if "," in text else 6))
        else:
            dropped.append(lines[index])
        index += 1
    return index


def untitled_header(lines: list[Line], *, source: str) -> Header:
    """The header of a text without a headline: the file's name as its title, a date from its first lines."""
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", source.rsplit("/", 1)[-1])
    title = " ".join(re.sub(r"[_]+|(?<=\w)-(?=\w)", " ", stem).split()) or "Untitled transcript"
    date = next((date for line in lines[:DATE_SEARCH_PARAGRAPHS] if (date := search_date(line.text[:200]))), None)
    return Header(
        title=title, title_line=lines[0].number if lines else 1, date=date, place=None, author=None, body_start=0
    )


def read_header(
    lines: list[Line],
    *,
    metadata: Mapping[str, str] | None = None,
    is_label: Callable[[str], bool] = lambda text: False,
) -> Header | None:
    """The title and the metadata around it; the body starts after them.

    With a title in the file's metadata, that is the title, and the header is the run of
    header lines at the top (letterheads, datelines, the headline repeated). Otherwise the
    title is the first line that is not a dateline or byline. Returns None when there is no
    title: the text starts with a turn or a long paragraph.
    """
    metadata = metadata or {}
    found: list[_LineMetadata] = []
    dropped: list[Line] = []
    if metadata.get("date") and (date := date_of_metadata(metadata["date"])):
        found.append(_LineMetadata(date=date, priority=-1))
    if metadata.get("place"):
        found.append(_LineMetadata(place=metadata["place"], priority=-1))
    index = 0
    if title_text := " ".join((metadata.get("title") or "").split()):
        title_line = lines[0] if lines else Line(1, title_text)
        title, place, date = split_title(title_text)
        found.append(_LineMetadata(date=date, place=place, priority=0))
        index = _read_header_lines(lines, index, title_text, found, dropped)
    else:
        while index < len(lines) and (line_metadata := _metadata_of(lines[index].text)):
            found.append(line_metadata)
            index += 1
        if index == len(lines) or not _can_be_title(lines[index].text) or is_label(lines[index].text):
            return None
        title_line = lines[index]
        title, place, date = split_title(title_line.text)
        found.append(_LineMetadata(date=date, place=place, priority=0))
        index = _read_header_lines(lines, index + 1, title_line.text, found, dropped)

    if not any(line_metadata.date for line_metadata in found):
        # "时间：2004年1月28日下午", "Tue, 09/01/2015 - 17:34": a date on a line of the opening paragraphs.
        for line in lines[index : index + DATE_SEARCH_PARAGRAPHS]:
            if len(line.text) <= 200 and (date := search_date(line.text)):
                found.append(_LineMetadata(date=date, priority=4))
                break
    found.sort(key=lambda line_metadata: line_metadata.priority)
    return Header(
        title=title,
        title_line=title_line.number,
        date=next((line_metadata.date for line_metadata in found if line_metadata.date), None),
        place=next((line_metadata.place for line_metadata in found if line_metadata.place), None),
        author=next((line_metadata.author for line_metadata in found if line_metadata.author), None)
        or (metadata.get("author") or None),
        body_start=index,
        dropped=dropped,
    )
