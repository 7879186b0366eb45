"""A synthetic corpus for benchmarks: documents and turns at any size (``annotations.synthetic`` adds the rest).

The text is recombined from the sentences of the sample transcripts in ``fixtures/transcripts/``
(question sentences for questions, the rest for remarks, answers and narration), so lengths,
vocabulary and full-text search behave like the real corpus. Everything is drawn from one
``random.Random(seed)``: the same seed and size give the same rows (timestamps are placed
relative to ``now``, which the caller fixes).

Rows are built as model instances, turned into database values field by field (so columns
another migration adds with a default are filled too), and written in large batches: with
``COPY`` on PostgreSQL, ``executemany`` elsewhere. Generated documents carry
``publisher=SYNTHETIC_PUBLISHER``; :func:`real_document_count` is what the command checks
before writing next to real data.
"""

import datetime
import hashlib
import re
from calendar import month_name  # English: the desk never sets a locale
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models

from corpus_app.models import Document, DocumentKind, Speaker, SpeakerKind, Turn, TurnKind

SYNTHETIC_PUBLISHER = "synthetic"
SOURCE_PREFIX = "synthetic-"
TRANSCRIPTS = Path(settings.BASE_DIR) / "fixtures" / "transcripts"

LONG_DOCUMENT_TURNS = 400
LONG_DOCUMENT_SHARE = 0.02  # with the others around 43 turns, about 50 turns a document on average
SPEAKERS = 300

PLACES = [
    "Moscow", "Almaty", "Astana", "Minsk", "Dushanbe", "Bishkek", "Tashkent", "Baku", "Yerevan", "Ashgabat",
    "Beijing", "New Delhi", "Ankara", "Tehran", "Geneva", "New York", "Rio de Janeiro", "Johannesburg",
    "Kazan", "Sochi", "St Petersburg", "Vladivostok", "Hanoi", "Jakarta", "Cairo", "Riyadh",
]  # fmt: skip
FIRST_NAMES = [
    "Sergey", "Maria", "Murat", "Alexei", "Dmitry", "Olga", "Sirojiddin", "Jeyhun", "Ararat", "Vladimir",
    "Bakhtiyor", "Rashid", "Elena", "Nikolai", "Zhanna", "Timur", "Aigerim", "Farhod", "Anna", "Igor",
]  # fmt: skip
LAST_NAMES = [
    "Petrov", "Nurtleu", "Muhriddin", "Bayramov", "Mirzoyan", "Kulov", "Saidov", "Ivanova", "Meredov",
    "Kuznetsov", "Aliyev", "Tokayev", "Rakhimov", "Sidorova", "Orlov", "Abdrakhmanov", "Volkov", "Karimov",
]  # fmt: skip
ROLES = ["Minister of Foreign Affairs", "Deputy Foreign Minister", "Ambassador", "Spokesperson", "Prime Minister"]
AFFILIATIONS = ["Russian Federation", "Kazakhstan", "Tajikistan", "Azerbaijan", "Armenia", "Belarus", "Uzbekistan"]
MAIN_SPEAKER = "Sergey Lavrov"
JOURNALIST = "Journalist"
_NOISE = re.compile(r"^(Photo:|\d{1,2}:\d{2}$|\d+-\d+-\d+-\d+$|CIS Map|Further Reading|Scroll to Top|read more)")
_SENTENCE = re.compile(r"(?<=[.?!…])\s+(?=[“\"A-Z])")


@dataclass
class Vocabulary:
    statements: list = field(default_factory=list)
    questions: list = field(default_factory=list)


def load_vocabulary(folder=TRANSCRIPTS):
    """Sentences of the sample transcripts, split into questions and the rest."""
    vocabulary = Vocabulary()
    for path in sorted(Path(folder).glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip().strip('“”"')
            if len(line) < 60 or _NOISE.match(line) or not re.search(r"[.?!]$", line):
                continue
            line = re.sub(r"^(Question|Q|SL|Sergey Lavrov|[A-Z][a-z]+ [A-Z][a-z]+):\s*", "", line)
            for sentence in _SENTENCE.split(line):
                sentence = sentence.strip()
                if len(sentence) < 25:
                    continue
                (vocabulary.questions if sentence.endswith("?") else vocabulary.statements).append(sentence)
    vocabulary.statements = sorted(set(vocabulary.statements))
    vocabulary.questions = sorted(set(vocabulary.questions))
    return vocabulary


@dataclass
class PlannedTurn:
    speaker: str | None
    label: str
    kind: str
    text: str


@dataclass
class PlannedDocument:
    title: str
    kind: str
    date: datetime.date
    place: str
    author: str
    turns: list


def _paragraph(rng, sentences, target):
    parts, length = [], 0
    while length < target:
        sentence = rng.choice(sentences)
        parts.append(sentence)
        length += len(sentence) + 1
    return " ".join(parts)


def _turn_length(rng):
    return max(80, int(rng.gauss(720, 280)))


def plan_document(rng, vocabulary, speakers, *, turns):
    """One transcript (or, one time in ten, a news article) with ``turns`` turns."""
    date = datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(11 * 365))
    place = rng.choice(PLACES)
    guest = rng.choice(speakers)
    when = f"{month_name[date.month]} {date.day}, {date.year}"
    if rng.random() < 0.1:
        planned = []
        for position in range(turns):
            if position % 3 == 2:
                text = "“" + _paragraph(rng, vocabulary.statements, _turn_length(rng) // 2) + "”"
                planned.append(PlannedTurn(MAIN_SPEAKER, "", TurnKind.QUOTE, text))
            else:
                planned.append(
                    PlannedTurn(None, "", TurnKind.NARRATION, _paragraph(rng, vocabulary.statements, _turn_length(rng)))
                )
        title = f"Lavrov discusses {rng.choice(['the CIS', 'sanctions', 'trade', 'security'])} with {guest} in {place}"
        return PlannedDocument(title, DocumentKind.ARTICLE, date, place, "Staff reporter", planned)
    planned = [PlannedTurn(MAIN_SPEAKER, "", TurnKind.REMARKS, _paragraph(rng, vocabulary.statements, 900))]
    while len(planned) < turns:
        if rng.random() < 0.03:
            planned.append(
                PlannedTurn(None, "", TurnKind.EDITORIAL_NOTE, f"(RPA: {rng.choice(vocabulary.statements)})")
            )
            continue
        asker = JOURNALIST if rng.random() < 0.8 else guest
        context = _paragraph(rng, vocabulary.statements, rng.randrange(100, 500)) if rng.random() < 0.6 else ""
        question = f"{context} {rng.choice(vocabulary.questions)}".strip()
        planned.append(PlannedTurn(asker, "Question", TurnKind.QUESTION, question))
        if len(planned) < turns:
            answerer = MAIN_SPEAKER if rng.random() < 0.85 else guest
            text = _paragraph(rng, vocabulary.statements, _turn_length(rng))
            planned.append(PlannedTurn(answerer, answerer, TurnKind.ANSWER, text))
    title = (
        f"Foreign Minister Sergey Lavrov’s remarks and answers to media questions at a joint news conference "
        f"following talks with {guest}, {place}, {when}"
    )
    return PlannedDocument(title, DocumentKind.TRANSCRIPT, date, place, "", planned[:turns])


def render_transcript(planned):
    """The document in the corpus's textual format (what ``import_transcripts`` reads)."""
    lines = ["Photo: MFA", planned.title]
    if planned.kind == DocumentKind.ARTICLE:
        when = f"{month_name[planned.date.month]} {planned.date.day}, {planned.date.year}"
        lines += [f"By {planned.author}", f"{planned.place}, {when}"]
    for turn in planned.turns:
        if turn.kind == TurnKind.EDITORIAL_NOTE:
            lines[-1] = f"{lines[-1]} {turn.text}"
        elif turn.label:
            lines.append(f"{turn.label}: {turn.text}")
        else:
            lines.append(turn.text)
    lines += ["Further Reading", "Scroll to Top"]
    return "\n".join(lines) + "\n"


def turn_counts(rng, documents, *, long_first):
    """Turns per document: mostly around 43, one in fifty around 400; mean about 50."""
    counts = []
    for index in range(documents):
        if (index == 0 and long_first) or rng.random() < LONG_DOCUMENT_SHARE:
            counts.append(LONG_DOCUMENT_TURNS)
        else:
            counts.append(max(3, int(rng.gauss(43, 15))))
    return counts


# --- writing ---------------------------------------------------------------------------------


class RowWriter:
    """Writes model instances in batches: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"

    def write(self, model, objects):
        if not objects:
            return
        fields = [f for f in model._meta.concrete_fields]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(model._meta.db_table)
        rows = (tuple(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields) for obj in objects)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(fields))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", list(rows))

    def reset_sequences(self, model_list):
        statements = connection.ops.sequence_reset_sql(no_style(), model_list)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def next_id(model):
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


def refresh_statistics(model_list):
    """After a bulk write on PostgreSQL: VACUUM ANALYZE the tables of ``model_list`` and the documents' lexemes.

    VACUUM as autovacuum would soon: index-only scans need the visibility map. It cannot run
    inside a transaction (a caller's atomic block, the tests'): ANALYZE alone there. The text
    filter asks the lexemes' statistics which words most documents hold.
    """
    if connection.vendor != "postgresql":
        return
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    tables = [model._meta.db_table for model in model_list]
    with connection.cursor() as cursor:
        for table in [*tables, "corpus_app_document_lexemes"]:
            cursor.execute(f"{command} {connection.ops.quote_name(table)}")


# --- the documents ---------------------------------------------------------------------------


def real_document_count():
    return Document.objects.exclude(publisher=SYNTHETIC_PUBLISHER).count()


def synthetic_documents_delete():
    """Remove the generated documents and their turns (whatever points at those turns goes first)."""
    Turn.objects.filter(document__publisher=SYNTHETIC_PUBLISHER)._raw_delete(connection.alias)
    Document.objects.filter(publisher=SYNTHETIC_PUBLISHER)._raw_delete(connection.alias)


def ensure_speakers(rng):
    names = {MAIN_SPEAKER: SpeakerKind.PERSON, JOURNALIST: SpeakerKind.GROUP}
    pool = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(pool)
    for name in pool[: SPEAKERS - len(names)]:
        names.setdefault(name, SpeakerKind.PERSON)
    # Draw every speaker's details whether or not it exists already: the same seed, the same draws.
    wanted = [
        Speaker(name=name, kind=kind, role=rng.choice(ROLES), affiliation=rng.choice(AFFILIATIONS))
        for name, kind in names.items()
    ]
    existing = set(Speaker.objects.filter(name__in=names).values_list("name", flat=True))
    Speaker.objects.bulk_create(speaker for speaker in wanted if speaker.name not in existing)
    return dict(Speaker.objects.filter(name__in=names).values_list("name", "pk"))


def document_rows(planned, *, seed, index, document_id, first_turn_id, speakers, imported_at):
    """The Document row of a planned document, and its Turn rows, with the ids given."""
    raw_text = render_transcript(planned)
    document = Document(
        id=document_id,
        title=planned.title[:500],
        kind=planned.kind,
        date=planned.date,
        place=planned.place,
        publisher=SYNTHETIC_PUBLISHER,
        author=planned.author,
        source_name=f"{SOURCE_PREFIX}{seed}-{index:06d}.txt",
        raw_text=raw_text,
        content_hash=hashlib.sha256(f"{SOURCE_PREFIX}{seed}-{index}\n{raw_text}".encode()).hexdigest(),
        import_warnings=[],
        imported_at=imported_at,
    )
    turns = [
        Turn(
            id=first_turn_id + position,
            document_id=document_id,
            position=position,
            speaker_id=speakers.get(planned_turn.speaker) if planned_turn.speaker else None,
            label=planned_turn.label,
            kind=planned_turn.kind,
            text=planned_turn.text,
            source_line=position + 3,
        )
        for position, planned_turn in enumerate(planned.turns)
    ]
    return document, turns
