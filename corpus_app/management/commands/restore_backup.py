from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from corpus_app.models import Document


class Command(BaseCommand):
    help = (
        "Load a file written by backup_data into a freshly migrated database. History comes from the "
        "backup, so no new history rows are recorded while loading."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="A file written by `manage.py backup_data`.")
        parser.add_argument(
            "--into-non-empty", action="store_true", help="Load even though the database already holds documents."
        )

    def handle(self, *args, backup, into_non_empty, verbosity, **options):
        if Document.objects.exists() and not into_non_empty:
            raise CommandError("This database already holds documents; restore into a freshly migrated database.")
        # Loading sets many-to-many fields, which would otherwise record a new history row each.
        with override_settings(SIMPLE_HISTORY_ENABLED=False), transaction.atomic():
            call_command("loaddata", backup, verbosity=verbosity)
        self.stdout.write(self.style.SUCCESS(f"Restored {backup}."))
