"""Figures for the dashboard: a fixed handful of aggregate queries, whatever the corpus size.

The aggregates read every annotation, so the page is cached, keyed by a fingerprint of the
data that changes on every write: the newest history row of annotations and claims (every
create, edit and delete through the services or the admin writes one) and the newest
speaker, annotation and claim; and the corpus version, which moves on with every write of
documents or turns, whether added, edited in the admin or deleted (``corpus_app`` migration
0010: a sequence on PostgreSQL, a counter on SQLite). Reading the fingerprint costs a few index
lookups; a write makes the next view recompute. A short timeout bounds anything written around the history
(a raw ``QuerySet.update()`` of annotations), and the moment between a write and its commit, in
which a view may see the new version with the old data.
"""

import datetime
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connections
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from annotations import charts
from annotations.models import Annotation, Claim, ClaimStatus, Polarity, Target, Topic
from corpus_app.models import Document, Speaker, Turn
from corpus_app.version import corpus_version, corpus_version_sql

ACTIVITY_MONTHS = 12


def _url(name, **params):
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def topic_bars():
    """Annotations per top-level topic, counting every annotation tagged anywhere in its subtree once."""
    parents = dict(Topic.objects.values_list("pk", "parent_id"))
    names = dict(Topic.objects.filter(parent__isnull=True).values_list("pk", "name"))

    def root_of(pk):
        seen = set()
        while parents.get(pk) is not None and pk not in seen:
            seen.add(pk)
            pk = parents[pk]
        return pk

    subtrees = {}
    for pk in parents:
        root = root_of(pk)
        if root in names:  # not a topic in a loop of parents, which has no root
            subtrees.setdefault(root, []).append(pk)
    if not subtrees:
        return []
    # Counted by the database, each annotation once per root (distinct): the tags are a row per
    # annotation and topic, hundreds of thousands of them, and reading them out took longer.
    per_root = (
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
    bars = [
        charts.Bar(label=names[root], value=count, url=_url("annotations:annotation-list", topic=root))
        for root, count in per_root
    ]
    return sorted(bars, key=lambda bar: (-bar.value, bar.label))


def stance_rows(limit=10):
    # Counted from the stance index alone, the targets' names looked up afterwards: joining the
    # targets to every annotation doubled the time.
    counts = list(
        Annotation.objects.exclude(polarity="").values("target_id", "polarity").annotate(n=Count("pk")).order_by()
    )
    names = dict(Target.objects.filter(pk__in={row["target_id"] for row in counts}).values_list("pk", "name"))
    for row in counts:
        row["target__name"] = names.get(row["target_id"])
    rows = {}
    for row in counts:
        stacked = rows.setdefault(
            row["target_id"],
            charts.StackedBar(
                label=row["target__name"], url=_url("annotations:annotation-list", target=row["target_id"])
            ),
        )
        stacked.parts.append(
            charts.Bar(
                label=Polarity(row["polarity"]).label,
                value=row["n"],
                url=_url("annotations:annotation-list", target=row["target_id"], polarity=row["polarity"]),
                colour=charts.POLARITY_COLOURS[row["polarity"]],
            )
        )
    order = {value: index for index, value in enumerate(Polarity.values)}
    for stacked in rows.values():
        stacked.parts.sort(key=lambda part: order[Polarity(part.label.lower()).value])
    return sorted(rows.values(), key=lambda r: (-r.total, r.label))[:limit]


def claim_bars():
    counts = dict(Claim.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return [
        charts.Bar(
            label=label,
            value=counts.get(value, 0),
            url=_url("annotations:claim-list", status=value),
            colour=charts.STATUS_COLOURS[value],
        )
        for value, label in ClaimStatus.choices
    ]


def _month_start(day, months_back=0):
    month_index = day.year * 12 + day.month - 1 - months_back
    return datetime.date(month_index // 12, month_index % 12 + 1, 1)


def activity_bars(today=None):
    """Annotations created per month over the last twelve months, this one included."""
    today = today or timezone.localdate()
    months = [_month_start(today, back) for back in range(ACTIVITY_MONTHS - 1, -1, -1)]
    # Each month from its first midnight in the current time zone to the next month's: ranges on
    # the column, counted in one pass over its index. Truncating each row's time to its month in
    # the time zone took three times longer.
    starts = [
        timezone.make_aware(datetime.datetime.combine(month, datetime.time.min))
        for month in [*months, _month_start(today, -1)]
    ]
    counts = Annotation.objects.filter(created_at__gte=starts[0], created_at__lt=starts[-1]).aggregate(
        **{
            f"month_{index}": Count("pk", filter=Q(created_at__gte=start, created_at__lt=end))
            for index, (start, end) in enumerate(zip(starts, starts[1:], strict=False))
        }
    )
    return [
        charts.Bar(label=month.strftime("%b %Y"), value=counts[f"month_{index}"]) for index, month in enumerate(months)
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


def corpus_figures():
    """The figures of the corpus alone (document and turn counts, the latest imports), kept until it
    changes: counting a million turns takes longer than all the rest, and editors' annotations,
    which renew the dashboard, leave them as they are."""
    key = f"dashboard-corpus:{corpus_version()}"
    figures = cache.get(key)
    if figures is None:
        figures = {
            "documents": Document.objects.count(),
            "turns": Turn.objects.count(),
            "recent_documents": list(
                Document.objects.defer("raw_text", "import_warnings").order_by("-imported_at", "-pk")[:5]
            ),
        }
        cache.set(key, figures, CACHE_SECONDS)
    return figures


def _dashboard_context():
    corpus = corpus_figures()
    topics = topic_bars()
    stances = stance_rows()
    claims = claim_bars()
    activity = activity_bars()
    legend = {label: charts.POLARITY_COLOURS[value] for value, label in Polarity.choices}
    return {
        "counts": {
            "documents": corpus["documents"],
            "turns": corpus["turns"],
            "speakers": Speaker.objects.count(),
            "annotations": Annotation.objects.count(),
            "open_claims": Claim.objects.open().count(),
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
