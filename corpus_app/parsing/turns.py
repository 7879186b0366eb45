"""Turns: who speaks each paragraph, what kind of turn it is, editorial notes and quotes.

The body of a text (after cleaning and the header) is a list of paragraphs. A paragraph
that starts with a speaker label ("Question:", "SL:", "MR PRICE:", "Q.") opens a turn; the
unlabelled paragraphs after it belong to the same turn. Unlabelled paragraphs before the
first label are the speaker's opening remarks when written in the first person (the
speaker is the one the title names) and narration otherwise. A text without labels is an
article: narration, with direct quotes split out and attributed.

Speakers are resolved through, in order: a legend in the text ("Media questions are
prefixed Q"), the built-in question role, the caller's aliases, the people the title and
the text name (a surname label "Lavrov:" resolves to "Sergey Lavrov" found elsewhere),
and finally the label itself, which becomes a new speaker with a ``new_speaker`` warning.
"""

from __future__ import annotations

import bisect
import collections
import dataclasses
import functools
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from corpus_app.parsing.cleaning import HEADING_MINOR_WORDS as HEADING_WORDS
from corpus_app.parsing.cleaning import Line
from corpus_app.parsing.document import ParsedSpeaker, ParsedTurn, ParseWarning, SpeakerKind, TurnKind

# --- Rules as data -------------------------------------------------------------------

QUESTION_SPEAKER = "Journalist"
QUESTION_ROLE = "journalist"

# Labels (compared case-insensitively, without a trailing parenthetical) that mark a question.
QUESTION_LABELS = {
    "q",
    "question",
    "interviewer",
    "presenter",
    "anchor",
    "questioner",
    "unidentified questioner",
    "unidentified reporter",
    "unidentified journalist",
    "follow-up question",
    "questions",
    "journalist",
    "reporter",
    "correspondent",
    "media question",
    "audience question",
    "question from the audience",
    "question from the floor",
    "audience member",
}
ANSWER_LABELS = {"a", "answer"}
PERIOD_LABELS = ("Q", "A")  # the only labels written with a full stop: "Q. …", "A. …"

# Roles that run a press conference rather than answer questions: their turns are remarks.
MODERATOR_WORDS = {
    "moderator",
    "host",
    "chair",
    "chairman",
    "chairwoman",
    "chairperson",
    "operator",
    "facilitator",
    "master of ceremonies",
}
# A label containing one of these names an unnamed group or role, not a person.
GROUP_WORDS = MODERATOR_WORDS | {
    "official",
    "officials",
    "journalist",
    "journalists",
    "reporter",
    "reporters",
    "correspondent",
    "participant",
    "participants",
    "interpreter",
    "translator",
    "audience",
    "spokesperson",
    "representative",
    "staff",
    "voice",
    "voices",
    "unidentified",
    "delegate",
    "respondent",
}
ORGANISATION_WORDS = {
    "ministry",
    "department",
    "office",
    "agency",
    "embassy",
    "government",
    "council",
    "committee",
    "commission",
    "secretariat",
    "service",
    "kremlin",
    "mfa",
    "organisation",
    "organization",
    "bank",
    "fund",
    "foundation",
    "union",
}
# Honorifics and titles that can precede a surname in a label: "Mr. Price", "Secretary Blinken".
HONORIFICS = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "madam",
    "mme",
    "hon",
    "shri",
    "smt",
    "sri",
    "h.e",
}
TITLE_WORDS = HONORIFICS | {
    "secretary",
    "minister",
    "president",
    "ambassador",
    "senator",
    "spokesperson",
    "spokeswoman",
    "spokesman",
    "governor",
    "chancellor",
    "director",
    "general",
    "deputy",
    "prime",
    "foreign",
    "press",
    "chairman",
    "chairwoman",
    "envoy",
    "commissioner",
    "mayor",
    "vice",
    "acting",
    "special",
    "representative",
    "senior",
    "state",
    "under",
    "assistant",
    "first",
}
# A label never starts with these: "Second: …", "Note: …", "Our cultural ties are expanding: …".
SENTENCE_WORDS = {
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "firstly",
    "secondly",
    "thirdly",
    "finally",
    "lastly",
    "next",
    "then",
    "note",
    "nb",
    "ps",
    "however",
    "today",
    "yesterday",
    "tomorrow",
    "last",
    "week",
    "month",
    "year",
    "morning",
    "afternoon",
    "evening",
    "tonight",
    "now",
    "the",
    "a",
    "an",
    "in",
    "on",
    "at",
    "of",
    "for",
    "to",
    "by",
    "with",
    "from",
    "as",
    "and",
    "but",
    "or",
    "so",
    "our",
    "my",
    "your",
    "their",
    "his",
    "her",
    "its",
    "this",
    "that",
    "these",
    "those",
    "there",
    "here",
    "it",
    "we",
    "i",
    "you",
    "they",
    "he",
    "she",
    "also",
    "moreover",
    "furthermore",
    "meanwhile",
    "therefore",
    "thus",
    "hence",
    "again",
    "yes",
    "no",
    "well",
    "please",
    "example",
    "for example",
    "conclusion",
    "summary",
    "background",
    "important",
    "update",
    "all",
    "some",
    "many",
    "most",
    "one",
    "two",
    "three",
    "what",
    "why",
    "how",
    "when",
    "where",
    "who",
    "is",
    "are",
    "was",
    "were",
    "do",
    "does",
    "did",
    "has",
    "have",
    "had",
    "can",
    "could",
    "will",
    "would",
    "should",
    "may",
    "might",
    "must",
    "let",
    "if",
    "after",
    "before",
    "since",
    "despite",
    "according",
}
# Capitalised words that are not parts of a personal name ("Key Points:", "Media questions").
NON_NAME_WORDS = {
    "points",
    "point",
    "note",
    "notes",
    "summary",
    "background",
    "context",
    "update",
    "source",
    "sources",
    "topic",
    "topics",
    "subject",
    "agenda",
    "date",
    "time",
    "place",
    "location",
    "venue",
    "conclusion",
    "introduction",
    "key",
    "main",
    "question",
    "questions",
    "answer",
    "answers",
    "transcript",
    "read",
    "more",
    "tags",
    "photo",
    "video",
    "statement",
    "remarks",
    "comment",
    "comments",
    "media",
    "news",
    "today",
    "times",
    "post",
    "radio",
    "tv",
    "agency",
    "russia",
    "china",
    "united",
    "states",
    "kingdom",
    "republic",
    "federation",
    "nations",
    "union",
    "kazakhstan",
    "ukraine",
    "europe",
    "america",
}
# Lowercase words inside a personal name: "Ursula von der Leyen".
NAME_PARTICLES = {"de", "da", "del", "der", "den", "van", "von", "bin", "ibn", "al", "el", "la", "le", "du", "di"}

LABEL_MAX_WORDS = 5
LABEL_MAX_CHARS = 80

# "Sergey Lavrov: …", "SL:“We …", "MR PRICE: …" (no quotes in a label; "https://" is not one).
LABEL_WITH_COLON = re.compile(r"^(?P<label>[^:“”\"«»]{1,80}?)\s*:(?!//)\s*(?P<rest>.*)$")
LABEL_WITH_PERIOD = re.compile(rf"^(?P<label>{'|'.join(PERIOD_LABELS)})\.\s+(?P<rest>\S.*)$")
# The White House's "Q    Thank you" and "Q<tab>…": a question label set off by a tab or several spaces.
LABEL_WITH_SPACES = re.compile(r"^(?P<label>Q|A|QUESTION|ANSWER)(?:\t|\s{2,})\s*(?P<rest>\S.*)$")
# "Q Thanks, Jen.": a question label and one space, taken as a label where the text does it again and again.
LABEL_Q_SPACE = re.compile(r"^(?P<label>Q)\s(?P<rest>[A-Z“\"'(\[—–-].*)$")
Q_SPACE_MIN_COUNT = 3
# "CHAIR POWELL. Good afternoon.": a name in capitals and a full stop, taken as a label where the
# text does it again and again (the Federal Reserve's transcripts).
LABEL_CAPS_PERIOD = re.compile(r"^(?P<label>[A-Z][A-Z’'-]+(?:\s+[A-Z][A-Z’'.-]+){0,4})\.\s+(?P<rest>[A-Z“\"(\[].*)$")
CAPS_PERIOD_MIN_COUNT = 2
CAPS_PERIOD_TEXT_MIN_COUNT = 4  # such labels in a text that make a name in capitals asked once a label too
TAB_COLUMN_MIN_COUNT = 3  # lines opening with a label and a tab that make a text a two-column table
# A label set off by a tab, as a two-column table of speaker and speech comes out of a PDF or DOCX.
LABEL_WITH_TAB = re.compile(r"^(?P<label>[A-Z][\w’'.()-]*(?:[ ][\w’'.()-]+){0,5})\t+(?P<rest>\S.*)$")
# A name alone on its line, with no colon, before the speech (Title Case or capitals, no sentence end).
NAME_ALONE = re.compile(r"^[A-Z][\w’'.-]*(?:\s+(?:[A-Z][\w’'.-]*|of|the|and|de|van|von|al))*$")
TYPO_MIN_SIMILARITY = 88
NUMBERED_LABEL = re.compile(
    r"(?P<label>[A-Za-z][\w .'’-]{0,40}?)\s*#?\d{1,3}"
)  # rapidfuzz ratio of a label seen once to a frequent label: "ADMINSTRATION"
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

# Legends that define label abbreviations. The verbs are also plain-text pre-checks (_find_legend),
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
# What both LEGEND_PAREN_* patterns cannot match without: a bracketed abbreviation "(SL)".
_PAREN_ABBREVIATION = re.compile(r"\([A-Z]{1,4}\)")
# The _key of every abbreviation the LEGEND_* patterns define ([A-Z]{1,4}): other labels are not in a legend.
_LEGEND_KEY = re.compile(r"[a-z]{1,4}")
_CLAUSE_SPLIT = re.compile(r"[,;]\s*|(?<=[.!?])\s+")
QUESTION_HINT = re.compile(r"\b(?:question|questions|journalists?|media|reporters?|press|audience)\b", re.IGNORECASE)
ANSWER_HINT = re.compile(r"\b(?:answers?|responses?|replies|reply)\b", re.IGNORECASE)
MODERATOR_HINT = re.compile(r"\b(?:moderator|host|chair)\b", re.IGNORECASE)

# A journalist naming themselves after a question label. Conservative: only these shapes.
_GREETINGS = r"(?:(?:thank you|thanks|hi|hello|good (?:morning|afternoon|evening)|yes)[^.!?,]{0,30}[.!?,]\s+)*"
_NAME = r"(?P<name>[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){1,2})"
_OUTLET = r"(?P<outlet>(?:the\s+)?[A-Z0-9][\w’'&.-]*(?:\s+(?:of\s+|the\s+|&\s+)?[A-Z0-9][\w’'&-]*){0,5})"
_I_AM = r"(?:I[’']m|I am|my name is|this is)\s+"
_WITH = r"\s+(?:from|with|of|at)\s+"
SELF_INTRODUCTIONS = [
    re.compile(rf"^{_GREETINGS}{_I_AM}{_NAME},?{_WITH}{_OUTLET}\s*[.,]", re.IGNORECASE),  # I'm John Smith from the BBC.
    re.compile(rf"^{_GREETINGS}{_NAME}{_WITH}{_OUTLET}\s*[.,]", re.IGNORECASE),  # Humeyra Pamuk with Reuters.
    re.compile(rf"^{_GREETINGS}{_NAME},\s+{_OUTLET}\s*\.", re.IGNORECASE),  # Andrea Mitchell, NBC.
    re.compile(rf"^{_GREETINGS}{_I_AM}{_NAME}\s*[.,]", re.IGNORECASE),  # My name is John Smith.
]

# Editorial notes: "(RPA: EU growth was about 1% in 2024)", "[Editor's note: …]".
_NOTE_PREFIX = r"(?:[A-Z]{2,6}|(?:Editor|Translator|Publisher)(?:[’']s)?\s+[Nn]ote|Ed\.(?:\s+[Nn]ote)?|N\.B\.|NB)"
INLINE_NOTE = re.compile(rf"[(\[]\s*(?P<label>{_NOTE_PREFIX})\s*:\s*[^()\[\]]*[)\]]")
NOTE_PARAGRAPH = re.compile(r"^(?P<label>(?:Editor|Translator|Publisher)(?:[’']s)?\s+[Nn]ote|Ed\.\s+[Nn]ote)\s*:\s*\S")
# A paragraph that is only a stage direction: "(Speaks in Ukrainian.)", "[Applause]".
STAGE_DIRECTION = re.compile(r"^[(\[][^()\[\]]+[)\]]$")

# Cues that tell opening remarks (first person, greetings) from an introduction about the
# speaker (their name). Pronouns like "he" are no cue: speakers talk about other people.
# (?=[IMmWwuOo]), the words' first letters, changes no match but lets most positions fail at once.
FIRST_PERSON = re.compile(r"(?=[IMmWwuOo])\b(?:I|me|my|My|mine|myself|we|We|us|our|Our|ours|ourselves)\b")
CLOSED_QUOTE = re.compile(r"“[^“”]*”|\"[^\"]*\"")  # a quoted "we" is someone else's
GREETING = re.compile(
    r"^[“\"‘'(]*(?:good (?:morning|afternoon|evening|day)|hello|ladies and gentlemen|dear (?:colleagues|friends)"
    r"|colleagues|friends|thank you)\b",
    re.IGNORECASE,
)

# Articles: a quote and its attribution.
OPENING_QUOTES = {"“": "”", "«": "»", '"': '"'}
CLOSING_QUOTES = {closing: opening for opening, closing in OPENING_QUOTES.items()}
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

# Ends a sentence: . ? ! … : ; possibly followed by closing quotes and brackets.
SENTENCE_END = re.compile(r"[.?!…:;][”’\"'»)\]]*$")
# Its two character classes, for _ends_sentence (which answers as SENTENCE_END.search, without a scan).
_SENTENCE_END_CHARACTERS = (".", "?", "!", "…", ":", ";")
_CLOSING_CHARACTERS = "”’\"'»)]"
SALUTATION_MAX_WORDS = 10  # "Mr dear friend Mr Putin, ladies and gentlemen,"
# A speaker broken off or trailing away: "but —", "and --", "Thank –", "we…".
INTERRUPTED = re.compile(r"(?:—|–|--|-|…|\.\.\.)[”’\"'»)\]]*$")
# A paragraph that ends with a bracketed note is complete: "… [Statement in Indonesian]", "(Laughter)".
STAGE_NOTE_END = re.compile(r"[(\[][^()\[\]]{1,80}[)\]]$")


# --- Small helpers ---------------------------------------------------------------------


def _key(text: str) -> str:
    """Lookup key: case-insensitive, apostrophes and spaces normalised."""
    return " ".join(text.replace("’", "'").split()).casefold()


def _bare(word: str) -> str:
    return word.strip(".,;:()[]“”\"'’").casefold()


def _strip_parenthetical(label: str) -> str:
    return TRAILING_PARENTHETICAL.sub("", label).strip()


def _is_all_caps(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    return len(letters) >= 2 and all(char.isupper() for char in letters)


def _readable_name(text: str) -> str:
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


def _strip_possessive(name: str) -> str:
    return POSSESSIVE.sub("", name)


def _surname(name: str) -> str:
    return name.split()[-1]


def _same_person(first: str, second: str) -> bool:
    """Same surname and first initial: "Sergei Lavrov" and "Sergey Lavrov" are one person."""
    a, b = first.split(), second.split()
    return len(a) >= 2 and len(b) >= 2 and _key(a[-1]) == _key(b[-1]) and a[0][0].casefold() == b[0][0].casefold()


def has_label_shape(text: str) -> bool:
    """Whether a line starts with something shaped like a speaker label, before knowing the speakers."""
    if LABEL_WITH_SPACES.match(text) or LABEL_WITH_PERIOD.match(text) or LABEL_WITH_TAB.match(text):
        return True
    if LABEL_Q_SPACE.match(text) or LABEL_CAPS_PERIOD.match(text):
        return True
    match = LABEL_WITH_COLON.match(text)
    if not match:
        return False
    words = match["label"].split()
    return bool(words) and words[0][:1].isupper() and len(words) <= LABEL_MAX_WORDS + 8


def looks_like_personal_name(words: list[str]) -> bool:
    return _looks_like_personal_name(words)


def _looks_like_personal_name(words: list[str]) -> bool:
    """2–4 capitalised words ("Maria Zakharova", "Mr. Price", "Secretary Blinken"), particles allowed inside."""
    if not 2 <= len(words) <= 4:
        return False
    for index, word in enumerate(words):
        bare = _bare(word)
        if index and bare in NAME_PARTICLES:
            continue
        if not word[0].isupper() or bare in NON_NAME_WORDS or any(char.isdigit() for char in word):
            return False
    return True


def _ends_sentence(text: str) -> bool:
    """Whether SENTENCE_END.search(text) matches, looking only at the end of the text.

    A search would try every full stop in a paragraph; only the character before the closing
    quotes and brackets at the end can start a match. ``$`` also matches before a final "\\n".
    """
    return text.removesuffix("\n").rstrip(_CLOSING_CHARACTERS).endswith(_SENTENCE_END_CHARACTERS)


def _ends_mid_sentence(text: str) -> bool:
    """Whether a paragraph stops where no sentence ends: a line cut off by a scrape or a copy. A
    speaker broken off with a dash ("but I can —") was cut off in the room, not in the file."""
    if _ends_sentence(text) or STAGE_NOTE_END.search(text) or INTERRUPTED.search(text):
        return False
    is_salutation = text.endswith(",") and len(text.split()) <= SALUTATION_MAX_WORDS  # "Colleagues,"
    return not is_salutation


def _guess_kind(name: str) -> SpeakerKind:
    words = [_bare(word) for word in name.replace("-", " ").split()]
    if name == QUESTION_SPEAKER:
        return SpeakerKind.GROUP
    if set(words) & ORGANISATION_WORDS:
        return SpeakerKind.ORGANISATION
    if words and words[0] in HONORIFICS:
        return SpeakerKind.PERSON
    if set(words) & GROUP_WORDS or " ".join(words) in MODERATOR_WORDS:
        return SpeakerKind.GROUP
    return SpeakerKind.PERSON


# --- Speakers --------------------------------------------------------------------------


@dataclass
class _Person:
    name: str
    role: str
    source: str  # "alias", "title", "text" or "label": where the parser learnt the name


@dataclass
class Resolution:
    """Who a label (or an attribution) names."""

    name: str | None
    source: str  # "alias", "question", "legend", "title", "text" or "label"
    question: bool = False
    answer: bool = False
    role: str = ""
    affiliation: str = ""


@dataclass
class _SpeakerRecord:
    name: str
    kind: SpeakerKind
    role: str
    affiliation: str
    labels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _KnownSpeakers:
    """What the caller's aliases and kinds give every text: prepared once, shared read-only by the texts."""

    aliases: dict[str, str]  # _key(alias) → canonical name
    known_names: frozenset[str]
    speaker_kinds: dict[str, str]
    persons: dict[str, str]  # the persons among the canonical names: _key(name) → name
    # SpeakerDirectory's lookups over them, with the key of the first person for each, ready
    # to be filled with a text's own _Person objects.
    by_surname: dict[str, str]  # _key(surname) → _key(name)
    by_initial_and_surname: dict[tuple[str, str], str]  # (_key(surname), first initial) → _key(name)
    alias_pattern: re.Pattern | None


_known_speakers_memo: tuple[dict, dict, _KnownSpeakers] | None = None


def _known_speakers(aliases: Mapping[str, str], speaker_kinds: Mapping[str, str]) -> _KnownSpeakers:
    """The prepared speakers of these mappings; an importer passes the same ones for a run of files,
    so the last ones are kept (copied: a caller may change its mappings afterwards)."""
    global _known_speakers_memo
    memo = _known_speakers_memo
    if memo is not None and memo[0] == aliases and memo[1] == speaker_kinds:
        return memo[2]
    aliases, speaker_kinds = dict(aliases), dict(speaker_kinds)
    keyed = {_key(alias): name for alias, name in aliases.items()}
    persons = {}
    for name in dict.fromkeys(aliases.values()):
        if _kind_of(name, speaker_kinds) is SpeakerKind.PERSON and len(name.split()) >= 2:
            persons[_key(name)] = name
    by_surname: dict[str, str] = {}
    by_initial_and_surname: dict[tuple[str, str], str] = {}
    for key, name in persons.items():  # as SpeakerDirectory._add: the first person seen wins
        words = name.split()
        by_surname.setdefault(_key(words[-1]), key)
        by_initial_and_surname.setdefault((_key(words[-1]), words[0][0].casefold()), key)
    known = _KnownSpeakers(
        aliases=keyed,
        known_names=frozenset(aliases.values()) | frozenset(speaker_kinds),
        speaker_kinds=speaker_kinds,
        persons=persons,
        by_surname=by_surname,
        by_initial_and_surname=by_initial_and_surname,
        alias_pattern=_compile_alias_pattern(keyed, speaker_kinds),
    )
    _known_speakers_memo = (aliases, speaker_kinds, known)
    return known


def _kind_of(name: str, speaker_kinds: Mapping[str, str]) -> SpeakerKind:
    try:
        return SpeakerKind(speaker_kinds[name])
    except (KeyError, ValueError):
        return _guess_kind(name)


def _compile_alias_pattern(aliases: dict[str, str], speaker_kinds: Mapping[str, str]) -> re.Pattern | None:
    """One pattern for every alias of a person or organisation, to find them in running text.

    Short aliases ("q", "sl") and groups ("Journalist") are labels, not names in running text.
    """
    names = [
        alias
        for alias, name in aliases.items()
        if len(alias) >= 4 and _kind_of(name, speaker_kinds) is not SpeakerKind.GROUP
    ]
    if not names:
        return None
    alternatives = "|".join(re.escape(alias) for alias in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


class SpeakerDirectory:
    """The speakers a text can name, and how its labels and mentions resolve to them."""

    def __init__(
        self,
        *,
        aliases: Mapping[str, str],
        speaker_kinds: Mapping[str, str],
        title: str,
        body: list[Line],
        named: Sequence[str] = (),
        participants: Sequence[tuple[str, str]] = (),
        header: Sequence[Line] = (),
        speaker_key: Mapping[str, str] | None = None,
    ):
        known = _known_speakers(aliases, speaker_kinds)
        self.aliases = known.aliases  # shared with other texts: read only
        self.known_names = known.known_names  # canonical names the caller knows
        self.speaker_kinds = known.speaker_kinds
        self.alias_pattern = known.alias_pattern
        self.body_text = "\n".join(line.text for line in body)
        # First seen first: aliases, then the title, then the text. The caller's persons come
        # first (a few hundred a text), as this text's own _Person objects: their roles change.
        self.persons: dict[str, _Person] = {key: _Person(name, "", "alias") for key, name in known.persons.items()}
        # Lookups over ``persons`` that keep its order (the first person seen wins), so that a
        # text does not scan every person the caller knows for each name it meets. For the
        # caller's persons they are prepared once (_known_speakers); self._add adds the others.
        persons = self.persons
        self._by_surname: dict[str, _Person] = {  # _key(surname) → first person with it
            surname: persons[key] for surname, key in known.by_surname.items()
        }
        self._by_initial_and_surname: dict[tuple[str, str], _Person] = {  # see _same_person
            pair: persons[key] for pair, key in known.by_initial_and_surname.items()
        }
        # The persons whose surname is a word of the body, in ``persons`` order. Only articles need
        # them (last_person_mentioned), so they are sorted out on first use: see _mentioned_persons.
        self._mentioned: list[_Person] = []
        self._mentioned_checked = 0  # how many of ``persons`` (in order) _mentioned has looked at
        self._body_words: set[str] | None = None  # the body's \w+ words, collected on first use
        self._labels: dict[str, Resolution | None] = {}  # labels repeat: resolve each once
        self.title = title
        self.title_persons = self._persons_in_title(title)
        # People the file's metadata names (authors, creators: "Evans, Gareth"): the principals
        # when the title names nobody, and the full names a label's surname resolves to.
        for name in named:
            canonical = self.add_person(name, source="title")
            if canonical not in self.title_persons:
                self.title_persons.append(canonical)
        # A list of participants before the first turn ("Moderator: JOSE LUIS DE HARO, Communications
        # Department"): full names and roles for the labels that give a surname only.
        for name, role in participants:
            self.add_person(name, role=role, source="title")
        for line in header:  # "Ned Price, Department Spokesperson" under the headline
            for _, name, role in _names_after_roles(line.text) + _names_before_roles(line.text):
                self.add_person(name, role=role, source="title")
        for line in body:
            for _, name, role in _names_after_roles(line.text):
                self.add_person(name, role=role, source="text")
        self._body = tuple(body)  # for the legend, found when a label first needs it
        # How often each label-shaped paragraph start occurs: a label the text uses again and
        # again is a label, and one seen once that is a letter off a frequent one is a typo.
        self.label_forms: dict[str, str] = {}  # key → the label as first written
        self.label_counts = _label_counts(body, self.label_forms)
        self.tab_labels = sum(bool(LABEL_WITH_TAB.match(line.text)) for line in body)
        self.caps_period_labels = sum(bool(LABEL_CAPS_PERIOD.match(line.text)) for line in body)
        self.typos: dict[str, str] = {}  # label as written → the frequent label it misspells
        self._resolving_roles = False
        self._split: dict[str, tuple[str, Resolution, str] | None] = {}
        self._speaker_key = dict(speaker_key or {})  # a list of participants' abbreviations
        self._legend_resolutions: dict[str, Resolution] = {}
        self.records: dict[str, _SpeakerRecord] = {}
        self._warned: set[str] = set()

    def _add(self, key: str, person: _Person) -> _Person:
        """Register a person under a key ``persons`` does not hold yet."""
        self.persons[key] = person
        words = person.name.split()
        self._by_surname.setdefault(_key(words[-1]), person)
        if len(words) >= 2:
            self._by_initial_and_surname.setdefault((_key(words[-1]), words[0][0].casefold()), person)
        return person

    def _mentioned_persons(self) -> list[_Person]:
        """The persons (in ``persons`` order) whose surname is a word of the body.

        ``persons`` only grows, in order, so each call checks just the persons added since the
        last one; the body's words are collected the first time, not for every text.
        """
        if self._mentioned_checked < len(self.persons):
            if self._body_words is None:
                self._body_words = set(re.findall(r"\w+", self.body_text))
            for person in itertools.islice(self.persons.values(), self._mentioned_checked, None):
                if _surname(person.name) in self._body_words:
                    self._mentioned.append(person)
            self._mentioned_checked = len(self.persons)
        return self._mentioned

    @functools.cached_property
    def legend(self) -> dict[str, str]:
        """The abbreviations the text defines (_find_legend), found on first use: only a label
        that can be an abbreviation (_LEGEND_KEY) looks them up, and most texts have none."""
        return {**_find_legend(self._body, self.body_text), **self._speaker_key}

    @property
    def principal(self) -> str | None:
        """The speaker of unlabelled opening remarks: the first person the title names."""
        return self.title_persons[0] if self.title_persons else None

    # Kinds and names

    def kind_of(self, name: str) -> SpeakerKind:
        return _kind_of(name, self.speaker_kinds)

    def alias(self, text: str) -> str | None:
        return self.aliases.get(_key(text))

    def aliases_in(self, text: str) -> list[tuple[int, str]]:
        """(position, canonical name) of each alias the text mentions."""
        if self.alias_pattern is None:
            return []
        text = text.replace("’", "'")  # alias keys use straight apostrophes
        return [(match.start(), self.aliases[_key(match.group(0))]) for match in self.alias_pattern.finditer(text)]

    def add_person(self, name: str, *, role: str = "", source: str) -> str:
        """Register a full name and return its canonical form (aliases, then the first form seen)."""
        name = _strip_possessive(" ".join(name.split()))
        if canonical := self.alias(name):
            key = _key(canonical)
            person = self.persons.get(key) or self._add(key, _Person(canonical, role, "alias"))
            person.role = person.role or role
            return canonical
        person = self.persons.get(_key(name)) or self._same_person_as(name)
        if person is None:
            person = self._add(_key(name), _Person(name, role, source))
        elif role and not person.role:
            person.role = role
        return person.name

    def person(self, name: str) -> _Person | None:
        return self.persons.get(_key(name))

    def resolve_surname(self, surname: str) -> _Person | None:
        """The person of a surname ("Lavrov"): from the aliases, the title, or a full name in the text."""
        surname = _strip_possessive(surname)
        if _bare(surname) in NON_NAME_WORDS:
            return None
        if (canonical := self.alias(surname)) and self.kind_of(canonical) is SpeakerKind.PERSON:
            return self.persons.get(_key(canonical)) or _Person(canonical, "", "alias")
        if person := self._by_surname.get(_key(surname)):
            return person
        # A family name written first ("Yoon Suk Yeol"): a word of exactly one person's name.
        having = [person for person in self.persons.values() if _key(surname) in _key(person.name).split()]
        if len(having) == 1 and len(having[0].name.split()) >= 3:
            return having[0]
        written = surname.title() if surname.isupper() else surname
        for match in re.finditer(rf"\b([A-Z][a-z’'-]+)\s+{re.escape(written)}\b", self.body_text):
            first_name = match.group(1)
            if _bare(first_name) not in SENTENCE_WORDS | TITLE_WORDS | NON_NAME_WORDS:
                return self.persons[_key(self.add_person(f"{first_name} {written}", source="text"))]
        return None

    def find_person_in(self, text: str, *, defines_names: bool = False) -> _Person | None:
        """The first speaker a short phrase names: "Lavrov’s responses", "Sergey Lavrov", "Arkady Dubnov said".

        Known names (aliases, people named elsewhere in the text, their surnames) always count.
        An unknown full name counts in a legend (``defines_names``), or when it is the whole
        phrase or the subject of a speech verb, so that "the Central Asian ambassadors said"
        does not invent a "Central Asian".
        """
        for _, canonical in self.aliases_in(text)[:1]:
            return self.persons.get(_key(canonical)) or _Person(canonical, "", "alias")
        whole = text.strip(" .,:;“”\"'")
        for match in CAPITALISED_RUN.finditer(text):
            words = _strip_possessive(match.group(0)).split()
            while words and _bare(words[0]) in TITLE_WORDS | SENTENCE_WORDS:
                words = words[1:]
            if not words or any(_bare(word) in NON_NAME_WORDS for word in words):
                continue
            if len(words) == 1:
                if person := self.resolve_surname(words[0]):
                    return person
                continue
            name = " ".join(words)
            if person := self.person(name) or self._same_person_as(name):
                return person
            is_subject = match.group(0) == whole or SPEECH_VERB.match(text[match.end() :].lstrip())
            if (defines_names or is_subject) and _looks_like_personal_name(words):
                return self.persons[_key(self.add_person(name, source="text"))]
        return None

    def _same_person_as(self, name: str) -> _Person | None:
        """The first person who is ``_same_person`` as the name."""
        words = name.split()
        if len(words) < 2:
            return None
        return self._by_initial_and_surname.get((_key(words[-1]), words[0][0].casefold()))

    def last_person_mentioned(self, text: str) -> str | None:
        """The known person whose surname the text mentions last (for "he said")."""
        last = None, -1
        for person in self._mentioned_persons():  # most aliases name people this text never mentions
            surname = _surname(person.name)
            if surname not in text:
                continue
            for match in re.finditer(rf"\b{re.escape(surname)}\b", text):
                if match.start() > last[1]:
                    last = person.name, match.start()
        return last[0]

    def _persons_in_title(self, title: str) -> list[str]:
        found: list[tuple[int, str, str]] = []  # (position, name, role)
        found += [(position, canonical, "") for position, canonical in self.aliases_in(title)]
        # A headline in Title Case capitalises every word, so there a role followed by
        # capitalised words names someone only if the text mentions that surname too.
        candidates = _names_after_roles(title) + _names_after_by(title) + _names_after_honorifics(title)
        rest = title
        for _, name, role in candidates:
            rest = rest.replace(name, " ").replace(role, " ")
        words = [word for word in rest.split() if word[0].isalpha()]
        title_case = len(words) >= 3 and sum(word[0].isupper() for word in words) / len(words) > 0.7
        for position, name, role in candidates:
            words = "|".join(re.escape(word) for word in name.split()[1:] or name.split())
            possessive = re.search(
                rf"{re.escape(name)}[’']s\b", title
            )  # "Spokesperson Hua Chunying's Press Conference"
            if not title_case or possessive or re.search(rf"\b(?:{words})\b", self.body_text, re.IGNORECASE):
                found.append((position, name, role))
        names = []
        for _, name, role in sorted(found, key=lambda item: item[0]):
            canonical = self.add_person(name, role=role, source="title")
            if canonical not in names:
                names.append(canonical)
        return names

    # Labels

    def is_caps_period_label(self, label: str) -> bool:
        """ "NICK TIMIRAOS." is a label where the text writes its labels so: again and again for one
        speaker, or, in a text where such labels abound, a name of two to four words asked once."""
        if self.label_counts.get(_key(label), 0) >= CAPS_PERIOD_MIN_COUNT:
            return True
        return self.caps_period_labels >= CAPS_PERIOD_TEXT_MIN_COUNT and 2 <= len(label.split()) <= 4

    def split_label(self, text: str) -> tuple[str, Resolution, str] | None:
        """(label, who it names, the text after it) when a line or paragraph opens with a label;
        asked of each line, then of each paragraph (most are one line): each text once."""
        if text not in self._split:
            self._split[text] = _split_label(text, self)
        return self._split[text]

    def opens_turn(self, text: str) -> bool:
        """Whether a paragraph (or line) opens with one of this text's speaker labels."""
        return self.split_label(text) is not None

    def is_bare_label(self, text: str) -> bool:
        """A label alone on its line, the speech on the next ("Heinz Fischer:", "Minister")."""
        labelled = self.split_label(text)
        return labelled is not None and not labelled[2]

    def resolve_label(self, label: str) -> Resolution | None:
        """Who a label names, or None if the text before the colon is not a speaker label."""
        if label not in self._labels:
            self._labels[label] = self._resolve_label(label)
        return self._labels[label]

    def _resolve_label(self, label: str) -> Resolution | None:
        # "Reporter 2", "Question 1", "Speaker 3": a numbered questioner or an unnamed speaker.
        if numbered := NUMBERED_LABEL.fullmatch(_strip_parenthetical(label)):
            resolution = self.resolve_label(numbered["label"])
            if resolution is not None and resolution.question:
                return resolution
            if resolution is not None or _key(numbered["label"]) in {"speaker", "participant", "voice"}:
                return Resolution(_readable_name(_strip_parenthetical(label)), "label", role=_key(numbered["label"]))
            return None
        base = _strip_parenthetical(label)
        key = _key(base)
        words = base.split()
        if not words or len(base) > LABEL_MAX_CHARS or any(char.isdigit() for char in base):
            return None
        if "," in base:
            return self._name_and_role(base)  # "Official Spokesperson, Shri Arindam Bagchi"
        if _LEGEND_KEY.fullmatch(key) and key in self.legend:
            return self._resolve_legend(key)
        if key in QUESTION_LABELS:
            return Resolution(self.alias(base) or QUESTION_SPEAKER, "question", question=True, role=QUESTION_ROLE)
        if key in ANSWER_LABELS:
            return Resolution(self.alias(base) or self.principal, "alias" if self.alias(base) else "title", answer=True)
        if canonical := self.alias(base):
            return Resolution(canonical, "alias")
        if _bare(words[0]) in SENTENCE_WORDS - {"the"} or not words[0][:1].isupper():
            return None
        if _bare(words[0]) == "the" and len(words) == 1:
            return None
        if (typo := self._typo_of(base)) is not None:
            return typo
        if role := self._role_only(words):  # "THE PRESIDENT", "The Prime Minister"
            return role
        if len(words) > 2 and (known := self._recurring_label_before_aside(words)):
            return known  # "Senator Evans to journalist as conference breaks up"
        if len(words) > LABEL_MAX_WORDS:
            return self._role_and_name(words)  # "Former President of Austria Heinz Fischer"
        role_first = len(words) >= 3 and any(_bare(word) in TITLE_WORDS - HONORIFICS for word in words[:-2])
        if role_first and (named := self._role_and_name(words)):  # "President of Russia Vladimir Putin"
            return named
        if _bare(words[0]) == "the":
            return None
        if person := self._known_person_in_label(base):
            return Resolution(person.name, person.source, role=person.role)
        if len(words) == 1:
            if key == "speaker":  # an unnamed "SPEAKER:" at a press conference is the one running it
                return Resolution("Moderator", "label", role="moderator")
            if key in MODERATOR_WORDS or key in GROUP_WORDS:  # "MODERATOR:", "Moderator:"
                return Resolution(_readable_name(base).title(), "label", role=key)
            if _bare(base) in NON_NAME_WORDS | TITLE_WORDS or not self._is_dialogue(key):
                return None  # a lone capitalised word is a label as an alias, a known surname, or in a dialogue
            return Resolution(_readable_name(base), "label")
        if _is_all_caps(base) or _looks_like_personal_name(words):
            name = _readable_name(base)
            role = _key(name) if self.kind_of(name) is SpeakerKind.GROUP else ""
            return Resolution(name, "label", role=role)
        if self._is_dialogue(key) and all(word[0].isupper() or word in NAME_PARTICLES for word in words):
            return Resolution(_readable_name(base), "label")  # "Shenzhen TV:", "China Daily:" in a dialogue
        return None

    def _is_dialogue(self, key: str) -> bool:
        """A text whose paragraphs open with labels again and again (three labels used twice or
        more, or one label used three times): there, a capitalised phrase before a colon at the
        start of a paragraph is a speaker, even an outlet named once ("NHK:")."""
        recurring = [count for label, count in self.label_counts.items() if count >= 2]
        return len(recurring) >= 3 or any(count >= 3 for count in recurring) or self.label_counts.get(key, 0) >= 2

    def _typo_of(self, base: str) -> Resolution | None:
        """A label seen once that is a letter or two off a label the text uses often is that label."""
        key = _key(base)
        if self.label_counts.get(key, 0) != 1 or len(key) < 6:
            return None
        best = process.extractOne(
            key,
            [label for label, count in self.label_counts.items() if count >= 3 and label != key],
            scorer=fuzz.ratio,
            score_cutoff=TYPO_MIN_SIMILARITY,
        )
        if best is None:
            return None
        frequent = self.label_forms[best[0]]
        resolution = self.resolve_label(frequent)
        if resolution is not None:
            self.typos[base] = frequent
        return resolution

    def _role_only(self, words: list[str]) -> Resolution | None:
        """A label that is a role alone: the person the text gives that role ("President Clinton",
        "Bill Clinton" in the metadata), or the role itself as the speaker."""
        role_words = self._role_only_words(words)
        if not role_words:
            return None
        role = " ".join(word.capitalize() for word in role_words)
        # The title names the speaker ("Remarks by President Biden"); the body may name others in
        # the same role ("President Trump"), so it is asked only after the people the text introduces.
        if named := self._role_and_surname_in(role, self.title, in_title=True):
            return named
        if person := self._person_with_role(role_words):
            return Resolution(person.name, person.source, role=person.role or role)
        if person := self._only_unlabelled_principal(role_words):
            return Resolution(person, "title", role=role)
        if named := self._role_and_surname_in(role, self.body_text, in_title=False):
            return named
        if _bare(words[0]) == "the":
            return Resolution(f"The {role}", "label", role=role.casefold())
        return Resolution(role, "label", role=role.casefold())

    def _role_and_surname_in(self, role: str, text: str, *, in_title: bool) -> Resolution | None:
        """The speaker "Role Surname" names in the text: a person known by that surname, or, named so
        in the title, "President Biden" itself (no first name given)."""
        pattern = rf"\b{re.escape(role)}\s+(?P<surname>[A-Z][a-z’'-]+)\b"
        surnames = collections.Counter(
            match["surname"] for match in re.finditer(pattern, text, re.IGNORECASE) if match["surname"][0].isupper()
        )
        for surname, _ in surnames.most_common():
            if _bare(surname) in NON_NAME_WORDS | TITLE_WORDS | SENTENCE_WORDS | HEADLINE_WORDS:
                continue
            # Only a person the text introduces: "Beau Biden" in a speech is not "President Biden".
            person = self._by_surname.get(_key(surname)) if in_title else self.resolve_surname(surname)
            if person is not None:
                return Resolution(person.name, person.source, role=role)
            # "President Biden" as the title names him; in the body only as most of its mentions of the role.
            if in_title or surnames[surname] >= 0.6 * sum(surnames.values()):
                return Resolution(f"{role} {surname}", "title" if in_title else "text", role=role)
        return None

    def _person_with_role(self, role_words: list[str]) -> _Person | None:
        """The one person the text gives this role: "SPOKESPERSON" → Ned Price, "Department Spokesperson"."""
        wanted = [_bare(word) for word in role_words]
        having = [
            person
            for person in self.persons.values()
            if person.source == "title" and person.role and all(word in _key(person.role).split() for word in wanted)
        ]
        return having[0] if len(having) == 1 else None

    def _only_unlabelled_principal(self, role_words: list[str]) -> str | None:
        """The one person the title or metadata names whom no other label of the text names:
        "THE PRESIDENT" beside "PRIME MINISTER HOWARD" in a text by John Howard and Bill Clinton."""
        if self._resolving_roles:
            return None
        self._resolving_roles = True
        try:
            labelled = set()
            for label in self.label_forms.values():
                words = label.split()
                if self._role_only_words(words):
                    continue
                resolution = self.resolve_label(label)
                if resolution is not None and resolution.name:
                    labelled.add(resolution.name)
        finally:
            self._resolving_roles = False
        persons = [name for name in self.title_persons if self.kind_of(name) is SpeakerKind.PERSON]
        unlabelled = [name for name in persons if name not in labelled]
        return unlabelled[0] if len(unlabelled) == 1 and len(persons) >= 2 else None

    @staticmethod
    def _role_only_words(words: list[str]) -> list[str] | None:
        role_words = words[1:] if words and _bare(words[0]) == "the" else words
        if role_words and all(_bare(word) in TITLE_WORDS - HONORIFICS for word in role_words):
            return role_words
        return None

    def _name_and_role(self, base: str) -> Resolution | None:
        """A label giving a name and a role, either way round, around one comma: "Shri Arindam
        Bagchi, Official Spokesperson", "Official Spokesperson, Shri Arindam Bagchi"."""
        parts = [part.strip() for part in base.split(",")]
        if len(parts) != 2 or not all(parts):
            return None
        for name, role in (parts, parts[::-1]):
            words = list(itertools.dropwhile(lambda word: _bare(word) in HONORIFICS, name.split()))
            role_words = {_bare(word) for word in role.split()}
            is_name = _looks_like_personal_name(words) and not {_bare(word) for word in words} & (
                TITLE_WORDS | GROUP_WORDS
            )
            if is_name and role_words & (TITLE_WORDS | GROUP_WORDS | ORGANISATION_WORDS):
                canonical = self.add_person(" ".join(words), role=role, source="label")
                person = self.person(canonical)
                return Resolution(canonical, person.source if person else "label", role=role)
        return None

    def _recurring_label_before_aside(self, words: list[str]) -> Resolution | None:
        """A label the text uses often, then a lower-case aside about the moment: that label's speaker."""
        for size in range(len(words) - 1, 0, -1):
            if words[size][:1].islower() and self.label_counts.get(_key(" ".join(words[:size])), 0) >= 2:
                return self.resolve_label(self.label_forms[_key(" ".join(words[:size]))])
        return None

    def _role_and_name(self, words: list[str]) -> Resolution | None:
        """A long label that ends in a name: "President of Russia Vladimir Putin" → Vladimir Putin."""
        if any(not (word[0].isupper() or word in HEADING_WORDS) for word in words):
            return None
        for size in (3, 2):
            tail = words[-size:]
            if _looks_like_personal_name(tail) and not any(_bare(word) in TITLE_WORDS | GROUP_WORDS for word in tail):
                name = self.add_person(_readable_name(" ".join(tail)), role=" ".join(words[:-size]), source="label")
                person = self.person(name)
                return Resolution(name, person.source if person else "label", role=" ".join(words[:-size]))
        return None

    def _known_person_in_label(self, base: str) -> _Person | None:
        words = base.split()
        if len(words) == 1:
            return self.resolve_surname(words[0]) if words[0][0].isupper() else None
        if person := self.person(base) or self._same_person_as(base):
            return person  # "Sergey Lavrov", "Sergei Lavrov"
        for person in self.persons.values():
            if _key(base).endswith(" " + _key(person.name)):
                return person  # "Foreign Minister Sergey Lavrov"
        if all(_bare(word) in TITLE_WORDS for word in words[:-1]):
            return self.resolve_surname(words[-1])  # "Mr. Price", "MS ZAKHAROVA", "Secretary Blinken"
        rest = list(itertools.dropwhile(lambda word: _bare(word) in TITLE_WORDS, words))
        if rest and len(rest) < len(words):  # "MR. DE HARO": a surname of several words
            tail = " " + _key(" ".join(rest))
            having = [person for person in self.persons.values() if (" " + _key(person.name)).endswith(tail)]
            if len(having) == 1:
                return having[0]
        return None

    def _resolve_legend(self, key: str) -> Resolution:
        if key not in self._legend_resolutions:
            self._legend_resolutions[key] = self._resolve_description(self.legend[key])
        return self._legend_resolutions[key]

    def _resolve_description(self, description: str) -> Resolution:
        """What a legend says an abbreviation stands for: "Lavrov’s responses", "questions by journalists"."""
        if person := self.find_person_in(description, defines_names=True):
            return Resolution(person.name, "legend", role=person.role)
        if QUESTION_HINT.search(description):
            return Resolution(QUESTION_SPEAKER, "question", question=True, role=QUESTION_ROLE)
        if MODERATOR_HINT.search(description):
            return Resolution("Moderator", "legend", role="moderator")
        if ANSWER_HINT.search(description) and self.principal:
            return Resolution(self.principal, "legend")
        description = description.strip()
        return Resolution(description[0].upper() + description[1:], "legend")

    def self_introduced_journalist(self, text: str) -> Resolution | None:
        """'Thank you. Humeyra Pamuk with Reuters. …' → Humeyra Pamuk, journalist, Reuters."""
        for pattern in SELF_INTRODUCTIONS:
            match = pattern.match(text)
            if not match:
                continue
            words = match["name"].split()
            if any(_bare(word) in SENTENCE_WORDS | TITLE_WORDS | NON_NAME_WORDS for word in words):
                continue
            outlet = match.groupdict().get("outlet") or ""
            outlet = re.sub(r"^the\s+", "", outlet.strip(), flags=re.IGNORECASE)
            name = self.add_person(match["name"], role=QUESTION_ROLE, source="label")
            return Resolution(name, "label", question=True, role=QUESTION_ROLE, affiliation=outlet)
        return None

    # Speakers that appear in turns

    def use(self, resolution: Resolution, *, label: str | None, line: int, warnings: list[ParseWarning]) -> str | None:
        """Record that a turn is by this speaker; warn the first time a name the caller does not know appears."""
        name = resolution.name
        if name is None:
            return None
        record = self.records.get(name)
        if record is None:
            role = resolution.role
            person = self.person(name)
            if not role and person is not None:
                role = person.role
            record = self.records[name] = _SpeakerRecord(name, self.kind_of(name), role, resolution.affiliation)
        if label is not None and label not in record.labels:
            record.labels.append(label)
        is_new = resolution.source in {"label", "text"} and name not in self.known_names
        if is_new and name not in self._warned:
            self._warned.add(name)
            how = f"the label “{label}”" if label else "the text"
            warnings.append(
                ParseWarning(line, "new_speaker", f"new speaker “{name}” ({self.kind_of(name).value}) from {how}")
            )
        return name

    def parsed_speakers(self) -> list[ParsedSpeaker]:
        return [
            ParsedSpeaker(name=r.name, kind=r.kind, role=r.role, affiliation=r.affiliation, labels=list(r.labels))
            for r in self.records.values()
        ]


def _label_counts(body: Sequence[Line], forms: dict[str, str] | None = None) -> collections.Counter:
    """How many paragraphs open with each label-shaped text (keys as _key, parentheticals dropped);
    ``forms`` gets each key's first form as written, to resolve it as a label."""
    counts: collections.Counter = collections.Counter()
    for line in body:
        match = LABEL_WITH_SPACES.match(line.text) or LABEL_WITH_PERIOD.match(line.text)
        match = match or LABEL_Q_SPACE.match(line.text) or LABEL_CAPS_PERIOD.match(line.text)
        match = match or LABEL_WITH_TAB.match(line.text) or LABEL_WITH_COLON.match(line.text)
        if match and len(match["label"].split()) <= LABEL_MAX_WORDS + 8:
            written = _strip_parenthetical(match["label"])
        elif NAME_ALONE.match(line.text) and len(line.text.split()) <= LABEL_MAX_WORDS:
            written = line.text
        else:
            continue
        counts[_key(written)] += 1
        if forms is not None:
            forms.setdefault(_key(written), written)
    return counts


# Words a Title Case headline capitalises that end a name: "Jen Psaki Aboard Air Force One".
HEADLINE_WORDS = {
    "aboard",
    "about",
    "after",
    "against",
    "amid",
    "among",
    "at",
    "before",
    "between",
    "by",
    "during",
    "for",
    "from",
    "in",
    "into",
    "on",
    "over",
    "to",
    "under",
    "upon",
    "via",
    "with",
    "without",
    "and",
    "or",
    "the",
    "en",
    "route",
    "press",
    "conference",
    "briefing",
    "gaggle",
    "call",
    "meeting",
    "interview",
    "visit",
    "remarks",
    "statement",
    "speech",
    "talks",
    "joint",
    "regular",
    "holds",
    "hold",
    "meets",
    "says",
}


def _name_words(run: str) -> list[str]:
    """The words of a capitalised run up to a possessive ("Sergey Lavrov’s remarks") or a non-name word."""
    words = []
    for word in run.split():
        if _bare(word) in NON_NAME_WORDS or (words and _bare(word) in HEADLINE_WORDS):
            break
        words.append(_strip_possessive(word))
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


# "Ned Price, Department Spokesperson", "Maria Zakharova, Foreign Ministry Spokeswoman".
NAME_THEN_ROLE = re.compile(
    r"(?:^|(?<=[\s(]))(?P<name>[A-Z][\w’'-]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][\w’'-]+){1,2}),\s+"
    r"(?P<role>(?:[A-Z][\w-]*\s+){0,3}(?:" + _ROLE_HINT.pattern + r")[\w-]*(?:\s+(?:of|for)\s+[A-Z][\w -]{0,40})?)"
)


def _names_before_roles(text: str) -> list[tuple[int, str, str]]:
    """(position, name, role): "Ned Price, Department Spokesperson" → "Ned Price", "Department Spokesperson"."""
    found = []
    for match in NAME_THEN_ROLE.finditer(text):
        words = match["name"].split()
        if _looks_like_personal_name(words) and not any(_bare(word) in TITLE_WORDS for word in words):
            found.append((match.start("name"), match["name"], match["role"].strip()))
    return found


def _names_after_roles(text: str) -> list[tuple[int, str, str]]:
    """(position, name, role): "Foreign Minister Sergey Lavrov’s" → "Sergey Lavrov", "Foreign Minister"."""
    found = []
    for match in _role_matches(text):
        words = _name_words(match["names"])
        # "of Kazakhstan Murat Nurtleu", "of the United States Donald Trump": the country comes first.
        words = words[-2:] if "of" in match["link"] else words[:3]
        if len(words) < 2 or not _looks_like_personal_name(words) or any(_is_all_caps(word) for word in words):
            continue
        found.append((match.start("names"), " ".join(words), LEADING_THE.sub("", match["role"])))
    return found


HONORIFIC_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Madam|Sir|Dame)\.?\s+(?P<names>[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){1,3})")


def _names_after_honorifics(title: str) -> list[tuple[int, str, str]]:
    """(position, name, ""): "Media Interview with Mr K Shanmugam, Minister for Law" → "K Shanmugam"."""
    found = []
    for match in HONORIFIC_NAME.finditer(title):
        words = _name_words(match["names"])
        if len(words) >= 2 and _bare(words[0]) not in TITLE_WORDS and _looks_like_personal_name(words):
            found.append((match.start("names"), " ".join(words), ""))
    return found


def _names_after_by(title: str) -> list[tuple[int, str, str]]:
    """(position, name, ""): "Statement by Sergey Lavrov at the UN" → "Sergey Lavrov"."""
    found = []
    for match in BY_NAME.finditer(title):
        # "by First Lady Jill Biden": the titles before the name are not part of it
        words = list(
            itertools.dropwhile(
                lambda word: _bare(word) in TITLE_WORDS | ORGANISATION_WORDS | {"lady"}, match["names"].split()
            )
        )
        words = _name_words(" ".join(words))
        if words and _looks_like_personal_name(words):
            found.append((match.start("names"), " ".join(words), ""))
    return found


def _find_legend(body: Sequence[Line], body_text: str) -> dict[str, str]:
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
            legend.setdefault(_key(abbreviation), description.strip())

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


# --- Segmenting the body into blocks ----------------------------------------------------


@dataclass
class _Block:
    """Consecutive paragraphs: a labelled turn with its unlabelled follow-ups, an intro, or a note."""

    line: int
    paragraphs: list[Line]  # labels removed
    label: str | None = None
    resolution: Resolution | None = None
    note_label: str | None = None
    is_note: bool = False  # a whole-paragraph editorial note or stage direction
    continues: _Block | None = None  # after a note: the block whose speaker goes on
    after_break: bool = False  # after a separator: the speaker goes on with new remarks
    kind: TurnKind | None = None


def _split_label(text: str, directory: SpeakerDirectory) -> tuple[str, Resolution, str] | None:
    """(label, who it names, the text after it) when the paragraph opens with a speaker label."""
    for pattern in (
        LABEL_WITH_COLON,
        LABEL_WITH_PERIOD,
        LABEL_WITH_SPACES,
        LABEL_WITH_TAB,
        LABEL_Q_SPACE,
        LABEL_CAPS_PERIOD,
    ):
        match = pattern.match(text)
        if not match:
            continue
        label, rest = match["label"].strip(), match["rest"].strip()
        if pattern is LABEL_Q_SPACE and directory.label_counts.get("q", 0) < Q_SPACE_MIN_COUNT:
            continue
        if pattern is LABEL_CAPS_PERIOD and not directory.is_caps_period_label(label):
            continue
        if _is_heading_text(rest):
            return None  # "YUGOSLAVIA: CAPTURED AUSTRALIAN AID WORKERS" is a heading
        resolution = directory.resolve_label(label)
        if resolution is None and pattern is LABEL_WITH_TAB and directory.tab_labels >= TAB_COLUMN_MIN_COUNT:
            # A transcript set out as a table: its first column is the speaker, whatever it says ("HE").
            resolution = Resolution(_readable_name(_strip_parenthetical(label)), "label")
        if resolution is None:
            continue
        once = directory.label_counts.get(_key(_strip_parenthetical(label)), 0) < 2
        if once and resolution.source == "label" and rest[:1].islower():
            return None  # "Jerusalem: a deadly shooting …" runs on a sentence; a speaker's words start it
        return label, resolution, rest
    if NAME_ALONE.match(text) and directory.label_counts.get(_key(text), 0) >= 2:
        resolution = directory.resolve_label(text)
        if resolution is not None:  # "Minister" alone on its line, again and again
            return text, resolution, ""
    return None


def _is_heading_text(text: str) -> bool:
    """Capitals only (a heading after a colon, not speech); its first words tell, and speech has
    a lower-case letter there."""
    head = text[:200]
    return not any(char.islower() for char in head) and sum(char.isalpha() for char in head) >= 12


def _is_note_paragraph(text: str) -> bool:
    """An editorial note or a stage direction standing as a paragraph of its own."""
    return bool(NOTE_PARAGRAPH.match(text) or STAGE_DIRECTION.match(text))


def _note_label(text: str) -> str | None:
    match = NOTE_PARAGRAPH.match(text) or INLINE_NOTE.fullmatch(text)
    return match["label"] if match else None


def _labelled_block(line: int, first: Line, label: str, resolution: Resolution, directory: SpeakerDirectory) -> _Block:
    if resolution.question:  # "QUESTION: Thank you. Humeyra Pamuk with Reuters. …"
        resolution = directory.self_introduced_journalist(first.text) or resolution
    return _Block(line, [first], label, resolution)


def _segment(
    body: list[Line], directory: SpeakerDirectory, warnings: list[ParseWarning], breaks: Sequence[int] = ()
) -> list[_Block]:
    breaks = sorted(breaks)
    previous_line = 0
    blocks: list[_Block] = []
    current: _Block | None = None
    interrupted: _Block | None = None  # the block a note paragraph interrupted
    pending: tuple[str, Resolution, int] | None = None  # a label alone on its line, waiting for its text
    for paragraph in body:
        after_break = bisect.bisect_left(breaks, paragraph.number) > bisect.bisect_left(breaks, previous_line)
        previous_line = paragraph.number
        if after_break and current is not None:  # after "* * *" the text goes on as a new turn
            interrupted, current = current, None
        if pending is None and _is_note_paragraph(paragraph.text):  # after a label alone, a note is its text
            blocks.append(_Block(paragraph.number, [paragraph], note_label=_note_label(paragraph.text), is_note=True))
            interrupted = current or interrupted
            current = None
            continue
        if labelled := directory.split_label(paragraph.text):
            label, resolution, rest = labelled
            if (frequent := directory.typos.get(_strip_parenthetical(label))) is not None:
                message = f"the label “{label}” is read as “{frequent}”, the frequent label it is a letter or two off"
                warnings.append(ParseWarning(paragraph.number, "label_typo", message))
            if not rest:
                pending = (label, resolution, paragraph.number)
                continue
            current = _labelled_block(paragraph.number, Line(paragraph.number, rest), label, resolution, directory)
            blocks.append(current)
        elif pending is not None:
            label, resolution, line = pending
            current = _labelled_block(line, paragraph, label, resolution, directory)
            blocks.append(current)
        elif current is None:
            current = _Block(paragraph.number, [paragraph], continues=interrupted, after_break=after_break)
            blocks.append(current)
        else:
            current.paragraphs.append(paragraph)
        pending = None
        interrupted = None
    if pending is not None:
        label, _, line = pending
        warnings.append(ParseWarning(line, "truncated_line", f"the label “{label}” is not followed by any text"))
    _learn_questioners(blocks, directory)
    return _split_unlabelled_answers(blocks, directory)


QUESTIONER_SHARE = 0.5
RELAYED_QUESTION_WORDS = 40  # a moderator's turn this long that ends asking is a question


def _ends_asking(block: _Block) -> bool:
    """A question ends asking; a speech with a rhetorical question in it does not."""
    return (
        "?" in block.paragraphs[-1].text[-300:]
    )  # the share of a speaker's turns that ask something, for them to be a questioner


def _learn_questioners(blocks: list[_Block], directory: SpeakerDirectory) -> None:
    """Speakers whose labels say nothing of their part ("Reuters:", "Mr. Hague:") but who ask: most
    of their turns hold a question mark, and the title does not name them. Their turns are questions."""
    turns_of: dict[str, list[_Block]] = collections.defaultdict(list)
    for block in blocks:
        resolution = block.resolution
        if resolution is None or resolution.question or resolution.answer or _is_moderator(resolution):
            continue
        if resolution.name and resolution.name not in directory.title_persons:
            turns_of[resolution.name].append(block)
    shares = {
        name: sum(_ends_asking(block) for block in speaker_blocks) / len(speaker_blocks)
        for name, speaker_blocks in turns_of.items()
    }
    questioners = {name for name, share in shares.items() if share >= QUESTIONER_SHARE}
    has_questions = any(block.resolution is not None and block.resolution.question for block in blocks)
    if not questioners and not has_questions and len(shares) >= 2:
        # An interview between two voices, neither labelled as asking: the one who asks far more.
        ranked = sorted(shares.items(), key=lambda item: item[1], reverse=True)
        (first, first_share), (_, second_share) = ranked[0], ranked[1]
        if first_share >= 0.25 and first_share >= 2 * second_share:
            questioners = {first}
    for name in questioners:
        for block in turns_of[name]:
            block.resolution = dataclasses.replace(block.resolution, question=True)


def _split_unlabelled_answers(blocks: list[_Block], directory: SpeakerDirectory) -> list[_Block]:
    """An interview that labels only its questions ("Reporter: …?" then the answer unlabelled): the
    paragraphs after a question's last question mark are the answer of the person the title names."""
    labelled = [block.resolution for block in blocks if block.resolution is not None]
    principal = directory.principal
    if not labelled or principal is None or not all(resolution.question for resolution in labelled):
        return blocks
    answer = Resolution(principal, "title", answer=True)
    result = []
    for block in blocks:
        result.append(block)
        if block.resolution is None or len(block.paragraphs) < 2:
            continue
        asked = max((index for index, p in enumerate(block.paragraphs) if "?" in p.text), default=0)
        if asked + 1 < len(block.paragraphs):
            rest = block.paragraphs[asked + 1 :]
            block.paragraphs = block.paragraphs[: asked + 1]
            result.append(_Block(rest[0].number, rest, label=None, resolution=answer))
    return result


# --- Kinds ------------------------------------------------------------------------------


def _is_moderator(resolution: Resolution) -> bool:
    return _key(resolution.name or "") in MODERATOR_WORDS or resolution.role in MODERATOR_WORDS


def _assign_kinds(blocks: list[_Block]) -> None:
    """Question labels ask; a named speaker answers right after a question (or after another answer,
    when a second official answers too) and otherwise makes remarks. Moderators make remarks and
    are skipped when looking back, so "QUESTION → MODERATOR → OFFICIAL" is still an answer."""
    previous: TurnKind | None = None
    for block in blocks:
        if block.is_note or block.resolution is None:
            if block.continues is not None and block.continues.resolution is not None:
                block.label, block.resolution = block.continues.label, block.continues.resolution
                block.kind = TurnKind.REMARKS if block.after_break else block.continues.kind
            continue
        resolution = block.resolution
        if resolution.question:
            block.kind = TurnKind.QUESTION
        elif resolution.answer:
            block.kind = TurnKind.ANSWER
        elif _is_moderator(resolution):
            # A moderator who asks at length puts a question (their own, or one sent in); a short
            # "Would you like to respond?" hands the floor on.
            asks = _ends_asking(block) and sum(len(p.text.split()) for p in block.paragraphs) >= RELAYED_QUESTION_WORDS
            block.kind = TurnKind.QUESTION if asks else TurnKind.REMARKS
            if asks:
                previous = block.kind
            continue  # not a "previous" turn for the answer rule
        elif previous in {TurnKind.QUESTION, TurnKind.ANSWER}:
            block.kind = TurnKind.ANSWER
        else:
            block.kind = TurnKind.REMARKS
        previous = block.kind


def _voice(text: str, speaker_names: list[str]) -> str | None:
    """The voice of a paragraph: "first" (the speaker's words), "third" (about them) or None (unclear)."""
    unquoted = CLOSED_QUOTE.sub(" ", text)
    first = len(FIRST_PERSON.findall(unquoted)) + (3 if GREETING.match(text) else 0)
    third = sum(2 * len(re.findall(rf"\b{re.escape(_surname(name))}\b", unquoted)) for name in speaker_names)
    if first > third:
        return "first"
    if third > first:
        return "third"
    return None


def _voices(paragraphs: list[Line], speaker_names: list[str], default: str) -> list[str]:
    """Each paragraph's voice; an unclear paragraph takes its neighbour's."""
    voices = [_voice(paragraph.text, speaker_names) for paragraph in paragraphs]
    known = [voice for voice in voices if voice]
    last = known[0] if known else default
    filled = []
    for voice in voices:
        last = voice or last
        filled.append(last)
    return filled


# --- Drafting turns -------------------------------------------------------------------


@dataclass
class _Draft:
    speaker: str | None
    label: str | None
    kind: TurnKind
    line: int | None  # where the turn starts: its label, or its first text
    texts: list[str] = field(default_factory=list)


@dataclass
class TurnsResult:
    turns: list[ParsedTurn]
    speakers: list[ParsedSpeaker]
    kind: str  # "transcript" or "article"


def _split_inline_notes(text: str) -> list[tuple[str, str | None, bool]]:
    """[(text, note label, is_note)]: "… economy. (RPA: EU growth …)" → the speech, then the note."""
    if "(" not in text and "[" not in text:  # most paragraphs: no bracket, so no note (INLINE_NOTE needs one)
        text = text.strip()
        return [(text, None, False)] if text else []
    pieces = []
    position = 0
    for match in INLINE_NOTE.finditer(text):
        before = text[position : match.start()].strip()
        if before:
            pieces.append((before, None, False))
        pieces.append((match.group(0), match["label"], True))
        position = match.end()
    rest = text[position:].strip()
    if rest:
        pieces.append((rest, None, False))
    return pieces


def _quote_end(text: str, start: int) -> int | None:
    """Index of the quotation mark closing the one at ``start`` (nested “…” counted)."""
    opening, closing = text[start], OPENING_QUOTES[text[start]]
    if opening == closing:
        end = text.find(closing, start + 1)
        return end if end != -1 else None
    depth = 0
    for index in range(start, len(text)):
        if text[index] == opening:
            depth += 1
        elif text[index] == closing:
            depth -= 1
            if depth == 0:
                return index
    return None


def _quote_start(text: str, end: int) -> int | None:
    """Index of the quotation mark opening the one that closes at ``end``."""
    closing, opening = text[end], CLOSING_QUOTES[text[end]]
    if opening == closing:
        start = text.rfind(opening, 0, end)
        return start if start != -1 else None
    depth = 0
    for index in range(end, -1, -1):
        if text[index] == closing:
            depth += 1
        elif text[index] == opening:
            depth -= 1
            if depth == 0:
                return index
    return None


def _is_attribution(text: str) -> bool:
    """A short clause with a speech verb and no quotation: "the ministry said.", "Lavrov said:"."""
    if not text or any(char in text for char in (*OPENING_QUOTES, *CLOSING_QUOTES)):
        return False
    return len(text.split()) <= ATTRIBUTION_MAX_WORDS and bool(SPEECH_VERB.search(text))


def _split_quote(text: str) -> list[tuple[str, str]] | None:
    """A paragraph as [("quote" | "attribution", text)] when it is a direct quote with its attribution.

    “…,” the ministry said.  /  “…,” Lavrov said. “…”  /  Lavrov said: “…”
    Inline quotes inside a sentence ("… to contain and "push" Russia out …") are not split.
    """
    if text[0] in OPENING_QUOTES:
        end = _quote_end(text, 0)
        if end is None:
            return None
        quote, rest = text[: end + 1], text[end + 1 :].strip()
        if _is_attribution(rest):
            return [("quote", quote), ("attribution", rest)]
        second = next((index for index, char in enumerate(rest) if char in OPENING_QUOTES), None)
        if second and _is_attribution(rest[:second].strip()) and _quote_end(rest, second) == len(rest) - 1:
            return [("quote", quote), ("attribution", rest[:second].strip()), ("quote", rest[second:])]
        return None
    if text[-1] in CLOSING_QUOTES:
        start = _quote_start(text, len(text) - 1)
        if start:
            before = text[:start].rstrip()
            if before.endswith((":", ",")) and _is_attribution(before):
                return [("attribution", before), ("quote", text[start:])]
    return None


class _TurnWriter:
    """Collects drafts in reading order and turns them into ParsedTurns."""

    def __init__(self, directory: SpeakerDirectory, warnings: list[ParseWarning]):
        self.directory = directory
        self.warnings = warnings
        self.drafts: list[_Draft] = []
        self.last_organisations: list[str] = []  # articles: organisations mentioned so far, latest last
        self.last_person: str | None = None

    def check_truncation(self, paragraph: Line, speech: str) -> None:
        if speech and _ends_mid_sentence(speech):
            tail = " ".join(speech.split()[-8:])
            self.warnings.append(ParseWarning(paragraph.number, "truncated_line", f"line ends mid-sentence: “…{tail}”"))

    def speech(
        self, paragraphs: list[Line], *, speaker: str | None, label: str | None, kind: TurnKind, line: int
    ) -> None:
        """One speaker's stretch; an inline editorial note splits it into speech, note, speech."""
        draft = _Draft(speaker, label, kind, line)
        for paragraph in paragraphs:
            pieces = _split_inline_notes(paragraph.text)
            speech_pieces = [text for text, _, is_note in pieces if not is_note]
            self.check_truncation(paragraph, speech_pieces[-1] if speech_pieces else "")
            for text, note_label, is_note in pieces:
                if is_note:
                    self._add(draft)
                    self._add(_Draft(None, note_label, TurnKind.EDITORIAL_NOTE, paragraph.number, [text]))
                    draft = _Draft(speaker, label, kind, line=None)  # the speech goes on after the note
                else:
                    draft.texts.append(text)
                    draft.line = draft.line or paragraph.number
        self._add(draft)

    def note(self, paragraph: Line, label: str | None) -> None:
        self._add(_Draft(None, label, TurnKind.EDITORIAL_NOTE, paragraph.number, [paragraph.text]))

    def article_paragraph(self, paragraph: Line) -> None:
        """Narration, or a direct quote attributed to whoever the attribution names."""
        self._remember_mentions(paragraph.text)
        parts = None if INLINE_NOTE.search(paragraph.text) else _split_quote(paragraph.text)
        if parts is None:
            self.speech([paragraph], speaker=None, label=None, kind=TurnKind.NARRATION, line=paragraph.number)
            return
        self.check_truncation(paragraph, paragraph.text)
        attribution = next(text for role, text in parts if role == "attribution")
        speaker = self._attributed_speaker(attribution, paragraph.number)
        for role, text in parts:
            kind = TurnKind.QUOTE if role == "quote" else TurnKind.NARRATION
            self._add(_Draft(speaker if role == "quote" else None, None, kind, paragraph.number, [text]))

    def _remember_mentions(self, text: str) -> None:
        for match in ORGANISATION_MENTION.finditer(text):
            name = LEADING_THE.sub("", match.group(0))
            self.last_organisations.append(self.directory.alias(name) or name)
        if person := self.directory.last_person_mentioned(text):
            self.last_person = person

    def _attributed_speaker(self, attribution: str, line: int) -> str | None:
        directory = self.directory
        resolution = None
        if generic := GENERIC_ORGANISATION.search(attribution):
            head = generic["head"].casefold()
            name = directory.alias(generic.group(0)) or next(
                (name for name in reversed(self.last_organisations) if head in name.casefold()), None
            )
            if name:
                resolution = Resolution(name, "alias" if name in directory.known_names else "text")
        if resolution is None and (person := directory.find_person_in(attribution)):
            resolution = Resolution(person.name, person.source, role=person.role)
        if resolution is None and GENERIC_PERSON.search(attribution) and self.last_person:
            resolution = Resolution(self.last_person, "text")
        if resolution is None:
            return None
        if directory.kind_of(resolution.name) is SpeakerKind.PERSON:
            self.last_person = resolution.name
        return directory.use(resolution, label=None, line=line, warnings=self.warnings)

    def _add(self, draft: _Draft) -> None:
        if draft.texts:
            self.drafts.append(draft)

    def turns(self) -> list[ParsedTurn]:
        return [
            ParsedTurn(
                position=position,
                speaker=draft.speaker,
                label=draft.label,
                kind=draft.kind,
                text="\n\n".join(draft.texts),
                line=draft.line,
            )
            for position, draft in enumerate(self.drafts)
        ]


# --- Entry point -------------------------------------------------------------------------


def recurring_label_in(paragraphs: Sequence[Line]) -> Callable[[str], bool]:
    """Whether a line opens with a label that opens other paragraphs too (then it is no headline)."""
    counts = _label_counts(paragraphs)

    def is_label(text: str) -> bool:
        match = LABEL_WITH_SPACES.match(text) or LABEL_WITH_PERIOD.match(text) or LABEL_Q_SPACE.match(text)
        match = match or LABEL_WITH_TAB.match(text) or LABEL_WITH_COLON.match(text)
        return bool(match) and counts.get(_key(_strip_parenthetical(match["label"])), 0) >= 2

    return is_label


def build_turns(
    body: list[Line],
    *,
    directory: SpeakerDirectory,
    warnings: list[ParseWarning],
    breaks: Sequence[int] = (),
    section_breaks: Sequence[int] = (),
) -> TurnsResult:
    """Turns of the body. ``breaks`` (separators) always end a turn; ``section_breaks`` (headings)
    end one only in a text without labels, where they are the only structure: a caption inside a
    labelled speech does not cut it."""
    if section_breaks and not any(directory.opens_turn(paragraph.text) for paragraph in body):
        breaks = [*breaks, *section_breaks]
    blocks = _segment(body, directory, warnings, breaks)
    _assign_kinds(blocks)
    writer = _TurnWriter(directory, warnings)

    has_labels = any(block.resolution is not None for block in blocks)
    principal = directory.principal
    # Whose mentions make a paragraph third person: the title's speaker and the labelled speakers.
    labelled = [block.resolution for block in blocks if block.resolution and not block.resolution.question]
    speaker_names = list(dict.fromkeys([*([principal] if principal else []), *(r.name for r in labelled if r.name)]))
    is_transcript = has_labels

    for block in blocks:
        if block.is_note:
            writer.note(block.paragraphs[0], block.note_label)
        elif block.resolution is not None:
            resolution = block.resolution
            speaker = directory.use(resolution, label=block.label, line=block.line, warnings=warnings)
            writer.speech(block.paragraphs, speaker=speaker, label=block.label, kind=block.kind, line=block.line)
        else:
            is_transcript = _write_unlabelled(block, writer, principal, speaker_names, has_labels) or is_transcript

    return TurnsResult(
        turns=writer.turns(),
        speakers=directory.parsed_speakers(),
        kind="transcript" if is_transcript else "article",
    )


def _write_unlabelled(
    block: _Block, writer: _TurnWriter, principal: str | None, speaker_names: list[str], has_labels: bool
) -> bool:
    """Unlabelled paragraphs: the title's speaker's remarks (first person) or narration.

    Returns True if they were remarks, which makes a text without labels a transcript.
    """
    voices = _voices(block.paragraphs, speaker_names, default="first" if principal else "third")
    if not has_labels and not (principal and "first" in voices):
        for paragraph in block.paragraphs:  # an article
            writer.article_paragraph(paragraph)
        return False
    directory = writer.directory
    made_remarks = False
    index = 0
    while index < len(block.paragraphs):
        end = index + 1
        while end < len(block.paragraphs) and voices[end] == voices[index]:
            end += 1
        if voices[index] == "third":  # the publisher's lead, however many paragraphs: one narration turn
            paragraphs = block.paragraphs[index:end]
            writer.speech(paragraphs, speaker=None, label=None, kind=TurnKind.NARRATION, line=paragraphs[0].number)
            index = end
            continue
        paragraphs = block.paragraphs[index:end]
        speaker = None
        if principal:
            resolution = Resolution(principal, "title")
            speaker = directory.use(resolution, label=None, line=paragraphs[0].number, warnings=writer.warnings)
        writer.speech(paragraphs, speaker=speaker, label=None, kind=TurnKind.REMARKS, line=paragraphs[0].number)
        made_remarks = True
        index = end
    return made_remarks
