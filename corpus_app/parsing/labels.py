"""Speaker labels: which of the shapes ``label_shapes`` finds a document uses, and whom they name.

A label is learnt from the document itself as much as from its shape: it recurs at the starts
of paragraphs and alternates with others (``SpeakerDirectory.label_counts``), a label seen once
that is a letter off a frequent one is that label, a role alone is the person the text gives
that role. ``SpeakerDirectory`` resolves each label to a speaker. (Just over 400 lines: the ways
a label names someone are one concern, read best side by side.)
"""

from __future__ import annotations

import collections
import functools
import itertools
import re
from collections.abc import Mapping

from rapidfuzz import fuzz, process

from corpus_app.parsing.cleaning import HEADING_MINOR_WORDS as HEADING_WORDS
from corpus_app.parsing.cleaning import Line
from corpus_app.parsing.document import SpeakerKind
from corpus_app.parsing.label_shapes import (
    LABEL_CAPS_PERIOD,
    LABEL_PATTERNS,
    LABEL_Q_SPACE,
    LABEL_WITH_TAB,
    NAME_ALONE,
    label_counts,
    may_be_labelled,
)
from corpus_app.parsing.legend import ANSWER_HINT, LEGEND_KEY, MODERATOR_HINT, QUESTION_HINT, find_legend
from corpus_app.parsing.names import (
    bare_word,
    is_all_caps,
    looks_like_personal_name,
    lookup_key,
    readable_name,
    strip_parenthetical,
)
from corpus_app.parsing.speakers import People, Person, Resolution
from corpus_app.parsing.vocabulary import (
    ANSWER_LABELS,
    GROUP_WORDS,
    HEADLINE_WORDS,
    HONORIFICS,
    LABEL_MAX_CHARS,
    LABEL_MAX_WORDS,
    MODERATOR_WORDS,
    NAME_PARTICLES,
    NON_NAME_WORDS,
    ORGANISATION_WORDS,
    QUESTION_LABELS,
    QUESTION_ROLE,
    QUESTION_SPEAKER,
    SENTENCE_WORDS,
    TITLE_WORDS,
)

Q_SPACE_MIN_COUNT = 3
CAPS_PERIOD_MIN_COUNT = 2
CAPS_PERIOD_TEXT_MIN_COUNT = 4  # such labels in a text that make a name in capitals asked once a label too
TAB_COLUMN_MIN_COUNT = 3  # lines opening with a label and a tab that make a text a two-column table
TYPO_MIN_SIMILARITY = 88  # rapidfuzz ratio of a label seen once to a frequent label: "ADMINSTRATION"
NUMBERED_LABEL = re.compile(r"(?P<label>[A-Za-z][\w .'’-]{0,40}?)\s*#?\d{1,3}")  # "Reporter 2", "Question 1"


def _split_label(text: str, directory: SpeakerDirectory) -> tuple[str, Resolution, str] | None:
    """(label, who it names, the text after it) when the paragraph opens with a speaker label."""
    for pattern in LABEL_PATTERNS if may_be_labelled(text) else ():
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
            resolution = Resolution(readable_name(strip_parenthetical(label)), "label")
        if resolution is None:
            continue
        once = directory.label_counts.get(lookup_key(strip_parenthetical(label)), 0) < 2
        if once and resolution.source == "label" and rest[:1].islower() and len(label.split()) == 1:
            return None  # "Jerusalem: a deadly shooting …" runs on a sentence; a speaker's words start it
        return label, resolution, rest
    if NAME_ALONE.match(text) and directory.label_counts.get(lookup_key(text), 0) >= 2:
        resolution = directory.resolve_label(text)
        if resolution is not None:  # "Minister" alone on its line, again and again
            return text, resolution, ""
    return None


def _is_heading_text(text: str) -> bool:
    """Capitals only (a heading after a colon, not speech); its first words tell, and speech has
    a lower-case letter there."""
    head = text[:200]
    return not any(char.islower() for char in head) and sum(char.isalpha() for char in head) >= 12


class SpeakerDirectory(People):
    """The people of a text (``People``) and what its labels mean: each label resolved to a speaker."""

    def __init__(self, *, body: list[Line], speaker_key: Mapping[str, str] | None = None, **people):
        super().__init__(body=body, **people)
        self._body_words: set[str] | None = None  # the body's \w+ words, collected on first use
        self._labels: dict[str, Resolution | None] = {}  # labels repeat: resolve each once
        self._body = tuple(body)  # for the legend, found when a label first needs it
        # How often each label-shaped paragraph start occurs: a label the text uses again and
        # again is a label, and one seen once that is a letter off a frequent one is a typo.
        self.label_forms: dict[str, str] = {}  # key → the label as first written
        self.label_counts = label_counts(body, self.label_forms)
        self.tab_labels = sum(bool("\t" in line.text and LABEL_WITH_TAB.match(line.text)) for line in body)
        self.caps_period_labels = sum(
            bool(may_be_labelled(line.text) and LABEL_CAPS_PERIOD.match(line.text)) for line in body
        )
        self.typos: dict[str, str] = {}  # label as written → the frequent label it misspells
        self._resolving_roles = False
        self._split: dict[str, tuple[str, Resolution, str] | None] = {}
        self._speaker_key = dict(speaker_key or {})  # a list of participants' abbreviations
        self._legend_resolutions: dict[str, Resolution] = {}

    @functools.cached_property
    def legend(self) -> dict[str, str]:
        """The abbreviations the text defines (find_legend), found on first use: only a label
        that can be an abbreviation (LEGEND_KEY) looks them up, and most texts have none."""
        return {**find_legend(self._body, self.body_text), **self._speaker_key}

    def is_caps_period_label(self, label: str) -> bool:
        """ "NICK TIMIRAOS." is a label where the text writes its labels so: again and again for one
        speaker, or, in a text where such labels abound, a name of two to four words asked once."""
        if self.label_counts.get(lookup_key(label), 0) >= CAPS_PERIOD_MIN_COUNT:
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
        if numbered := NUMBERED_LABEL.fullmatch(strip_parenthetical(label)):
            resolution = self.resolve_label(numbered["label"])
            if resolution is not None and resolution.question:
                return resolution
            if resolution is not None or lookup_key(numbered["label"]) in {"speaker", "participant", "voice"}:
                return Resolution(
                    readable_name(strip_parenthetical(label)), "label", role=lookup_key(numbered["label"])
                )
            return None
        base = strip_parenthetical(label)
        key = lookup_key(base)
        words = base.split()
        if not words or len(base) > LABEL_MAX_CHARS or any(map(str.isdigit, base)):
            return None
        if "," in base:
            return self._name_and_role(base)  # "Official Spokesperson, Shri Arindam Bagchi"
        if LEGEND_KEY.fullmatch(key) and key in self.legend:
            return self._resolve_legend(key)
        if key in QUESTION_LABELS:
            return Resolution(self.alias(base) or QUESTION_SPEAKER, "question", question=True, role=QUESTION_ROLE)
        if key in ANSWER_LABELS:
            return Resolution(self.alias(base) or self.principal, "alias" if self.alias(base) else "title", answer=True)
        if canonical := self.alias(base):
            return Resolution(canonical, "alias")
        if bare_word(words[0]) in SENTENCE_WORDS - {"the"} or not words[0][:1].isupper():
            return None
        if bare_word(words[0]) == "the" and len(words) == 1:
            return None
        if (typo := self._typo_of(base)) is not None:
            return typo
        if role := self._role_only(words):  # "THE PRESIDENT", "The Prime Minister"
            return role
        if len(words) > 2 and (known := self._recurring_label_before_aside(words)):
            return known  # "Senator Evans to journalist as conference breaks up"
        if len(words) > LABEL_MAX_WORDS:
            return self._role_and_name(words)  # "Former President of Austria Heinz Fischer"
        role_first = len(words) >= 3 and any(bare_word(word) in TITLE_WORDS - HONORIFICS for word in words[:-2])
        if role_first and (named := self._role_and_name(words)):  # "President of Russia Vladimir Putin"
            return named
        if bare_word(words[0]) == "the":
            return None
        if person := self._known_person_in_label(base):
            return Resolution(person.name, person.source, role=person.role)
        if len(words) == 1:
            if key == "speaker":  # an unnamed "SPEAKER:" at a press conference is the one running it
                return Resolution("Moderator", "label", role="moderator")
            if key in MODERATOR_WORDS or key in GROUP_WORDS:  # "MODERATOR:", "Moderator:"
                return Resolution(readable_name(base).title(), "label", role=key)
            if bare_word(base) in NON_NAME_WORDS | TITLE_WORDS or not self._is_dialogue(key):
                return None  # a lone capitalised word is a label as an alias, a known surname, or in a dialogue
            return Resolution(readable_name(base), "label")
        if is_all_caps(base) or looks_like_personal_name(words):
            name = readable_name(base)
            role = lookup_key(name) if self.kind_of(name) is SpeakerKind.GROUP else ""
            return Resolution(name, "label", role=role)
        if self._is_dialogue(key) and all(word[0].isupper() or word in NAME_PARTICLES for word in words):
            return Resolution(readable_name(base), "label")  # "Shenzhen TV:", "China Daily:" in a dialogue
        return None

    def _is_dialogue(self, key: str) -> bool:
        """A text whose paragraphs open with labels again and again (three labels used twice or
        more, or one label used three times): there, a capitalised phrase before a colon at the
        start of a paragraph is a speaker, even an outlet named once ("NHK:")."""
        recurring = [count for label, count in self.label_counts.items() if count >= 2]
        return len(recurring) >= 3 or any(count >= 3 for count in recurring) or self.label_counts.get(key, 0) >= 2

    def _typo_of(self, base: str) -> Resolution | None:
        """A label seen once that is a letter or two off a label the text uses often is that label."""
        key = lookup_key(base)
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
        if bare_word(words[0]) == "the":
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
            if bare_word(surname) in NON_NAME_WORDS | TITLE_WORDS | SENTENCE_WORDS | HEADLINE_WORDS:
                continue
            # Only a person the text introduces: "Beau Biden" in a speech is not "President Biden".
            person = self._by_surname.get(lookup_key(surname)) if in_title else self.resolve_surname(surname)
            if person is not None:
                return Resolution(person.name, person.source, role=role)
            # "President Biden" as the title names him; in the body only as most of its mentions of the role.
            if in_title or surnames[surname] >= 0.6 * sum(surnames.values()):
                return Resolution(f"{role} {surname}", "title" if in_title else "text", role=role)
        return None

    def _person_with_role(self, role_words: list[str]) -> Person | None:
        """The one person the text gives this role: "SPOKESPERSON" → Ned Price, "Department Spokesperson"."""
        wanted = [bare_word(word) for word in role_words]
        having = [
            person
            for person in self.persons.values()
            if person.source == "title"
            and person.role
            and all(word in lookup_key(person.role).split() for word in wanted)
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
        role_words = words[1:] if words and bare_word(words[0]) == "the" else words
        if role_words and all(bare_word(word) in TITLE_WORDS - HONORIFICS for word in role_words):
            return role_words
        return None

    def _name_and_role(self, base: str) -> Resolution | None:
        """A label giving a name and a role, either way round, around one comma: "Shri Arindam
        Bagchi, Official Spokesperson", "Official Spokesperson, Shri Arindam Bagchi"."""
        parts = [part.strip() for part in base.split(",")]
        if len(parts) != 2 or not all(parts):
            return None
        for name, role in (parts, parts[::-1]):
            words = list(itertools.dropwhile(lambda word: bare_word(word) in HONORIFICS, name.split()))
            role_words = {bare_word(word) for word in role.split()}
            is_name = looks_like_personal_name(words) and not {bare_word(word) for word in words} & (
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
            if words[size][:1].islower() and self.label_counts.get(lookup_key(" ".join(words[:size])), 0) >= 2:
                return self.resolve_label(self.label_forms[lookup_key(" ".join(words[:size]))])
        return None

    def _role_and_name(self, words: list[str]) -> Resolution | None:
        """A long label that ends in a name: "President of Russia Vladimir Putin" → Vladimir Putin."""
        if any(not (word[0].isupper() or word in HEADING_WORDS) for word in words):
            return None
        for size in (3, 2):
            tail = words[-size:]
            if looks_like_personal_name(tail) and not any(
                bare_word(word) in TITLE_WORDS | GROUP_WORDS for word in tail
            ):
                name = self.add_person(readable_name(" ".join(tail)), role=" ".join(words[:-size]), source="label")
                person = self.person(name)
                return Resolution(name, person.source if person else "label", role=" ".join(words[:-size]))
        return None

    def _known_person_in_label(self, base: str) -> Person | None:
        words = base.split()
        if len(words) == 1:
            return self.resolve_surname(words[0]) if words[0][0].isupper() else None
        if person := self.person(base) or self._same_person_as(base):
            return person  # "Sergey Lavrov", "Sergei Lavrov"
        for person in self.persons.values():
            if lookup_key(base).endswith(" " + lookup_key(person.name)):
                return person  # "Foreign Minister Sergey Lavrov"
        if all(bare_word(word) in TITLE_WORDS for word in words[:-1]):
            return self.resolve_surname(words[-1])  # "Mr. Price", "MS ZAKHAROVA", "Secretary Blinken"
        rest = list(itertools.dropwhile(lambda word: bare_word(word) in TITLE_WORDS, words))
        if rest and len(rest) < len(words):  # "MR. DE HARO": a surname of several words
            tail = " " + lookup_key(" ".join(rest))
            having = [person for person in self.persons.values() if (" " + lookup_key(person.name)).endswith(tail)]
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
