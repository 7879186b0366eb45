from django.core.management.base import BaseCommand
from django.db import connection

from dashboard.counts import KeptCounts, count_kept_again


class Command(BaseCommand):
    help = (
        "Make the dashboard's kept counts (PostgreSQL) again from the tables, should they be off: after "
        "rows were loaded with the database's triggers disabled, or a data-only restore ran them for "
        "rows whose counts it restored too. Writes of annotations, topics and claims wait until it is done."
    )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write(f"Nothing to do: on {connection.vendor} the dashboard counts from the tables.")
            return
        count_kept_again(connection)
        kept = KeptCounts(connection)
        figures = [(kept.annotations(), "annotation"), (kept.documents(), "document"), (kept.turns(), "turn")]
        counted = ", ".join(f"{n:,} {noun}{'' if n == 1 else 's'}" for n, noun in figures)
        self.stdout.write(self.style.SUCCESS(f"Counted again: {counted}."))
