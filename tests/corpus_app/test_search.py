"""Full-text search over turns (/search/), on PostgreSQL and on the SQLite fallback.

Every test runs on both databases; where they differ by design (stemming, the GIN index),
the expectation branches on ``connection.vendor``.
"""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.contrib.postgres.search import SearchVector
from django.core.cache import cache
from django.db import connection
from django.db.models import Value
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from corpus_app import search
from corpus_app.models import Turn
from tests.factories import make_document

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"
URL = reverse("corpus:search")


@pytest.fixture
def logged_in(client, viewer):
    client.force_login(viewer)
    return client


def texts(response):
    return [turn.text for turn in response.context["results"]]


def one_turn_document(text, *, speaker="Sergey Lavrov", kind="answer", **fields):
    return make_document(turns=[(speaker, kind, text)], **fields)


# --- Access and the empty page --------------------------------------------------------------


def test_search_requires_login(client):
    one_turn_document("National currencies now account for most payments.")
    response = client.get(URL, {"q": "currencies"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=/search/" in response["Location"]


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": '"'}, {"q": "- --"}])
def test_empty_query_shows_help_and_no_results(logged_in, params):
    one_turn_document("National currencies now account for most payments.")
    response = logged_in.get(URL, params)
    assert response.status_code == 200
    content = response.content.decode()
    assert response.context["searched"] is False
    assert response.context["results"] == []
    assert "How to search" in content
    assert "double quotes" in content
    assert "payments -dollar" in content  # how to exclude a word
    assert "result-count" not in content
    assert "No turn matches" not in content


def test_no_results_shows_a_clear_empty_state(logged_in):
    one_turn_document("National currencies now account for most payments.")
    response = logged_in.get(URL, {"q": "zeppelin"})
    content = response.content.decode()
    assert response.context["searched"] is True
    assert response.context["paginator"].count == 0
    assert "0 results for “zeppelin”" in content
    assert "No turn matches “zeppelin”." in content
    assert 'class="search-results"' not in content


def test_query_stays_in_the_box_and_in_the_url(logged_in):
    one_turn_document("National currencies now account for most payments.")
    response = logged_in.get(URL, {"q": '"national currencies" -dollar'})
    content = response.content.decode()
    assert 'method="get"' in content
    assert re.search(r'<input type="search" name="q" value="&quot;national currencies&quot; -dollar"', content)
    assert "1 result for “&quot;national currencies&quot; -dollar”" in content


# --- Query syntax ---------------------------------------------------------------------------


def test_phrase_matches_the_exact_phrase_only(logged_in):
    one_turn_document("Trade in national currencies grew fast.")
    one_turn_document("National payment systems need stable currencies.")
    phrase = logged_in.get(URL, {"q": '"national currencies"'})
    assert texts(phrase) == ["Trade in national currencies grew fast."]
    words = logged_in.get(URL, {"q": "national currencies"})
    assert sorted(texts(words)) == [
        "National payment systems need stable currencies.",
        "Trade in national currencies grew fast.",
    ]


def test_several_words_must_all_occur(logged_in):
    one_turn_document("Sanctions hit payments between banks.")
    one_turn_document("Sanctions were discussed at length.")
    one_turn_document("Payments are now made in roubles.")
    response = logged_in.get(URL, {"q": "sanctions payments"})
    assert texts(response) == ["Sanctions hit payments between banks."]


def test_minus_excludes_a_word_or_a_phrase(logged_in):
    one_turn_document("Payments in dollars have fallen.")
    one_turn_document("Payments in roubles have grown.")
    one_turn_document("Payments through the European Union are blocked.")
    assert sorted(texts(logged_in.get(URL, {"q": "payments -dollars"}))) == [
        "Payments in roubles have grown.",
        "Payments through the European Union are blocked.",
    ]
    assert sorted(texts(logged_in.get(URL, {"q": 'payments -"european union"'}))) == [
        "Payments in dollars have fallen.",
        "Payments in roubles have grown.",
    ]


def test_or_between_terms_matches_either(logged_in):
    one_turn_document("NATO expanded eastwards.")
    one_turn_document("The European Union imposed sanctions.")
    one_turn_document("China and India trade more.")
    response = logged_in.get(URL, {"q": 'NATO or "European Union"'})
    assert sorted(texts(response)) == ["NATO expanded eastwards.", "The European Union imposed sanctions."]


def test_stemming_on_postgresql_substrings_on_the_fallback(logged_in):
    one_turn_document("The payment was made on time.")
    one_turn_document("Payments in national currencies.")
    plural = texts(logged_in.get(URL, {"q": "payments"}))
    singular = texts(logged_in.get(URL, {"q": "payment"}))
    if POSTGRES:
        # The english configuration stems both forms to 'payment'.
        assert sorted(plural) == ["Payments in national currencies.", "The payment was made on time."]
        assert sorted(singular) == sorted(plural)
    else:
        # The fallback matches substrings: no stemming, but a shorter form finds the longer one.
        assert plural == ["Payments in national currencies."]
        assert sorted(singular) == ["Payments in national currencies.", "The payment was made on time."]


def test_results_rank_more_matches_first_then_newer_documents(logged_in):
    one_turn_document("Sanctions once.", title="Old once", date=datetime.date(2020, 1, 1))
    one_turn_document(
        "Sanctions, sanctions and more sanctions: sanctions everywhere.",
        title="Old many",
        date=datetime.date(2019, 1, 1),
    )
    one_turn_document("Sanctions once.", title="New once", date=datetime.date(2025, 4, 11))
    one_turn_document("Sanctions once.", title="Undated once")
    response = logged_in.get(URL, {"q": "sanctions"})
    titles = [turn.document.title for turn in response.context["results"]]
    assert titles == ["Old many", "New once", "Old once", "Undated once"]
    ranks = [turn.rank for turn in response.context["results"]]
    assert ranks[0] > ranks[1] == ranks[2] == ranks[3]


def test_parse_query_understands_the_websearch_syntax():
    parsed = search.parse_query('"national  currencies" payments, -dollar -"European Union" or NATO -')
    assert parsed.groups == [
        (["national currencies", "payments"], ["dollar", "European Union"]),
        (["NATO"], []),
    ]
    assert parsed.required_terms == ["national currencies", "payments", "NATO"]
    assert not search.parse_query(' " " or - ')


# --- Excerpts, highlighting, escaping -------------------------------------------------------


def shown(excerpt):
    """An excerpt as a result shows it: the HTML inside its paragraph."""
    html = render_to_string("corpus_app/_search_excerpt.html", {"excerpt": excerpt})
    return re.fullmatch(r'<p class="search-excerpt">(.*)</p>', html.strip(), re.S).group(1)


def first_excerpt(content):
    return re.search(r'<p class="search-excerpt">(.*?)</p>', content, re.S).group(1)


def test_matches_are_highlighted_with_mark(logged_in):
    one_turn_document("Trade in national currencies grew fast, the minister said.")
    response = logged_in.get(URL, {"q": '"national currencies"'})
    content = response.content.decode()
    excerpt = first_excerpt(content)
    if POSTGRES:  # ts_headline marks each word of the phrase
        assert "<mark>national</mark> <mark>currencies</mark>" in excerpt
    else:
        assert "<mark>national currencies</mark>" in excerpt
    assert excerpt.startswith("Trade in ")  # a short turn is shown whole, without ellipses
    assert "…" not in excerpt


def test_turn_text_is_escaped_before_highlighting(logged_in):
    one_turn_document('He said <script>alert("payments")</script> & left; the <mark>fake</mark> payments stay.')
    response = logged_in.get(URL, {"q": "payments"})
    content = response.content.decode()
    excerpt = first_excerpt(content)
    assert "<script>" not in content
    assert "script&gt;alert(&quot;<mark>payments</mark>&quot;)&lt;/script&gt;" in excerpt
    assert "&lt;/script&gt; &amp; left" in excerpt
    assert "&lt;mark&gt;fake&lt;/mark&gt;" in excerpt
    assert "<mark>payments</mark> stay." in excerpt
    # The only markup in the excerpt is ours.
    assert set(re.findall(r"<[^>]*>", excerpt)) == {"<mark>", "</mark>"}


def test_long_turns_show_an_excerpt_around_the_match_with_ellipses(logged_in):
    before = " ".join(f"opening{n} words" for n in range(60))
    after = " ".join(f"closing{n} words" for n in range(60))
    text = f"{before} the ruble settlement began {after}"
    one_turn_document(text)
    response = logged_in.get(URL, {"q": "settlement"})
    excerpt = first_excerpt(response.content.decode())
    assert excerpt.startswith("… ")
    assert excerpt.endswith(" …")
    assert "<mark>settlement</mark>" in excerpt
    assert len(excerpt) < 0.4 * len(text)
    assert "opening0 " not in excerpt and "closing59" not in excerpt


def test_fallback_highlight_escapes_first_and_merges_overlapping_terms():
    html = shown(
        search.highlight("A & B: <b>national currencies</b> in national use", ["national currencies", "national"])
    )
    assert html == ("A &amp; B: &lt;b&gt;<mark>national currencies</mark>&lt;/b&gt; in <mark>national</mark> use")
    # A term that spells an entity name is never matched inside the entity.
    assert shown(search.highlight("Tom & Jerry", ["amp"])) == "Tom &amp; Jerry"
    long = "x " * 400 + "target " + "y " * 400
    excerpt = shown(search.highlight(long, ["target"]))
    assert excerpt.startswith("… ") and excerpt.endswith(" …") and "<mark>target</mark>" in excerpt
    assert len(excerpt) <= search.query.EXCERPT_CHARS + 30


def test_headline_post_processing_adds_ellipses_and_never_trusts_stray_markup():
    text = "One two three payments four five six."
    turn = SimpleNamespace(text=text, headline="two three <mark>payments</mark> four")
    assert shown(search.postgres.excerpt(turn, ["payments"])) == "… two three <mark>payments</mark> four …"
    turn = SimpleNamespace(text=text, headline="One two three <mark>payments</mark> four five six.")
    assert shown(search.postgres.excerpt(turn, ["payments"])) == "One two three <mark>payments</mark> four five six."
    # Should a headline ever carry markup of its own, it is rebuilt from the escaped text.
    turn = SimpleNamespace(text="a <b>payments</b>", headline="a <b><mark>payments</mark></b>")
    assert shown(search.postgres.excerpt(turn, ["payments"])) == "a &lt;b&gt;<mark>payments</mark>&lt;/b&gt;"
    # What ts_headline escaped is shown as written, escaped once.
    turn = SimpleNamespace(text='Say "x" & <y>', headline="Say &quot;x&quot; &amp; <mark>&lt;y&gt;</mark>")
    assert shown(search.postgres.excerpt(turn, ["y"])) == "Say &quot;x&quot; &amp; <mark>&lt;y&gt;</mark>"


# --- What a result shows --------------------------------------------------------------------


def test_result_shows_speaker_or_kind_title_link_to_the_turn_and_date(logged_in):
    document = make_document(
        title="Press conference in Almaty",
        date=datetime.date(2025, 4, 11),
        turns=[
            ("Sergey Lavrov", "remarks", "Good afternoon, colleagues."),
            ("Sergey Lavrov", "answer", "The CIS remains our priority."),
            (None, "editorial_note", "RPA: the CIS has nine members."),
        ],
    )
    response = logged_in.get(URL, {"q": "CIS"})
    content = response.content.decode()
    assert [turn.position for turn in response.context["results"]] == [1, 2]
    assert f'href="/documents/{document.pk}/#turn-1">Press conference in Almaty</a>' in content
    assert f'href="/documents/{document.pk}/#turn-2">Press conference in Almaty</a>' in content
    assert '<span class="speaker">Sergey Lavrov</span>' in content
    assert '<span class="speaker none">Editorial note</span>' in content
    assert "11 Apr 2025" in content
    assert "2 results for “CIS”" in content


def test_filters_by_speaker_document_kind_and_dates(logged_in):
    make_document(
        kind="transcript",
        date=datetime.date(2025, 4, 11),
        turns=[("Sergey Lavrov", "answer", "Sanctions from Lavrov."), ("Journalist", "question", "Sanctions, asked?")],
    )
    make_document(kind="article", date=datetime.date(2024, 12, 4), turns=[(None, "narration", "Sanctions reported.")])
    lavrov = Turn.objects.get(text="Sanctions from Lavrov.").speaker

    def found(**filters):
        return sorted(texts(logged_in.get(URL, {"q": "sanctions", **filters})))

    assert found() == ["Sanctions from Lavrov.", "Sanctions reported.", "Sanctions, asked?"]
    assert found(speaker=lavrov.pk) == ["Sanctions from Lavrov."]
    assert found(kind="article") == ["Sanctions reported."]
    assert found(date_from="2025-01-01") == ["Sanctions from Lavrov.", "Sanctions, asked?"]
    assert found(date_until="2025-01-01") == ["Sanctions reported."]
    assert found(date_from="2024-01-01", date_until="2024-12-31", kind="transcript") == []
    response = logged_in.get(URL, {"q": "sanctions", "kind": "article", "speaker": lavrov.pk})
    content = response.content.decode()
    assert "with these filters" in content
    assert 'href="/search/?q=sanctions">search without the filters</a>' in content
    assert f'<option value="{lavrov.pk}" selected>Sergey Lavrov</option>' in content


def test_an_invalid_filter_is_reported_and_ignored(logged_in):
    one_turn_document("Sanctions reported.")
    response = logged_in.get(URL, {"q": "sanctions", "date_from": "not-a-date"})
    assert response.status_code == 200
    assert texts(response) == ["Sanctions reported."]
    assert "Enter a valid date." in response.content.decode()


# --- Pagination and query count -------------------------------------------------------------


def make_matching_turns(count, word="convergence"):
    document = make_document(turns=[("Sergey Lavrov", "answer", f"Turn {n} about {word}.") for n in range(count)])
    return document


def test_results_are_paginated_25_per_page(logged_in):
    make_matching_turns(30)
    one_turn_document("Nothing relevant here.")
    first = logged_in.get(URL, {"q": "convergence", "kind": "transcript"})
    assert len(first.context["results"]) == 25
    assert first.context["paginator"].count == 30
    content = first.content.decode()
    assert "30 results for “convergence” · page 1 of 2" in content
    assert 'href="?q=convergence&amp;kind=transcript&amp;page=2" rel="next"' in content
    second = logged_in.get(URL, {"q": "convergence", "kind": "transcript", "page": 2})
    assert len(second.context["results"]) == 5
    assert '<ol class="search-results" start="26">' in second.content.decode()
    seen = {turn.pk for turn in first.context["results"]} | {turn.pk for turn in second.context["results"]}
    assert len(seen) == 30
    # An out-of-range page shows the last one rather than an error.
    assert logged_in.get(URL, {"q": "convergence", "page": 99}).context["page_obj"].number == 2


def test_query_count_does_not_grow_with_the_number_of_results(logged_in):
    make_matching_turns(5)
    cache.clear()  # each request renders everything: its form (cached a minute) too
    with CaptureQueriesContext(connection) as few:
        response = logged_in.get(URL, {"q": "convergence"})
    assert len(response.context["results"]) == 5
    for _ in range(11):
        make_matching_turns(5)  # 60 matching turns, from 12 documents
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        response = logged_in.get(URL, {"q": "convergence"})
    assert response.context["paginator"].count == 60
    assert len(response.context["results"]) == 25
    assert len(many) == len(few)
    assert len(few) <= 7  # session, user, its permissions (2, the nav), speakers for the form, ranked ids, turns


def test_ranked_results_are_kept_until_the_corpus_changes(logged_in):
    document = make_matching_turns(30)
    other = one_turn_document("Nothing relevant here.", speaker="Journalist")

    def search_again(**params):
        with CaptureQueriesContext(connection) as queries:
            response = logged_in.get(URL, {"q": "convergence", **params})
        return response, len(queries)

    first, first_queries = search_again()
    assert first.context["paginator"].count == 30
    second, second_queries = search_again(page=2)
    assert len(second.context["results"]) == 5 and second_queries == first_queries - 1  # no search, a page
    third, third_queries = search_again()
    # No search, and no query for the form either: it is cached a minute per query string.
    assert texts(third) == texts(first) and third_queries == first_queries - 2
    turn = other.turns.get()
    turn.text = "Convergence, at last."
    turn.save()  # an edit, as in the admin
    fourth, fourth_queries = search_again()
    assert fourth.context["paginator"].count == 31 and fourth_queries == first_queries - 1  # searched again
    assert search_again(speaker=document.turns.first().speaker_id)[0].context["paginator"].count == 30
    Turn.objects.filter(document=document, position__lt=10).delete()
    assert search_again()[0].context["paginator"].count == 21


def test_past_the_candidate_cap_the_count_says_more_than_and_pages_stop(logged_in, monkeypatch):
    monkeypatch.setattr(search.postgres, "CANDIDATES", 30)
    monkeypatch.setattr(search.SearchPaginator, "cap", 30)
    make_matching_turns(40)
    first = logged_in.get(URL, {"q": "convergence"})
    paginator = first.context["paginator"]
    assert paginator.capped and paginator.count == 30
    content = first.content.decode()
    assert "More than 30 results for “convergence” · page 1</p>" in content
    assert "Only the first 30 matching turns are ranked and shown" in content
    assert len(first.context["results"]) == 25
    second = logged_in.get(URL, {"q": "convergence", "page": 2})
    assert len(second.context["results"]) == 5
    assert not second.context["page_obj"].has_next()
    assert logged_in.get(URL, {"q": "convergence", "page": 9}).context["page_obj"].number == 2


# --- The database side: index on PostgreSQL, fallback elsewhere -----------------------------


def test_search_sql_is_full_text_on_postgresql_and_the_fallback_elsewhere(logged_in):
    one_turn_document("Payments in national currencies.")
    with CaptureQueriesContext(connection) as queries:
        response = logged_in.get(URL, {"q": '"national currencies" -dollar'})
    assert texts(response) == ["Payments in national currencies."]
    sql = "\n".join(query["sql"] for query in queries.captured_queries)
    if POSTGRES:
        assert response.context["search_engine"] == "postgresql"
        # The stored, indexed column: no vector is computed at search time.
        assert (
            """"search_vector" @@ (websearch_to_tsquery('english'::regconfig, '"national currencies" -dollar'))"""
            in sql
        )
        assert """ts_rank("corpus_app_turn"."search_vector", """ in sql and "ts_headline(" in sql
        assert "to_tsvector" not in sql
        assert "COALESCE" not in sql
    else:
        assert response.context["search_engine"] == "fallback"
        assert "to_tsvector" not in sql
        assert "LIKE" in sql


def test_postgresql_uses_the_gin_index_and_the_fallback_does_not_need_one():
    document = make_document(turns=[("Sergey Lavrov", "answer", "Opening remarks.")])
    Turn.objects.bulk_create(
        Turn(document=document, position=n, kind="answer", text=f"Filler turn number {n} about trade and energy.")
        for n in range(1, 400)
    )
    Turn.objects.create(document=document, position=400, kind="answer", text="Payments in national currencies.")
    queryset = search.search_turns('"national currencies"')
    with connection.cursor() as cursor:
        if POSTGRES:
            cursor.execute("ANALYZE corpus_app_turn")
            # Leave the planner only bitmap scans, the one way a GIN index is read: on a small
            # table it would otherwise walk a b-tree index and filter, which proves nothing.
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("SET enable_indexscan = off")
        try:
            plan = queryset.explain()
        finally:
            if POSTGRES:
                cursor.execute("RESET enable_seqscan")
                cursor.execute("RESET enable_indexscan")
    assert [turn.text for turn in queryset] == ["Payments in national currencies."]
    if POSTGRES:
        assert search.engine_for() == "postgresql"
        assert search.postgres.INDEX_NAME in plan, plan
    else:
        assert search.engine_for() == "fallback"
        assert search.postgres.INDEX_NAME not in plan
        assert "LIKE" in str(queryset.query)


def test_the_declared_vector_index_and_triggers_are_the_databases():
    """The search vector, its index and its triggers are declared on ``Turn`` (makemigrations guards
    them); on PostgreSQL the database keeps the vector, on SQLite the column stays empty."""
    document = make_document(turns=[("Sergey Lavrov", "answer", "Payments in national currencies.")])
    turn = document.turns.get()
    assert "search_vector" in turn.get_deferred_fields()  # no turn read carries it
    with connection.cursor() as cursor:
        if not POSTGRES:
            cursor.execute("SELECT search_vector FROM corpus_app_turn WHERE id = %s", [turn.pk])
            assert cursor.fetchone() == (None,)
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = %s", [search.postgres.INDEX_NAME])
            assert cursor.fetchone() == (0,)
            return
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [search.postgres.INDEX_NAME])
        # The slices the search asks for are the index's: the same width on both sides.
        assert cursor.fetchone()[0].endswith(f"USING gin (((id / {search.postgres.ID_SLICE})), search_vector)")
    # Written on insert, rewritten when the text changes, whatever writes it.
    assert [t.pk for t in search.search_turns("payment")] == [turn.pk]
    Turn.objects.filter(pk=turn.pk).update(text="Trade in roubles.")
    assert list(search.search_turns("payment")) == []
    assert [t.pk for t in search.search_turns("rouble")] == [turn.pk]
    # A vector given while the text stays is kept (the importer gives the vectors it computed ahead).
    given = Turn.objects.create(document=document, position=1, kind="answer", text="Energy.")
    Turn.objects.filter(pk=given.pk).update(search_vector=SearchVector(Value("uranium")))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {search.VECTOR_EXPRESSION_OF % 'text'} = search_vector FROM corpus_app_turn")
        assert sorted(row[0] for row in cursor.fetchall()) == [False, True]


def test_ranked_ids_follow_the_search_order_with_filters_and_ties():
    lavrov = "Sergey Lavrov"
    for year in (2019, 2025, 2021):
        make_document(
            turns=[(lavrov, "answer", "Sanctions once."), ("Journalist", "question", "Sanctions and sanctions?")],
            date=datetime.date(year, 1, 1),
        )
    make_document(turns=[(lavrov, "answer", "Sanctions once."), (lavrov, "answer", "Sanctions once more.")])
    expected = [turn.pk for turn in search.search_turns("sanctions")]
    assert len(expected) == 8
    assert search.ranked_turn_ids("sanctions", 100) == expected
    first_three = search.ranked_turn_ids("sanctions", 3)
    if POSTGRES:  # the first 3 candidates the index finds, ranked: in the search's order
        assert len(first_three) == 3 and first_three == [pk for pk in expected if pk in first_three]
    else:
        assert first_three == expected[:3]
    speaker = Turn.objects.filter(speaker__name=lavrov).first().speaker
    only_lavrov = [turn.pk for turn in search.search_turns("sanctions", speaker=speaker)]
    assert search.ranked_turn_ids("sanctions", 100, speaker=speaker) == only_lavrov
    since = datetime.date(2021, 1, 1)
    assert search.ranked_turn_ids("sanctions", 100, date_from=since) == [
        turn.pk for turn in search.search_turns("sanctions", date_from=since)
    ]
    assert search.ranked_turn_ids("   ", 100) is None


def test_candidates_come_from_the_newest_slices_of_turn_ids_first(monkeypatch):
    """Past the cap, the candidates are the matching turns of the newest slices of ids (ID_SLICE each)."""
    monkeypatch.setattr(search.postgres, "ID_SLICE", 10)
    monkeypatch.setattr(search.postgres, "CANDIDATES", 5)
    for _ in range(3):
        make_document(turns=[("Sergey Lavrov", "answer", f"Sanctions, point {n}.") for n in range(12)])
    make_document(turns=[("Sergey Lavrov", "answer", "Nothing to see.")])  # the newest turn does not match
    matching = list(Turn.objects.filter(text__startswith="Sanctions").values_list("pk", flat=True))
    by_slice = {}
    for pk in matching:
        by_slice.setdefault(pk // 10, set()).add(pk)

    def slices_needed(count):  # the newest slices, until they hold ``count`` matches
        needed, held = [], 0
        for number in sorted(by_slice, reverse=True):
            needed.append(number)
            held += len(by_slice[number])
            if held >= count:
                return needed
        return needed

    found = search.ranked_turn_ids("sanctions", 6)
    capped = [turn.pk for turn in search.search_turns("sanctions")[:6]]
    assert len(found) == 6 and len(capped) == 6 and set(found) <= set(matching)
    if POSTGRES:
        assert search.search_turns("sanctions").count() == 6  # the cap, and one more to say "more than"
        for ids in (found, capped):
            needed = slices_needed(6)
            assert {pk // 10 for pk in ids} <= set(needed)  # nothing from an older slice
            assert all(by_slice[number] <= set(ids) for number in needed[:-1])  # the newer ones whole
    else:  # the fallback ranks every match
        assert found == capped
