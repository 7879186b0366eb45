"""The admin stays fast on a big corpus (issue 15, problem 3): on a corpus with a 20 MB document,
every changelist and change page answers with a bounded number of queries, a page well under
1 MB, and no list query reads a document's raw text or sorts turns through the documents."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import Annotation, Claim
from corpus_app.models import Speaker
from tests.factories import HUGE_RAW_TEXT_CHARS, make_big_corpus, make_user

pytestmark = pytest.mark.django_db

PAGE_LIMIT_BYTES = 1024 * 1024 // 4  # "well under 1 MB"


@pytest.fixture
def huge(db):
    return make_big_corpus()


@pytest.fixture
def admin_client(client):
    client.force_login(make_user(None, superuser=True))
    return client


def fetch(client, url, *, max_queries):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    assert len(response.content) < PAGE_LIMIT_BYTES, (url, len(response.content))
    assert len(queries) <= max_queries, (url, len(queries), [q["sql"][:200] for q in queries])
    return response.content.decode(), [query["sql"] for query in queries]


def reads_raw_text(sql):
    return '"raw_text"' in sql


CHANGELISTS = [
    # (url name, extra query string, rows listed at most, query budget)
    ("admin:corpus_app_document_changelist", "", 61, 12),
    ("admin:corpus_app_document_changelist", "?o=5", 61, 12),  # sorted by the number of turns
    ("admin:corpus_app_turn_changelist", "", 100, 10),
    ("admin:corpus_app_speaker_changelist", "", 1, 10),
    ("admin:annotations_annotation_changelist", "", 60, 14),
    ("admin:annotations_claim_changelist", "", 30, 10),
]


@pytest.mark.parametrize(("name", "query", "rows", "budget"), CHANGELISTS)
def test_each_changelist_answers_small_without_reading_raw_text(admin_client, huge, name, query, rows, budget):
    page, queries = fetch(admin_client, reverse(name) + query, max_queries=budget)
    assert page.count('class="action-select"') == rows
    assert not [sql for sql in queries if reads_raw_text(sql)]


def test_the_turns_list_is_not_sorted_through_the_documents(admin_client, huge):
    _, queries = fetch(admin_client, reverse("admin:corpus_app_turn_changelist"), max_queries=10)
    listing = [sql for sql in queries if "ORDER BY" in sql and "LIMIT" in sql]
    assert listing
    assert all('"corpus_app_document"."date"' not in sql.split("ORDER BY")[1] for sql in listing)


def test_the_turns_and_annotations_lists_narrow_to_a_document_by_link(admin_client, huge):
    page, _ = fetch(admin_client, reverse("admin:corpus_app_turn_changelist") + f"?document={huge.pk}", max_queries=10)
    assert page.count('class="action-select"') == 100 and "A very long transcript" in page
    page, _ = fetch(
        admin_client, reverse("admin:annotations_annotation_changelist") + f"?document={huge.pk}", max_queries=14
    )
    assert page.count('class="action-select"') == 60


def test_the_big_documents_change_page_shows_the_start_of_its_raw_text(admin_client, huge):
    url = reverse("admin:corpus_app_document_change", args=[huge.pk])
    page, queries = fetch(admin_client, url, max_queries=10)
    assert f"the first 4,096 of {HUGE_RAW_TEXT_CHARS:,} characters" in page and "20.0\xa0MB" in page
    assert "Long remarks on every subject of the day" in page
    assert "300 turn(s)" in page and f"?document={huge.pk}" in page  # the turns are listed, not inlined
    assert 'name="turns-TOTAL_FORMS"' not in page


def test_a_small_documents_change_page_still_edits_its_turns_inline(admin_client, huge):
    small = type(huge).objects.exclude(pk=huge.pk).first()
    page, _ = fetch(admin_client, reverse("admin:corpus_app_document_change", args=[small.pk]), max_queries=12)
    assert 'name="turns-TOTAL_FORMS"' in page and "Turn 2." in page


def test_saving_the_big_document_keeps_its_raw_text(admin_client, huge):
    url = reverse("admin:corpus_app_document_change", args=[huge.pk])
    response = admin_client.post(url, {"title": "Renamed", "kind": "transcript", "date": "", "place": ""})
    assert response.status_code == 302
    huge.refresh_from_db()
    assert huge.title == "Renamed" and len(huge.raw_text) == HUGE_RAW_TEXT_CHARS


@pytest.mark.parametrize("model", ["turn", "speaker", "annotation", "claim"])
def test_change_pages_of_rows_in_the_big_document_answer_small(admin_client, huge, model):
    annotation = Annotation.objects.filter(turn__document=huge).first()
    obj = {
        "turn": huge.turns.first(),
        "speaker": Speaker.objects.get(),
        "annotation": annotation,
        "claim": Claim.objects.filter(annotation__turn__document=huge).first(),
    }[model]
    app = "corpus_app" if model in ("turn", "speaker") else "annotations"
    page, queries = fetch(admin_client, reverse(f"admin:{app}_{model}_change", args=[obj.pk]), max_queries=14)
    assert not [sql for sql in queries if reads_raw_text(sql)]


def test_the_big_documents_delete_page_names_a_few_of_the_annotations_that_keep_it(admin_client, huge):
    url = reverse("admin:corpus_app_document_delete", args=[huge.pk])
    page, _ = fetch(admin_client, url, max_queries=16)
    # Its annotations protect its turns: the first 20 are named, the rest counted.
    assert "Cannot delete document" in page
    assert len(re.findall(r'href="/admin/annotations/annotation/\d+/change/"', page)) == 20
    assert "… and 40 more" in page


def test_deleting_documents_from_the_list_counts_their_turns_and_deletes_them(admin_client, huge):
    small = list(type(huge).objects.exclude(pk=huge.pk).order_by("pk")[:30])
    data = {"action": "delete_selected", "_selected_action": [d.pk for d in small]}
    page, _ = fetch_post(admin_client, reverse("admin:corpus_app_document_changelist"), data)
    assert "90 turns" in page and not re.search(r'href="/admin/corpus_app/turn/\d+/', page)
    response = admin_client.post(reverse("admin:corpus_app_document_changelist"), {**data, "post": "yes"})
    assert response.status_code == 302
    assert not type(huge).objects.filter(pk__in=[d.pk for d in small]).exists()
    assert huge.turns.count() == 300


def fetch_post(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 200 and len(response.content) < PAGE_LIMIT_BYTES
    return response.content.decode(), None


def test_the_big_documents_delete_page_counts_its_turns(admin_client, huge):
    Annotation.objects.all().delete()  # nothing keeps it now
    url = reverse("admin:corpus_app_document_delete", args=[huge.pk])
    page, _ = fetch(admin_client, url, max_queries=16)
    assert "300 turns" in page and not re.search(r'href="/admin/corpus_app/turn/\d+/', page)
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not type(huge).objects.filter(pk=huge.pk).exists()
