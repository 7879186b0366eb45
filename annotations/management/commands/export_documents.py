import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotations.interchange.export import desk_document_lines
from annotations.models import Topic
from corpus_app.models import Document
from desk.files import written_whole


class Command(BaseCommand):
    help = (
        "Write documents with their turns, speakers, annotations and claims as the desk's JSON Lines, "
        "which import_documents reads back (into this desk or another) without loss."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The file to write; - for standard output.")
        parser.add_argument("--ids", help="Only these documents: ids separated by commas.")
        parser.add_argument("--all-editions", action="store_true", help="Earlier editions too, not only current ones.")

    def handle(self, *args, file, ids, all_editions, verbosity, **options):
        documents = Document.objects.all() if all_editions else Document.objects.current()
        if ids:
            try:
                documents = documents.filter(pk__in=[int(pk) for pk in ids.split(",") if pk.strip()])
            except ValueError:
                raise CommandError(f"--ids takes document ids separated by commas, not “{ids[:60]}”") from None
        if str(file) == "-":
            self._write(documents, sys.stdout)
            return
        try:
            with written_whole(file) as out:
                count = self._write(documents, out)
        except OSError as exc:
            raise CommandError(f"{file} cannot be written ({exc.strerror or exc})") from None
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(f"Wrote {count} document(s) to {file}."))

    @staticmethod
    def _write(documents, out) -> int:
        count = 0
        for line in desk_document_lines(documents, Topic.objects.paths()):
            out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
        return count
