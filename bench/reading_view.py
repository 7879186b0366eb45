"""The reading view of a long document, timed with the test client: the median of a page's requests,
wall clock and the process's CPU (the CPU time is steadier on a shared machine).

    DATABASE_URL=sqlite:////tmp/reading.sqlite3 .venv/bin/python bench/reading_view.py setup
    DATABASE_URL=sqlite:////tmp/reading.sqlite3 .venv/bin/python bench/reading_view.py measure [--cold]

``setup`` migrates the database it is given (use a scratch one) and adds two documents: one of
2,000 turns with 400 annotations (40 on its first page) and one of 400 turns with 2,000
annotations (1,000 on its first page). ``measure`` times the first page of each as an editor,
with the page's cached fragments warm, or with ``--cold`` emptied before each request (the first
view after a change). Run it with ``PYTHONPATH`` pointing at another checkout to compare.
"""

import argparse
import gc
import hashlib
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))  # after PYTHONPATH: another checkout may come first

DOCUMENTS = {"Long document, few annotations": (2000, 400), "Short document, many annotations": (400, 2000)}
USERNAME = "reading-bench-editor"


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desk.settings")
    os.environ.update(
        DEBUG="false",
        SECRET_KEY="reading-bench-only-secret-key-0123456789-abcdefghijklmnop",
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        CONN_MAX_AGE="0",
    )
    import django

    django.setup()
    from django.test.utils import override_settings

    # Plain static files storage: the templates need no collectstatic manifest.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()


def setup():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.core.management import call_command

    from annotations.models import Annotation, Claim, Target, Topic
    from annotations.roles import ensure_roles
    from corpus_app.models import Document, Speaker, Turn

    call_command("migrate", verbosity=0)
    ensure_roles(Group, Permission)
    editor, _ = get_user_model().objects.get_or_create(username=USERNAME)
    editor.groups.add(Group.objects.get(name="Editor"))
    rng = random.Random(7)
    parent = Topic.objects.create(name="Sanctions & economy", slug="bench-sanctions")
    topics = [Topic.objects.create(name=f"Topic {n}", slug=f"bench-topic-{n}", parent=parent) for n in range(20)]
    targets = [Target.objects.create(name=f"Target {n}", slug=f"bench-target-{n}") for n in range(8)]
    speakers = [Speaker.objects.create(name=name) for name in ("Sergey Lavrov", "Journalist", "Maria Zakharova")]
    kinds = ["remarks", "question", "answer", "narration"]
    text = "Long remarks on every subject of the day, with <some> & other marks, " * 4
    for title, (turn_count, annotation_count) in DOCUMENTS.items():
        document = Document.objects.create(
            title=title, raw_text="…", content_hash=hashlib.sha256(title.encode()).hexdigest(), publisher="MFA"
        )
        Turn.objects.bulk_create(
            Turn(
                document=document,
                position=position,
                speaker=speakers[position % 3] if position % 7 else None,
                kind=kinds[position % 4],
                label=["Q", "SL", "", "Sergey Lavrov"][position % 4],
                text=f"{text}{position}",
            )
            for position in range(turn_count)
        )
        turns = list(document.turns.order_by("position"))
        annotations = []
        for number in range(annotation_count):
            turn = turns[number * turn_count // annotation_count]
            start = rng.randrange(0, 150)
            end = start + rng.randrange(5, 100)
            polarity = rng.choice(["", "", "supports", "opposes", "neutral"])
            annotations.append(
                Annotation(
                    turn=turn,
                    start=start,
                    end=end,
                    quote=turn.text[start:end],
                    prefix=turn.text[max(0, start - 20) : start],
                    suffix=turn.text[end : end + 20],
                    polarity=polarity,
                    target=rng.choice(targets) if polarity else None,
                    note="a note" if number % 3 else "",
                    author=editor,
                )
            )
        annotations = Annotation.objects.bulk_create(annotations)
        through = Annotation.topics.through
        through.objects.bulk_create(
            through(annotation=annotation, topic=topics[n % len(topics)])
            for n, annotation in enumerate(annotations)
            if n % 4
        )
        Claim.objects.bulk_create(Claim(annotation=a) for n, a in enumerate(annotations) if n % 5 == 0)
    print(f"Added {len(DOCUMENTS)} documents.")


def measure(*, requests, cold):
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client

    from corpus_app.models import Document

    gc.freeze()  # as desk/wsgi.py does once the application is loaded
    client = Client()
    client.force_login(get_user_model().objects.get(username=USERNAME))
    for title, (turn_count, annotation_count) in DOCUMENTS.items():
        url = Document.objects.get(title=title).get_absolute_url()
        for _ in range(3):
            assert client.get(url).status_code == 200
        wall, cpu = [], []
        for _ in range(requests):
            if cold:
                cache.clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        listed = response.content.count(b'class="ann-link"')
        print(
            f"{title} ({turn_count:,} turns, {annotation_count:,} annotations; {listed:,} on page 1, "
            f"{len(response.content) // 1024:,} KB): median {statistics.median(wall):.1f} ms, "
            f"CPU median {statistics.median(cpu):.1f} ms"
        )


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["setup", "measure"])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--cold", action="store_true", help="empty the cache before each request")
    options = parser.parse_args(argv)
    setup_django()
    if options.action == "setup":
        setup()
    else:
        measure(requests=options.requests, cold=options.cold)


if __name__ == "__main__":
    main(sys.argv[1:])
