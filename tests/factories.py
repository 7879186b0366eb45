"""Small builders for test data (fixtures/ is for demo data)."""

import datetime
import hashlib
import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from annotations.models import Annotation, Claim, Target, Topic
from annotations.roles import ensure_roles
from annotations.services import passage_context
from corpus_app.models import Document, Speaker, Turn

_counter = itertools.count(1)


def make_user(role="Editor", *, username=None, password="pw-for-tests-123", superuser=False):
    """A user in one of the role groups (Viewer, Editor, Reviewer), or role=None for no group."""
    username = username or f"{(role or 'user').lower()}{next(_counter)}"
    user = get_user_model().objects.create_user(username=username, password=password)
    if superuser:
        user.is_superuser = user.is_staff = True
        user.save()
    if role:
        group = Group.objects.filter(name=role).first()
        if group is None:  # a live-server test flushed the tables, groups included
            ensure_roles(Group, Permission)
            group = Group.objects.get(name=role)
        user.groups.add(group)
    return user


def make_speaker(name=None, **fields):
    return Speaker.objects.create(name=name or f"Speaker {next(_counter)}", **fields)


def make_document(*, title=None, turns=None, **fields):
    """A document whose turns are (speaker name or None, kind, text) triples."""
    number = next(_counter)
    title = title or f"Document {number}"
    turns = turns or [
        ("Sergey Lavrov", "remarks", "National currencies now account for 85 percent of payments."),
        ("Journalist", "question", "How do you see the role of the CIS?"),
        ("Sergey Lavrov", "answer", "The CIS is one of them. It has established working ties."),
    ]
    raw = "\n".join(text for _, _, text in turns) + f"\n{number}"
    fields.setdefault("kind", "transcript")
    document = Document.objects.create(
        title=title,
        raw_text=raw,
        content_hash=hashlib.sha256(raw.encode()).hexdigest(),
        source_name=f"doc{number}.txt",
        **fields,
    )
    for position, (speaker_name, kind, text) in enumerate(turns):
        speaker = None
        if speaker_name:
            speaker, _ = Speaker.objects.get_or_create(name=speaker_name)
        Turn.objects.create(document=document, position=position, speaker=speaker, kind=kind, text=text)
    return document


def make_press_conference(*, remarks, answer):
    """The Almaty press conference the exports are tested on: Lavrov's ``remarks``, a journalist's
    question, his ``answer`` and a statement of the ministry."""
    return make_document(
        title="Press conference, Almaty",
        date=datetime.date(2025, 4, 11),
        place="Almaty",
        publisher="MFA",
        turns=[
            ("Sergey Lavrov", "remarks", remarks),
            ("Journalist", "question", "How do you see the role of the EU?"),
            ("Sergey Lavrov", "answer", answer),
            ("Ministry of Foreign Affairs", "remarks", "The sanctions have failed, as everyone can see now."),
        ],
    )


def make_topic(name=None, *, parent=None):
    name = name or f"Topic {next(_counter)}"
    slug = f"{name.lower().replace(' ', '-')}-{next(_counter)}"
    return Topic.objects.create(name=name, slug=slug, parent=parent)


def make_target(name=None):
    name = name or f"Target {next(_counter)}"
    return Target.objects.create(name=name, slug=f"{name.lower().replace(' ', '-')}-{next(_counter)}")


def make_annotation(*, turn=None, start=0, end=None, author=None, topics=(), polarity="", target=None, claim=False):
    """An annotation written directly (no permission checks), for tests of reading paths."""
    turn = turn or make_document().turns.first()
    end = end if end is not None else min(len(turn.text), start + 20)
    prefix, suffix = passage_context(turn.text, start, end)
    annotation = Annotation.objects.create(
        turn=turn,
        start=start,
        end=end,
        quote=turn.text[start:end],
        prefix=prefix,
        suffix=suffix,
        polarity=polarity,
        target=target if polarity else None,
        author=author or make_user("Editor"),
    )
    if topics:
        annotation.topics.set(topics)
    if claim:
        Claim.objects.create(annotation=annotation)
    return annotation


HUGE_RAW_TEXT_CHARS = 20 * 1024 * 1024


def make_big_corpus(*, documents=60, huge_turns=300, annotations=60):
    """A corpus with one 20 MB document (its raw text assigned directly, not parsed: cheap) of
    ``huge_turns`` turns, ``documents`` small documents of three turns, and ``annotations``
    annotations on the big one's turns, every other one a claim. Returns the big document."""
    speaker = Speaker.objects.get_or_create(name="Sergey Lavrov")[0]
    line = "Long remarks on every subject of the day, " * 20 + "\n"
    raw = (line * (HUGE_RAW_TEXT_CHARS // len(line) + 1))[:HUGE_RAW_TEXT_CHARS]
    huge = Document.objects.create(
        title="A very long transcript", raw_text=raw, content_hash=hashlib.sha256(b"huge").hexdigest()
    )
    Turn.objects.bulk_create(
        Turn(document=huge, position=position, speaker=speaker, kind="remarks", text=line.strip() + f" {position}")
        for position in range(huge_turns)
    )
    small = Document.objects.bulk_create(
        Document(title=f"Briefing {number}", raw_text=f"Briefing {number}", content_hash=f"small-{number:058d}")
        for number in range(documents)
    )
    Turn.objects.bulk_create(
        Turn(document=document, position=position, speaker=speaker, kind="remarks", text=f"Turn {position}.")
        for document in small
        for position in range(3)
    )
    author, parent = make_user("Editor"), make_topic()
    topics = [make_topic(parent=parent) for _ in range(20)]  # a tree: a topic's name is its path
    for number, turn in enumerate(huge.turns.order_by("position")[:annotations]):
        topic = topics[number % len(topics)]
        make_annotation(turn=turn, start=5, end=40, author=author, topics=[topic], claim=number % 2 == 0)
    return huge
