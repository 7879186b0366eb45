"""The import page in Chromium: files and a .zip through the preview (a speaker corrected), and a
batch of 200 files imported in the background by the task worker, followed by its progress bar."""

import io
import threading
import zipfile

import pytest

from tests.corpus_app.test_import_page import BRIEFING, INTERVIEW

pytestmark = pytest.mark.browser


@pytest.fixture
def editor(roles):
    from tests.factories import make_user

    return make_user("Editor", username="importer")


def write_zip(path, members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    path.write_bytes(buffer.getvalue())
    return path


def test_two_files_and_a_zip_previewed_a_speaker_corrected_and_saved(
    page, live_server, login, editor, tmp_path, artifacts
):
    from corpus_app.models import Document

    briefing = tmp_path / "briefing.txt"
    briefing.write_text(BRIEFING)
    interview = tmp_path / "interview.md"
    interview.write_text(INTERVIEW)
    archive = write_zip(
        tmp_path / "more.zip",
        {
            "folder/one.txt": BRIEFING.replace("harbour", "airport"),
            "folder/two.txt": INTERVIEW.replace("Tartu", "Narva"),
        },
    )
    login(page, editor)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Import", exact=True).click()
    page.set_input_files("#id_files", [str(briefing), str(interview), str(archive)])
    page.get_by_role("button", name="Read the files").click()
    page.wait_for_url("**/preview/")

    # Four files, the first shown: its source beside its turns, nothing saved yet.
    assert page.locator(".import-files li").count() == 4
    assert page.locator("#line-5").text_content().strip().startswith("Q: Minister, what about the new port fees?")
    assert Document.objects.count() == 0
    speaker = page.locator("#id_file-0-turns-2-speaker")
    assert speaker.input_value() != "Mart Kask"
    speaker.fill("Mart Kask")
    page.screenshot(path=str(artifacts / "import-preview.png"), full_page=True)
    page.get_by_role("button", name="Next file ›").click()
    page.wait_for_url("**/preview/?file=1")
    assert page.locator("h2.file-name").text_content().startswith("interview.md")
    page.get_by_role("button", name="Import 4 files").click()
    page.wait_for_url("**/documents/import/batches/*/")

    assert page.locator("#import-progress-text").text_content() == "4 of 4 files (100%)"
    links = page.locator(".import-outcomes tbody a")
    assert links.count() == 4
    document = Document.objects.get(source_name="briefing.txt")
    assert document.turns.get(position=2).speaker.name == "Mart Kask"
    assert document.turns.get(position=4).speaker.name != "Mart Kask"  # only the turn corrected
    page.locator(f'.import-outcomes a[href="/documents/{document.pk}/"]').click()
    page.wait_for_url(f"**/documents/{document.pk}/")
    assert "Mart Kask" in page.locator("main").text_content()


def run_worker_until_idle():
    """The database backend's worker, in a thread of this process (the live server's database):
    on SQLite the in-memory test database is the test's own connection, shared as the live server shares it."""
    from django.db import connections
    from django_tasks_db.management.commands.db_worker import Worker

    shared = connections["default"]
    failures = []
    if shared.vendor == "sqlite":
        shared.inc_thread_sharing()

    def run():
        if shared.vendor == "sqlite":
            connections["default"] = shared
        try:
            Worker(
                queue_names=["default"],
                interval=0.1,
                batch=True,  # every task waiting, then it stops
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id="browser-test-worker",
                excluded_queue_names=[],
            ).run()
        except BaseException as exc:
            failures.append(exc)
        finally:
            if shared.vendor == "sqlite":
                shared.dec_thread_sharing()
            else:
                connections.close_all()

    thread = threading.Thread(target=run, name="db-worker")
    thread.start()
    return thread, failures


def test_a_batch_of_200_files_is_imported_in_the_background_with_a_progress_bar(
    page, live_server, login, editor, tmp_path, settings, artifacts
):
    from corpus_app.models import Document, ImportBatch

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    archive = write_zip(
        tmp_path / "briefings.zip",
        {
            f"briefings/{n:03}.txt": f"Briefing {n}, Riga, May {n % 28 + 1}, 2025\n\n"
            f"SPOKESPERSON: Welcome to briefing {n}.\n\nQ: What is new, {n}?\n\nSPOKESPERSON: Item {n}.\n"
            for n in range(200)
        },
    )
    login(page, editor)
    page.goto(f"{live_server.url}/documents/import/")
    page.set_input_files("#id_files", str(archive))
    page.get_by_role("button", name="Read the files").click()
    page.wait_for_url("**/documents/import/batches/*/")
    batch = ImportBatch.objects.get()
    assert batch.total == 200 and batch.background
    bar = page.locator("#import-progress-bar")
    assert bar.get_attribute("max") == "200" and bar.get_attribute("value") == "0"  # queued: no worker yet

    thread, failures = run_worker_until_idle()
    try:
        page.reload()  # the progress is the server's: a reload shows where the import is
        assert int(page.locator("#import-progress-bar").get_attribute("value")) >= 0
        # The page follows the worker by itself and shows every outcome once it is done.
        page.locator("#import-progress-text").filter(has_text="200 of 200 files (100%)").wait_for(timeout=120_000)
    finally:
        thread.join(timeout=180)
    assert not failures and not thread.is_alive()

    page.reload()
    assert page.locator("#import-progress-bar").get_attribute("value") == "200"
    assert page.locator("#import-progress-text").text_content() == "200 of 200 files (100%)"
    assert page.locator(".import-counts").text_content().strip() == "Imported: 200"
    assert page.locator(".import-outcomes tbody tr").count() == 100  # a page of outcomes
    page.screenshot(path=str(artifacts / "import-batch-done.png"), full_page=False)
    assert Document.objects.count() == 200
