"""Big batches in the background: the task run in-process, by the database worker, and by an RQ worker on Redis."""

import io
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from corpus_app.models import Document, ImportBatch, ImportBatchStatus, ImportOutcome

ROOT = Path(__file__).resolve().parents[2]
IMPORT_URL = "/documents/import/"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Redis database 2 of the local server is this project's test database (README "Redis").
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/2")


def transcript(number: int) -> str:
    return (
        f"Briefing number {number}, Riga, April {number % 28 + 1}, 2025\n\n"
        f"SPOKESPERSON: Welcome to briefing {number}.\n\nQ: What is new today, {number}?\n\n"
        f"SPOKESPERSON: Item {number} is new today.\n"
    )


def zipped(count: int, *, bad: int | None = None) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in range(count):
            data = b"\x00\x01binary" * 10 if number == bad else transcript(number).encode()
            archive.writestr(f"briefings/{number:03}.txt", data)
    return SimpleUploadedFile("briefings.zip", buffer.getvalue())


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.mark.django_db
def test_many_files_go_to_the_background_task_and_the_page_shows_each_outcome(
    editor_client, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE  # the task runs in the request: its outcome is there at once
    settings.IMPORT_PREVIEW_MAX_FILES = 5
    with django_capture_on_commit_callbacks(execute=True):  # enqueued once the batch's files are stored
        response = editor_client.post(IMPORT_URL, {"files": [zipped(8, bad=3)]})
    batch = ImportBatch.objects.get()
    assert response["Location"] == batch.get_absolute_url()
    assert batch.background and batch.status == ImportBatchStatus.DONE and (batch.done, batch.total) == (8, 8)
    assert batch.task_id
    assert Document.objects.count() == 7

    page = editor_client.get(batch.get_absolute_url())
    html = page.content.decode()
    assert '<progress id="import-progress-bar" max="8" value="8">' in html
    assert 'http-equiv="refresh"' not in html  # done: no more reloading
    assert html.count('<span class="outcome outcome-imported">') == 7
    assert "briefings/003.txt" in html and page.context["page_obj"][3].outcome == ImportOutcome.FAILED
    for document in Document.objects.all():
        assert document.get_absolute_url() in html

    progress = editor_client.get(reverse("corpus:import-batch-progress", args=[batch.pk])).json()
    assert progress | {"counts": None} == {
        "id": batch.pk,
        "status": "done",
        "status_display": "Done",
        "done": 8,
        "total": 8,
        "percent": 100,
        "finished": True,
        "error": "",
        "counts": None,
    }
    assert progress["counts"]["imported"] == 7 and progress["counts"]["failed"] == 1


@pytest.mark.django_db
def test_a_queued_batch_page_reloads_itself_without_javascript(editor_client, settings):
    settings.TASKS = DATABASE  # queued; no worker runs in this test
    editor_client.post(IMPORT_URL, {"files": [zipped(3)], "background": "on"})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatchStatus.QUEUED and batch.done == 0
    html = editor_client.get(batch.get_absolute_url()).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert 'value="0"' in html and "0 of 3 files (0%)" in html
    assert editor_client.get(reverse("corpus:import-batch-progress", args=[batch.pk])).json()["finished"] is False


@pytest.mark.django_db
def test_batch_pages_are_for_editors(client, viewer, editor_client, settings):
    settings.TASKS = DATABASE
    editor_client.post(IMPORT_URL, {"files": [zipped(2)], "background": "on"})
    batch = ImportBatch.objects.get()
    client.force_login(viewer)
    assert client.get(batch.get_absolute_url()).status_code == 403
    assert client.get(reverse("corpus:import-batch-progress", args=[batch.pk])).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_imports_a_queued_batch(editor_client, settings):
    settings.TASKS = DATABASE
    editor_client.post(IMPORT_URL, {"files": [zipped(6)], "background": "on"})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatchStatus.QUEUED and not Document.objects.exists()

    # The worker's run-once mode: every task waiting, then it exits.
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    batch.refresh_from_db()
    assert batch.status == ImportBatchStatus.DONE and batch.done == batch.total == 6
    assert Document.objects.count() == 6
    assert editor_client.get(reverse("corpus:import-batch-progress", args=[batch.pk])).json()["percent"] == 100


@pytest.mark.django_db
def test_the_command_queues_files_for_the_background(tmp_path, settings, capsys, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE
    for number in range(3):
        (tmp_path / f"{number}.txt").write_text(transcript(number))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_transcripts", str(tmp_path), str(tmp_path / "missing.txt"), "--background")
    assert DBTaskResult.objects.get().args_kwargs["kwargs"] == {"batch_id": ImportBatch.objects.get().pk}
    batch = ImportBatch.objects.get()
    assert f"/documents/import/batches/{batch.pk}/" in capsys.readouterr().out
    assert batch.total == 4 and batch.status == ImportBatchStatus.QUEUED and batch.created_by is None
    assert batch.files.get(outcome=ImportOutcome.FAILED).message == "no such file or folder"
    assert not Document.objects.exists()


# The worker as a separate process: it needs a database of its own that the test can read too,
# so these run the commands (migrate, import_transcripts --background, the worker) on a SQLite file.


def manage(*args, env, timeout=240):
    command = [sys.executable, "manage.py", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory):
    path = tmp_path_factory.mktemp("worker") / "desk.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "DEBUG": "true", "TASKS_BACKEND": "database"}
    result = manage("migrate", "--noinput", "-v", "0", env=env)
    assert result.returncode == 0, result.stderr
    return path, env


def batch_state(path):
    with sqlite3.connect(path) as connection:
        batch = connection.execute(
            "SELECT id, status, done, total FROM corpus_app_importbatch ORDER BY id DESC LIMIT 1"
        ).fetchone()
        documents = connection.execute(
            "SELECT count(*) FROM corpus_app_importfile WHERE batch_id = ? AND outcome = 'imported'", [batch[0]]
        ).fetchone()[0]
    return {"status": batch[1], "done": batch[2], "total": batch[3], "imported": documents}


def queue_files(tmp_path, env, count, first=0):
    folder = tmp_path / f"files-{first}"
    folder.mkdir()
    for number in range(first, first + count):
        (folder / f"{number}.txt").write_text(transcript(number))
    result = manage("import_transcripts", str(folder), "--background", env=env)
    assert result.returncode == 0, result.stderr
    assert "/documents/import/batches/" in result.stdout


def test_the_database_worker_process_imports_a_batch_queued_by_the_command(migrated_database, tmp_path):
    path, env = migrated_database
    queue_files(tmp_path, env, 5)
    assert batch_state(path) == {"status": "queued", "done": 0, "total": 5, "imported": 0}
    worker = manage("db_worker", "--batch", "--no-startup-delay", "--no-reload", env=env)
    assert worker.returncode == 0, worker.stderr
    assert batch_state(path) == {"status": "done", "done": 5, "total": 5, "imported": 5}


def redis_or_fail():
    import redis

    try:
        connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        connection.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is needed in CI: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL} ({exc})")
    return connection


def test_the_rq_worker_process_imports_a_batch_queued_on_redis(migrated_database, tmp_path):
    from rq import Queue

    path, env = migrated_database
    connection = redis_or_fail()
    Queue("default", connection=connection).empty()  # nothing left over from an earlier run
    rq_env = {**env, "TASKS_BACKEND": "rq", "REDIS_URL": REDIS_URL}
    queue_files(tmp_path, rq_env, 4, first=100)
    assert batch_state(path) == {"status": "queued", "done": 0, "total": 4, "imported": 0}
    assert Queue("default", connection=connection).count == 1

    # A worker of its own, in its own process: --burst takes what is queued, then exits.
    worker = manage("rqworker", "--burst", "--job-class", "django_tasks_rq.Job", "default", env=rq_env)
    assert worker.returncode == 0, worker.stderr + worker.stdout
    assert batch_state(path) == {"status": "done", "done": 4, "total": 4, "imported": 4}
    assert Queue("default", connection=connection).count == 0


def test_the_task_backend_is_chosen_by_the_environment(migrated_database):
    _, env = migrated_database
    script = "from django.conf import settings; import json; print(json.dumps(settings.TASKS))"
    for backend, expected in (("database", "django_tasks_db.DatabaseBackend"), ("rq", "django_tasks_rq.RQBackend")):
        result = manage("shell", "-c", script, env={**env, "TASKS_BACKEND": backend, "REDIS_URL": REDIS_URL})
        assert json.loads(result.stdout.strip().splitlines()[-1])["default"]["BACKEND"] == expected, result.stdout
    result = manage("check", env={**env, "TASKS_BACKEND": "celery"})
    assert result.returncode != 0 and "TASKS_BACKEND must be database, rq or immediate" in result.stderr
