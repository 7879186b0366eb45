import json
import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from corpus_app.importing import (
    SpeakerCache,
    TranscriptError,
    TranscriptReader,
    transcript_check,
    transcript_import,
)

logger = logging.getLogger(__name__)


def collect_files(paths):
    """Files named on the command line, and every non-hidden file inside the folders named."""
    files, missing = [], []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    child
                    for child in path.rglob("*")
                    if child.is_file() and not any(part.startswith(".") for part in child.relative_to(path).parts)
                )
            )
        elif path.exists():
            files.append(path)
        else:
            missing.append(path)
    return files, missing


class Command(BaseCommand):
    help = (
        "Import transcript files (or every file in the folders given) as documents with speaker turns. "
        "Reads plain text, Markdown (with YAML or TOML front matter), HTML pages, DOCX and PDF. "
        "One transaction per file; a file whose content is already stored is skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="Transcript files or folders of them.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Parse and check every file, write nothing to the database."
        )
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help="Print one JSON object per file and line (title, date, place, kind, turns, warnings).",
        )
        parser.add_argument("--publisher", default="", help="Publisher recorded on the imported documents.")
        parser.add_argument(
            "--replaces",
            type=int,
            metavar="DOCUMENT_ID",
            help="The file is a new edition of this document: it becomes the current edition and the "
            "annotations move onto it. Without it, a file with the same name, or the same title, date and place, "
            "as a current document is imported as its new edition.",
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the files for the task worker (manage.py db_worker); print the page that follows the import.",
        )

    def handle(self, *args, paths, dry_run, as_json, publisher, replaces, verbosity, background=False, **options):
        files, missing = collect_files(paths)
        if len(files) > settings.IMPORT_MAX_FILES:
            raise CommandError(
                f"{len(files):,} files given, more than the {settings.IMPORT_MAX_FILES:,} one run imports "
                "(IMPORT_MAX_FILES): nothing was imported; import them in several runs"
            )
        if replaces is not None and len(files) + len(missing) != 1:
            raise CommandError("--replaces takes exactly one file: the new edition of that document.")
        if background:
            return self._queue(files, missing, publisher=publisher, dry_run=dry_run, replaces=replaces)
        failures = [(path, "no such file or folder") for path in missing]
        for path, reason in failures:
            self._report_failure(path, reason, as_json=as_json)
        imported = skipped = 0
        total = len(files)
        speaker_cache = SpeakerCache(without_tables_ok=dry_run)  # read once, again only after a file created speakers
        if dry_run and (speaker_cache.get() and speaker_cache.missing_tables):
            self.stderr.write(
                "The database is not set up (run `manage.py migrate`): parsed without the stored speakers."
            )
        # Files are read, and in a long run parsed, a few ahead of the one being written.
        with TranscriptReader(files, speaker_cache=speaker_cache) as reader:
            for number, prepared in enumerate(reader, start=1):
                path = prepared.path
                try:
                    if dry_run:
                        parsed, result = prepared.parse(speaker_cache), None
                        transcript_check(parsed=parsed)
                    else:  # one file, one transaction (transcript_import's): a bad file leaves nothing behind
                        result = transcript_import(
                            path=path,
                            publisher=publisher,
                            replaces=replaces,
                            speaker_cache=speaker_cache,
                            prepared=prepared,
                        )
                        parsed = result.parsed
                except Exception as exc:  # any failure is this file's alone: the run goes on
                    reason = _failure_reason(exc)
                    failures.append((path, reason))
                    self._report_failure(path, reason, as_json=as_json)
                    continue
                progress = f"[{number}/{total}] {path}"
                if self._report_file(
                    path, progress, parsed, result, dry_run=dry_run, as_json=as_json, verbosity=verbosity
                ):
                    imported += 1
                else:
                    skipped += 1

        summary = (
            f"{'Checked' if dry_run else 'Imported'} {imported} file(s)"
            f"{f', skipped {skipped} already imported' if skipped else ''}"
            f"{f', {len(failures)} failed' if failures else ''}."
        )
        style = self.style.WARNING if failures else self.style.SUCCESS
        # With --json, stdout carries only the JSON lines; the summary goes to stderr.
        (self.stderr if as_json else self.stdout).write(style(summary))
        if failures:
            raise CommandError(
                f"{len(failures)} file(s) could not be imported: {', '.join(str(p) for p, _ in failures)}"
            )

    def _queue(self, files, missing, *, publisher, dry_run, replaces):
        from corpus_app.import_batches import import_batch_from_paths

        if dry_run or replaces is not None:
            raise CommandError("--background imports: it goes with neither --dry-run nor --replaces.")
        batch = import_batch_from_paths(paths=files, missing=missing, publisher=publisher)
        self.stdout.write(
            self.style.SUCCESS(f"Queued {batch.total} file(s) as import batch {batch.pk}: {batch.get_absolute_url()}")
        )

    def _report_file(self, path, progress, parsed, result, *, dry_run, as_json, verbosity) -> bool:
        """Report a file checked or imported (True), or skipped as already imported (False)."""
        if as_json:
            if parsed is not None:
                self.stdout.write(_json_line(parsed.to_dict()))
            else:
                self.stdout.write(_json_line({"source": path.name, "skipped": True, "document": result.document.pk}))
        if result is not None and not result.created:
            if verbosity >= 1 and not as_json:
                self.stdout.write(f"{progress}: already imported as document {result.document.pk}, skipped")
            return False
        if verbosity >= 1 and not as_json:
            verb = "checked" if dry_run else f"imported as document {result.document.pk}"
            self.stdout.write(f"{progress}: {verb}, {len(parsed.turns)} turns, {len(parsed.warnings)} warning(s)")
        if result is not None and result.replaced is not None and not as_json:
            report = result.reanchoring
            self.stdout.write(
                f"{progress}: new edition of document {result.replaced.pk}; "
                f"annotations: {report.exact} moved exactly, {report.fuzzy} moved fuzzily, {report.orphaned} orphaned"
            )
        return True

    def _report_failure(self, path, reason, *, as_json):
        self.stderr.write(self.style.ERROR(f"{path}: {reason}"))
        if as_json:
            self.stdout.write(_json_line({"source": Path(path).name, "error": reason}))


def _failure_reason(exc: Exception) -> str:
    """What went wrong with one file, for the editor; its transaction is rolled back whatever it was."""
    if isinstance(exc, TranscriptError):
        return str(exc)
    if isinstance(exc, ValidationError):
        return "the file's content does not fit the database: " + "; ".join(exc.messages)
    if isinstance(exc, DatabaseError):
        return f"the database refused the file ({type(exc).__name__}: {str(exc).strip()})"
    # A bug rather than bad input: the traceback goes to the log for whoever fixes it.
    logger.exception("importing a transcript failed unexpectedly")
    return f"an unexpected error while importing it ({type(exc).__name__}: {exc})"


def _json_line(payload):
    return json.dumps(payload, ensure_ascii=False)
