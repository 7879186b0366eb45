"""A synthetic corpus for benchmarks: documents, turns, annotations and claims at any size.

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
import random
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, models, transaction

from annotations.models import Annotation, Claim, ClaimStatus, Polarity, Target, Topic
from annotations.seed import TARGETS, TOPICS
from annotations.services import passage_context
from corpus_app.models import Document, DocumentKind, Speaker, SpeakerKind, Turn, TurnKind
from corpus_app.signals import corpus_bulk_loaded
from desk.cache import ANNOTATIONS, CORPUS, bump

SYNTHETIC_PUBLISHER = "synthetic"
SOURCE_PREFIX = "synthetic-"
USER_PREFIX = "synth-"
TRANSCRIPTS = Path(settings.BASE_DIR) / "fixtures" / "transcripts"

TURNS_PER_DOCUMENT = 50  # the mean, long documents included
LONG_DOCUMENT_TURNS = 400
LONG_DOCUMENT_SHARE = 0.02
ANNOTATIONS_PER_DOCUMENT = 12.5
CLAIM_SHARE = 0.2
BENCH_DOCUMENT_ANNOTATIONS = 2000  # the first document: 400 turns, 2,000 annotations (the reading-view bench)
SPEAKERS = 300
EDITORS = 40
REVIEWERS = 10
DOCUMENT_BATCH = 500

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
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
]  # fmt: skip
NOTES = [
    "Compare with the ministry's published figures.",
    "Check against the central bank statistics.",
    "Same wording as in the previous press conference.",
    "Context: follows the question on sanctions.",
    "",
    "",
]

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
    when = f"{MONTHS[date.month - 1]} {date.day}, {date.year}"
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
        when = f"{MONTHS[planned.date.month - 1]} {planned.date.day}, {planned.date.year}"
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


def _next_id(model):
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


# --- the generator ---------------------------------------------------------------------------


def real_document_count():
    return Document.objects.exclude(publisher=SYNTHETIC_PUBLISHER).count()


def synthetic_delete():
    """Remove every generated row (documents, turns, their annotations and claims, generated users)."""
    with transaction.atomic():
        turns = Turn.objects.filter(document__publisher=SYNTHETIC_PUBLISHER)
        annotations = Annotation.objects.filter(turn__in=turns)
        Claim.objects.filter(annotation__in=annotations)._raw_delete(connection.alias)
        Annotation.topics.through.objects.filter(annotation__in=annotations)._raw_delete(connection.alias)
        annotations._raw_delete(connection.alias)
        turns._raw_delete(connection.alias)
        Document.objects.filter(publisher=SYNTHETIC_PUBLISHER)._raw_delete(connection.alias)
        users = get_user_model().objects.filter(username__startswith=USER_PREFIX)
        users.model.groups.through.objects.filter(user__in=users)._raw_delete(connection.alias)
        users.delete()


def ensure_topics_and_targets():
    by_slug = {}
    for slug, name, parent, description in TOPICS:
        topic, _ = Topic.objects.get_or_create(
            slug=slug, defaults={"name": name, "parent": by_slug.get(parent), "description": description}
        )
        by_slug[slug] = topic
    targets = []
    for slug, name, kind in TARGETS:
        target, _ = Target.objects.get_or_create(slug=slug, defaults={"name": name, "kind": kind})
        targets.append(target)
    return list(Topic.objects.order_by("slug")), sorted(targets, key=lambda t: t.slug)


def ensure_users():
    User = get_user_model()
    editors, reviewers = [], []
    groups = {name: Group.objects.get(name=name) for name in ("Editor", "Reviewer")}
    for role, count, bucket in (("Editor", EDITORS, editors), ("Reviewer", REVIEWERS, reviewers)):
        for number in range(1, count + 1):
            username = f"{USER_PREFIX}{role.lower()}-{number:02d}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, first_name=role, last_name=f"{number:02d}")
                user.set_unusable_password()
                user.save()
                user.groups.add(groups[role])
            bucket.append(user)
    return editors, reviewers


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


def _annotation_span(rng, text):
    """A sentence or two of the turn (or a clause of a short one): start and end offsets."""
    starts = [0] + [m.end() for m in re.finditer(r"[.?!”]\s+", text)]
    begin = rng.choice(starts)
    end = begin
    for _ in range(rng.choice([1, 1, 1, 2])):
        match = re.compile(r"[.?!]”?(?=\s|$)").search(text, end + 1)
        end = match.end() if match else len(text)
        if end >= len(text):
            break
    if end - begin > 400:
        end = begin + 400
    while end > begin and text[end - 1].isspace():
        end -= 1
    if end <= begin:
        begin, end = 0, min(len(text), 40)
    return begin, end


@dataclass
class Stats:
    documents: int = 0
    turns: int = 0
    annotations: int = 0
    claims: int = 0
    characters: int = 0


def generate(*, documents, seed, now=None, progress=None, long_document=None):
    """Write ``documents`` generated documents and their annotations; returns :class:`Stats`."""
    now = now or datetime.datetime.now(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    rng = random.Random(seed)
    vocabulary = load_vocabulary()
    long_first = documents >= 100 if long_document is None else long_document
    writer = RowWriter()
    stats = Stats()
    report = progress or (lambda message: None)
    started = time.monotonic()

    topics, targets = ensure_topics_and_targets()
    leaf_topics = [t for t in topics if t.parent_id] or topics
    editors, reviewers = ensure_users()
    speakers = ensure_speakers(rng)
    speaker_names = sorted(name for name in speakers if name not in (MAIN_SPEAKER, JOURNALIST))
    counts = turn_counts(rng, documents, long_first=long_first)
    total_turns = sum(counts)
    # Annotations spread over every turn (the bench document takes its fixed share first).
    bench_annotations = BENCH_DOCUMENT_ANNOTATIONS if long_first else 0
    per_turn = max(0.0, (documents * ANNOTATIONS_PER_DOCUMENT - bench_annotations) / max(1, total_turns - counts[0]))

    ids = {model: _next_id(model) for model in (Document, Turn, Annotation, Claim, Annotation.topics.through)}
    span = datetime.timedelta(days=365)

    def created_at():
        # Most recent activity is denser: the dashboard's last weeks are never empty.
        return now - span * (rng.random() ** 2)

    for batch_start in range(0, documents, DOCUMENT_BATCH):
        document_rows, turn_rows, annotation_rows, claim_rows, topic_rows = [], [], [], [], []
        for index in range(batch_start, min(documents, batch_start + DOCUMENT_BATCH)):
            planned = plan_document(rng, vocabulary, speaker_names, turns=counts[index])
            raw_text = render_transcript(planned)
            document_id = ids[Document]
            ids[Document] += 1
            imported = now - datetime.timedelta(minutes=documents - index)
            document_rows.append(
                Document(
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
                    imported_at=imported,
                )
            )
            stats.characters += len(raw_text)
            for position, planned_turn in enumerate(planned.turns):
                turn = Turn(
                    id=ids[Turn],
                    document_id=document_id,
                    position=position,
                    speaker_id=speakers.get(planned_turn.speaker) if planned_turn.speaker else None,
                    label=planned_turn.label,
                    kind=planned_turn.kind,
                    text=planned_turn.text,
                    source_line=position + 3,
                )
                ids[Turn] += 1
                turn_rows.append(turn)
                if index == 0 and long_first:
                    wanted = BENCH_DOCUMENT_ANNOTATIONS // counts[0]
                else:
                    wanted = int(per_turn) + (1 if rng.random() < per_turn % 1 else 0)
                for _ in range(wanted):
                    start, end = _annotation_span(rng, turn.text)
                    prefix, suffix = passage_context(turn.text, start, end)
                    stance = rng.random() < 0.5
                    when = created_at()
                    annotation = Annotation(
                        id=ids[Annotation],
                        uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                        turn_id=turn.id,
                        start=start,
                        end=end,
                        quote=turn.text[start:end],
                        prefix=prefix,
                        suffix=suffix,
                        polarity=rng.choice(Polarity.values) if stance else "",
                        target_id=rng.choice(targets).pk if stance else None,
                        note=rng.choice(NOTES),
                        author_id=rng.choice(editors).pk,
                        created_at=when,
                        updated_at=when,
                        version=1,
                    )
                    ids[Annotation] += 1
                    annotation_rows.append(annotation)
                    chosen = rng.sample(leaf_topics, rng.choice([0, 1, 1, 1, 2])) if stance else []
                    if not chosen and not stance:
                        chosen = [rng.choice(leaf_topics)]
                    for topic in chosen:
                        topic_rows.append(
                            Annotation.topics.through(
                                id=ids[Annotation.topics.through], annotation_id=annotation.id, topic_id=topic.pk
                            )
                        )
                        ids[Annotation.topics.through] += 1
                    if rng.random() < CLAIM_SHARE:
                        claim_rows.append(_claim(rng, annotation, reviewers, ids[Claim], now))
                        ids[Claim] += 1
        with transaction.atomic():
            writer.write(Document, document_rows)
            writer.write(Turn, turn_rows)
            writer.write(Annotation, annotation_rows)
            writer.write(Annotation.topics.through, topic_rows)
            writer.write(Claim, claim_rows)
        stats.documents += len(document_rows)
        stats.turns += len(turn_rows)
        stats.annotations += len(annotation_rows)
        stats.claims += len(claim_rows)
        report(
            f"{stats.documents}/{documents} documents, {stats.turns} turns, {stats.annotations} annotations, "
            f"{stats.claims} claims ({time.monotonic() - started:.1f} s)"
        )
    writer.reset_sequences([Document, Turn, Annotation, Claim, Annotation.topics.through])
    bump(CORPUS, ANNOTATIONS)  # written around the ORM: no signals said so
    # Whoever keeps figures of the data makes them again (the dashboard's kept counts).
    corpus_bulk_loaded.send(sender=None, connection=connection)
    if writer.postgres:
        with connection.cursor() as cursor:
            # VACUUM as autovacuum would soon: index-only scans need the visibility map. It cannot
            # run inside a transaction (a caller's atomic block, the tests'): ANALYZE alone there.
            # The documents' lexemes too (migration 0009): the text filter asks their statistics
            # which words most documents hold.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            tables = [model._meta.db_table for model in (Document, Turn, Annotation, Claim, Annotation.topics.through)]
            for table in [*tables, "corpus_app_document_lexemes"]:
                cursor.execute(f"{command} {connection.ops.quote_name(table)}")
    return stats


def _claim(rng, annotation, reviewers, claim_id, now):
    roll = rng.random()
    if roll < 0.45:
        status = ClaimStatus.UNVERIFIED
    elif roll < 0.6:
        status = ClaimStatus.IN_REVIEW
    else:
        status = rng.choice(ClaimStatus.verdict_values())
    verdict = status in ClaimStatus.verdict_values()
    reviewer = rng.choice(reviewers).pk if status != ClaimStatus.UNVERIFIED else None
    reviewed = min(now, annotation.created_at + datetime.timedelta(hours=rng.randrange(1, 240))) if verdict else None
    return Claim(
        id=claim_id,
        annotation_id=annotation.id,
        status=status,
        rationale="Checked against the official statistics and the ministry's own releases." if verdict else "",
        evidence=[f"https://example.org/evidence/{annotation.id}"] if verdict else [],
        reviewer_id=reviewer,
        reviewed_at=reviewed,
        created_at=annotation.created_at,
        updated_at=reviewed or annotation.created_at,
        version=2 if verdict else 1,
    )
