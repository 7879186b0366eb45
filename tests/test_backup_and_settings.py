"""Operations: a backup round-trips without loss, and production settings pass Django's deploy check."""

import json
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command

from annotations.models import Annotation, Claim
from annotations.roles import ensure_roles
from annotations.services import annotation_update, claim_set_status
from corpus_app.management.commands import backup_data
from corpus_app.models import Document, Speaker, Turn
from dashboard.counts import TableCounts, counts
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[1]


def _counts():
    from annotations.models import Target, Topic

    return {
        "documents": Document.objects.count(),
        "turns": Turn.objects.count(),
        "speakers": Speaker.objects.count(),
        "topics": Topic.objects.count(),
        "targets": Target.objects.count(),
        "annotations": Annotation.objects.count(),
        "claims": Claim.objects.count(),
        "annotation_history": Annotation.history.count(),
        "claim_history": Claim.history.count(),
        "users": get_user_model().objects.count(),
    }


@pytest.mark.django_db(transaction=True)
def test_dumpdata_and_loaddata_round_trip_everything_history_included(tmp_path):
    ensure_roles(Group, Permission)  # an earlier transactional test may have flushed them
    call_command("loaddata", "speakers", "corpus", "topics", "targets", "demo_annotations", stdout=StringIO())
    editor, reviewer = make_user("Editor"), make_user("Reviewer")
    annotation = Annotation.objects.order_by("pk").first()
    annotation_update(user=editor, annotation_id=annotation.pk, version=annotation.version, note="Checked wording.")
    claim = Claim.objects.filter(status="unverified").order_by("pk").first()
    claim_set_status(user=reviewer, claim_id=claim.pk, status="false", rationale="The figure is wrong.")
    before = _counts()
    sample_turn = Turn.objects.select_related("speaker", "document").get(
        document__source_name__startswith="001_", position=3
    )
    backup = tmp_path / "backup.json"
    call_command("backup_data", str(backup), stdout=StringIO())

    call_command("flush", "--noinput", stdout=StringIO())
    assert Document.objects.count() == 0
    # A restore goes into a freshly migrated database, where the role migration made the groups.
    ensure_roles(Group, Permission)
    call_command("restore_backup", str(backup), stdout=StringIO())

    assert _counts() == before
    # The dashboard's counts, kept by the database on PostgreSQL, are those of the restored rows.
    shown, counted = counts(), TableCounts()
    assert (shown.annotations(), shown.claims(), sorted(shown.stances())) == (
        counted.annotations(),
        counted.claims(),
        sorted(counted.stances()),
    )
    restored = Annotation.objects.get(uuid=annotation.uuid)
    assert (restored.note, restored.version, restored.quote) == (
        "Checked wording.",
        annotation.version + 1,
        annotation.quote,
    )
    latest = restored.history.order_by("-history_date").first()
    assert latest.history_user.username == editor.username and latest.note == "Checked wording."
    assert Claim.objects.get(annotation__uuid=claim.annotation.uuid).reviewer.username == reviewer.username
    turn = Turn.objects.get(document__source_name__startswith="001_", position=3)
    assert (turn.text, turn.speaker.name, turn.kind) == (sample_turn.text, sample_turn.speaker.name, sample_turn.kind)
    assert Document.objects.get(source_name__startswith="001_").raw_text == sample_turn.document.raw_text


@pytest.mark.django_db
def test_restore_refuses_a_database_that_already_holds_documents(tmp_path):
    call_command("loaddata", "speakers", "corpus", stdout=StringIO())
    backup = tmp_path / "backup.json"
    call_command("backup_data", str(backup), stdout=StringIO())
    with pytest.raises(CommandError, match="already holds documents"):
        call_command("restore_backup", str(backup), stdout=StringIO())


@pytest.mark.django_db
def test_a_file_that_is_no_backup_is_refused_by_name_and_nothing_is_loaded(tmp_path):
    (tmp_path / "notes.json").write_text('{"not": "a backup"', encoding="utf-8")
    rows = [{"model": "corpus_app.speaker", "fields": {"name": "Half"}}, {"model": "nope.x"}]
    (tmp_path / "rows.json").write_text(json.dumps(rows), encoding="utf-8")
    for name, reason in [
        ("missing.json", "missing.json cannot be read (No such file or directory)"),
        ("notes.json", "notes.json cannot be restored, nothing of it was loaded"),
        ("rows.json", "rows.json cannot be restored, nothing of it was loaded"),
        ("corpus", "corpus cannot be read"),  # a file, not one of the project's fixtures by name
    ]:
        with pytest.raises(CommandError, match=re.escape(reason)):
            call_command("restore_backup", str(tmp_path / name) if name != "corpus" else name, stdout=StringIO())
    assert not Speaker.objects.exists() and not Document.objects.exists()


@pytest.mark.django_db
def test_a_backup_that_cannot_be_written_is_refused_and_an_earlier_one_kept(tmp_path, monkeypatch):
    with pytest.raises(CommandError, match="cannot be written"):
        call_command("backup_data", str(tmp_path / "no-such-folder" / "backup.json"), stdout=StringIO())

    backup = tmp_path / "backup.json"
    backup.write_text("[]", encoding="utf-8")

    def full_disk(objects, stream, **options):
        stream.write("[")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup_data, "_dump", lambda *labels, **options: [{"model": "auth.user"}])
    monkeypatch.setattr(backup_data.json, "dump", full_disk)
    with pytest.raises(CommandError, match=r"backup.json cannot be written \(No space left on device\)"):
        call_command("backup_data", str(backup), stdout=StringIO())
    assert backup.read_text(encoding="utf-8") == "[]"
    assert [path.name for path in tmp_path.iterdir()] == ["backup.json"]  # no partial file beside it


def _run_manage(*args, env_overrides):
    # A clean environment, as on a server: not this test run's settings, nor the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE (which the deploy check rightly refuses).
    unset = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


# Two connections to a SQLite file, as the server and the task worker (or an import) are: one reads,
# then writes, after the other has written.
CONCURRENT_WRITERS = """
import threading, time
from django.db import connection, connections, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE notes (id integer PRIMARY KEY, author text)")
errors = []

def write(author, wait_before, read_first):
    time.sleep(wait_before)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if read_first:  # an edit: the row read, then saved
                cursor.execute("SELECT count(*) FROM notes")
                time.sleep(0.3)
            cursor.execute("INSERT INTO notes (author) VALUES (%s)", [author])
    except Exception as exc:
        errors.append(f"{author}: {exc}")
    finally:
        connections.close_all()

editor = threading.Thread(target=write, args=("editor", 0, True))
worker = threading.Thread(target=write, args=("worker", 0.1, False))
threads = [editor, worker]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT author FROM notes ORDER BY author")
    print("errors:", errors, "rows:", [row[0] for row in cursor.fetchall()])
"""


def test_two_writers_on_a_sqlite_file_wait_for_each_other_instead_of_failing(tmp_path):
    database = tmp_path / "desk.sqlite3"
    result = _run_manage(
        "shell", "-c", CONCURRENT_WRITERS, env_overrides={"DATABASE_URL": f"sqlite:///{database}", "DEBUG": "true"}
    )

    assert result.returncode == 0, result.stderr
    assert "errors: [] rows: ['editor', 'worker']" in result.stdout


def test_production_settings_pass_the_deploy_check():
    result = _run_manage(
        "check",
        "--deploy",
        "--fail-level=WARNING",
        env_overrides={"DEBUG": "false", "SECRET_KEY": "x7" * 30 + "-Qz_9", "ALLOWED_HOSTS": "desk.example.org"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_off_without_a_secret_key_refuses_to_start():
    result = _run_manage("check", env_overrides={"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
