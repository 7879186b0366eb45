"""The words the parser knows, as data: labels that mark questions and answers, roles, titles,
groups and organisations, and the words that never start a label or a name.

They describe transcripts in general, not particular files; a document's own labels are learnt
from the document (``labels``).
"""

from __future__ import annotations

QUESTION_SPEAKER = "Journalist"
QUESTION_ROLE = "journalist"
# Labels (compared case-insensitively, without a trailing parenthetical) that mark a question.
QUESTION_LABELS = {
    "q", "question", "interviewer", "presenter", "anchor", "questioner", "unidentified questioner",
    "unidentified reporter", "unidentified journalist", "follow-up question", "questions", "journalist", "reporter",
    "correspondent", "media question", "audience question", "question from the audience", "question from the floor",
    "audience member",
}  # fmt: skip


ANSWER_LABELS = {"a", "answer"}
PERIOD_LABELS = ("Q", "A")  # the only labels written with a full stop: "Q. …", "A. …"
# Roles that run a press conference rather than answer questions: their turns are remarks.
MODERATOR_WORDS = {
    "moderator", "host", "chair", "chairman", "chairwoman", "chairperson", "operator", "facilitator",
    "master of ceremonies",
}  # fmt: skip


# A label containing one of these names an unnamed group or role, not a person.
GROUP_WORDS = MODERATOR_WORDS | {
    "official", "officials", "journalist", "journalists", "reporter", "reporters", "correspondent", "participant",
    "participants", "interpreter", "translator", "audience", "spokesperson", "representative", "staff", "voice",
    "voices", "unidentified", "delegate", "respondent",
}  # fmt: skip


ORGANISATION_WORDS = {
    "ministry", "department", "office", "agency", "embassy", "government", "council", "committee", "commission",
    "secretariat", "service", "kremlin", "mfa", "organisation", "organization", "bank", "fund", "foundation", "union",
}  # fmt: skip


# Honorifics and titles that can precede a surname in a label: "Mr. Price", "Secretary Blinken".
HONORIFICS = {
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "madam", "mme", "hon", "shri", "smt",
    "sri", "h.e",
}  # fmt: skip


TITLE_WORDS = HONORIFICS | {
    "secretary", "minister", "president", "ambassador", "senator", "spokesperson", "spokeswoman", "spokesman",
    "governor", "chancellor", "director", "general", "deputy", "prime", "foreign", "press", "chairman", "chairwoman",
    "envoy", "commissioner", "mayor", "vice", "acting", "special", "representative", "senior", "state", "under",
    "assistant", "first",
}  # fmt: skip


# A label never starts with these: "Second: …", "Note: …", "Our cultural ties are expanding: …".
SENTENCE_WORDS = {
    "first", "second", "third", "fourth", "fifth", "firstly", "secondly", "thirdly", "finally", "lastly", "next",
    "then", "note", "nb", "ps", "however", "today", "yesterday", "tomorrow", "last", "week", "month", "year",
    "morning", "afternoon", "evening", "tonight", "now", "the", "a", "an", "in", "on", "at", "of", "for", "to", "by",
    "with", "from", "as", "and", "but", "or", "so", "our", "my", "your", "their", "his", "her", "its", "this", "that",
    "these", "those", "there", "here", "it", "we", "i", "you", "they", "he", "she", "also", "moreover", "furthermore",
    "meanwhile", "therefore", "thus", "hence", "again", "yes", "no", "well", "please", "example", "for example",
    "conclusion", "summary", "background", "important", "update", "all", "some", "many", "most", "one", "two",
    "three", "what", "why", "how", "when", "where", "who", "is", "are", "was", "were", "do", "does", "did", "has",
    "have", "had", "can", "could", "will", "would", "should", "may", "might", "must", "let", "if", "after", "before",
    "since", "despite", "according",
}  # fmt: skip


# Capitalised words that are not parts of a personal name ("Key Points:", "Media questions").
NON_NAME_WORDS = {
    "points", "point", "note", "notes", "summary", "background", "context", "update", "source", "sources", "topic",
    "topics", "subject", "agenda", "date", "time", "place", "location", "venue", "conclusion", "introduction", "key",
    "main", "question", "questions", "answer", "answers", "transcript", "read", "more", "tags", "photo", "video",
    "statement", "remarks", "comment", "comments", "media", "news", "today", "times", "post", "radio", "tv", "agency",
    "russia", "china", "united", "states", "kingdom", "republic", "federation", "nations", "union", "kazakhstan",
    "ukraine", "europe", "america",
}  # fmt: skip


# Lowercase words inside a personal name: "Ursula von der Leyen".
NAME_PARTICLES = {"de", "da", "del", "der", "den", "van", "von", "bin", "ibn", "al", "el", "la", "le", "du", "di"}
# Words a Title Case headline capitalises that end a name: "Jen Psaki Aboard Air Force One".
HEADLINE_WORDS = {
    "aboard", "about", "after", "against", "amid", "among", "at", "before", "between", "by", "during", "for", "from",
    "in", "into", "on", "over", "to", "under", "upon", "via", "with", "without", "and", "or", "the", "en", "route",
    "press", "conference", "briefing", "gaggle", "call", "meeting", "interview", "visit", "remarks", "statement",
    "speech", "talks", "joint", "regular", "holds", "hold", "meets", "says",
}  # fmt: skip


LABEL_MAX_WORDS = 5
LABEL_MAX_CHARS = 80
