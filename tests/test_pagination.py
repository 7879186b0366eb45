import base64
import datetime
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import Annotation, Claim
from desk import pagination
from tests.factories import make_annotation, make_document, make_target


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(pagination.CappedPaginator, "cap", 5)


@pytest.mark.django_db
def test_paginator_counts_up_to_the_cap_and_pages_on_past_it(small_cap):
    turn = make_document().turns.first()
    for start in range(12):
        make_annotation(turn=turn, start=start, end=start + 3)
    paginator = pagination.CappedPaginator(Annotation.objects.order_by("pk"), 2)
    assert paginator.capped and paginator.count == 5

    last = paginator.page(6)  # past the counted pages (5 rows counted = 3 pages)
    assert [a.start for a in last.object_list] == [10, 11]
    assert last.has_previous() and not last.has_next()
    assert paginator.page(3).has_next()
    with pytest.raises(pagination.EmptyPage):
        paginator.page(7)


@pytest.mark.django_db
def test_paginator_keeps_the_ordering_and_exact_counts_under_the_cap():
    turn = make_document().turns.first()
    made = [make_annotation(turn=turn, start=start, end=start + 3) for start in range(5)]
    paginator = pagination.CappedPaginator(Annotation.objects.order_by("-start"), 2)
    assert not paginator.capped and paginator.count == 5 and paginator.num_pages == 3
    assert list(paginator.page(1).object_list) == [made[4], made[3]]
    assert list(paginator.page(3).object_list) == [made[0]]


@pytest.mark.django_db
def test_annotation_list_says_more_than_and_pages_deep_with_filters(client, editor, small_cap):
    client.force_login(editor)
    eu = make_target("European Union")
    turn = make_document().turns.first()
    opposing = [make_annotation(turn=turn, start=s, end=s + 3, polarity="opposes", target=eu) for s in range(60)]
    for start in range(5):
        make_annotation(turn=turn, start=start, end=start + 4, polarity="supports", target=eu)

    response = client.get(reverse("annotations:annotation-list"), {"polarity": "opposes", "target": eu.pk})
    assert "More than 5 annotations" in response.content.decode()
    assert "page=2&amp;after=" in response.content.decode() and "Last »" not in response.content.decode()

    deep = client.get(reverse("annotations:annotation-list"), {"polarity": "opposes", "target": eu.pk, "page": 2})
    assert deep.status_code == 200
    assert [a.pk for a in deep.context["object_list"]] == [a.pk for a in reversed(opposing)][50:60]
    assert f"polarity=opposes&amp;target={eu.pk}&amp;page=1" in deep.content.decode()  # filters kept in links
    assert client.get(reverse("annotations:annotation-list"), {"page": 99}).status_code == 404


def next_link(response, rel="next"):
    found = re.search(rf'<a href="\?([^"]*)" rel="{rel}">', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def follow(client, url, query, rel="next"):
    """The listing's pages as a user clicking "Next" (or "Previous") sees them, and the queries."""
    pages = []
    while query is not None:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}?{query}")
        assert response.status_code == 200
        pages.append(([obj.pk for obj in response.context["object_list"]], queries, query))
        query = next_link(response, rel)
    return pages


@pytest.mark.django_db
def test_next_links_walk_every_row_once_in_order_without_offsets(client, editor):
    client.force_login(editor)
    turn = make_document().turns.first()
    made = [make_annotation(turn=turn, start=s % 40, end=s % 40 + 3) for s in range(130)]
    # Ties on the first sort key: the id decides, as in the offset pages.
    same_moment = datetime.datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=datetime.UTC)
    Annotation.objects.filter(pk__in=[a.pk for a in made[40:95]]).update(created_at=same_moment)
    url = reverse("annotations:annotation-list")
    expected = list(Annotation.objects.order_by("-created_at", "-pk").values_list("pk", flat=True))

    pages = follow(client, url, "")
    assert [len(ids) for ids, _, _ in pages] == [50, 50, 30]
    assert [pk for ids, _, _ in pages for pk in ids] == expected
    offset_pages = [[a.pk for a in client.get(url, {"page": n}).context["object_list"]] for n in (1, 2, 3)]
    assert offset_pages == [ids for ids, _, _ in pages]
    # Pages reached by a cursor skip nothing: no OFFSET, and as many queries as the first page.
    for _, queries, query in pages[1:]:
        assert "after=" in query
        assert not any("OFFSET" in q["sql"] for q in queries.captured_queries)
        assert len(queries) == len(pages[0][1])

    # "Previous" from the last page walks back to the first, the same pages in reverse.
    back = follow(client, url, pages[-1][2], rel="prev")
    assert [ids for ids, _, _ in back] == [ids for ids, _, _ in reversed(pages)]
    assert back[-1][2].endswith("page=1")  # the first page is the plain one


@pytest.mark.django_db
def test_cursor_pages_keep_the_filters_and_the_queue_order(client, reviewer):
    from annotations.services import claim_set_status

    client.force_login(reviewer)
    turn = make_document().turns.first()
    claims = [make_annotation(turn=turn, start=s % 40, end=s % 40 + 3, claim=True).claim for s in range(40)]
    for claim in claims[:15]:
        claim_set_status(user=reviewer, claim_id=claim.pk, status="in_review")
    for claim in claims[15:22]:
        claim_set_status(user=reviewer, claim_id=claim.pk, status="false", rationale="No.")
    url = reverse("annotations:claim-list")
    pages = follow(client, url, "")
    listed = [pk for ids, _, _ in pages for pk in ids]
    assert len(pages) == 2 and len(listed) == 40
    # Unverified first, then in review, then ruled; newest first within each.
    ranks = {"unverified": 0, "in_review": 1}
    expected = sorted(claims, key=lambda c: (ranks.get(Claim.objects.get(pk=c.pk).status, 2), -c.pk))
    assert listed == [c.pk for c in expected]

    filtered = follow(client, url, "status=in_review")
    assert [pk for ids, _, _ in filtered for pk in ids] == [c.pk for c in reversed(claims[:15])]


@pytest.mark.django_db
def test_a_broken_cursor_is_a_404(client, editor):
    client.force_login(editor)
    turn = make_document().turns.first()
    for start in range(60):
        make_annotation(turn=turn, start=start % 40, end=start % 40 + 3)
    url = reverse("annotations:annotation-list")
    for bad in (
        "not-a-cursor",
        "WzEsMl0",
        "WyJub3QgYSBkYXRlIiwxXQ",
        "W251bGwsMV0",
        base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode(),
    ):  # junk, [1,2], ["not a date",1], [null,1], arrays nested 5,000 deep
        response = client.get(url, {"page": 2, "after": bad})
        assert response.status_code == 404, bad


@pytest.mark.django_db
def test_an_order_on_a_column_that_can_be_empty_pages_by_cursor_empty_values_included(client, editor):
    client.force_login(editor)
    dates = [datetime.date(2025, 3, 1), None, datetime.date(2025, 1, 5), None, datetime.date(2025, 3, 1)]
    turns = [make_document(date=date).turns.first() for date in dates]
    for number in range(120):
        make_annotation(turn=turns[number % len(turns)], start=number % 40, end=number % 40 + 3)
    url = reverse("annotations:annotation-list")
    offset_pages = [
        [a.pk for a in client.get(url, {"ordering": "-date", "page": n}).context["object_list"]] for n in (1, 2, 3)
    ]
    pages = follow(client, url, "ordering=-date")
    assert [ids for ids, _, _ in pages] == offset_pages  # where the database puts the undated, both agree
    assert sorted(pk for ids in offset_pages for pk in ids) == sorted(Annotation.objects.values_list("pk", flat=True))
    for _, queries, query in pages[1:]:
        assert "after=" in query and not any("OFFSET" in q["sql"] for q in queries.captured_queries)
    back = follow(client, url, pages[-1][2], rel="prev")
    assert [ids for ids, _, _ in back] == [ids for ids, _, _ in reversed(pages)]
    # Ascending, the empty values at the other end.
    ascending = follow(client, url, "ordering=date")
    ascending_offsets = [
        [a.pk for a in client.get(url, {"ordering": "date", "page": n}).context["object_list"]] for n in (1, 2, 3)
    ]
    assert [ids for ids, _, _ in ascending] == ascending_offsets
    assert len({pk for ids in ascending_offsets for pk in ids}) == 120


@pytest.mark.django_db
def test_filtered_counts_are_kept_until_the_data_changes(client, editor):
    from annotations.services import annotation_update

    client.force_login(editor)
    eu = make_target("European Union")
    turn = make_document().turns.first()
    opposing = [make_annotation(turn=turn, start=s, end=s + 3, polarity="opposes", target=eu) for s in range(3)]
    url = reverse("annotations:annotation-list")

    def count(params):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        counts = [q for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
        return response.context["paginator"].count, len(counts)

    assert count({"polarity": "opposes"}) == (3, 1)
    assert count({"polarity": "opposes"}) == (3, 0)  # the same filters again: the kept count
    make_annotation(turn=turn, start=10, end=14, polarity="opposes", target=eu)
    assert count({"polarity": "opposes"}) == (4, 1)  # a new annotation: counted again
    first = opposing[0]
    annotation_update(user=first.author, annotation_id=first.pk, version=first.version, polarity="supports", target=eu)
    assert count({"polarity": "opposes"}) == (3, 1)  # an edit (its history row) too
    assert count({})[1] == 1 and count({})[1] == 1  # no filter: a plain count each time
