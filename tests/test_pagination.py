import pytest
from django.urls import reverse

from annotations.models import Annotation
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
    assert 'page=2"' in response.content.decode() and "Last »" not in response.content.decode()

    deep = client.get(reverse("annotations:annotation-list"), {"polarity": "opposes", "target": eu.pk, "page": 2})
    assert deep.status_code == 200
    assert [a.pk for a in deep.context["object_list"]] == [a.pk for a in reversed(opposing)][50:60]
    assert f"polarity=opposes&amp;target={eu.pk}&amp;page=1" in deep.content.decode()  # filters kept in links
    assert client.get(reverse("annotations:annotation-list"), {"page": 99}).status_code == 404
