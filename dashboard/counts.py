"""The dashboard's counts: kept by PostgreSQL as the data changes (``KeptCounts``, the triggers of
``dashboard.models``), counted from the tables elsewhere (``TableCounts``, SQLite: a small corpus).

The kept counts let the dashboard sum a few thousand rows instead of counting 250,000 annotations.
"""

import datetime

from django.db import connections, transaction
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.db.models.functions import TruncHour

from annotations.models import Annotation, Claim, Topic
from corpus_app.models import Document, Turn
from dashboard.models import DashboardTally


def _root_topics():
    """Each topic's top-level topic, and the names of the top-level topics; a topic in a loop of
    parents has no root."""
    parents = dict(Topic.objects.values_list("pk", "parent_id"))
    names = dict(Topic.objects.filter(parent__isnull=True).values_list("pk", "name"))

    def root_of(pk):
        seen = set()
        while parents.get(pk) is not None and pk not in seen:
            seen.add(pk)
            pk = parents[pk]
        return pk

    roots = {pk: root for pk in parents if (root := root_of(pk)) in names}
    return roots, names


class TableCounts:
    """The dashboard's counts, counted from the tables on each call: on SQLite, where the counts are
    not kept (a small corpus), and as the reference the kept counts are tested against."""

    def annotations(self):
        return Annotation.objects.count()

    def documents(self):
        return Document.objects.count()

    def turns(self):
        return Turn.objects.readable().count()

    def per_root_topic(self, roots):
        """Annotations per top-level topic, each annotation tagged anywhere in its subtree once."""
        subtrees = {}
        for pk, root in roots.items():
            subtrees.setdefault(root, []).append(pk)
        if not subtrees:
            return {}
        # Counted by the database, each annotation once per root (distinct): the tags are a row per
        # annotation and topic, hundreds of thousands of them, and reading them out took longer.
        return dict(
            Annotation.topics.through.objects.annotate(
                root=Case(
                    *[When(topic_id__in=ids, then=Value(root)) for root, ids in subtrees.items()],
                    output_field=IntegerField(),
                )
            )
            .filter(root__isnull=False)
            .values_list("root")
            .annotate(n=Count("annotation_id", distinct=True))
            .order_by()
        )

    def stances(self):
        """(target id, polarity, annotations) for every stance taken."""
        # From the stance index alone: joining the targets to every annotation doubled the time.
        return list(
            Annotation.objects.exclude(polarity="")
            .values_list("target_id", "polarity")
            .annotate(n=Count("pk"))
            .order_by()
        )

    def claims(self):
        return dict(Claim.objects.values_list("status").annotate(n=Count("pk")).order_by())

    def per_month(self, starts):
        """Annotations created between each start and the next."""
        # Ranges on the column, counted in one pass over its index. Truncating each row's time to
        # its month in the time zone took three times longer.
        counts = Annotation.objects.filter(created_at__gte=starts[0], created_at__lt=starts[-1]).aggregate(
            **{
                f"month_{index}": Count("pk", filter=Q(created_at__gte=start, created_at__lt=end))
                for index, (start, end) in enumerate(zip(starts, starts[1:], strict=False))
            }
        )
        return [counts[f"month_{index}"] for index in range(len(starts) - 1)]


class KeptCounts(TableCounts):
    """The dashboard's counts as PostgreSQL keeps them: the sums of ``DashboardTally``'s rows, which
    triggers add as annotations, their topics and claims change (``dashboard.models``). Reading
    them costs the same whatever the number of annotations. Documents and turns are counted from
    their tables (the corpus's figures are cached until it changes)."""

    # Rows beyond one per count, after which they are folded into one per count. Each write adds
    # a row or two: the sums stay a read of a few hundred rows.
    FOLD_AFTER = 500

    def __init__(self, connection):
        self.connection = connection
        self.table = connection.ops.quote_name(DashboardTally._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT kind, key, SUM(n), COUNT(*) FROM {self.table} WHERE kind <> 'hour' GROUP BY kind, key"
            )
            rows = cursor.fetchall()
        # The hours are left out of this read, but every statement that adds an hour's row adds one
        # for the number of annotations too: the rows here tell how many have come since the last fold.
        if sum(rows_of_count - 1 for *_, rows_of_count in rows) > self.FOLD_AFTER:
            self.fold()
        self.sums = {}
        for kind, key, total, _ in rows:
            self.sums.setdefault(kind, {})[key] = int(total)

    def fold(self):
        """Replaces the rows with one per count. Rows added meanwhile are not in this statement's
        snapshot and stay as they are; a fold running at the same time skips the rows this one
        deleted (it waits for them, and finds them gone)."""
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"WITH folded AS (DELETE FROM {self.table} RETURNING kind, key, n) "
                f"INSERT INTO {self.table} (kind, key, n) "
                "SELECT kind, key, SUM(n) FROM folded GROUP BY kind, key HAVING SUM(n) <> 0"
            )

    def _kind(self, kind):
        return {key: n for key, n in self.sums.get(kind, {}).items() if n}

    def annotations(self):
        return self._kind("annotations").get("", 0)

    def per_root_topic(self, roots):
        return {int(key): n for key, n in self._kind("topic").items()}

    def stances(self):
        stances = []
        for key, n in self._kind("stance").items():
            target_id, polarity = key.split(":", 1)
            stances.append((int(target_id), polarity, n))
        return stances

    def claims(self):
        return self._kind("claims")

    def per_month(self, starts):
        hours = [start.astimezone(datetime.UTC) for start in starts]
        if any(hour.minute or hour.second or hour.microsecond for hour in hours):
            # Kept per hour of UTC: a time zone whose midnight is not on the hour is counted from
            # the table.
            return super().per_month(starts)
        keys = [hour.strftime("%Y-%m-%dT%H") for hour in hours]
        # Compared byte by byte (the keys are digits and punctuation): the database's collation
        # made the comparisons most of the query's time.
        months = ", ".join(
            'COALESCE(SUM(n) FILTER (WHERE key COLLATE "C" >= %s AND key COLLATE "C" < %s), 0)' for _ in keys[1:]
        )
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*), {months} FROM {self.table} WHERE kind = 'hour' AND key >= %s AND key < %s",
                [key for pair in zip(keys, keys[1:], strict=False) for key in pair] + [keys[0], keys[-1]],
            )
            rows, *sums = cursor.fetchone()
        # More rows than hours: a statement wrote many hours at once (a generated corpus loaded in
        # batches), which the rows of the other counts do not show.
        if rows > (hours[-1] - hours[0]).total_seconds() / 3600:
            self.fold()
        return [int(n) for n in sums]


def count_kept_again(connection):
    """Makes the kept counts again from the tables (PostgreSQL): one row per count.

    For when they may have drifted from the data: rows loaded with the triggers disabled, a
    data-only restore that ran them for rows whose counts it restored too, or topics of one
    annotation changed by two transactions at once outside the services (which lock the
    annotation first); and after a generated corpus was loaded in batches. The counted tables'
    writers wait until it is done."""
    counted = TableCounts()
    roots, _ = _root_topics()
    hours = (
        Annotation.objects.annotate(hour=TruncHour("created_at", tzinfo=datetime.UTC))
        .values_list("hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = [
        ("annotations", "", counted.annotations()),
        *[("topic", str(root), n) for root, n in counted.per_root_topic(roots).items()],
        *[("stance", f"{target_id}:{polarity}", n) for target_id, polarity, n in counted.stances()],
        *[("claims", status, n) for status, n in counted.claims().items()],
        *[("hour", hour.strftime("%Y-%m-%dT%H"), n) for hour, n in hours],
    ]
    tables = ", ".join(
        connection.ops.quote_name(model._meta.db_table)
        for model in (Annotation, Annotation.topics.through, Topic, Claim)
    )
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tables} IN SHARE MODE")
        cursor.execute(f"TRUNCATE {connection.ops.quote_name(DashboardTally._meta.db_table)}")
        DashboardTally.objects.using(connection.alias).bulk_create(
            DashboardTally(kind=kind, key=key, n=n) for kind, key, n in rows if n
        )


def counts():
    """Where the dashboard's counts come from on this database."""
    connection = connections[Annotation.objects.db]
    return KeptCounts(connection) if connection.vendor == "postgresql" else TableCounts()
