"""The reading view of a very long document is paged by turns (issue 15, problem 3): a 5 MB
transcript opens as a bounded page, and the annotations of later turns are reachable."""

import hashlib
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import Annotation
from corpus_app.models import READING_PAGE_TURNS, Document, Speaker, Turn
from tests.factories import make_annotation, make_topic

pytestmark = pytest.mark.django_db

TURNS = 2_500  # of 2 KB each: a 5 MB transcript
PAGE_LIMIT_BYTES = 1024 * 1024


@pytest.fixture
def long_document(db):
    speaker = Speaker.objects.create(name="Sergey Lavrov")
    paragraph = "We have always said that the talks must go on, whatever happens. " * 31
    document = Document.objects.create(
        title="Marathon press conference",
        raw_text=paragraph * TURNS,
        content_hash=hashlib.sha256(b"marathon").hexdigest(),
    )
    Turn.objects.bulk_create(
        Turn(document=document, position=position, speaker=speaker, kind="answer", text=f"{position}: {paragraph}")
        for position in range(TURNS)
    )
    return document


def annotations_json(page):
    return json.loads(re.search(r'id="reader-annotations" type="application/json">(.*?)</script>', page).group(1))


def turn_positions(page):
    return [int(position) for position in re.findall(r'<section class="turn [^"]*" id="turn-(\d+)"', page)]


def test_a_5_mb_transcript_opens_as_a_bounded_first_page(client, editor, long_document):
    early = make_annotation(turn=long_document.turns.get(position=3), author=editor, topics=[make_topic()])
    late = make_annotation(turn=long_document.turns.get(position=2_400), author=editor, topics=[make_topic()])
    client.force_login(editor)
    response = client.get(long_document.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200 and len(response.content) < PAGE_LIMIT_BYTES
    assert turn_positions(page) == list(range(READING_PAGE_TURNS))
    assert [a["id"] for a in annotations_json(page)] == [early.pk]
    assert "Turns 1–200 of 2500 · page 1 of 13" in page and 'href="?page=2" rel="next"' in page
    # The no-JavaScript form offers this page's turns.
    assert page.count('<option value="') < READING_PAGE_TURNS + 50
    assert f'id="annotation-{late.pk}"' not in page


@pytest.mark.parametrize("query", ["?page=13", "?turn=2400", "?annotation={late}"])
def test_the_annotations_of_a_later_turn_are_on_its_page(client, editor, long_document, query):
    late = make_annotation(turn=long_document.turns.get(position=2_400), author=editor, topics=[make_topic()])
    client.force_login(editor)
    response = client.get(long_document.get_absolute_url() + query.format(late=late.pk))
    page = response.content.decode()
    assert len(response.content) < PAGE_LIMIT_BYTES
    assert turn_positions(page) == list(range(2_400, TURNS))
    assert [a["id"] for a in annotations_json(page)] == [late.pk]
    assert f'id="annotation-{late.pk}"' in page and "Turns 2401–2500 of 2500 · page 13 of 13" in page


def test_a_later_turns_link_opens_its_page(client, viewer, long_document):
    turn = long_document.turns.get(position=950)
    assert turn.get_absolute_url() == f"{long_document.get_absolute_url()}?turn=950#turn-950"
    assert long_document.turns.get(position=5).get_absolute_url() == f"{long_document.get_absolute_url()}#turn-5"
    client.force_login(viewer)
    page = client.get(turn.get_absolute_url()).content.decode()
    assert 'id="turn-950"' in page and "page 5 of 13" in page


def test_every_page_reads_the_same_number_of_queries(client, editor, long_document):
    for position in (1, 2, 450, 451, 2_499):
        make_annotation(turn=long_document.turns.get(position=position), author=editor, topics=[make_topic()])
    client.force_login(editor)
    counts = []
    for number in (1, 3, 13):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{long_document.get_absolute_url()}?page={number}").status_code == 200
        counts.append(len(queries))
    assert len(set(counts)) == 1 and counts[0] < 20, counts


@pytest.mark.parametrize("page", ["0", "99", "x", "-1", "99999999999999999999"])
def test_a_page_out_of_range_shows_the_nearest(client, viewer, long_document, page):
    client.force_login(viewer)
    response = client.get(f"{long_document.get_absolute_url()}?page={page}")
    assert response.status_code == 200 and len(response.content) < PAGE_LIMIT_BYTES


def test_the_no_js_form_on_a_later_page_returns_to_that_page(client, editor, long_document):
    turn = long_document.turns.get(position=2_400)
    client.force_login(editor)
    response = client.post(
        reverse("annotations:annotate-form", args=[long_document.pk]) + "?page=13",
        {"turn": turn.pk, "passage": "We have always said", "claim": "on"},
    )
    annotation = Annotation.objects.get()
    assert response["Location"] == f"{long_document.get_absolute_url()}?page=13#annotation-{annotation.pk}"
    assert f'id="annotation-{annotation.pk}"' in client.get(response["Location"]).content.decode()


def test_pages_count_the_turns_a_reader_sees_and_an_editor_sees_the_noise_between_them(client, editor, long_document):
    # Page noise at the start, across the first page break and at the end (2,500 turns, 100 of them noise).
    noise = [*range(0, 40), *range(180, 220), *range(2_480, 2_500)]
    long_document.turns.filter(position__in=noise).update(is_noise=True)
    client.force_login(editor)
    url = long_document.get_absolute_url()
    first = client.get(url).content.decode()
    assert "Turns 1–200 of 2400 · page 1 of 12" in first
    assert turn_positions(first) == [*range(40, 180), *range(220, 280)]
    with_noise = [
        turn_positions(client.get(f"{url}?noise=1&page={number}").content.decode()) for number in range(1, 13)
    ]
    assert [position for page in with_noise for position in page] == list(range(2_500))  # each turn on one page
    assert with_noise[0][:40] == list(range(40))
