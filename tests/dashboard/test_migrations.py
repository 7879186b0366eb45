"""The moves of this renovation migrate back and forward again with the data in place: the
dashboard's table leaves and rejoins the annotations, the corpus's declared columns and triggers
go and come back (a database migrated before them is that state)."""

import pytest
from django.core.management import call_command
from django.db import connection

from dashboard.counts import KeptCounts, TableCounts
from tests.dashboard.test_dashboard_counts import figures
from tests.factories import make_annotation, make_document, make_target, make_topic

POSTGRES = connection.vendor == "postgresql"


def tables():
    return set(connection.introspection.table_names())


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_and_the_declared_search_columns_migrate_back_and_forward():
    from corpus_app import search

    make_annotation(topics=[make_topic("Economy")], polarity="mixed", target=make_target(), claim=True)
    turn = make_document(turns=[("Sergey Lavrov", "answer", "Quarterly convergence talks.")]).turns.get()
    before = figures(TableCounts())

    call_command("migrate", "annotations", "0009", verbosity=0)  # the dashboard's migrations first
    call_command("migrate", "corpus_app", "0013", verbosity=0)
    assert "annotations_dashboardtally" in tables() and "dashboard_tally" not in tables()
    assert ("corpus_app_document_lexemes" in tables()) == POSTGRES  # made by migration 0009 there only
    # Further back, past the search vector's own migrations (0008 made it a plain column, 0004 a
    # generated one): the annotations' migrations that follow the corpus's go first.
    call_command("migrate", "corpus_app", "0007", verbosity=0)
    assert "corpus_app_document_lexemes" not in tables()

    call_command("migrate", verbosity=0)
    assert "dashboard_tally" in tables() and "annotations_dashboardtally" not in tables()
    assert "corpus_app_document_lexemes" in tables()
    if POSTGRES:
        assert figures(KeptCounts(connection)) == before  # counted again by the migration
        make_annotation()  # and kept by the triggers
        assert figures(KeptCounts(connection)) == figures(TableCounts())
        turn.text = "Trade in roubles."
        turn.save()
        assert [t.pk for t in search.search_turns("rouble")] == [turn.pk]
    else:
        assert [t.pk for t in search.search_turns("convergence")] == [turn.pk]


@pytest.mark.django_db
def test_every_declared_postgresql_index_is_in_the_database_there_and_nowhere_else():
    from django.apps import apps

    from corpus_app.models import PostgresGinIndex

    declared = {
        (model._meta.db_table, index.name)
        for model in apps.get_models()
        for index in model._meta.indexes
        if isinstance(index, PostgresGinIndex)
    }
    assert len(declared) == 3  # the search index, the documents' words, the titles' trigrams
    with connection.cursor() as cursor:
        found = {
            (table, name) for table, name in declared if name in connection.introspection.get_constraints(cursor, table)
        }
    assert found == (declared if POSTGRES else set())
