"""Importing uploaded files: staged for a preview, saved through the importer, in the page or a task.

The files an editor uploads (or a script names to ``import_transcripts --background``) are kept
as an :class:`~corpus_app.models.ImportBatch` with one :class:`~corpus_app.models.ImportFile` per
file, bytes included, until they are imported: between the preview and the save, and while a
worker imports a big batch. Each file goes through ``transcript_import`` exactly as the command's
files do (one transaction, identical files skipped, new editions detected); the editor's preview
edits are applied to the parse it imports (:class:`UploadedTranscript`).
"""

import logging
import stat
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from corpus_app.importing import (
    NOT_A_FILE,
    SpeakerCache,
    TranscriptError,
    TranscriptSource,
    failure_reason,
    file_name,
    path_text,
    transcript_decode,
    transcript_import,
    transcript_parse,
)
from corpus_app.models import ImportBatch, ImportBatchStatus, ImportFile, ImportOutcome
from corpus_app.parsing import ParsedDocument, ParsedSpeaker
from corpus_app.parsing.document import SpeakerKind, TurnKind

logger = logging.getLogger(__name__)


class UploadError(Exception):
    """An upload that cannot be taken at all (a broken archive, too many files, too many bytes)."""


def _size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


@dataclass
class UploadedFile:
    """A file of an upload, read, or refused with the reason (it is still listed, as failed)."""

    name: str
    data: bytes = b""
    error: str = ""


# Not transcripts: what archivers and file browsers leave in a folder.
_JUNK_NAMES = {"thumbs.db", "desktop.ini"}


def _is_junk(parts: list[str]) -> bool:
    return any(part == "__MACOSX" or part.startswith(".") for part in parts) or parts[-1].lower() in _JUNK_NAMES


def _too_large(size: int) -> str:
    limit = settings.IMPORT_MAX_FILE_BYTES
    if size > limit:
        return f"the file is {_size(size)}, larger than the {_size(limit)} allowed (IMPORT_MAX_FILE_BYTES)"
    return ""


def upload_read(uploads) -> list[UploadedFile]:
    """The files of an upload (Django ``UploadedFile`` objects), each ``.zip`` unpacked into its files.

    Raises :class:`UploadError` when the upload as a whole is refused: nothing of it is kept.
    """
    files: list[UploadedFile] = []
    total_bytes = 0
    for upload in uploads:
        name = Path(upload.name or "upload").name  # browsers send a bare name; never trust a path
        if name.lower().endswith(".zip") or zipfile.is_zipfile(upload):
            upload.seek(0)
            members, unpacked = _zip_members(name, upload, budget=settings.IMPORT_MAX_UPLOAD_BYTES - total_bytes)
            files.extend(members)
            total_bytes += unpacked
        else:
            upload.seek(0)
            error = _too_large(upload.size)
            data = b"" if error else upload.read()
            files.append(UploadedFile(name=name, data=data, error=error))
            total_bytes += len(data)
        if total_bytes > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise UploadError(
                f"the upload holds more than the {_size(settings.IMPORT_MAX_UPLOAD_BYTES)} allowed in all "
                "(IMPORT_MAX_UPLOAD_BYTES): upload it in parts"
            )
        if len(files) > settings.IMPORT_MAX_FILES:
            raise UploadError(
                f"the upload holds more than the {settings.IMPORT_MAX_FILES:,} files one import takes "
                "(IMPORT_MAX_FILES): upload it in parts"
            )
    return files


def _zip_members(archive_name: str, fileobj, *, budget: int) -> tuple[list[UploadedFile], int]:
    """The files of a .zip (folders within it are fine), and how many bytes they unpack to.

    Nothing is written to disk, so a member's name is only a label; still, a name that climbs out
    of the archive (``../``, an absolute path) is refused rather than shown as if it were harmless.
    The sizes the archive declares are checked before anything is unpacked, and again while
    unpacking (a header can lie).
    """
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise UploadError(f"{archive_name} is not a .zip archive that can be read") from None
    members, unpacked = [], 0
    limit = settings.IMPORT_MAX_FILE_BYTES
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        declared = sum(info.file_size for info in infos)
        if declared > budget:
            raise UploadError(
                f"{archive_name} unpacks to {_size(declared)}, more than the "
                f"{_size(settings.IMPORT_MAX_UPLOAD_BYTES)} one upload may hold (IMPORT_MAX_UPLOAD_BYTES)"
            )
        if len(infos) > settings.IMPORT_MAX_FILES:
            raise UploadError(
                f"{archive_name} holds {len(infos):,} files, more than the {settings.IMPORT_MAX_FILES:,} "
                "one import takes (IMPORT_MAX_FILES)"
            )
        for info in infos:
            raw_name = info.filename.replace("\\", "/")
            parts = [part for part in raw_name.split("/") if part not in ("", ".")]
            if not parts:
                continue
            if raw_name.startswith("/") or ".." in parts or ":" in parts[0]:
                members.append(
                    UploadedFile(name=raw_name[:500], error="its name in the archive points outside the archive")
                )
                continue
            if _is_junk(parts):
                continue
            name = "/".join(parts)[:500]
            if error := _too_large(info.file_size):
                members.append(UploadedFile(name=name, error=error))
                continue
            try:
                with archive.open(info) as member:
                    data = member.read(limit + 1)
            except (RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                # Encrypted, an unknown compression, or damaged.
                members.append(UploadedFile(name=name, error=f"cannot be unpacked from the archive ({exc})"))
                continue
            if error := _too_large(len(data)):
                members.append(UploadedFile(name=name, error=error))
                continue
            unpacked += len(data)
            if unpacked > budget:
                raise UploadError(
                    f"{archive_name} unpacks to more than the {_size(settings.IMPORT_MAX_UPLOAD_BYTES)} one "
                    "upload may hold (IMPORT_MAX_UPLOAD_BYTES)"
                )
            members.append(UploadedFile(name=name, data=data))
    return members, unpacked


def import_batch_clean_expired() -> int:
    """Drop the previews never saved, past their expiry (their files' bytes with them)."""
    deleted, _ = ImportBatch.objects.expired().delete()
    return deleted


@transaction.atomic
def import_batch_stage(*, files: list[UploadedFile], user=None, publisher: str = "", background: bool) -> ImportBatch:
    """Keep the files of an upload for a preview, or for the worker (``background``)."""
    now = timezone.now()
    failed = sum(1 for file in files if file.error)
    batch = ImportBatch.objects.create(
        created_by=user if user is not None and user.is_authenticated else None,
        expires_at=now + timedelta(hours=settings.IMPORT_STAGED_HOURS),
        background=background,
        publisher=publisher[:200],
        total=len(files),
        done=failed,  # a file refused on upload has its outcome already
    )
    ImportFile.objects.bulk_create(
        (
            ImportFile(
                batch=batch,
                position=position,
                name=file.name[:500],
                data=file.data,
                size=len(file.data),
                outcome=ImportOutcome.FAILED if file.error else ImportOutcome.PENDING,
                message=file.error,
            )
            for position, file in enumerate(files)
        ),
        batch_size=100,
    )
    return batch


def import_batch_enqueue(*, batch: ImportBatch) -> ImportBatch:
    """Hand the batch to the task worker, once the transaction that stored its files commits."""
    from corpus_app.tasks import import_batch_task

    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatchStatus.QUEUED, background=True)
    batch.status, batch.background = ImportBatchStatus.QUEUED, True

    def enqueue():
        result = import_batch_task.enqueue(batch_id=batch.pk)
        # An immediate backend has run it already: keep the outcome it wrote.
        ImportBatch.objects.filter(pk=batch.pk).update(task_id=str(result.id)[:64])

    transaction.on_commit(enqueue)
    return batch


class UploadedTranscript:
    """A staged file as ``transcript_import`` takes it (the ``prepared`` protocol of the command's
    ``PreparedTranscript``): read from the bytes kept, parsed, then the editor's preview edits applied."""

    def __init__(self, file: ImportFile):
        self.file = file
        self._source: TranscriptSource | None = None
        self.unmatched_edits = 0  # turn edits of the preview that no longer fit the parse

    def read(self) -> TranscriptSource:
        if self._source is None:
            self._source = transcript_decode(name=self.file.file_name, raw_bytes=bytes(self.file.data))
        return self._source

    def parse(self, speaker_cache: SpeakerCache) -> ParsedDocument:
        parsed = transcript_parse(source=self.read(), speaker_cache=speaker_cache)
        aliases, _ = speaker_cache.get()
        parsed, self.unmatched_edits = edits_apply(parsed=parsed, edits=self.file.edits or {}, aliases=aliases)
        return parsed


def edits_apply(
    *, parsed: ParsedDocument, edits: dict, aliases: dict[str, str] | None = None
) -> tuple[ParsedDocument, int]:
    """The parse with the editor's edits: title, date, place, kind, and each edited turn's speaker
    and kind. A turn edit holds only if the turn is still where the preview showed it (same
    position and line): a file parsed again with speakers stored since can split differently.
    A speaker typed as a stored speaker's alias or name in another case is that speaker (``aliases``:
    lower-cased alias or name to the canonical name, as ``Speaker.objects.alias_map()`` gives).
    Returns the parse and the number of turn edits that no longer fit it."""
    aliases = aliases or {}
    if "title" in edits:
        parsed.title = edits["title"]
    if "date" in edits:
        parsed.date = date.fromisoformat(edits["date"]) if edits["date"] else None
    if "place" in edits:
        parsed.place = edits["place"]
    if "kind" in edits:
        parsed.kind = edits["kind"]
    known = {speaker.name for speaker in parsed.speakers}
    unmatched = 0
    for position, edit in (edits.get("turns") or {}).items():
        position = int(position)
        if position >= len(parsed.turns) or parsed.turns[position].line != edit.get("line"):
            unmatched += 1
            continue
        turn = parsed.turns[position]
        if "speaker" in edit:
            typed = edit["speaker"]
            turn.speaker = aliases.get(typed.lower(), typed) if typed else None
            if turn.speaker and turn.speaker not in known:
                # Described here so the importer can create it if it is not stored yet.
                parsed.speakers.append(ParsedSpeaker(name=turn.speaker, kind=SpeakerKind.PERSON))
                known.add(turn.speaker)
        if "kind" in edit:
            turn.kind = TurnKind(edit["kind"])
    return parsed, unmatched


@dataclass
class FilePreview:
    """What the preview shows of a staged file: its text and its parse, or why it cannot be read."""

    file: ImportFile
    source: TranscriptSource | None = None
    parsed: ParsedDocument | None = None  # without the editor's edits
    error: str = ""


def import_file_preview(*, file: ImportFile, speaker_cache: SpeakerCache) -> FilePreview:
    preview = FilePreview(file=file, error=file.message if file.outcome == ImportOutcome.FAILED else "")
    if preview.error:
        return preview
    prepared = UploadedTranscript(file)
    try:
        preview.source = prepared.read()
        preview.parsed = transcript_parse(source=preview.source, speaker_cache=speaker_cache)
    except TranscriptError as exc:
        preview.error = str(exc)
    return preview


def import_file_run(*, file: ImportFile, publisher: str, speaker_cache: SpeakerCache) -> ImportFile:
    """Import one staged file through ``transcript_import`` and record its outcome."""
    replaced = None
    document = None
    prepared = UploadedTranscript(file)
    try:
        result = transcript_import(
            path=Path(file.file_name),
            publisher=publisher,
            speaker_cache=speaker_cache,
            prepared=prepared,
        )
    except Exception as exc:  # any failure is this file's alone: the batch goes on
        outcome, message = ImportOutcome.FAILED, failure_reason(exc)
    else:
        document = result.document
        if not result.created:
            outcome, message = ImportOutcome.SKIPPED, f"already imported as document {document.pk}"
        elif result.replaced is not None:
            replaced = result.replaced
            report = result.reanchoring
            outcome = ImportOutcome.NEW_EDITION
            message = (
                f"{len(result.parsed.turns)} turns, {len(result.parsed.warnings)} warning(s); new edition of "
                f"document {replaced.pk}; annotations: {report.exact} moved exactly, {report.fuzzy} moved "
                f"fuzzily, {report.orphaned} orphaned"
            )
        else:
            outcome = ImportOutcome.IMPORTED
            message = f"{len(result.parsed.turns)} turns, {len(result.parsed.warnings)} warning(s)"
        if prepared.unmatched_edits and result.created:
            message += (
                f"; {prepared.unmatched_edits} turn edit(s) of the preview not applied: the file was read into "
                "other turns with the speakers stored since (fix them in the reading view)"
            )
    ImportFile.objects.filter(pk=file.pk).update(
        outcome=outcome, message=message, document=document, replaced=replaced, data=b""
    )
    file.outcome, file.message, file.document, file.replaced = outcome, message, document, replaced
    return file


def import_batch_run(*, batch_id: int) -> ImportBatch:
    """Import every waiting file of a batch, one transaction each, keeping the progress on the batch.

    Run by the task worker for a background batch and by the page for a previewed one; run again
    after an interruption, it goes on with the files still waiting.
    """
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.finished:
        return batch
    ImportBatch.objects.filter(pk=batch_id).update(status=ImportBatchStatus.RUNNING, started_at=timezone.now())
    speaker_cache = SpeakerCache()  # read once for the batch, again only after a file created speakers
    waiting = batch.files.filter(outcome=ImportOutcome.PENDING).order_by("position").values_list("pk", flat=True)
    try:
        for pk in list(waiting):
            file = ImportFile.objects.get(pk=pk)  # one file's bytes in memory at a time
            import_file_run(file=file, publisher=batch.publisher, speaker_cache=speaker_cache)
            ImportBatch.objects.filter(pk=batch_id).update(done=F("done") + 1)
    except BaseException as exc:
        ImportBatch.objects.filter(pk=batch_id).update(
            status=ImportBatchStatus.FAILED, error=failure_reason(exc), finished_at=timezone.now()
        )
        raise
    ImportBatch.objects.filter(pk=batch_id).update(status=ImportBatchStatus.DONE, finished_at=timezone.now())
    batch.refresh_from_db()
    return batch


def import_batch_from_paths(*, paths: list[Path], missing: list[Path] = (), publisher: str = "") -> ImportBatch:
    """A background batch of files on this machine (``import_transcripts --background``), queued."""
    files = [UploadedFile(name=path_text(path)[:500], error="no such file or folder") for path in missing]
    for path in paths:
        name = file_name(path)
        try:
            status = path.stat()
            if not stat.S_ISREG(status.st_mode):  # a named pipe would keep its reader waiting
                files.append(UploadedFile(name=name, error=NOT_A_FILE))
                continue
            error = _too_large(status.st_size)  # before reading it: a huge file is never held in memory
            files.append(UploadedFile(name=name, data=b"" if error else path.read_bytes(), error=error))
        except OSError as exc:
            files.append(UploadedFile(name=name, error=f"cannot be read ({exc.strerror or exc})"))
    batch = import_batch_stage(files=files, publisher=publisher, background=True)
    return import_batch_enqueue(batch=batch)
