"""The people a text can name, and the speakers its turns are by.

``People`` holds the caller's speakers (aliases and kinds stored in the database), the people
the title, metadata, a list of participants and the text name, and resolves surnames and
mentions to them; ``labels.SpeakerDirectory`` adds what the text's labels mean.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from corpus_app.parsing.articles import SPEECH_VERB
from corpus_app.parsing.cleaning import Line
from corpus_app.parsing.document import ParsedSpeaker, ParseWarning, SpeakerKind
from corpus_app.parsing.names import (
    CAPITALISED_RUN,
    bare_word,
    guess_kind,
    looks_like_personal_name,
    lookup_key,
    names_after_by,
    names_after_honorifics,
    names_after_roles,
    names_before_roles,
    strip_possessive,
    surname_of,
    whole_word,
)
from corpus_app.parsing.vocabulary import NON_NAME_WORDS, QUESTION_ROLE, SENTENCE_WORDS, TITLE_WORDS


@dataclass
class Person:
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

    aliases: dict[str, str]  # lookup_key(alias) → canonical name
    known_names: frozenset[str]
    speaker_kinds: dict[str, str]
    persons: dict[str, str]  # the persons among the canonical names: lookup_key(name) → name
    # SpeakerDirectory's lookups over them, with the key of the first person for each, ready
    # to be filled with a text's own Person objects.
    by_surname: dict[str, str]  # lookup_key(surname) → lookup_key(name)
    by_initial_and_surname: dict[tuple[str, str], str]  # (lookup_key(surname), first initial) → lookup_key(name)
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
    keyed = {lookup_key(alias): name for alias, name in aliases.items()}
    persons = {}
    for name in dict.fromkeys(aliases.values()):
        if _kind_of(name, speaker_kinds) is SpeakerKind.PERSON and len(name.split()) >= 2:
            persons[lookup_key(name)] = name
    by_surname: dict[str, str] = {}
    by_initial_and_surname: dict[tuple[str, str], str] = {}
    for key, name in persons.items():  # as SpeakerDirectory._add: the first person seen wins
        words = name.split()
        by_surname.setdefault(lookup_key(words[-1]), key)
        by_initial_and_surname.setdefault((lookup_key(words[-1]), words[0][0].casefold()), key)
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
        return guess_kind(name)


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


class People:
    """The people a text can name, and how its labels' surnames and its mentions resolve to them."""

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
    ):
        known = _known_speakers(aliases, speaker_kinds)
        self.aliases = known.aliases  # shared with other texts: read only
        self.known_names = known.known_names  # canonical names the caller knows
        self.speaker_kinds = known.speaker_kinds
        self.alias_pattern = known.alias_pattern
        self.body_text = "\n".join(line.text for line in body)
        # First seen first: aliases, then the title, then the text. The caller's persons come
        # first (a few hundred a text), as this text's own Person objects: their roles change.
        self.persons: dict[str, Person] = {key: Person(name, "", "alias") for key, name in known.persons.items()}
        # Lookups over ``persons`` that keep its order (the first person seen wins), so that a
        # text does not scan every person the caller knows for each name it meets. For the
        # caller's persons they are prepared once (_known_speakers); self._add adds the others.
        persons = self.persons
        self._by_surname: dict[str, Person] = {  # lookup_key(surname) → first person with it
            surname: persons[key] for surname, key in known.by_surname.items()
        }
        self._by_initial_and_surname: dict[tuple[str, str], Person] = {  # see _same_person
            pair: persons[key] for pair, key in known.by_initial_and_surname.items()
        }
        # The persons whose surname is a word of the body, in ``persons`` order. Only articles need
        # them (last_person_mentioned), so they are sorted out on first use: see _mentioned_persons.
        self._mentioned: list[Person] = []
        self._mentioned_checked = 0  # how many of ``persons`` (in order) _mentioned has looked at
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
            for _, name, role in names_after_roles(line.text) + names_before_roles(line.text):
                self.add_person(name, role=role, source="title")
        for line in body:
            for _, name, role in names_after_roles(line.text):
                self.add_person(name, role=role, source="text")
        self.records: dict[str, _SpeakerRecord] = {}
        self._warned: set[str] = set()

    def _add(self, key: str, person: Person) -> Person:
        """Register a person under a key ``persons`` does not hold yet."""
        self.persons[key] = person
        words = person.name.split()
        self._by_surname.setdefault(lookup_key(words[-1]), person)
        if len(words) >= 2:
            self._by_initial_and_surname.setdefault((lookup_key(words[-1]), words[0][0].casefold()), person)
        return person

    def _mentioned_persons(self) -> list[Person]:
        """The persons (in ``persons`` order) whose surname is a word of the body.

        ``persons`` only grows, in order, so each call checks just the persons added since the
        last one; the body's words are collected the first time, not for every text.
        """
        if self._mentioned_checked < len(self.persons):
            if self._body_words is None:
                self._body_words = set(re.findall(r"\w+", self.body_text))
            for person in itertools.islice(self.persons.values(), self._mentioned_checked, None):
                if surname_of(person.name) in self._body_words:
                    self._mentioned.append(person)
            self._mentioned_checked = len(self.persons)
        return self._mentioned

    @property
    def principal(self) -> str | None:
        """The speaker of unlabelled opening remarks: the first person the title names."""
        return self.title_persons[0] if self.title_persons else None

    def kind_of(self, name: str) -> SpeakerKind:
        return _kind_of(name, self.speaker_kinds)

    def alias(self, text: str) -> str | None:
        return self.aliases.get(lookup_key(text))

    def aliases_in(self, text: str) -> list[tuple[int, str]]:
        """(position, canonical name) of each alias the text mentions."""
        if self.alias_pattern is None:
            return []
        text = text.replace("’", "'")  # alias keys use straight apostrophes
        return [
            (match.start(), self.aliases[lookup_key(match.group(0))]) for match in self.alias_pattern.finditer(text)
        ]

    def add_person(self, name: str, *, role: str = "", source: str) -> str:
        """Register a full name and return its canonical form (aliases, then the first form seen)."""
        name = strip_possessive(" ".join(name.split()))
        if canonical := self.alias(name):
            key = lookup_key(canonical)
            person = self.persons.get(key) or self._add(key, Person(canonical, role, "alias"))
            person.role = person.role or role
            return canonical
        person = self.persons.get(lookup_key(name)) or self._same_person_as(name)
        if person is None:
            person = self._add(lookup_key(name), Person(name, role, source))
        elif role and not person.role:
            person.role = role
        return person.name

    def person(self, name: str) -> Person | None:
        return self.persons.get(lookup_key(name))

    def resolve_surname(self, surname: str) -> Person | None:
        """The person of a surname ("Lavrov"): from the aliases, the title, or a full name in the text."""
        surname = strip_possessive(surname)
        if bare_word(surname) in NON_NAME_WORDS:
            return None
        if (canonical := self.alias(surname)) and self.kind_of(canonical) is SpeakerKind.PERSON:
            return self.persons.get(lookup_key(canonical)) or Person(canonical, "", "alias")
        if person := self._by_surname.get(lookup_key(surname)):
            return person
        # A family name written first ("Yoon Suk Yeol"): a word of exactly one person's name.
        having = [person for person in self.persons.values() if lookup_key(surname) in lookup_key(person.name).split()]
        if len(having) == 1 and len(having[0].name.split()) >= 3:
            return having[0]
        written = surname.title() if surname.isupper() else surname
        for match in re.finditer(rf"\b([A-Z][a-z’'-]+)\s+{re.escape(written)}\b", self.body_text):
            first_name = match.group(1)
            if bare_word(first_name) not in SENTENCE_WORDS | TITLE_WORDS | NON_NAME_WORDS:
                return self.persons[lookup_key(self.add_person(f"{first_name} {written}", source="text"))]
        return None

    def find_person_in(self, text: str, *, defines_names: bool = False) -> Person | None:
        """The first speaker a short phrase names: "Lavrov’s responses", "Sergey Lavrov", "Arkady Dubnov said".

        Known names (aliases, people named elsewhere in the text, their surnames) always count.
        An unknown full name counts in a legend (``defines_names``), or when it is the whole
        phrase or the subject of a speech verb, so that "the Central Asian ambassadors said"
        does not invent a "Central Asian".
        """
        for _, canonical in self.aliases_in(text)[:1]:
            return self.persons.get(lookup_key(canonical)) or Person(canonical, "", "alias")
        whole = text.strip(" .,:;“”\"'")
        for match in CAPITALISED_RUN.finditer(text):
            words = strip_possessive(match.group(0)).split()
            while words and bare_word(words[0]) in TITLE_WORDS | SENTENCE_WORDS:
                words = words[1:]
            if not words or any(bare_word(word) in NON_NAME_WORDS for word in words):
                continue
            if len(words) == 1:
                if person := self.resolve_surname(words[0]):
                    return person
                continue
            name = " ".join(words)
            if person := self.person(name) or self._same_person_as(name):
                return person
            is_subject = match.group(0) == whole or SPEECH_VERB.match(text[match.end() :].lstrip())
            if (defines_names or is_subject) and looks_like_personal_name(words):
                return self.persons[lookup_key(self.add_person(name, source="text"))]
        return None

    def _same_person_as(self, name: str) -> Person | None:
        """The first person who is ``_same_person`` as the name."""
        words = name.split()
        if len(words) < 2:
            return None
        return self._by_initial_and_surname.get((lookup_key(words[-1]), words[0][0].casefold()))

    def last_person_mentioned(self, text: str) -> str | None:
        """The known person whose surname the text mentions last (for "he said")."""
        last = None, -1
        for person in self._mentioned_persons():  # most aliases name people this text never mentions
            surname = surname_of(person.name)
            if surname not in text:
                continue
            for match in whole_word(surname).finditer(text):
                if match.start() > last[1]:
                    last = person.name, match.start()
        return last[0]

    def _persons_in_title(self, title: str) -> list[str]:
        found: list[tuple[int, str, str]] = []  # (position, name, role)
        found += [(position, canonical, "") for position, canonical in self.aliases_in(title)]
        # A headline in Title Case capitalises every word, so there a role followed by
        # capitalised words names someone only if the text mentions that surname too.
        candidates = names_after_roles(title) + names_after_by(title) + names_after_honorifics(title)
        rest = title
        for _, name, role in candidates:
            rest = rest.replace(name, " ").replace(role, " ")
        words = [word for word in rest.split() if word[0].isalpha()]
        title_case = (
            bool(candidates) and len(words) >= 3 and sum(word[0].isupper() for word in words) / len(words) > 0.7
        )
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

    def self_introduced_journalist(self, text: str) -> Resolution | None:
        """'Thank you. Humeyra Pamuk with Reuters. …' → Humeyra Pamuk, journalist, Reuters."""
        for pattern in SELF_INTRODUCTIONS:
            match = pattern.match(text)
            if not match:
                continue
            words = match["name"].split()
            if any(bare_word(word) in SENTENCE_WORDS | TITLE_WORDS | NON_NAME_WORDS for word in words):
                continue
            outlet = match.groupdict().get("outlet") or ""
            outlet = re.sub(r"^the\s+", "", outlet.strip(), flags=re.IGNORECASE)
            name = self.add_person(match["name"], role=QUESTION_ROLE, source="label")
            return Resolution(name, "label", question=True, role=QUESTION_ROLE, affiliation=outlet)
        return None

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
