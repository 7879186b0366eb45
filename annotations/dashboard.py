"""Figures for the dashboard: a fixed handful of queries, whatever the corpus size.

**The counts** (annotations per topic, stance, status and month, documents and turns) are kept
by PostgreSQL as the data changes (``KeptCounts``, ``annotations`` migration 0008): the dashboard
sums a few thousand rows instead of counting 250,000 annotations and a million turns. On SQLite
they are counted from the tables (``TableCounts``).

**The page** is cached, keyed by a fingerprint of the data that changes on every write: the
newest history row of annotations and claims (every create, edit and delete through the
services or the admin writes one) and the newest speaker, annotation and claim; and the corpus
version, which moves on with every write of documents or turns, whether added, edited in the
admin or deleted (``corpus_app`` migration 0010: a sequence on PostgreSQL, a counter on
SQLite). Reading the fingerprint costs a few index lookups; a write makes the next view build the
page again. A short timeout bounds anything written around the history (a raw
``QuerySet.update()`` of annotations), and the moment between a write and its commit, in which a
view may see the new version with the old data.
"""

import datetime
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connections
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from annotations import charts
from annotations.models import Annotation, Claim, ClaimStatus, DashboardTally, Polarity, Target, Topic
from corpus_app.models import Document, Speaker, Turn
from corpus_app.version import corpus_version, corpus_version_sql

ACTIVITY_MONTHS = 12


def _url(name, **params):
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


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
    triggers add as annotations, their topics and claims change (``annotations`` migration 0008).
    Reading them costs the same whatever the number of annotations."""

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

    def documents(self):
        return self._kind("documents").get("", 0)

    def turns(self):
        return self._kind("turns").get("", 0) - Turn.objects.filter(is_noise=True).count()  # a partial index

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
    """Makes the kept counts again from the tables, in a new table (PostgreSQL): one row per count.

    For when they may have drifted from the data: rows loaded with the triggers disabled, a
    data-only restore that ran them for rows whose counts it restored too, or topics of one
    annotation changed by two transactions at once outside the services (which lock the
    annotation first). The tables written meanwhile wait. Also ``generate_corpus``'s last step."""
    tally = connection.ops.quote_name(DashboardTally._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tally}")
        cursor.execute("SELECT annotations_tally_count_all()")  # annotations migration 0008


def counts():
    """Where the dashboard's counts come from on this database."""
    connection = connections[Annotation.objects.db]
    return KeptCounts(connection) if connection.vendor == "postgresql" else TableCounts()


def topic_bars(source):
    roots, names = _root_topics()
    bars = [
        charts.Bar(label=names[root], value=count, url=_url("annotations:annotation-list", topic=root))
        for root, count in source.per_root_topic(roots).items()
        if root in names and count
    ]
    return sorted(bars, key=lambda bar: (-bar.value, bar.label))


def stance_rows(source, limit=10):
    stances = source.stances()
    # The targets' names looked up afterwards, for the targets counted only.
    names = dict(Target.objects.filter(pk__in={target_id for target_id, _, _ in stances}).values_list("pk", "name"))
    rows = {}
    for target_id, polarity, n in stances:
        stacked = rows.setdefault(
            target_id,
            charts.StackedBar(label=names.get(target_id), url=_url("annotations:annotation-list", target=target_id)),
        )
        stacked.parts.append(
            charts.Bar(
                label=Polarity(polarity).label,
                value=n,
                url=_url("annotations:annotation-list", target=target_id, polarity=polarity),
                colour=charts.POLARITY_COLOURS[polarity],
            )
        )
    order = {value: index for index, value in enumerate(Polarity.values)}
    for stacked in rows.values():
        stacked.parts.sort(key=lambda part: order[Polarity(part.label.lower()).value])
    return sorted(rows.values(), key=lambda r: (-r.total, r.label))[:limit]


def claim_bars(claim_counts):
    return [
        charts.Bar(
            label=label,
            value=claim_counts.get(value, 0),
            url=_url("annotations:claim-list", status=value),
            colour=charts.STATUS_COLOURS[value],
        )
        for value, label in ClaimStatus.choices
    ]


def _month_start(day, months_back=0):
    month_index = day.year * 12 + day.month - 1 - months_back
    return datetime.date(month_index // 12, month_index % 12 + 1, 1)


def activity_bars(source=None, today=None):
    """Annotations created per month over the last twelve months, this one included."""
    source = source or counts()
    today = today or timezone.localdate()
    months = [_month_start(today, back) for back in range(ACTIVITY_MONTHS - 1, -1, -1)]
    # Each month from its first midnight in the current time zone to the next month's.
    starts = [
        timezone.make_aware(datetime.datetime.combine(month, datetime.time.min))
        for month in [*months, _month_start(today, -1)]
    ]
    return [
        charts.Bar(label=month.strftime("%b %Y"), value=count)
        for month, count in zip(months, source.per_month(starts), strict=True)
    ]


CACHE_SECONDS = 300


def fingerprint(today=None):
    """A string that changes whenever a figure on the dashboard may change: one query of index lookups."""
    connection = connections[Annotation.objects.db]
    quote = connection.ops.quote_name
    parts = [
        f"(SELECT MAX({quote(model._meta.pk.column)}) FROM {quote(model._meta.db_table)})"
        for model in (Annotation.history.model, Claim.history.model, Annotation, Claim, Speaker)
    ]
    # Documents and turns, added, edited or deleted: the corpus version (their rows have no
    # history; counting the documents for their deletions read them all on every view).
    parts.append(corpus_version_sql(connection))
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))  # table names from the models, no user input
        values = cursor.fetchone()
    return ":".join(str(part) for part in (today or timezone.localdate(), *values))


def dashboard_context():
    key = f"dashboard:{fingerprint()}"
    context = cache.get(key)
    if context is None:
        context = _dashboard_context()
        cache.set(key, context, CACHE_SECONDS)
    return context


def corpus_figures(source):
    """The figures of the corpus alone (document and turn counts, the latest imports), kept until it
    changes: editors' annotations, which renew the dashboard, leave them as they are."""
    key = f"dashboard-corpus:{corpus_version()}"
    figures = cache.get(key)
    if figures is None:
        figures = {
            "documents": source.documents(),
            "turns": source.turns(),
            "recent_documents": list(
                Document.objects.defer("raw_text", "import_warnings").order_by("-imported_at", "-pk")[:5]
            ),
        }
        cache.set(key, figures, CACHE_SECONDS)
    return figures


def _dashboard_context():
    source = counts()
    corpus = corpus_figures(source)
    topics = topic_bars(source)
    stances = stance_rows(source)
    claim_counts = source.claims()
    claims = claim_bars(claim_counts)
    activity = activity_bars(source)
    legend = {label: charts.POLARITY_COLOURS[value] for value, label in Polarity.choices}
    return {
        "counts": {
            "documents": corpus["documents"],
            "turns": corpus["turns"],
            "speakers": Speaker.objects.count(),
            "annotations": source.annotations(),
            "open_claims": sum(claim_counts.get(status, 0) for status in ClaimStatus.open_values()),
        },
        "charts": [
            {
                "title": "Annotations per topic",
                "svg": charts.horizontal_bars("chart-topics", "Annotations per topic", topics),
                "table": charts.data_table(
                    "Annotations per topic", ["Topic", "Annotations"], [(b.label, b.value) for b in topics]
                ),
                "link": reverse("annotations:annotation-list"),
            },
            {
                "title": "Stance by target",
                "svg": charts.stacked_bars("chart-stance", "Stance by target", stances, legend),
                "table": charts.data_table(
                    "Stance by target",
                    ["Target", *[label for _, label in Polarity.choices]],
                    [
                        (
                            row.label,
                            *[
                                next((p.value for p in row.parts if p.label == label), 0)
                                for _, label in Polarity.choices
                            ],
                        )
                        for row in stances
                    ],
                ),
                "link": reverse("annotations:annotation-list"),
            },
            {
                "title": "Claims by status",
                "svg": charts.horizontal_bars(
                    "chart-claims", "Claims by status", claims, empty="No claims flagged yet."
                ),
                "table": charts.data_table(
                    "Claims by status", ["Status", "Claims"], [(b.label, b.value) for b in claims]
                ),
                "link": reverse("annotations:claim-list"),
            },
            {
                "title": f"Annotations per month, last {ACTIVITY_MONTHS} months",
                "svg": charts.columns("chart-activity", "Annotations per month", activity),
                "table": charts.data_table(
                    "Annotations per month", ["Month", "Annotations"], [(b.label, b.value) for b in activity]
                ),
                "link": reverse("annotations:annotation-list") + "?ordering=-created",
            },
        ],
        "recent_annotations": list(
            Annotation.objects.select_related("turn__document", "turn__speaker", "author")
            .defer("turn__document__raw_text", "turn__document__import_warnings")
            .order_by("-updated_at", "-pk")[:8]
        ),
        "recent_documents": corpus["recent_documents"],
    }
