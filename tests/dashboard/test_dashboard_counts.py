"""The dashboard's counts as the database keeps them (PostgreSQL), against the tables they count."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from annotations import services
from annotations.models import Annotation, ClaimStatus, Topic
from dashboard.counts import KeptCounts, TableCounts, _root_topics, count_kept_again, counts
from dashboard.models import DashboardTally
from tests.factories import make_annotation, make_document, make_target, make_topic

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"
MONTH_STARTS = [timezone.make_aware(datetime.datetime(2026, month, 1), datetime.UTC) for month in (9, 10, 11, 12)] + [
    timezone.make_aware(datetime.datetime(2027, 1, 1), datetime.UTC)
]


def figures(source):
    roots, _ = _root_topics()
    return {
        "documents": source.documents(),
        "turns": source.turns(),
        "annotations": source.annotations(),
        "topics": {root: n for root, n in source.per_root_topic(roots).items() if n},
        "stances": sorted((target, polarity, n) for target, polarity, n in source.stances() if n),
        "claims": {status: n for status, n in source.claims().items() if n},
        "months": source.per_month(MONTH_STARTS),
    }


def dashboard_figures():
    """What the dashboard shows, checked against a count of the tables."""
    shown = figures(counts())
    assert shown == figures(TableCounts())
    return shown


def test_the_counts_follow_every_kind_of_write(editor, reviewer):
    economy, energy = make_topic("Economy"), make_topic("Energy")
    payments = make_topic("Payments", parent=economy)
    eu, us = make_target("European Union"), make_target("United States")
    turn = make_document().turns.first()

    def create(**fields):
        return services.annotation_create(user=editor, turn=turn, start=0, end=8, quote=turn.text[:8], **fields)

    # Two topics under one root count the annotation once there.
    first = create(topics=[payments, economy], polarity="opposes", target=eu, claim=True)
    second = create(topics=[energy])
    shown = dashboard_figures()
    assert shown["annotations"] == 2
    assert shown["topics"] == {economy.pk: 1, energy.pk: 1}
    assert shown["stances"] == [(eu.pk, "opposes", 1)]
    assert shown["claims"] == {ClaimStatus.UNVERIFIED: 1}

    first = services.annotation_update(
        user=editor, annotation_id=first.pk, version=first.version, topics=[energy, payments], polarity="supports"
    )
    assert dashboard_figures()["topics"] == {economy.pk: 1, energy.pk: 2}
    assert dashboard_figures()["stances"] == [(eu.pk, "supports", 1)]
    first = services.annotation_update(user=editor, annotation_id=first.pk, version=first.version, target=us)
    assert dashboard_figures()["stances"] == [(us.pk, "supports", 1)]

    services.claim_set_status(user=reviewer, claim_id=first.claim.pk, status=ClaimStatus.IN_REVIEW)
    assert dashboard_figures()["claims"] == {ClaimStatus.IN_REVIEW: 1}

    # Moving a subtopic under another root moves its annotations' count there.
    payments.parent = energy
    payments.save()
    assert dashboard_figures()["topics"] == {energy.pk: 2}
    Topic.objects.filter(pk=payments.pk).update(parent=economy)
    assert dashboard_figures()["topics"] == {economy.pk: 1, energy.pk: 2}

    # Tags written in bulk, as a script would.
    Annotation.topics.through.objects.filter(topic=energy).delete()
    assert dashboard_figures()["topics"] == {economy.pk: 1}
    Annotation.topics.through.objects.bulk_create(
        [Annotation.topics.through(annotation=annotation, topic=economy) for annotation in (first, second)]
    )
    assert dashboard_figures()["topics"] == {economy.pk: 2}

    Annotation.objects.filter(pk=second.pk).update(created_at=datetime.datetime(2026, 10, 31, 23, tzinfo=datetime.UTC))
    Annotation.objects.filter(pk=first.pk).update(created_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC))
    assert dashboard_figures()["months"] == [0, 1, 1, 0]

    services.annotation_delete(user=editor, annotation_id=first.pk, version=first.version)
    shown = dashboard_figures()
    assert (shown["annotations"], shown["topics"], shown["stances"], shown["claims"]) == (1, {economy.pk: 1}, [], {})
    assert shown["months"] == [0, 1, 0, 0]


def test_the_numbers_of_documents_and_turns_follow_imports_and_deletions():
    first = make_document(turns=[("Minister", "remarks", "One."), ("Journalist", "question", "Two?")])
    make_document(turns=[("Minister", "remarks", "Three.")])
    assert (dashboard_figures()["documents"], dashboard_figures()["turns"]) == (2, 3)
    first.turns.filter(position=1).delete()
    assert (dashboard_figures()["documents"], dashboard_figures()["turns"]) == (2, 2)
    first.delete()  # its turns with it
    assert (dashboard_figures()["documents"], dashboard_figures()["turns"]) == (1, 1)


def test_a_topic_in_a_loop_of_parents_counts_nowhere():
    economy = make_topic("Economy")
    payments = make_topic("Payments", parent=economy)
    make_annotation(topics=[payments])
    assert dashboard_figures()["topics"] == {economy.pk: 1}
    # Payments under Economy and Economy under Payments: neither has a root any more.
    Topic.objects.filter(pk=economy.pk).update(parent=payments)
    assert dashboard_figures()["topics"] == {}


@pytest.mark.parametrize("zone", ["Europe/Paris", "Asia/Kolkata"])
def test_months_begin_at_midnight_where_the_dashboard_is(zone, settings):
    settings.TIME_ZONE = zone  # Kolkata's midnight is at half past the hour in UTC: counted from the table
    late_october, early_november = make_annotation(), make_annotation()
    midnight = timezone.make_aware(datetime.datetime(2026, 11, 1))
    Annotation.objects.filter(pk=late_october.pk).update(created_at=midnight - datetime.timedelta(minutes=1))
    Annotation.objects.filter(pk=early_november.pk).update(created_at=midnight)
    starts = [timezone.make_aware(datetime.datetime(2026, month, 1)) for month in (10, 11, 12)]
    assert counts().per_month(starts) == TableCounts().per_month(starts) == [1, 1]


def test_kept_rows_are_folded_into_one_per_count(editor, monkeypatch):
    topic, target = make_topic("Economy"), make_target("European Union")
    for _ in range(4):
        make_annotation(topics=[topic], polarity="mixed", target=target, claim=True)
    if not POSTGRES:  # no triggers there: the dashboard counts the tables, and nothing is written
        assert not DashboardTally.objects.exists()
        assert figures(counts())["annotations"] == 4
        return
    written = DashboardTally.objects.count()
    kept = DashboardTally.objects.values_list("kind", "key").distinct().count()  # five, but past an hour
    monkeypatch.setattr(KeptCounts, "FOLD_AFTER", 2)
    before = figures(TableCounts())
    assert figures(KeptCounts(connection)) == before
    # Annotations, their stance, hour, topic and claim: one row each.
    assert DashboardTally.objects.count() == kept < written
    assert figures(KeptCounts(connection)) == before


def test_counts_made_again_from_the_tables_equal_the_kept_ones(client, viewer):
    economy = make_topic("Economy")
    for polarity in ("mixed", "supports", "mixed"):
        make_annotation(
            topics=[economy, make_topic(parent=economy)], polarity=polarity, target=make_target(), claim=True
        )
    make_annotation()
    if not POSTGRES:
        assert not DashboardTally.objects.exists()
        return
    kept = figures(KeptCounts(connection))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dashboard_tally")
    count_kept_again(connection)
    assert figures(KeptCounts(connection)) == kept == figures(TableCounts())
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no checks of the test's rows left pending
        cursor.execute("TRUNCATE annotations_claim")
    assert figures(KeptCounts(connection))["claims"] == {}
    client.force_login(viewer)
    page = client.get(reverse("dashboard")).context
    assert page["counts"]["annotations"] == 4 and page["counts"]["open_claims"] == 0


def test_an_hour_written_more_times_than_the_months_have_hours_is_folded():
    nine = datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC)
    for _ in range(3):  # three statements, three rows for the hour
        Annotation.objects.filter(pk=make_annotation().pk).update(created_at=nine)
    two_hours = [nine + datetime.timedelta(hours=hours) for hours in range(3)]
    assert counts().per_month(two_hours) == TableCounts().per_month(two_hours) == [3, 0]
    kept_rows = DashboardTally.objects.filter(kind="hour", key="2026-11-02T09").count()
    assert kept_rows == (1 if POSTGRES else 0)


def test_the_declared_triggers_are_installed_and_the_migration_counts_what_is_there():
    import importlib
    from types import SimpleNamespace

    from django.apps import apps

    migration = importlib.import_module("dashboard.migrations.0002_counting_triggers")
    make_annotation(topics=[make_topic("Economy")], polarity="mixed", target=make_target(), claim=True)
    if not POSTGRES:

        def refuse(sql, params=()):
            raise AssertionError(f"the migration ran SQL on {connection.vendor}: {sql}")

        migration.count_all(apps, SimpleNamespace(connection=connection, execute=refuse))
        assert not DashboardTally.objects.exists()
        return
    declared = {
        trigger.get_pgid(model)
        for model in apps.get_app_config("dashboard").get_models()
        for trigger in getattr(model._meta, "triggers", [])
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'pgtrigger\\_tally\\_%%'")
        assert {name for (name,) in cursor.fetchall()} == declared
        assert len(declared) == 13
        cursor.execute("DELETE FROM dashboard_tally")
        make_annotation()  # counted by the triggers, on top of nothing
        assert figures(KeptCounts(connection))["annotations"] == 1
        migration.count_all(apps, SimpleNamespace(connection=connection, execute=cursor.execute))
    assert figures(KeptCounts(connection)) == figures(TableCounts())
    assert figures(KeptCounts(connection))["annotations"] == 2


def test_the_recount_command_makes_drifted_counts_right_again():
    from io import StringIO

    from django.core.management import call_command

    make_annotation(topics=[make_topic("Economy")], polarity="mixed", target=make_target(), claim=True)
    if POSTGRES:  # rows as a restore with the triggers disabled would leave them: counted twice
        DashboardTally.objects.bulk_create(
            [
                DashboardTally(kind=kind, key=key, n=n)
                for kind, key, n in DashboardTally.objects.values_list("kind", "key", "n")
            ]
        )
        assert figures(KeptCounts(connection))["annotations"] == 2
    out = StringIO()
    call_command("recount_dashboard", stdout=out)
    if POSTGRES:
        assert "Counted again: 1 annotation, 1 document, 3 turns." in out.getvalue()
        assert figures(KeptCounts(connection)) == figures(TableCounts())
        assert DashboardTally.objects.count() == DashboardTally.objects.values("kind", "key").distinct().count()
    else:
        assert "Nothing to do: on sqlite" in out.getvalue()


@pytest.mark.django_db
def test_each_chart_has_its_figures_as_a_table_with_names_escaped(client, viewer):
    topic = make_topic("Trade <b>& tariffs</b>")
    make_annotation(topics=[topic])
    client.force_login(viewer)
    page = client.get(reverse("dashboard")).content.decode()
    tables = page[page.index('<details class="chart-table">') :]
    assert '<th scope="col">' in tables and "as a table</summary>" in tables
    assert "Trade &lt;b&gt;&amp; tariffs&lt;/b&gt;" in tables and "<b>& tariffs" not in page
