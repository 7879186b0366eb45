import json
import logging
import os
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from corpus_app.bulk_importing import (
    CHECKED,
    FAILED,
    NEW_EDITION,
    SKIPPED,
    FileOutcome,
    TranscriptBulkImport,
)
from corpus_app.importing import SpeakerCache, TranscriptError, failure_reason, transcript_import
from desk.collector import collected_for_bulk_work

logger = logging.getLogger(__name__)


def collect_files(paths):
    """Files named on the command line, and every non-hidden file inside the folders named, in order:
    (their paths as strings, the paths that do not exist)."""
    files, missing = [], []
    for path in paths:
        if path.is_dir():
            # By their folders' names, then their own (as paths compare); the kind of each entry comes
            # with the folder's listing, without a stat of every file.
            files.extend(sorted(_files_under(str(path)), key=lambda name: name.split(os.sep)))
        elif path.exists():
            files.append(str(path))
        else:
            missing.append(path)
    return files, missing


def _files_under(folder: str):
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):  # as os.walk: not into linked folders
                yield from _files_under(entry.path)
            elif entry.is_file():
                yield entry.path


class Command(BaseCommand):
    help = (
        "Import transcript files (or every file in the folders given) as documents with speaker turns. "
        "Reads plain text, Markdown (with YAML or TOML front matter), HTML pages, DOCX and PDF. "
        "A file whose content is already stored is skipped; a file that cannot be imported is reported "
        "by name and nothing of it is written. Shows a progress bar on a terminal and a summary at the "
        "end; -v 2 prints one line per file, -v 0 only the failures."
    )

    # The checks import every URL and view: a second, for a command that needs none of them.
    requires_system_checks = []

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
        self.as_json, self.verbosity, self.dry_run = as_json, verbosity, dry_run
        self.counts = dict.fromkeys((CHECKED, "imported", NEW_EDITION, SKIPPED, FAILED), 0)
        self.failures = []
        self.number, self.total = 0, len(files)
        for path in missing:
            self._failed(FileOutcome(path=path, status=FAILED, reason="no such file or folder"))
        speaker_cache = SpeakerCache(without_tables_ok=dry_run)  # read once, again only after a file created speakers
        if dry_run and (speaker_cache.get() and speaker_cache.missing_tables):
            self.stderr.write(
                "The database is not set up (run `manage.py migrate`): parsed without the stored speakers."
            )
        started = time.perf_counter()
        # On a terminal only (None), and not with -v 0 or with a line per file.
        self.bar = tqdm(
            total=len(files),
            unit=" files",
            file=sys.stderr,
            disable=True if verbosity != 1 else None,
            dynamic_ncols=True,
        )
        with self.bar:
            if replaces is not None and files:
                self._report(self._import_edition(files[0], publisher=publisher, replaces=replaces))
            elif files:
                with collected_for_bulk_work():
                    TranscriptBulkImport(
                        report=self._report, publisher=publisher, dry_run=dry_run, speaker_cache=speaker_cache
                    ).run(files)
        self._summary(time.perf_counter() - started)
        if self.failures:
            raise CommandError(
                f"{len(self.failures)} file(s) could not be imported: {', '.join(str(p) for p, _ in self.failures)}"
            )

    def _queue(self, files, missing, *, publisher, dry_run, replaces):
        from corpus_app.import_batches import import_batch_from_paths

        if dry_run or replaces is not None:
            raise CommandError("--background imports: it goes with neither --dry-run nor --replaces.")
        batch = import_batch_from_paths(paths=[Path(file) for file in files], missing=missing, publisher=publisher)
        self.stdout.write(
            self.style.SUCCESS(f"Queued {batch.total} file(s) as import batch {batch.pk}: {batch.get_absolute_url()}")
        )

    def _import_edition(self, path, *, publisher, replaces) -> FileOutcome:
        """The one file given with --replaces, imported as that document's new edition."""
        try:
            result = transcript_import(path=path, publisher=publisher, replaces=replaces)
        except Exception as exc:
            return FileOutcome(path=path, status=FAILED, reason=failure_reason(exc), exception=exc)
        if not result.created:
            return FileOutcome(path=path, status=SKIPPED, document_id=result.document.pk)
        return FileOutcome(
            path=path,
            status=NEW_EDITION,
            document_id=result.document.pk,
            parsed=result.parsed,
            replaced_id=result.replaced.pk,
            reanchoring=result.reanchoring,
        )

    def _report(self, outcome: FileOutcome):
        """One file done: counted, and told as the verbosity asks."""
        self.number += 1
        self.bar.update(1)
        if outcome.status == FAILED:
            self._failed(outcome)
            return
        self.counts["imported" if outcome.status == NEW_EDITION else outcome.status] += 1
        if outcome.status == NEW_EDITION:
            self.counts[NEW_EDITION] += 1
        if self.as_json:
            if outcome.parsed is not None:
                self._out(_json_line(outcome.parsed.to_dict()))
            else:
                self._out(_json_line({"source": outcome.path.name, "skipped": True, "document": outcome.document_id}))
            return
        progress = f"[{self.number}/{self.total}] {outcome.path}"
        if self.verbosity >= 2:
            if outcome.status == SKIPPED:
                self._out(f"{progress}: already imported as document {outcome.document_id}, skipped")
            else:
                verb = "checked" if outcome.status == CHECKED else f"imported as document {outcome.document_id}"
                parsed = outcome.parsed
                self._out(f"{progress}: {verb}, {len(parsed.turns)} turns, {len(parsed.warnings)} warning(s)")
        if outcome.status == NEW_EDITION and self.verbosity >= 1:
            report = outcome.reanchoring
            annotations = f"; annotations: {report}" if report is not None else ""
            self._out(f"{progress}: new edition of document {outcome.replaced_id}{annotations}")

    def _failed(self, outcome: FileOutcome):
        if outcome.exception is not None and not _is_bad_input(outcome.exception):
            # A bug rather than bad input: the traceback goes to the log for whoever fixes it.
            logger.error("importing %s failed unexpectedly", outcome.path, exc_info=outcome.exception)
        self.failures.append((outcome.path, outcome.reason))
        self.counts[FAILED] += 1
        if self.verbosity >= 2:
            self._out(f"[{self.number}/{self.total}] {outcome.path}: failed, {outcome.reason}")
        if self.as_json:
            self._out(_json_line({"source": Path(outcome.path).name, "error": outcome.reason}))

    def _out(self, line):
        with tqdm.external_write_mode(file=sys.stderr):  # the bar steps aside for the line
            self.stdout.write(line)

    def _summary(self, seconds):
        counts = self.counts
        if self.dry_run:
            done = f"Checked {counts[CHECKED]} file(s)"
        else:
            editions = f" ({counts[NEW_EDITION]} new edition(s))" if counts[NEW_EDITION] else ""
            done = f"Imported {counts['imported']} file(s){editions}"
        skipped = f", skipped {counts[SKIPPED]} already imported" if counts[SKIPPED] else ""
        failed = f", {counts[FAILED]} failed" if counts[FAILED] else ""
        rate = f" ({seconds:.1f} s, {self.number / seconds:,.0f} files/s)" if seconds > 0 and self.number else ""
        # Each failure with its reason, whatever the verbosity.
        for path, reason in self.failures:
            self.stderr.write(self.style.ERROR(f"{path}: {reason}"))
        if self.verbosity >= 1:
            style = self.style.WARNING if self.failures else self.style.SUCCESS
            # With --json, stdout carries only the JSON lines; the summary goes to stderr.
            (self.stderr if self.as_json else self.stdout).write(style(f"{done}{skipped}{failed}.{rate}"))


def _is_bad_input(exc: BaseException) -> bool:
    return isinstance(exc, TranscriptError | ValidationError | DatabaseError)


def _json_line(payload):
    return json.dumps(payload, ensure_ascii=False)
