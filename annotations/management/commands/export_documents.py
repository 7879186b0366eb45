import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from annotations.interchange.export import desk_document_lines
from annotations.models import Topic
from corpus_app.models import Document


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
            documents = documents.filter(pk__in=[int(pk) for pk in ids.split(",") if pk.strip()])
        out = sys.stdout if str(file) == "-" else file.open("w", encoding="utf-8")
        count = 0
        try:
            for line in desk_document_lines(documents, Topic.objects.paths()):
                out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
                count += 1
        finally:
            if out is not sys.stdout:
                out.close()
        if verbosity >= 1 and out is not sys.stdout:
            self.stdout.write(self.style.SUCCESS(f"Wrote {count} document(s) to {file}."))
