import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotations import interchange
from annotations.interchange.names import Names, read_label_map
from annotations.interchange.records import DocumentRecord, RecordError
from annotations.interchange.writer import BATCH_SIZE, Importer
from desk.collector import collected_for_bulk_work

MAX_REASONS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Import documents with their turns and annotations from a file: the desk's own JSON Lines "
        "(/documents/export/?format=desk), doccano's JSONL export, Label Studio's JSON export, or W3C Web "
        "Annotations (JSON-LD). Documents already in the desk (the same content) are skipped; a bad line is "
        "reported with its number and nothing of it is written."
    )

    # The checks import every URL and view: a second, for a command that needs none of them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--format",
            choices=sorted(interchange.FORMATS),
            help="The file's format; told from its content when not given.",
        )
        parser.add_argument(
            "--map",
            type=Path,
            dest="label_map",
            help="A JSON object or a two-column CSV (label, topic path) mapping the file's labels to topics; "
            "labels not in it are matched by topic path or name, and created if missing.",
        )
        parser.add_argument(
            "--author",
            help="Username credited with annotations whose author the file does not name or the desk does not "
            "know (default: the account “import”, created without a password).",
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="Documents written per transaction.")
        parser.add_argument("--dry-run", action="store_true", help="Check and write, then roll every batch back.")

    def handle(self, *args, **options):
        with collected_for_bulk_work():
            self._import_files(**options)

    def _import_files(self, *, files, format, label_map, author, batch_size, dry_run, verbosity, **options):
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1, not {batch_size}")
        try:
            mapping = read_label_map(label_map) if label_map else None
        except RecordError as exc:
            raise CommandError(str(exc)) from None
        names = Names(label_map=mapping, default_author=self._author(author))
        failed_files = 0
        totals = []
        for path in files:
            try:
                fmt, unit, items = interchange.read(path, format)
            except interchange.FileError as exc:
                self.stderr.write(f"{path}: {exc}")
                failed_files += 1
                continue
            report, seconds = self._import(path, fmt, unit, items, names, batch_size, dry_run, verbosity)
            totals.append(report)
            self._summary(path, fmt, unit, report, seconds, dry_run, verbosity)
        failures = sum(len(report.failed) for report in totals)
        if failed_files or failures:
            raise CommandError(
                f"{failures} line(s) and {failed_files} file(s) could not be imported"
                if failed_files
                else f"{failures} line(s) could not be imported"
            )

    def _author(self, username):
        if not username:
            return None
        user_model = get_user_model()
        user = user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"no user “{username}” for --author")
        return user

    def _import(self, path, fmt, unit, items, names, batch_size, dry_run, verbosity):
        total = _count_lines(path) if unit == "line" else None
        bar = tqdm(
            total=total,
            desc=path.name,
            unit=" " + unit + "s",
            file=sys.stderr,
            disable=None if verbosity >= 1 else True,  # None: only on a terminal
            dynamic_ncols=True,
        )

        def on_line(number, outcome, record):
            bar.update(1)
            if verbosity >= 2:
                what = f"“{record.title[:60]}” " if isinstance(record, DocumentRecord) else ""
                with tqdm.external_write_mode(file=sys.stderr):  # the bar steps aside for the line
                    self.stdout.write(f"{unit} {number}: {what}{outcome}")

        importer = Importer(names=names, dry_run=dry_run, on_line=on_line)
        started = time.perf_counter()
        with bar:
            report = importer.run(items, batch_size=batch_size)
        return report, time.perf_counter() - started

    def _summary(self, path, fmt, unit, report, seconds, dry_run, verbosity):
        for number, reason in sorted(report.failed)[:MAX_REASONS_SHOWN]:
            self.stderr.write(f"{path}, {unit} {number}: {reason}")
        if len(report.failed) > MAX_REASONS_SHOWN:
            self.stderr.write(f"{path}: and {len(report.failed) - MAX_REASONS_SHOWN} more {unit}s failed")
        if verbosity < 1:
            return
        done = report.documents + report.skipped + len(report.failed)
        rate = f", {done / seconds:,.0f} {unit}s/s" if seconds > 0 and done else ""
        verb = "Checked (dry run, nothing kept)" if dry_run else "Imported"
        message = (
            f"{path.name} ({fmt}): {verb} {report.documents} document(s), {report.turns} turn(s), "
            f"{report.annotations} annotation(s); skipped {report.skipped} as identical; "
            f"failed {len(report.failed)}; {seconds:.1f} s{rate}."
        )
        self.stdout.write(self.style.SUCCESS(message) if not report.failed else self.style.WARNING(message))


def _count_lines(path: Path) -> int:
    """The lines of a JSON Lines file, for the progress bar's end: counted in large blocks, a fraction of the import."""
    count = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
    return count
