"""A list of participants under the headline, before the first turn: names and their roles
("Moderator: / JOSE LUIS DE HARO / Communications Department"), or a speaker key of initials
("TAG<tab>Dr Tedros Adhanom Ghebreyesus"). It gives the full names and roles that the labels
("MR. DE HARO:", "TAG") stand for, and is not a turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus_app.parsing.cleaning import Line
from corpus_app.parsing.names import looks_like_personal_name
from corpus_app.parsing.vocabulary import HONORIFICS, ORGANISATION_WORDS, TITLE_WORDS

# The heading of a list of who took part: "PARTICIPANTS:", "Moderator:", "Panelists:".
PARTICIPANT_HEADINGS = {
    "participants", "participant", "panelists", "panellists", "panel", "speakers", "present", "attendees",
    "moderator", "moderators", "host", "hosts", "guests", "guest", "chair", "briefers", "briefer", "speaker key",
    "speakers key", "key to speakers", "key",
}  # fmt: skip
PARTICIPANT_LINE_MAX_WORDS = 10
# A line of a speaker key: "TAG<tab>Dr Tedros Adhanom Ghebreyesus", "CL – Christian Lindmeier".
KEY_LINE = re.compile(r"^(?P<abbr>[A-Z]{2,5})(?:\t+|\s{2,}|\s*[:=–-]\s+)(?P<name>[A-Z].{2,80})$")


@dataclass
class Participants:
    people: list[tuple[str, str]]  # (name, role)
    lines: list[Line]  # the list's lines, dropped from the body
    end: int  # index of the first line after the list
    legend: dict[str, str] = field(default_factory=dict)  # a speaker key's abbreviations: {"tag": "Tedros …"}


def read_participants(lines: list[Line], start: int) -> Participants | None:
    """A list of participants at the start of the body: a heading, then names, each followed by
    its role ("JOSE LUIS DE HARO" / "Communications Department"). None if the body starts otherwise."""
    index, people, heading, legend = start, [], None, {}
    while index < len(lines):
        text = lines[index].text
        key = text.rstrip(":").strip().casefold()
        if text.endswith(":") and key in PARTICIPANT_HEADINGS:
            heading = key
        elif heading is not None and (entry := _key_entry(text)):
            abbreviation, name = entry
            legend[abbreviation.casefold()] = name
            people.append((name, ""))
        elif heading is None or len(text.split()) > PARTICIPANT_LINE_MAX_WORDS or re.search(r"[.?!…;]$", text):
            break
        elif _is_role_line(text):
            if people and not people[-1][1]:
                people[-1] = (people[-1][0], text)  # the role under a name
        elif _looks_like_name_line(text):
            people.append((_readable(text), "moderator" if heading.startswith(("moderator", "host", "chair")) else ""))
        index += 1
    if heading is None or not people:
        return None
    return Participants(people=people, lines=lines[start:index], end=index, legend=legend)


def _key_entry(text: str) -> tuple[str, str] | None:
    """(abbreviation, name) of a speaker key's line whose abbreviation is the name's initials."""
    match = KEY_LINE.match(text)
    if not match:
        return None
    words = [word for word in match["name"].split() if word.strip(".").casefold() not in HONORIFICS]
    initials = "".join(word[0] for word in words).upper()
    # "TAG" Tedros Adhanom Ghebreyesus, "MK" Maria (Van) Kerkhove, "CL" Christian Lindmeier
    if not words or match["abbr"] not in {initials, initials[:2], initials[0] + initials[-1]}:
        return None
    return match["abbr"], " ".join(words)


ROLE_LINE_WORDS = (
    TITLE_WORDS
    | ORGANISATION_WORDS
    | {
        "chief",
        "counselor",
        "counsellor",
        "division",
        "head",
        "officer",
        "economist",
        "correspondent",
        "communications",
    }  # fmt: skip
)


def _is_role_line(text: str) -> bool:
    """ "Deputy Director, Research Department", "Communications Department": a role, not a name."""
    return "," in text or any(word.strip(".,()").casefold() in ROLE_LINE_WORDS for word in text.split())


def _looks_like_name_line(text: str) -> bool:
    words = text.replace(",", " ").split()
    return 2 <= len(words) <= 5 and looks_like_personal_name(
        [word.title() if word.isupper() else word for word in words]
    )


def _readable(text: str) -> str:
    """ "JOSE LUIS DE HARO" → "Jose Luis De Haro"; a name in mixed case stays as written."""
    return " ".join(word.title() if word.isupper() else word for word in text.split())
