import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from annotations import synthetic
from corpus_app import synthetic as corpus_synthetic
from corpus_app.models import Document


class Command(BaseCommand):
    help = (
        "Generate a synthetic corpus for benchmarks: documents and turns recombined from the sample transcripts, "
        "annotations, claims, speakers and the annotation authors. Deterministic for --seed. Refuses to write "
        "into a database that holds real (imported) documents unless --allow-real-data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--documents", type=int, default=200, help="How many documents (about 50 turns each).")
        parser.add_argument("--seed", type=int, default=1, help="Same seed and size, same data.")
        parser.add_argument(
            "--now",
            type=datetime.datetime.fromisoformat,
            default=None,
            help="The moment annotation times are placed before (ISO 8601); default: the current hour.",
        )
        parser.add_argument(
            "--replace", action="store_true", help="Delete previously generated documents and users first."
        )
        parser.add_argument(
            "--allow-real-data",
            "--force",
            dest="allow_real_data",
            action="store_true",
            help="Write even though the database holds real documents.",
        )

    def handle(self, *args, documents, seed, now, replace, allow_real_data, verbosity, **options):
        if documents < 1:
            raise CommandError("--documents must be at least 1.")
        real = corpus_synthetic.real_document_count()
        if real and not allow_real_data:
            raise CommandError(
                f"This database holds {real} real (non-generated) document(s); generated data would mix with them. "
                "Use a dedicated database, or pass --allow-real-data."
            )
        if now is not None and now.tzinfo is None:
            now = now.replace(tzinfo=datetime.UTC)
        if replace:
            synthetic.synthetic_delete()
        elif Document.objects.filter(publisher=corpus_synthetic.SYNTHETIC_PUBLISHER).exists():
            raise CommandError("Generated documents are already stored; pass --replace to generate afresh.")
        started = time.monotonic()

        def progress(message):
            if verbosity >= 1:
                self.stdout.write(message)

        stats = synthetic.generate(documents=documents, seed=seed, now=now, progress=progress)
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {stats.documents} documents, {stats.turns} turns, {stats.annotations} annotations, "
                f"{stats.claims} claims ({stats.characters / 1e6:.1f} MB of text) in {elapsed:.1f} s."
            )
        )
