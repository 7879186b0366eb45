"""The import page: upload, preview with edits, save through the importer; refusals and limits."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from corpus_app import import_views
from corpus_app.import_batches import import_batch_run
from corpus_app.models import Document, ImportBatch, ImportBatchStatus, ImportFile, ImportOutcome, Speaker
from tests.corpus_app.made_files import make_docx
from tests.factories import make_user

IMPORT_URL = "/documents/import/"

BRIEFING = """Press briefing on the harbour, Tallinn, March 3, 2025

MODERATOR: Good morning. The minister will take questions.

Q: Minister, what about the new port fees?

MINISTER KASK: The fees will stay as they are this year.

Q: And next year?

MINISTER KASK: We will see next year.
"""

INTERVIEW = """Interview with the mayor, Tartu, May 5, 2025

Q: Mayor, is the bridge finished?

MAYOR LEPP: It opens in June.

Q: Any delays?

MAYOR LEPP: None so far.
"""


def upload(name, text):
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text)


def zipped(members: dict[str, bytes | str]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return SimpleUploadedFile("batch.zip", buffer.getvalue(), content_type="application/zip")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture(autouse=True)
def tasks_in_process(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def post_upload(client, files=(), **fields):
    return client.post(IMPORT_URL, {"files": list(files), **fields})


def preview_url(batch, file=0):
    return f"{reverse('corpus:import-preview', args=[batch.pk])}?file={file}"


def save(client, batch, file=0, data=None):
    """Press Import on the preview of ``file``, with the form as shown (or changed by ``data``)."""
    page = client.get(preview_url(batch, file))
    form = form_data(page)
    form.update(data or {})
    form["save"] = "1"
    return client.post(reverse("corpus:import-preview", args=[batch.pk]), form)


def form_data(page) -> dict:
    """The values a browser would send back from the preview's form (as shown)."""
    html = page.content.decode()
    form = html[html.index('id="import-preview-form"') :]
    data = {}
    for match in re.finditer(r"<input([^>]*)>", form):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', match.group(1)))
        if "name" not in attrs or attrs.get("type") in ("submit",):
            continue
        if attrs.get("type") == "checkbox":
            if "checked" in match.group(1):
                data[attrs["name"]] = "on"
            continue
        data[attrs["name"]] = attrs.get("value", "")
    for match in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        selected = re.search(r'<option value="([^"]*)"[^>]*selected', match.group(2))
        data[match.group(1)] = selected.group(1) if selected else ""
    return data


def latest_batch():
    return ImportBatch.objects.latest("pk")


@pytest.mark.django_db
def test_two_files_are_previewed_then_imported(editor_client):
    response = post_upload(editor_client, [upload("briefing.txt", BRIEFING), upload("interview.md", INTERVIEW)])
    batch = latest_batch()
    assert response.status_code == 302 and response["Location"] == preview_url(batch).rsplit("?", 1)[0]
    assert batch.status == ImportBatchStatus.STAGED and batch.total == 2
    assert not Document.objects.exists()  # nothing saved before the preview's Import

    page = editor_client.get(preview_url(batch))
    assert page.status_code == 200
    text = page.content.decode()
    # The source on one side, the turns read on the other.
    assert "The fees will stay as they are this year." in text
    assert 'id="line-5"' in text
    assert page.context["preview"].parsed.title.startswith("Press briefing on the harbour")
    assert [item["turn"].kind.value for item in page.context["turns"]][:2] == ["remarks", "question"]

    response = save(editor_client, batch)
    batch.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    assert batch.status == ImportBatchStatus.DONE and batch.done == batch.total == 2
    documents = Document.objects.order_by("source_name")
    assert [d.source_name for d in documents] == ["briefing.txt", "interview.md"]
    assert documents[0].place == "Tallinn" and documents[0].turns.count() == 5

    outcome_page = editor_client.get(batch.get_absolute_url())
    for document in documents:
        assert document.get_absolute_url() in outcome_page.content.decode()
    assert [f.outcome for f in batch.files.order_by("position")] == [ImportOutcome.IMPORTED] * 2


@pytest.mark.django_db
def test_preview_edits_are_applied_on_save(editor_client):
    post_upload(editor_client, [upload("briefing.txt", BRIEFING)])
    batch = latest_batch()
    page = editor_client.get(preview_url(batch))
    turns = [item["turn"] for item in page.context["turns"]]
    minister = next(t for t in turns if t.label == "MINISTER KASK")
    prefix = "file-0"
    save(
        editor_client,
        batch,
        data={
            f"{prefix}-title": "Harbour briefing",
            f"{prefix}-date": "2025-03-04",
            f"{prefix}-place": "Pärnu",
            f"{prefix}-kind": "transcript",
            f"{prefix}-turns-{minister.position}-speaker": "Mart Kask",
            f"{prefix}-turns-0-kind": "narration",
        },
    )
    document = Document.objects.get()
    assert (document.title, str(document.date), document.place) == ("Harbour briefing", "2025-03-04", "Pärnu")
    turns = list(document.turns.select_related("speaker").order_by("position"))
    assert turns[minister.position].speaker.name == "Mart Kask"
    assert turns[0].kind == "narration"
    assert Speaker.objects.filter(name="Mart Kask").exists()
    # The other turn of the same label kept what the importer read.
    other = [t for t in turns if t.label == "MINISTER KASK" and t.position != minister.position]
    assert other and other[0].speaker.name != "Mart Kask"


@pytest.mark.django_db
def test_edits_of_one_file_are_kept_while_going_to_another(editor_client):
    post_upload(editor_client, [upload("briefing.txt", BRIEFING), upload("interview.txt", INTERVIEW)])
    batch = latest_batch()
    form = form_data(editor_client.get(preview_url(batch, 0)))
    form.update({"file-0-title": "Edited briefing", "goto": "1"})
    response = editor_client.post(reverse("corpus:import-preview", args=[batch.pk]), form)
    assert response["Location"].endswith("?file=1")
    save(editor_client, batch, file=1)
    assert set(Document.objects.values_list("title", flat=True)) == {"Edited briefing", "Interview with the mayor"}


@pytest.mark.django_db
def test_a_file_left_out_in_the_preview_is_not_imported(editor_client):
    post_upload(editor_client, [upload("briefing.txt", BRIEFING), upload("interview.txt", INTERVIEW)])
    batch = latest_batch()
    form = form_data(editor_client.get(preview_url(batch, 0)))
    form.pop("file-0-include")
    form["save"] = "1"
    editor_client.post(reverse("corpus:import-preview", args=[batch.pk]), form)
    assert list(Document.objects.values_list("source_name", flat=True)) == ["interview.txt"]
    assert batch.files.get(position=0).outcome == ImportOutcome.LEFT_OUT


@pytest.mark.django_db
def test_a_bad_preview_field_is_shown_and_nothing_is_imported(editor_client):
    post_upload(editor_client, [upload("briefing.txt", BRIEFING)])
    batch = latest_batch()
    response = save(editor_client, batch, data={"file-0-title": "", "file-0-turns-0-kind": "sermon"})
    assert response.status_code == 200
    assert response.context["document_form"].errors["title"]
    assert response.context["turn_formset"].forms[0].errors["kind"]
    assert not Document.objects.exists()
    assert ImportBatch.objects.get().status == ImportBatchStatus.STAGED


@pytest.mark.django_db
def test_a_zip_with_folders_is_unpacked_and_junk_skipped(editor_client):
    archive = zipped(
        {
            "press/2025/briefing.txt": BRIEFING,
            "press/interview.docx": make_docx(
                ["Interview with the mayor, Tartu, May 5, 2025", "Q: Is it done?", "MAYOR LEPP: Yes."]
            ),
            "__MACOSX/press/._briefing.txt": b"\x00\x05\x16\x07",
            "press/.DS_Store": b"junk",
        }
    )
    post_upload(editor_client, [archive])
    batch = latest_batch()
    assert list(batch.files.order_by("position").values_list("name", flat=True)) == [
        "press/2025/briefing.txt",
        "press/interview.docx",
    ]
    save(editor_client, batch)
    assert set(Document.objects.values_list("source_name", flat=True)) == {"briefing.txt", "interview.docx"}
    assert Document.objects.get(source_name="interview.docx").file.format == "docx"


@pytest.mark.django_db
def test_a_zip_with_names_outside_it_refuses_those_and_imports_the_rest(editor_client, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    archive = zipped({"../../evil.txt": BRIEFING, "/etc/passwd.txt": INTERVIEW, "ok/interview.txt": INTERVIEW})
    post_upload(editor_client, [archive])
    batch = latest_batch()
    files = {f.name: f for f in batch.files.all()}
    assert files["../../evil.txt"].outcome == ImportOutcome.FAILED
    assert "outside the archive" in files["../../evil.txt"].message
    assert files["/etc/passwd.txt"].outcome == ImportOutcome.FAILED
    save(editor_client, batch, file=files["ok/interview.txt"].position)
    assert list(Document.objects.values_list("source_name", flat=True)) == ["interview.txt"]
    assert not any(tmp_path.parent.glob("evil.txt")) and not list(tmp_path.iterdir())
    page = editor_client.get(batch.get_absolute_url()).content.decode()
    assert "its name in the archive points outside the archive" in page


@pytest.mark.django_db
def test_pasted_text_is_imported_under_its_name(editor_client):
    post_upload(editor_client, pasted_text=BRIEFING.replace("\n", "\r\n"), pasted_name="harbour.txt")
    batch = latest_batch()
    save(editor_client, batch)
    document = Document.objects.get()
    assert document.source_name == "harbour.txt" and document.turns.count() == 5
    assert "\r" not in document.raw_text


@pytest.mark.django_db
def test_nothing_chosen_is_a_form_error(editor_client):
    response = post_upload(editor_client)
    assert response.status_code == 200
    assert "Choose one or more files, or paste a transcript." in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_a_bad_file_among_good_ones_gets_its_message_and_the_others_go_in(editor_client):
    post_upload(
        editor_client,
        [
            upload("briefing.txt", BRIEFING),
            upload("broken.pdf", b"%PDF-1.4 this is not really a pdf"),
            upload("empty.txt", b""),
            upload("interview.txt", INTERVIEW),
        ],
    )
    batch = latest_batch()
    page = editor_client.get(preview_url(batch, 1))
    assert page.context["preview"].error
    assert "This file cannot be imported" in page.content.decode()
    save(editor_client, batch, file=1)
    batch.refresh_from_db()
    outcomes = dict(batch.files.values_list("name", "outcome"))
    assert outcomes == {
        "briefing.txt": ImportOutcome.IMPORTED,
        "broken.pdf": ImportOutcome.FAILED,
        "empty.txt": ImportOutcome.FAILED,
        "interview.txt": ImportOutcome.IMPORTED,
    }
    assert all(batch.files.get(name=name).message for name in ("broken.pdf", "empty.txt"))
    assert Document.objects.count() == 2 and batch.status == ImportBatchStatus.DONE


@pytest.mark.django_db
def test_identical_file_is_skipped_and_a_corrected_one_becomes_a_new_edition(editor_client):
    post_upload(editor_client, [upload("briefing.txt", BRIEFING)])
    save(editor_client, latest_batch())
    first = Document.objects.get()

    post_upload(editor_client, [upload("briefing.txt", BRIEFING), upload("briefing-copy.txt", BRIEFING)])
    save(editor_client, latest_batch())
    assert set(latest_batch().files.values_list("outcome", flat=True)) == {ImportOutcome.SKIPPED}

    post_upload(editor_client, [upload("briefing.txt", BRIEFING.replace("this year", "in 2025"))])
    save(editor_client, latest_batch())
    file = latest_batch().files.get()
    assert file.outcome == ImportOutcome.NEW_EDITION and file.replaced_id == first.pk
    first.refresh_from_db()
    assert not first.is_current and file.document.replaces_id == first.pk
    assert "moved exactly" in file.message


@pytest.mark.django_db
def test_viewers_and_anonymous_users_cannot_import(client, viewer):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(viewer)
    assert client.get(IMPORT_URL).status_code == 403
    assert post_upload(client, [upload("briefing.txt", BRIEFING)]).status_code == 403
    assert not ImportBatch.objects.exists()
    assert 'href="/documents/import/"' not in client.get("/documents/").content.decode()


@pytest.mark.django_db
def test_reviewers_and_editors_see_the_import_link(client, reviewer, editor):
    for user in (reviewer, editor):
        client.force_login(user)
        assert 'href="/documents/import/"' in client.get("/documents/").content.decode()
        assert client.get(IMPORT_URL).status_code == 200


@pytest.mark.django_db
def test_another_editors_preview_is_not_shown(client, editor_client):
    post_upload(editor_client, [upload("briefing.txt", BRIEFING)])
    batch = latest_batch()
    client.force_login(make_user("Editor"))
    assert client.get(preview_url(batch)).status_code == 404
    assert client.post(reverse("corpus:import-preview", args=[batch.pk]), {"save": "1"}).status_code == 404
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused_by_name(editor_client, settings):
    settings.IMPORT_MAX_FILE_BYTES = 200
    post_upload(editor_client, [upload("briefing.txt", BRIEFING), upload("small.txt", "Q: Hi?\n\nA: Hello.\n")])
    batch = latest_batch()
    big = batch.files.get(name="briefing.txt")
    assert big.outcome == ImportOutcome.FAILED and "IMPORT_MAX_FILE_BYTES" in big.message and not big.data
    save(editor_client, batch, file=1)
    assert list(Document.objects.values_list("source_name", flat=True)) == ["small.txt"]


@pytest.mark.django_db
def test_a_zip_that_unpacks_to_more_than_allowed_is_refused_whole(editor_client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 5_000
    # Compresses to almost nothing, unpacks to 20 kB: refused from the sizes the archive declares.
    response = post_upload(editor_client, [zipped({"a.txt": "Q: " + "word " * 4000, "b.txt": BRIEFING})])
    assert response.status_code == 200
    assert "IMPORT_MAX_UPLOAD_BYTES" in str(response.context["form"].errors["files"])
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_a_zip_with_too_many_files_is_refused(editor_client, settings):
    settings.IMPORT_MAX_FILES = 3
    response = post_upload(editor_client, [zipped({f"{n}.txt": BRIEFING for n in range(4)})])
    assert "IMPORT_MAX_FILES" in str(response.context["form"].errors["files"])
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_a_broken_zip_is_a_form_error(editor_client):
    response = post_upload(editor_client, [SimpleUploadedFile("batch.zip", b"PK\x03\x04 not really")])
    assert "not a .zip archive that can be read" in str(response.context["form"].errors["files"])


@pytest.mark.django_db
def test_expired_previews_are_dropped_on_the_next_upload(editor_client):
    post_upload(editor_client, [upload("briefing.txt", BRIEFING)])
    old = latest_batch()
    ImportBatch.objects.filter(pk=old.pk).update(expires_at=old.created_at.replace(year=2000))
    post_upload(editor_client, [upload("interview.txt", INTERVIEW)])
    assert not ImportBatch.objects.filter(pk=old.pk).exists()
    assert not ImportFile.objects.filter(batch_id=old.pk).exists()


@pytest.mark.django_db
def test_saving_twice_imports_once(editor_client):
    post_upload(editor_client, [upload("briefing.txt", BRIEFING)])
    batch = latest_batch()
    form = form_data(editor_client.get(preview_url(batch)))
    form["save"] = "1"
    editor_client.post(reverse("corpus:import-preview", args=[batch.pk]), form)
    again = editor_client.post(reverse("corpus:import-preview", args=[batch.pk]), form)
    assert again.status_code == 302 and again["Location"] == batch.get_absolute_url()
    assert Document.objects.count() == 1


@pytest.mark.django_db
def test_warnings_are_shown_at_their_line(editor_client):
    text = BRIEFING.replace("The fees will stay as they are this year.", "The fees will stay as they are for the")
    post_upload(editor_client, [upload("briefing.txt", text)])
    page = editor_client.get(preview_url(latest_batch()))
    warnings = page.context["preview"].parsed.warnings
    truncated = [w for w in warnings if w.code == "truncated_line"]
    assert truncated
    line = next(item for item in page.context["lines"] if item["number"] == truncated[0].line)
    assert truncated[0] in line["warnings"]
    html = page.content.decode()
    start = html.index(f'id="line-{truncated[0].line}"')
    assert "truncated_line" in html[start : html.index("</li>", start)]


@pytest.mark.django_db
def test_the_batch_page_costs_the_same_queries_for_one_file_or_sixty(editor_client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tests.factories import make_document

    def make_batch(count):
        batch = ImportBatch.objects.create(
            expires_at=timezone.now(), status=ImportBatchStatus.DONE, total=count, done=count, background=True
        )
        for position in range(count):
            document = make_document(turns=[(None, "narration", f"Text {position}.")])
            ImportFile.objects.create(
                batch=batch,
                position=position,
                name=f"{position}.txt",
                outcome=ImportOutcome.NEW_EDITION if position % 2 else ImportOutcome.IMPORTED,
                document=document,
                replaced=make_document() if position % 2 else None,
            )
        return batch

    small, big = make_batch(1), make_batch(60)
    with CaptureQueriesContext(connection) as one_file:
        editor_client.get(small.get_absolute_url())
    with django_assert_num_queries(len(one_file)):
        response = editor_client.get(big.get_absolute_url())
    assert len(response.context["page_obj"]) == 60


@pytest.mark.django_db
def test_an_upload_larger_than_allowed_is_refused_before_it_is_read(editor_client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    big = upload("big.txt", "Q: " + "word " * 400_000)  # 2 MB: over the limit with the form's overhead
    response = post_upload(editor_client, [big])
    assert response.status_code == 413
    assert "IMPORT_MAX_UPLOAD_BYTES" in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_more_files_than_a_request_may_carry_are_asked_for_as_a_zip(editor_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    response = post_upload(editor_client, [upload(f"{n}.txt", BRIEFING) for n in range(4)])
    assert response.status_code == 400
    assert "put them in a .zip" in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_a_large_previewed_upload_is_imported_by_the_worker(editor_client, monkeypatch, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    monkeypatch.setattr(import_views, "PREVIEW_SAVE_IN_REQUEST_BYTES", 100)
    post_upload(editor_client, [upload("briefing.txt", BRIEFING)])
    batch = latest_batch()
    page = editor_client.get(preview_url(batch))
    form = form_data(page)
    form.update({"file-0-title": "Edited in the preview", "save": "1"})
    response = editor_client.post(reverse("corpus:import-preview", args=[batch.pk]), form)
    assert response["Location"] == batch.get_absolute_url()
    batch.refresh_from_db()
    assert batch.status == ImportBatchStatus.QUEUED and batch.background
    assert batch.files.get().edits["title"] == "Edited in the preview"  # the worker applies them
    import_batch_run(batch_id=batch.pk)  # what the worker's task does
    assert Document.objects.get().title == "Edited in the preview"


@pytest.mark.django_db
def test_a_speaker_typed_as_an_alias_is_that_stored_speaker(editor_client):
    from corpus_app.models import SpeakerAlias

    kask = Speaker.objects.create(name="Mart Kask")
    SpeakerAlias.objects.create(speaker=kask, alias="The Minister")
    post_upload(editor_client, [upload("interview.txt", INTERVIEW)])
    batch = latest_batch()
    save(editor_client, batch, data={"file-0-turns-1-speaker": "the minister", "file-0-turns-3-speaker": "MART KASK"})
    turns = Document.objects.get().turns.order_by("position")
    assert turns[1].speaker == kask and turns[3].speaker == kask
    assert not Speaker.objects.filter(name__iexact="the minister").exists()
    assert Speaker.objects.filter(name__iexact="mart kask").count() == 1


@pytest.mark.django_db
def test_a_turn_edit_that_no_longer_fits_the_parse_is_reported_not_misapplied(editor_client):
    post_upload(editor_client, [upload("briefing.txt", BRIEFING)])
    batch = latest_batch()
    # As if the file were read into other turns by the time it is saved (speakers stored since).
    ImportFile.objects.filter(batch=batch).update(
        edits={"include": True, "turns": {"2": {"line": 99, "speaker": "Someone Else"}}}
    )
    import_batch_run(batch_id=batch.pk)
    file = batch.files.get()
    assert file.outcome == ImportOutcome.IMPORTED
    assert "1 turn edit(s) of the preview not applied" in file.message
    assert not Speaker.objects.filter(name="Someone Else").exists()
