"""Personal names in labels, titles and text: their keys, readable forms, and the phrases that
introduce them ("Foreign Minister Sergey Lavrov", "Ned Price, Department Spokesperson",
"by First Lady Jill Biden", "Mr K Shanmugam")."""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator

from corpus_app.parsing.document import SpeakerKind
from corpus_app.parsing.vocabulary import (
    GROUP_WORDS,
    HEADLINE_WORDS,
    HONORIFICS,
    MODERATOR_WORDS,
    NAME_PARTICLES,
    NON_NAME_WORDS,
    ORGANISATION_WORDS,
    QUESTION_SPEAKER,
    TITLE_WORDS,
)

TRAILING_PARENTHETICAL = re.compile(r"(?:\s*\([^()]*\))+\s*$")  # "(Birmingham, Erdington) (Lab)"
# Roles that introduce a name in a title or narration: "Foreign Minister Sergey Lavrov",
# "CIS Secretary-General Sergey Lebedev", "Foreign Minister of Kazakhstan Murat Nurtleu".
# Every match starts with a capital letter; the leading (?=[A-Z]) says so, which changes no match
# but lets every other position fail at once instead of trying each role after zero, one and two
# words (about three times faster on prose).
ROLE_BEFORE_NAME = re.compile(
    r"(?=[A-Z])"
    r"(?P<role>(?:[A-Z][\w-]*\s+){0,2}?"
    r"(?:Prime Minister|Foreign Minister|Minister|Secretary-General|Secretary General|Secretary of State|Secretary"
    r"|Vice President|President|Spokesperson|Spokeswoman|Spokesman|Ambassador|Chancellor|Director-General"
    r"|Director|Chairman|Chairwoman|Chairperson|Envoy|Representative|Governor|Mayor|Senator|Commissioner"
    r"|Adviser|Advisor|Premier))"
    r"(?P<link>,?\s+(?:of\s+(?:the\s+)?)?)"
    r"(?P<names>[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){0,5})"
)


# In a title only: "Statement by Sergey Lavrov at the UN Security Council".
BY_NAME = re.compile(r"\bby\s+(?P<names>[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){1,4})")
POSSESSIVE = re.compile(r"[’']s$")
LEADING_THE = re.compile(r"^The\s+")  # dropped from a role or an organisation: "The Foreign Minister"
CAPITALISED_RUN = re.compile(r"[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*")
# The role words, case-sensitive like ROLE_BEFORE_NAME: every role it matches holds one of them
# (at its start, or after "Prime ", "Foreign ", "Vice "). A text without them cannot match it.
_ROLE_HINT = re.compile(
    r"Minister|Secretary|President|Spokes|Ambassador|Chancellor|Director|Chair|Envoy|Representative|Governor"
    r"|Mayor|Senator|Commissioner|Advis|Premier"
)


# What can stand between the start of a ROLE_BEFORE_NAME match and its role word, read backwards
# from the role word: word characters and "-", with at most three runs of whitespace (see _role_matches).
_BEFORE_ROLE_WORD = re.compile(r"[\w-]*(?:\s+[\w-]*){0,3}")
_BEFORE_ROLE_MAX_CHARS = 200
# "Ned Price, Department Spokesperson", "Maria Zakharova, Foreign Ministry Spokeswoman".
NAME_THEN_ROLE = re.compile(
    r"(?:^|(?<=[\s(]))(?P<name>[A-Z][\w’'-]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][\w’'-]+){1,2}),\s+"
    r"(?P<role>(?:[A-Z][\w-]*\s+){0,3}(?:" + _ROLE_HINT.pattern + r")[\w-]*(?:\s+(?:of|for)\s+[A-Z][\w -]{0,40})?)"
)


HONORIFIC_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Madam|Sir|Dame)\.?\s+(?P<names>[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){1,3})")


@functools.lru_cache(maxsize=8192)  # labels and names recur, in a text and from text to text
def lookup_key(text: str) -> str:
    """Lookup key: case-insensitive, apostrophes and spaces normalised."""
    return " ".join(text.replace("’", "'").split()).casefold()


@functools.lru_cache(maxsize=1024)  # the speakers' surnames, looked for in paragraph after paragraph
def whole_word(word: str) -> re.Pattern:
    """A pattern finding ``word`` as a whole word."""
    return re.compile(rf"\b{re.escape(word)}\b")


def bare_word(word: str) -> str:
    return word.strip(".,;:()[]“”\"'’").casefold()


@functools.lru_cache(maxsize=8192)
def strip_parenthetical(label: str) -> str:
    return TRAILING_PARENTHETICAL.sub("", label).strip()


def is_all_caps(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    return len(letters) >= 2 and all(char.isupper() for char in letters)


def readable_name(text: str) -> str:
    """A canonical name from a label: "MR PRICE" → "Mr Price", "Mr. Price" → "Mr Price"."""
    words = []
    for index, word in enumerate(text.split()):
        if word.isupper() and len(word) > 1 and not _is_acronym(word.rstrip(".")):
            word = word.casefold() if index and word.casefold() in {"of", "the", "and", "for"} else word.title()
        if word.rstrip(".").casefold() in HONORIFICS:
            word = word.rstrip(".")
        words.append(word)
    return " ".join(words)


def _is_acronym(word: str) -> bool:
    """ "SCMP", "NHK", "BBC": capitals without a vowel, read letter by letter."""
    if word.casefold() in HONORIFICS:
        return False
    return len(word) <= 2 or (len(word) <= 5 and not any(char in "AEIOUY" for char in word))


def strip_possessive(name: str) -> str:
    return POSSESSIVE.sub("", name)


def surname_of(name: str) -> str:
    return name.split()[-1]


def _same_person(first: str, second: str) -> bool:
    """Same surname and first initial: "Sergei Lavrov" and "Sergey Lavrov" are one person."""
    a, b = first.split(), second.split()
    return (
        len(a) >= 2
        and len(b) >= 2
        and lookup_key(a[-1]) == lookup_key(b[-1])
        and a[0][0].casefold() == b[0][0].casefold()
    )


def looks_like_personal_name(words: list[str]) -> bool:
    """2–4 capitalised words ("Maria Zakharova", "Mr. Price", "Secretary Blinken"), particles allowed inside."""
    if not 2 <= len(words) <= 4:
        return False
    for index, word in enumerate(words):
        bare = bare_word(word)
        if index and bare in NAME_PARTICLES:
            continue
        if not word[0].isupper() or bare in NON_NAME_WORDS or any(map(str.isdigit, word)):
            return False
    return True


def guess_kind(name: str) -> SpeakerKind:
    words = [bare_word(word) for word in name.replace("-", " ").split()]
    if name == QUESTION_SPEAKER:
        return SpeakerKind.GROUP
    if set(words) & ORGANISATION_WORDS:
        return SpeakerKind.ORGANISATION
    if words and words[0] in HONORIFICS:
        return SpeakerKind.PERSON
    if set(words) & GROUP_WORDS or " ".join(words) in MODERATOR_WORDS:
        return SpeakerKind.GROUP
    return SpeakerKind.PERSON


def _name_words(run: str) -> list[str]:
    """The words of a capitalised run up to a possessive ("Sergey Lavrov’s remarks") or a non-name word."""
    words = []
    for word in run.split():
        if bare_word(word) in NON_NAME_WORDS or (words and bare_word(word) in HEADLINE_WORDS):
            break
        words.append(strip_possessive(word))
        if words[-1] != word:
            break
    return words


def _role_matches(text: str) -> Iterator[re.Match]:
    """The matches of ROLE_BEFORE_NAME.finditer(text), each searched for from near the next role word.

    Every match holds a role word (_ROLE_HINT) and starts at most three words before it: two
    words of the pattern's prefix, and the "Prime"/"Foreign"/"Vice" of a role, with only word
    characters, "-" and whitespace from the start up to the role word. So no match starts
    before the reach of _BEFORE_ROLE_WORD back from the first role word after the last match,
    and a search from there finds what a scan of the whole line finds, without the scan: most
    lines are long, and name their few roles late (prose without role words is not searched).
    """
    position = 0
    while role_word := _ROLE_HINT.search(text, position):
        start = role_word.start()
        # Read backwards from the role word; a bounded window keeps long lines linear.
        before = text[max(position, start - _BEFORE_ROLE_MAX_CHARS) : start][::-1]
        reach = _BEFORE_ROLE_WORD.match(before).end()
        # Reaching the window's edge may mean the words go on beyond it: search from the last match then.
        match = ROLE_BEFORE_NAME.search(text, start - reach if reach < len(before) else position)
        if match is None:
            return
        yield match
        position = match.end()


def names_before_roles(text: str) -> list[tuple[int, str, str]]:
    """(position, name, role): "Ned Price, Department Spokesperson" → "Ned Price", "Department Spokesperson"."""
    found = []
    if "," not in text or not _ROLE_HINT.search(text):
        return found  # what every match holds: most lines have no role word, and the search is slow
    for match in NAME_THEN_ROLE.finditer(text):
        words = match["name"].split()
        if looks_like_personal_name(words) and not any(bare_word(word) in TITLE_WORDS for word in words):
            found.append((match.start("name"), match["name"], match["role"].strip()))
    return found


def names_after_roles(text: str) -> list[tuple[int, str, str]]:
    """(position, name, role): "Foreign Minister Sergey Lavrov’s" → "Sergey Lavrov", "Foreign Minister"."""
    found = []
    for match in _role_matches(text):
        words = _name_words(match["names"])
        # "of Kazakhstan Murat Nurtleu", "of the United States Donald Trump": the country comes first.
        words = words[-2:] if "of" in match["link"] else words[:3]
        if len(words) < 2 or not looks_like_personal_name(words) or any(is_all_caps(word) for word in words):
            continue
        found.append((match.start("names"), " ".join(words), LEADING_THE.sub("", match["role"])))
    return found


def names_after_honorifics(title: str) -> list[tuple[int, str, str]]:
    """(position, name, ""): "Media Interview with Mr K Shanmugam, Minister for Law" → "K Shanmugam"."""
    found = []
    for match in HONORIFIC_NAME.finditer(title):
        words = _name_words(match["names"])
        if len(words) >= 2 and bare_word(words[0]) not in TITLE_WORDS and looks_like_personal_name(words):
            found.append((match.start("names"), " ".join(words), ""))
    return found


def names_after_by(title: str) -> list[tuple[int, str, str]]:
    """(position, name, ""): "Statement by Sergey Lavrov at the UN" → "Sergey Lavrov"."""
    found = []
    for match in BY_NAME.finditer(title):
        # "by First Lady Jill Biden": the titles before the name are not part of it
        words = list(
            itertools.dropwhile(
                lambda word: bare_word(word) in TITLE_WORDS | ORGANISATION_WORDS | {"lady"}, match["names"].split()
            )
        )
        words = _name_words(" ".join(words))
        if words and looks_like_personal_name(words):
            found.append((match.start("names"), " ".join(words), ""))
    return found
