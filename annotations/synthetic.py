"""A synthetic desk for benchmarks: ``corpus_app.synthetic``'s documents and turns, with annotations and claims.

The annotations are drawn from the same ``random.Random(seed)`` as the documents, turn by
turn, so the same seed and size give the same rows. Passages are a sentence or two of their
turn; about one in five is a claim, most of those reviewed. Generated authors are users
named ``synth-…`` in the Editor and Reviewer roles.
"""

import datetime
import random
import re
import time
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction

from annotations.fixture_builder import seed_topics_and_targets
from annotations.models import Annotation, Claim, ClaimStatus, Polarity, Target, Topic
from annotations.seed import TARGETS
from annotations.services import passage_context
from corpus_app import synthetic as corpus
from corpus_app.models import Document, Turn
from corpus_app.signals import corpus_bulk_loaded
from desk.cache import ANNOTATIONS, CORPUS, bump

USER_PREFIX = "synth-"
ANNOTATIONS_PER_DOCUMENT = 12.5
CLAIM_SHARE = 0.2
BENCH_DOCUMENT_ANNOTATIONS = 2000  # the first document: 400 turns, 2,000 annotations (the reading-view bench)
EDITORS = 40
REVIEWERS = 10
DOCUMENT_BATCH = 500

NOTES = [
    "Compare with the ministry's published figures.",
    "Check against the central bank statistics.",
    "Same wording as in the previous press conference.",
    "Context: follows the question on sanctions.",
    "",
    "",
]


def synthetic_delete():
    """Remove every generated row (documents, turns, their annotations and claims, generated users)."""
    with transaction.atomic():
        turns = Turn.objects.filter(document__publisher=corpus.SYNTHETIC_PUBLISHER)
        annotations = Annotation.objects.filter(turn__in=turns)
        Claim.objects.filter(annotation__in=annotations)._raw_delete(connection.alias)
        Annotation.topics.through.objects.filter(annotation__in=annotations)._raw_delete(connection.alias)
        annotations._raw_delete(connection.alias)
        corpus.synthetic_documents_delete()
        users = get_user_model().objects.filter(username__startswith=USER_PREFIX)
        users.model.groups.through.objects.filter(user__in=users)._raw_delete(connection.alias)
        users.delete()


def topics_and_targets():
    seed_topics_and_targets()
    targets = Target.objects.filter(slug__in=[target["slug"] for target in TARGETS])
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
    characters: int = 0  # of the generated documents' raw texts
    documents: int = 0
    turns: int = 0
    annotations: int = 0
    claims: int = 0


def generate(*, documents, seed, now=None, progress=None, long_document=None):
    """Write ``documents`` generated documents and their annotations; returns :class:`Stats`."""
    now = now or datetime.datetime.now(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    rng = random.Random(seed)
    vocabulary = corpus.load_vocabulary()
    long_first = documents >= 100 if long_document is None else long_document
    writer = corpus.RowWriter()
    stats = Stats()
    report = progress or (lambda message: None)
    started = time.monotonic()

    topics, targets = topics_and_targets()
    leaf_topics = [t for t in topics if t.parent_id] or topics
    editors, reviewers = ensure_users()
    speakers = corpus.ensure_speakers(rng)
    speaker_names = sorted(name for name in speakers if name not in (corpus.MAIN_SPEAKER, corpus.JOURNALIST))
    counts = corpus.turn_counts(rng, documents, long_first=long_first)
    total_turns = sum(counts)
    # Annotations spread over every turn (the bench document takes its fixed share first).
    bench_annotations = BENCH_DOCUMENT_ANNOTATIONS if long_first else 0
    per_turn = max(0.0, (documents * ANNOTATIONS_PER_DOCUMENT - bench_annotations) / max(1, total_turns - counts[0]))

    ids = {model: corpus.next_id(model) for model in (Document, Turn, Annotation, Claim, Annotation.topics.through)}
    span = datetime.timedelta(days=365)

    def created_at():
        # Most recent activity is denser: the dashboard's last weeks are never empty.
        return now - span * (rng.random() ** 2)

    for batch_start in range(0, documents, DOCUMENT_BATCH):
        document_rows, turn_rows, annotation_rows, claim_rows, topic_rows = [], [], [], [], []
        for index in range(batch_start, min(documents, batch_start + DOCUMENT_BATCH)):
            planned = corpus.plan_document(rng, vocabulary, speaker_names, turns=counts[index])
            document, turns = corpus.document_rows(
                planned,
                seed=seed,
                index=index,
                document_id=ids[Document],
                first_turn_id=ids[Turn],
                speakers=speakers,
                imported_at=now - datetime.timedelta(minutes=documents - index),
            )
            ids[Document] += 1
            ids[Turn] += len(turns)
            document_rows.append(document)
            turn_rows.extend(turns)
            stats.characters += len(document.raw_text)
            for turn in turns:
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
    written = [Document, Turn, Annotation, Claim, Annotation.topics.through]
    writer.reset_sequences(written)
    bump(CORPUS, ANNOTATIONS)  # written around the ORM: no model signal said so
    # Whoever keeps figures of the data makes them again (the dashboard's kept counts).
    corpus_bulk_loaded.send(sender=None, connection=connection)
    corpus.refresh_statistics(written)
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
