"""The documents list's text filter at scale: kept counts that follow edits, and first pages that
walk the documents in order for words most of them hold (migration 0010)."""

import datetime
import html
import importlib
import re

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from corpus_app.filters import DocumentFilter, word_shares
from corpus_app.models import Document, Turn
from desk.pagination import CappedPaginator
from tests.factories import make_document

pytestmark = pytest.mark.django_db

MIGRATION = "corpus_app.migrations.0010_corpus_version_and_word_check"
WALK_FUNCTION = "corpus_app_document_has_lexemes"


def count_queries(queries):
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]


def test_the_document_list_keeps_its_filtered_count_until_a_document_or_turn_is_edited(client, viewer):
    for number in range(3):
        make_document(title=f"Sanctions briefing {number}")
    other = make_document(title="Other", turns=[("Sergey Lavrov", "answer", "Nothing of the sort.")])
    client.force_login(viewer)
    url = reverse("corpus:document-list")

    def count(params):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        return response.context["paginator"].count, len(count_queries(queries))

    assert count({"q": "sanctions"}) == (3, 1)
    assert count({"q": "sanctions"}) == (3, 0)  # the same filter again: the kept count
    other.title = "Sanctions, again"
    other.save()  # as the admin's edit does
    assert count({"q": "sanctions"}) == (4, 1)
    assert count({"q": "sort"}) == (1, 1)
    turn = other.turns.get()
    turn.text = "Trade in roubles."
    turn.save()  # a turn's text corrected
    assert count({"q": "sort"}) == (0, 1)
    assert count({})[1] == 1 and count({})[1] == 1  # no filter: a plain count each time


def test_the_word_check_migration_reverses_and_runs_twice():
    from types import SimpleNamespace

    migration = importlib.import_module(MIGRATION)
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks left before the DDL
        # Its statements, run in this test's transaction (SQLite's schema editor refuses one).
        editor = SimpleNamespace(
            connection=connection, quote_name=connection.ops.quote_name, execute=lambda sql: cursor.execute(sql)
        )
        if not postgres:

            def refuse(sql, params=()):
                raise AssertionError(f"the migration ran SQL on {connection.vendor}: {sql}")

            editor.execute = refuse
            migration.create(apps, editor)
            migration.drop(apps, editor)
            return

        def left():
            cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = %s", [WALK_FUNCTION])
            return cursor.fetchone()[0]

        assert left() == 1
        migration.drop(apps, editor)
        assert left() == 0
        migration.create(apps, editor)
        migration.create(apps, editor)  # idempotent
        assert left() == 1


# --- the walk (PostgreSQL; elsewhere the filter reads the turns, and never walks) ----------------

POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def corpus():
    """60 documents; two in three say "currencies" and "payments", four more have it in the title only."""
    made = []
    start = datetime.date(2024, 1, 1)
    for number in range(60):
        if number % 3 == 2:
            text = "Trade ties were discussed."
            title = f"Currencies {number}" if number % 5 == 0 else f"Briefing {number}"
        else:
            text = "Payments in national currencies grew."
            title = f"Briefing {number}"
        date = None if number == 7 else start + datetime.timedelta(days=number // 2)  # ties, and one undated
        made.append(make_document(title=title, date=date, turns=[("Sergey Lavrov", "answer", text)]))
    if POSTGRES:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE corpus_app_document_lexemes")  # the statistics that tell common words
    return made


def expected_order(documents, *words):
    def holds(document, word):
        return word in document.title.lower() or any(word in turn.text.lower() for turn in document.turns.all())

    matching = [d for d in documents if all(holds(d, word) for word in words)]
    # -date, title, id; PostgreSQL puts the undated first in a descending order, SQLite last.
    undated = datetime.date.max if POSTGRES else datetime.date.min
    matching.sort(key=lambda d: (d.title, d.pk))
    matching.sort(key=lambda d: d.date or undated, reverse=True)
    return [d.pk for d in matching]


def test_common_words_are_told_by_the_statistics_of_the_documents_lexemes(corpus):
    filterset = DocumentFilter({"q": "currencies"}, queryset=Document.objects.all())
    filterset.qs  # noqa: B018 (filtering decides how the first pages are read)
    if not POSTGRES:
        assert filterset.first_rows is None  # no lexemes here
        return
    shares = word_shares(["currencies", "uranium", "the", "trade"])
    assert shares["currencies"] == pytest.approx(40 / 60, abs=0.01)  # in the turns: titles are not counted
    assert shares["trade"] == pytest.approx(20 / 60, abs=0.01)
    assert shares["uranium"] == 0 and shares["the"] == 0  # in no document; a stop word has no lexeme
    assert filterset.first_rows.rows == int(500 * 40 / 60)  # about 500 documents checked at most


def test_first_pages_of_a_common_word_walk_the_documents_and_match_the_full_filter(client, viewer, corpus, monkeypatch):
    client.force_login(viewer)
    url = reverse("corpus:document-list")
    expected = expected_order(corpus, "currencies")
    assert len(expected) == 44  # 40 in the turns, 4 in the title only

    def page(params):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        walked = any(WALK_FUNCTION in q["sql"] for q in queries.captured_queries)
        return [d.pk for d in response.context["object_list"]], response.context["paginator"].count, walked

    monkeypatch.setattr("corpus_app.views.DocumentListView.paginate_by", 10)
    assert page({"q": "currencies"}) == (expected[:10], 44, POSTGRES)
    assert page({"q": "currencies", "page": 5}) == (expected[40:], 44, POSTGRES)
    monkeypatch.setattr("corpus_app.filters.CHECKED_DOCUMENTS", 30)  # 20 rows walked: page 2 is too deep
    pages = [page({"q": "currencies", "page": number}) for number in (1, 2, 3)]
    assert [walked for _, _, walked in pages] == [POSTGRES, False, False]
    assert [pk for rows, _, _ in pages for pk in rows] == expected[:30]
    # Another filter, another order, a rare word: every matching document is found first.
    rows, count, walked = page({"q": "currencies", "kind": "article"})
    assert (rows, count, walked) == ([], 0, False)
    rows, count, walked = page({"q": "currencies", "ordering": "title"})
    assert (
        not walked and count == 44 and rows == sorted(expected, key=lambda pk: Document.objects.get(pk=pk).title)[:10]
    )
    assert page({"q": "currencies uranium"}) == ([], 0, False)


def test_a_false_filter_narrows_the_list_too_and_is_never_walked_past(client, viewer, corpus):
    from tests.factories import make_annotation

    client.force_login(viewer)
    newest = expected_order(corpus, "currencies")[0]
    make_annotation(turn=Turn.objects.filter(document_id=newest).first(), claim=True)  # an open claim
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("corpus:document-list"), {"q": "currencies", "unverified_claims": "false"})
    assert [d.pk for d in response.context["object_list"]] == expected_order(corpus, "currencies")[1:]
    assert not any(WALK_FUNCTION in q["sql"] for q in queries.captured_queries)


def test_two_common_words_walk_together(client, viewer, corpus):
    client.force_login(viewer)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("corpus:document-list"), {"q": "currencies payments"})
    assert [d.pk for d in response.context["object_list"]] == expected_order(corpus, "currencies", "payments")
    assert response.context["paginator"].count == 40
    assert sum(q["sql"].count(WALK_FUNCTION) for q in queries.captured_queries) == (2 if POSTGRES else 0)


def test_the_paginator_reads_the_first_rows_from_their_own_form_only_while_they_last():
    from corpus_app.filters import FirstRows

    documents = [make_document(title=f"Document {number:02}") for number in range(12)]
    listing = Document.objects.order_by("title", "pk")
    # Another form with the same rows: marked by a condition the listing does not have.
    first_rows = FirstRows(Document.objects.filter(title__startswith="Doc"), rows=7)
    paginator = CappedPaginator(listing, 3, first_rows=first_rows)

    def page(number):
        with CaptureQueriesContext(connection) as queries:
            rows = [d.pk for d in paginator.page(number).object_list]
        return rows, any("LIKE" in q["sql"] for q in queries.captured_queries)

    assert page(1) == ([d.pk for d in documents[:3]], True)  # rows 1–3, and a 4th to know there is more
    assert page(2) == ([d.pk for d in documents[3:6]], True)  # up to row 7
    assert page(3) == ([d.pk for d in documents[6:9]], False)
    assert page(4) == ([d.pk for d in documents[9:]], False)


def test_next_links_of_a_common_word_walk_on_from_their_cursor(client, viewer, corpus, monkeypatch):
    client.force_login(viewer)
    url = reverse("corpus:document-list")
    expected = expected_order(corpus, "currencies")  # the undated document among them
    monkeypatch.setattr("corpus_app.views.DocumentListView.paginate_by", 10)
    monkeypatch.setattr("corpus_app.filters.CHECKED_DOCUMENTS", 30)  # 20 rows walked: page 2 too deep by number
    pages, query = [], "q=currencies"
    while query is not None:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}?{query}")
        walked = any(WALK_FUNCTION in q["sql"] for q in queries.captured_queries)
        offset = any("OFFSET" in q["sql"] for q in queries.captured_queries)
        pages.append(([d.pk for d in response.context["object_list"]], walked, offset, query))
        found = re.search(r'<a href="\?([^"]*)" rel="next">', response.content.decode())
        query = html.unescape(found.group(1)) if found else None
    assert [pk for rows, *_ in pages for pk in rows] == expected
    # Every page from its cursor is walked like the first (not by number, from the start).
    assert [walked for _, walked, _, _ in pages] == [POSTGRES] * 5
    assert not any(offset for _, _, offset, _ in pages[1:]) and all("after=" in q for *_, q in pages[1:])
    # And back: "Previous" from the last page.
    back = client.get(f"{url}?{pages[-1][3]}")
    previous = html.unescape(re.search(r'<a href="\?([^"]*)" rel="prev">', back.content.decode()).group(1))
    assert [d.pk for d in client.get(f"{url}?{previous}").context["object_list"]] == expected[30:40]
