from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotations.fixture_builder import build_annotation_fixtures
from corpus_app.fixture_builder import build_corpus_fixtures
from corpus_app.models import Document


class Command(BaseCommand):
    help = (
        "Regenerate fixtures/*.json: speakers and corpus by importing fixtures/transcripts/, "
        "then topics, targets and demo annotations from annotations/seed.toml, "
        "into this (empty) database. Run through `make fixtures`, which uses a throwaway database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=settings.BASE_DIR / "fixtures")
        parser.add_argument("--transcripts", type=Path, default=settings.BASE_DIR / "fixtures" / "transcripts")

    def handle(self, *args, output, transcripts, verbosity, **options):
        if Document.objects.exists():
            raise CommandError("This database already holds documents; build fixtures on an empty database.")
        with transaction.atomic():
            fixtures = build_corpus_fixtures(transcripts)
            fixtures.update(build_annotation_fixtures())
            transaction.set_rollback(True)  # the database was only a workbench
        for name, text in fixtures.items():
            (output / name).write_text(text, encoding="utf-8")
            if verbosity >= 1:
                self.stdout.write(f"wrote {output / name}")
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {len(fixtures)} fixture(s) from {transcripts}."))
