import bz2
import gzip
import json
import lzma
from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from desk.files import written_whole

# Rows that migrate recreates on the target database, and what the database's triggers make again
# as the rows load (the dashboard's kept counts, the documents' lexemes); everything else is in
# the backup, the history of annotations and claims included.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "dashboard", "corpus_app.documentlexemes"]
# History rows point at their annotation or claim by id, so these keep their primary keys;
# everything else is written with natural keys and loads into any freshly migrated database.
KEEP_PRIMARY_KEYS = ["annotations.annotation", "annotations.claim"]
OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def _dump(*labels, **options):
    out = StringIO()
    call_command("dumpdata", *labels, natural_foreign=True, verbosity=0, stdout=out, **options)
    return json.loads(out.getvalue() or "[]")


class Command(BaseCommand):
    help = "Write the whole database (corpus, annotations, claims, their history, users) to a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("output", help="File to write; a name ending in .gz, .bz2 or .xz is compressed.")

    def handle(self, *args, output, verbosity, **options):
        objects = _dump(natural_primary=True, exclude=EXCLUDED + KEEP_PRIMARY_KEYS)
        # Annotations and claims go after the turns and users they refer to.
        objects += _dump(*KEEP_PRIMARY_KEYS)
        suffix = next((s for s in OPENERS if str(output).endswith(s)), None)
        try:
            with written_whole(output, opener=OPENERS.get(suffix, open)) as stream:
                json.dump(objects, stream, ensure_ascii=False)
        except OSError as exc:
            raise CommandError(f"{output} cannot be written ({exc.strerror or exc})") from None
        self.stdout.write(self.style.SUCCESS(f"Backed up {len(objects)} rows to {output}."))
