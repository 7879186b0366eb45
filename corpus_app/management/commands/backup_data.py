from django.core.management import call_command
from django.core.management.base import BaseCommand

# Rows that migrate recreates on the target database; everything else is in the backup,
# the history of annotations and claims included.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]


class Command(BaseCommand):
    help = "Write the whole database (corpus, annotations, claims, their history, users) to a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("output", help="File to write; a name ending in .gz, .bz2 or .xz is compressed.")

    def handle(self, *args, output, verbosity, **options):
        call_command(
            "dumpdata",
            natural_foreign=True,
            natural_primary=True,
            exclude=EXCLUDED,
            output=output,
            verbosity=0,
        )
        self.stdout.write(self.style.SUCCESS(f"Backed up the database to {output}."))
