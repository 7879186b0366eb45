"""The import page: upload, preview with edits, save; big batches followed while a worker imports them."""

from datetime import datetime
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, TooManyFilesSent
from django.core.paginator import Paginator
from django.db.models import Count, F, Sum
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.views.decorators.http import require_GET

from corpus_app.forms import ImportUploadForm, PreviewDocumentForm, PreviewTurnFormSet
from corpus_app.import_batches import (
    UploadedFile,
    UploadError,
    import_batch_clean_expired,
    import_batch_enqueue,
    import_batch_run,
    import_batch_stage,
    import_file_preview,
    upload_read,
)
from corpus_app.importing import SpeakerCache
from corpus_app.models import ImportBatch, ImportBatchStatus, ImportFile, ImportOutcome, Speaker

# Editors and up import. The Editor role is the annotation permissions (annotations/roles.py);
# corpus_app.add_document is what an administrator grants anyone else who may import.
IMPORT_PERMISSIONS = ("corpus_app.add_document", "annotations.add_annotation")

# A turn's speaker and kind are editable in the preview for this many turns of a file (two fields
# each, under DATA_UPLOAD_MAX_NUMBER_FIELDS); the rest are fixed in the reading view after the import.
PREVIEW_EDITABLE_TURNS = 400
PREVIEW_MAX_LINES = 3000  # of the source shown beside the turns
BATCH_FILES_PER_PAGE = 100
UPLOAD_FORM_OVERHEAD = 1024 * 1024
# A previewed upload up to this size is imported as the editor waits; a larger one by the task worker.
PREVIEW_SAVE_IN_REQUEST_BYTES = 2 * 1024 * 1024  # the form's other fields and the multipart boundaries


def user_may_import(user) -> bool:
    return user.is_authenticated and any(user.has_perm(permission) for permission in IMPORT_PERMISSIONS)


def import_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not user_may_import(request.user):
            raise PermissionDenied("Importing documents is for editors.")
        return view(request, *args, **kwargs)

    return wrapped


@import_required
def import_upload(request):
    posted = request.method == "POST"
    if posted and _declared_length(request) > settings.IMPORT_MAX_UPLOAD_BYTES + UPLOAD_FORM_OVERHEAD:
        # Refused before the body is read: an upload this large is never spooled to disk.
        message = (
            f"The upload is larger than the {filesizeformat(settings.IMPORT_MAX_UPLOAD_BYTES)} allowed "
            "(IMPORT_MAX_UPLOAD_BYTES): upload the files in parts."
        )
        return _upload_page(request, ImportUploadForm(), upload_error=message, status=413)
    try:
        form = ImportUploadForm(request.POST if posted else None, request.FILES if posted else None)
    except TooManyFilesSent:
        message = (
            f"More than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files in one upload (DATA_UPLOAD_MAX_NUMBER_FILES): "
            "put them in a .zip and upload that."
        )
        return _upload_page(request, ImportUploadForm(), upload_error=message, status=400)
    if posted and form.is_valid():
        try:
            files = upload_read(form.cleaned_data["files"])
        except UploadError as exc:
            form.add_error("files", str(exc))
        else:
            pasted = (form.cleaned_data["pasted_text"] or "").replace("\r\n", "\n")
            if pasted.strip():
                name = form.cleaned_data["pasted_name"].strip() or f"pasted-{datetime.now():%Y-%m-%d-%H%M%S}.txt"
                files.append(UploadedFile(name=name.replace("/", "-"), data=pasted.encode()))
            if not files:
                form.add_error("files", "The upload holds no file to import (only folders or hidden files).")
            else:
                return _stage(request, form, files)
    return _upload_page(request, form)


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _upload_page(request, form, *, upload_error="", status=200):
    return render(
        request,
        "corpus_app/import/upload.html",
        {
            "form": form,
            "upload_error": upload_error,
            "batches": ImportBatch.objects.for_import_page()[:10],
            "preview_max_files": settings.IMPORT_PREVIEW_MAX_FILES,
            "max_file_bytes": settings.IMPORT_MAX_FILE_BYTES,
            "max_upload_bytes": settings.IMPORT_MAX_UPLOAD_BYTES,
        },
        status=status,
    )


def _stage(request, form, files):
    import_batch_clean_expired()
    background = form.cleaned_data["background"] or len(files) > settings.IMPORT_PREVIEW_MAX_FILES
    batch = import_batch_stage(
        files=files, user=request.user, publisher=form.cleaned_data["publisher"], background=background
    )
    if background:
        import_batch_enqueue(batch=batch)
        messages.success(request, f"{batch.total} file(s) queued for import: this page follows the progress.")
        return redirect(batch)
    return redirect("corpus:import-preview", pk=batch.pk)


def _staged_batch(request, pk) -> ImportBatch:
    batch = get_object_or_404(ImportBatch, pk=pk)
    if batch.created_by_id != request.user.pk and not request.user.is_superuser:
        raise Http404("No such preview.")  # another editor's upload is theirs to check
    return batch


@import_required
def import_preview(request, pk):
    batch = _staged_batch(request, pk)
    if batch.status != ImportBatchStatus.STAGED:
        return redirect(batch)
    files = list(batch.files.defer("data").order_by("position"))
    index = _file_index(request.POST.get("file") if request.method == "POST" else request.GET.get("file"), files)
    current = ImportFile.objects.get(pk=files[index].pk)  # only this file's bytes are read
    preview = import_file_preview(file=current, speaker_cache=SpeakerCache())
    document_form, turn_formset = _preview_forms(preview, data=request.POST if request.method == "POST" else None)

    if request.method == "POST":
        if document_form is None or (document_form.is_valid() and turn_formset.is_valid()):
            if document_form is not None:
                current.edits = _edits_from_forms(preview, document_form, turn_formset)
                ImportFile.objects.filter(pk=current.pk).update(edits=current.edits)
            if "save" in request.POST:
                return _save(request, batch)
            return redirect(f"{reverse('corpus:import-preview', args=[batch.pk])}?file={_goto(request, files)}")
        messages.error(request, "Some fields need a look (marked below); nothing was saved yet.")

    turns = []
    if preview.parsed is not None:
        editable = list(turn_formset) if turn_formset is not None else []
        for turn in preview.parsed.turns:
            form = editable[turn.position] if turn.position < len(editable) else None
            turns.append({"turn": turn, "form": form, "first_words": _first_words(turn.text)})
    return render(
        request,
        "corpus_app/import/preview.html",
        {
            "batch": batch,
            "files": files,
            "index": index,
            "current": current,
            "preview": preview,
            "document_form": document_form,
            "turn_formset": turn_formset,
            "turns": turns,
            "lines": _source_lines(preview),
            "more_lines": preview.source is not None and preview.source.text.count("\n") >= PREVIEW_MAX_LINES,
            "editable_turns": PREVIEW_EDITABLE_TURNS,
            "speaker_names": _speaker_names(preview),
            "included": sum(1 for file in files if _included(file)),
        },
    )


def _file_index(value, files) -> int:
    try:
        return min(max(int(value), 0), len(files) - 1)
    except (TypeError, ValueError):
        return 0


def _goto(request, files) -> int:
    return _file_index(request.POST.get("goto"), files)


def _included(file: ImportFile) -> bool:
    return file.outcome == ImportOutcome.PENDING and (file.edits or {}).get("include", True)


def _preview_forms(preview, *, data):
    """The document's and its turns' forms, filled from the editor's edits kept so far, else from the parse."""
    parsed = preview.parsed
    if parsed is None:
        return None, None
    edits = preview.file.edits or {}
    prefix = f"file-{preview.file.position}"
    document_form = PreviewDocumentForm(
        data,
        prefix=prefix,
        initial={
            "include": edits.get("include", True),
            "title": edits.get("title", parsed.title),
            "date": edits.get("date", parsed.date.isoformat() if parsed.date else None),
            "place": edits.get("place", parsed.place or ""),
            "kind": edits.get("kind", parsed.kind),
        },
    )
    turn_edits = edits.get("turns") or {}
    initial = []
    for turn in parsed.turns[:PREVIEW_EDITABLE_TURNS]:
        edit = turn_edits.get(str(turn.position), {})
        if edit.get("line") != turn.line:
            edit = {}
        initial.append(
            {"speaker": edit.get("speaker", turn.speaker or ""), "kind": edit.get("kind", str(turn.kind.value))}
        )
    turn_formset = PreviewTurnFormSet(data, prefix=f"{prefix}-turns", initial=initial)
    return document_form, turn_formset


def _edits_from_forms(preview, document_form, turn_formset) -> dict:
    """What the editor changed of the parse (only that: the rest is parsed afresh on save)."""
    parsed = preview.parsed
    document = document_form.cleaned_data
    edits = {"include": document["include"]}
    if document["title"] != parsed.title:
        edits["title"] = document["title"]
    if document["date"] != parsed.date:
        edits["date"] = document["date"].isoformat() if document["date"] else None
    if document["place"] != (parsed.place or ""):
        edits["place"] = document["place"]
    if document["kind"] != parsed.kind:
        edits["kind"] = document["kind"]
    turns = {}
    # Forms beyond the parse's turns (a tampered form count) are ignored.
    for form, turn in zip(turn_formset.forms, parsed.turns[:PREVIEW_EDITABLE_TURNS], strict=False):
        edit = {}
        speaker = form.cleaned_data.get("speaker", "").strip()
        if speaker != (turn.speaker or ""):
            edit["speaker"] = speaker
        if form.cleaned_data.get("kind") and form.cleaned_data["kind"] != turn.kind.value:
            edit["kind"] = form.cleaned_data["kind"]
        if edit:
            turns[str(turn.position)] = {"line": turn.line, **edit}
    if turns:
        edits["turns"] = turns
    return edits


def _save(request, batch):
    # Claimed first: a second click on Save finds it no longer staged and shows the outcome.
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatchStatus.STAGED).update(
        status=ImportBatchStatus.QUEUED
    )
    if not claimed:
        return redirect(batch)
    left_out = [
        file.pk
        for file in batch.files.filter(outcome=ImportOutcome.PENDING).only("pk", "edits")
        if not (file.edits or {}).get("include", True)
    ]
    if left_out:
        ImportFile.objects.filter(pk__in=left_out).update(
            outcome=ImportOutcome.LEFT_OUT, message="left out in the preview", data=b""
        )
        ImportBatch.objects.filter(pk=batch.pk).update(done=F("done") + len(left_out))
    waiting_bytes = batch.files.filter(outcome=ImportOutcome.PENDING).aggregate(size=Sum("size"))["size"] or 0
    if waiting_bytes > PREVIEW_SAVE_IN_REQUEST_BYTES:
        # Too much to parse within a request's time (a proxy or gunicorn would cut it off): the worker imports it.
        import_batch_enqueue(batch=batch)
        messages.success(request, "The files are being imported: this page follows the progress.")
        return redirect(batch)
    batch = import_batch_run(batch_id=batch.pk)
    counts = _outcome_counts(batch)
    imported = counts.get(ImportOutcome.IMPORTED, 0) + counts.get(ImportOutcome.NEW_EDITION, 0)
    failed = counts.get(ImportOutcome.FAILED, 0)
    level = messages.WARNING if failed else messages.SUCCESS
    messages.add_message(
        request,
        level,
        f"Imported {imported} file(s)"
        + (f", skipped {counts[ImportOutcome.SKIPPED]} already imported" if counts.get(ImportOutcome.SKIPPED) else "")
        + (f", {failed} could not be imported" if failed else "")
        + ".",
    )
    return redirect(batch)


def _first_words(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def _source_lines(preview):
    """The source text's lines, numbered as the warnings number them, each with its warnings."""
    if preview.source is None:
        return []
    warnings = {}
    if preview.parsed is not None:
        for warning in preview.parsed.warnings:
            warnings.setdefault(warning.line, []).append(warning)
    starts = {turn.line for turn in preview.parsed.turns} if preview.parsed is not None else set()
    lines = preview.source.text.split("\n")[:PREVIEW_MAX_LINES]
    shown = [
        {"number": number, "text": text, "warnings": warnings.pop(number, []), "turn_start": number in starts}
        for number, text in enumerate(lines, start=1)
    ]
    # Warnings past the lines shown (or about no line) are listed at the end.
    if warnings:
        shown.append({"number": None, "text": "", "warnings": [w for ws in warnings.values() for w in ws]})
    return shown


def _speaker_names(preview):
    names = set(Speaker.objects.values_list("name", flat=True))
    if preview.parsed is not None:
        names.update(speaker.name for speaker in preview.parsed.speakers)
    return sorted(names)


def _outcome_counts(batch) -> dict:
    return dict(batch.files.order_by().values_list("outcome").annotate(n=Count("pk")))


@import_required
def import_batch_detail(request, pk):
    batch = get_object_or_404(ImportBatch.objects.select_related("created_by"), pk=pk)
    if batch.status == ImportBatchStatus.STAGED:
        if batch.created_by_id == request.user.pk or request.user.is_superuser:
            return redirect("corpus:import-preview", pk=batch.pk)
        raise Http404("No such batch.")
    files = batch.files.defer("data").select_related("document", "replaced").order_by("position")
    page = Paginator(files, BATCH_FILES_PER_PAGE).get_page(request.GET.get("page"))
    counts = _outcome_counts(batch)
    return render(
        request,
        "corpus_app/import/batch.html",
        {
            "batch": batch,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "paginator": page.paginator,
            "counts": [(outcome, counts[outcome.value]) for outcome in ImportOutcome if counts.get(outcome.value)],
            "progress_url": reverse("corpus:import-batch-progress", args=[batch.pk]),
        },
    )


@require_GET
@import_required
def import_batch_progress(request, pk):
    batch = get_object_or_404(ImportBatch, pk=pk)
    counts = _outcome_counts(batch)
    return JsonResponse(
        {
            "id": batch.pk,
            "status": batch.status,
            "status_display": batch.get_status_display(),
            "done": batch.done,
            "total": batch.total,
            "percent": batch.percent,
            "finished": batch.finished,
            "error": batch.error,
            "counts": {outcome.value: counts.get(outcome.value, 0) for outcome in ImportOutcome},
        }
    )
