"""Import batches in the admin: their files and outcomes, read only, and a stalled batch queued again."""

import pytest
from django.urls import reverse

from corpus_app.import_batches import UploadedFile, import_batch_stage
from corpus_app.models import Document, ImportBatch, ImportBatchStatus, ImportOutcome
from tests.factories import make_user

pytestmark = pytest.mark.django_db

BRIEFING = b"""Press briefing on the harbour, Tallinn, March 3, 2025

MODERATOR: Good morning. The minister will take questions.

Q: Minister, what about the new port fees?

MINISTER KASK: The fees will stay as they are this year.
"""
CHANGELIST = reverse("admin:corpus_app_importbatch_changelist")


@pytest.fixture(autouse=True)
def tasks_in_process(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def admin_client(client):
    client.force_login(make_user(None, superuser=True))
    return client


def stalled_batch():
    """A background batch whose worker stopped after it had begun: "Importing", its file still waiting."""
    batch = import_batch_stage(files=[UploadedFile("harbour.txt", BRIEFING)], background=True)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatchStatus.RUNNING)
    return batch


def queue_again(client, *batches):
    return client.post(
        CHANGELIST, {"action": "queue_again", "_selected_action": [batch.pk for batch in batches]}, follow=True
    )


def test_a_batch_page_lists_its_files_and_outcomes_without_their_bytes(admin_client):
    batch = stalled_batch()
    page = admin_client.get(reverse("admin:corpus_app_importbatch_change", args=[batch.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "harbour.txt" in text and "Waiting" in text and "Importing" in text
    assert "MINISTER KASK" not in text  # the file's bytes stay out of the page
    assert 'name="_save"' not in text  # read only: a batch changes by being imported


def test_a_stalled_batch_queued_again_imports_its_waiting_files(admin_client):
    batch = stalled_batch()
    response = queue_again(admin_client, batch)
    assert "1 batch(es) queued again." in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatchStatus.DONE and batch.done == 1
    assert batch.files.get().outcome == ImportOutcome.IMPORTED
    assert Document.objects.get().title.startswith("Press briefing on the harbour")


def test_a_finished_batch_is_left_alone_with_a_warning(admin_client):
    batch = stalled_batch()
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatchStatus.DONE)
    response = queue_again(admin_client, batch)
    assert "1 batch(es) left alone: only a queued or importing batch is queued again." in response.content.decode()
    assert not Document.objects.exists()


def test_staff_who_may_not_import_are_not_offered_the_action(client):
    from django.contrib.auth.models import Permission

    staff = make_user(None)
    staff.is_staff = True
    staff.save()
    staff.user_permissions.add(Permission.objects.get(codename="view_importbatch"))
    client.force_login(staff)
    batch = stalled_batch()
    assert client.get(CHANGELIST).status_code == 200
    queue_again(client, batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatchStatus.RUNNING and not Document.objects.exists()
