from django.apps import AppConfig


def count_again_after_bulk_load(sender, connection, **kwargs):
    """Rows loaded in batches (a generated corpus) add a tally row for nearly every hour of the
    year; the counts are made again from the tables instead: one row per count."""
    from dashboard.counts import count_kept_again

    if connection.vendor == "postgresql":
        count_kept_again(connection)


class DashboardConfig(AppConfig):
    name = "dashboard"

    def ready(self):
        from corpus_app.signals import corpus_bulk_loaded

        corpus_bulk_loaded.connect(count_again_after_bulk_load, dispatch_uid="dashboard-count-again")
