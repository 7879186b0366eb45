import os
import stat

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.base import DeserializationError
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
        # A file, not a fixture's name: loaddata would look a bare name up among the project's fixtures.
        try:
            if not stat.S_ISREG(os.stat(backup).st_mode):
                raise CommandError(f"{backup} is not a file written by backup_data")
        except OSError as exc:
            raise CommandError(f"{backup} cannot be read ({exc.strerror or exc})") from None
        # Loading sets many-to-many fields, which would otherwise record a new history row each.
        try:
            with override_settings(SIMPLE_HISTORY_ENABLED=False), transaction.atomic():
                call_command("loaddata", backup, verbosity=verbosity)
        except DeserializationError as exc:
            reason = str(exc.__cause__ or exc).strip().splitlines()
            raise CommandError(
                f"{backup} cannot be restored, nothing of it was loaded: {reason[0] if reason else 'not a backup'}"
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Restored {backup}."))
