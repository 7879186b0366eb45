"""The dashboard's figures: a fixed handful of queries, whatever the corpus size.

The counts come from ``dashboard.counts`` (kept by PostgreSQL's triggers, or counted from the
tables on SQLite). The whole page's figures are cached until annotations or the corpus change
(``desk.cache``: the services, the admin and the importer move the generations on when they
commit); the corpus's own figures (documents, turns, the latest imports) until the corpus
changes, so that editors' annotations leave them as they are.
"""

import datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from annotations.models import Annotation, ClaimStatus, Polarity, Target
from corpus_app.models import Document, Speaker
from dashboard import charts
from dashboard.counts import _root_topics, counts
from desk.cache import ANNOTATIONS, CORPUS, DEFAULT_TIMEOUT, cached, generations_key

ACTIVITY_MONTHS = 12


def _url(name, **params):
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


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


def dashboard_context(today=None):
    """The dashboard's figures, kept until annotations or the corpus change (``desk.cache``)."""
    today = today or timezone.localdate()
    return cached(f"dashboard:{today}", _dashboard_context, kinds=(ANNOTATIONS, CORPUS))


def corpus_figures(source):
    """The figures of the corpus alone (document and turn counts, the latest imports), kept until it
    changes: editors' annotations, which renew the dashboard, leave them as they are."""
    return cached(
        "dashboard-corpus",
        lambda: {
            "documents": source.documents(),
            "turns": source.turns(),
            "recent_documents": list(
                Document.objects.defer("raw_text", "import_warnings").order_by("-imported_at", "-pk")[:5]
            ),
        },
        kinds=(CORPUS,),
    )


def _table(caption, headers, rows):
    """A chart's figures as the table under it (its text alternative)."""
    return {"caption": caption, "headers": headers, "rows": rows}


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
        # The charts' markup is a fragment cached under the same generations as these figures.
        "charts_key": f"{timezone.localdate()}:{generations_key(ANNOTATIONS, CORPUS)}",
        "charts_cache_seconds": DEFAULT_TIMEOUT,
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
                "chart": charts.horizontal_bars("chart-topics", "Annotations per topic", topics),
                "table": _table(
                    "Annotations per topic", ["Topic", "Annotations"], [(b.label, b.value) for b in topics]
                ),
                "link": reverse("annotations:annotation-list"),
            },
            {
                "title": "Stance by target",
                "chart": charts.stacked_bars("chart-stance", "Stance by target", stances, legend),
                "table": _table(
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
                "chart": charts.horizontal_bars(
                    "chart-claims", "Claims by status", claims, empty="No claims flagged yet."
                ),
                "table": _table("Claims by status", ["Status", "Claims"], [(b.label, b.value) for b in claims]),
                "link": reverse("annotations:claim-list"),
            },
            {
                "title": f"Annotations per month, last {ACTIVITY_MONTHS} months",
                "chart": charts.columns("chart-activity", "Annotations per month", activity),
                "table": _table(
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
