import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.services import claim_set_status
from tests.factories import make_annotation, make_document, make_target, make_topic, make_user

pytestmark = pytest.mark.django_db


def listed(client, params=None):
    response = client.get(reverse("annotations:annotation-list"), params or {})
    assert response.status_code == 200
    return {annotation.pk for annotation in response.context["object_list"]}


def test_topic_filter_includes_subtopics_and_nothing_else(client, viewer):
    economy = make_topic("Sanctions & economy")
    payments = make_topic("Payments", parent=economy)
    swift = make_topic("SWIFT alternatives", parent=payments)
    security = make_topic("Security")
    on_parent = make_annotation(topics=[economy])
    on_child = make_annotation(topics=[payments])
    on_grandchild = make_annotation(topics=[swift])
    elsewhere = make_annotation(topics=[security])
    client.force_login(viewer)
    assert listed(client, {"topic": economy.pk}) == {on_parent.pk, on_child.pk, on_grandchild.pk}
    assert listed(client, {"topic": payments.pk}) == {on_child.pk, on_grandchild.pk}
    assert elsewhere.pk not in listed(client, {"topic": economy.pk})


def test_annotation_with_two_topics_in_one_subtree_is_listed_once(client, viewer):
    economy = make_topic("Economy")
    trade = make_topic("Trade", parent=economy)
    payments = make_topic("Payments", parent=economy)
    annotation = make_annotation(topics=[trade, payments])
    client.force_login(viewer)
    response = client.get(reverse("annotations:annotation-list"), {"topic": economy.pk})
    assert [a.pk for a in response.context["object_list"]] == [annotation.pk]
    assert response.context["paginator"].count == 1


def test_speaker_filter_returns_only_that_speakers_passages(client, viewer):
    document = make_document()
    lavrov_turn = document.turns.get(position=0)
    journalist_turn = document.turns.get(position=1)
    by_lavrov = make_annotation(turn=lavrov_turn)
    by_journalist = make_annotation(turn=journalist_turn)
    client.force_login(viewer)
    assert listed(client, {"speaker": lavrov_turn.speaker_id}) == {by_lavrov.pk}
    assert listed(client, {"speaker": journalist_turn.speaker_id}) == {by_journalist.pk}


def test_date_range_includes_both_ends(client, viewer):
    def on(day):
        return make_annotation(turn=make_document(date=datetime.date(2024, 4, day)).turns.first())

    before, first, last, after = on(10), on(11), on(12), on(13)
    client.force_login(viewer)
    found = listed(client, {"date_after": "2024-04-11", "date_before": "2024-04-12"})
    assert found == {first.pk, last.pk}
    assert before.pk not in found and after.pk not in found


def test_stance_target_claim_author_and_text_filters(client, viewer, reviewer):
    eu, nato = make_target("European Union"), make_target("NATO")
    author = make_user("Editor", username="someone")
    opposes_eu = make_annotation(polarity="opposes", target=eu, author=author)
    supports_eu = make_annotation(polarity="supports", target=eu)
    opposes_nato = make_annotation(polarity="opposes", target=nato)
    claim = make_annotation(claim=True)
    claim_set_status(user=reviewer, claim_id=claim.claim.pk, status="false", rationale="No.")
    client.force_login(viewer)
    assert listed(client, {"polarity": "opposes", "target": eu.pk}) == {opposes_eu.pk}
    assert listed(client, {"target": eu.pk}) == {opposes_eu.pk, supports_eu.pk}
    assert listed(client, {"polarity": "opposes"}) == {opposes_eu.pk, opposes_nato.pk}
    assert listed(client, {"claim_status": "false"}) == {claim.pk}
    assert listed(client, {"author": author.pk}) == {opposes_eu.pk}
    assert listed(client, {"q": opposes_eu.quote[:12]}) >= {opposes_eu.pk}


def test_filter_state_is_in_the_url_and_pages_keep_it(client, viewer):
    topic = make_topic("Trade")
    for _ in range(55):
        make_annotation(topics=[topic])
    client.force_login(viewer)
    response = client.get(reverse("annotations:annotation-list"), {"topic": topic.pk})
    content = response.content.decode()
    assert f"topic={topic.pk}&amp;page=2" in content
    assert f"/annotations/export/?topic={topic.pk}&amp;format=w3c" in content


def test_invalid_filter_value_gives_an_error_not_everything(client, viewer):
    make_annotation()
    client.force_login(viewer)
    response = client.get(reverse("annotations:annotation-list"), {"topic": "999999"})
    assert list(response.context["object_list"]) == []
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("rows", [5, 200])
def test_annotation_list_query_count_is_fixed(client, viewer, rows, django_assert_max_num_queries):
    topic = make_topic("Parent")
    child = make_topic("Child", parent=topic)
    target = make_target()
    document = make_document()
    turn = document.turns.first()
    client.force_login(viewer)
    make_annotation(turn=turn, topics=[child], polarity="opposes", target=target, claim=True)
    cache.clear()  # each view renders everything: its filter form and counts too
    with CaptureQueriesContext(connection) as baseline:
        client.get(reverse("annotations:annotation-list"), {"topic": topic.pk})
    for _ in range(rows - 1):
        make_annotation(turn=turn, topics=[child], polarity="opposes", target=target, claim=True)
    cache.clear()  # each view renders everything: its filter form and counts too
    with CaptureQueriesContext(connection) as measured:
        response = client.get(reverse("annotations:annotation-list"), {"topic": topic.pk})
    assert response.context["paginator"].count == rows
    assert len(measured) == len(baseline)


def test_speaker_pages_show_turns_topics_and_stances(client, viewer):
    topic = make_topic("Payments")
    eu = make_target("European Union")
    document = make_document()
    turn = document.turns.get(position=0)
    make_annotation(turn=turn, topics=[topic], polarity="opposes", target=eu)
    client.force_login(viewer)
    listing = client.get(reverse("corpus:speaker-list")).content.decode()
    assert "Sergey Lavrov" in listing
    content = client.get(reverse("annotations:speaker-detail", args=[turn.speaker_id])).content.decode()
    assert "Payments" in content and "European Union" in content
    assert f"#turn-{turn.position}" in content


@pytest.mark.parametrize("rows", [5, 60])
def test_speaker_page_query_count_is_fixed(client, viewer, rows):
    document = make_document()
    turn = document.turns.get(position=0)
    client.force_login(viewer)
    url = reverse("annotations:speaker-detail", args=[turn.speaker_id])
    make_annotation(turn=turn, topics=[make_topic()])
    with CaptureQueriesContext(connection) as baseline:
        client.get(url)
    for _ in range(rows):
        make_document()
        make_annotation(turn=turn, topics=[make_topic()], polarity="supports", target=make_target())
    with CaptureQueriesContext(connection) as measured:
        client.get(url)
    assert len(measured) == len(baseline)


def test_dashboard_shows_accessible_charts_linking_to_listings(client, viewer, reviewer):
    economy = make_topic("Sanctions & economy")
    payments = make_topic("Payments", parent=economy)
    eu = make_target("European Union")
    make_annotation(topics=[payments], polarity="opposes", target=eu, claim=True)
    client.force_login(viewer)
    content = client.get(reverse("dashboard")).content.decode()
    assert content.count('role="img"') == 4
    assert '<title id="chart-topics-title">Annotations per topic</title>' in content
    assert f'href="/annotations/?topic={economy.pk}"' in content  # the subtopic counts toward its root
    assert f'href="/annotations/?target={eu.pk}&amp;polarity=opposes"' in content
    assert 'href="/claims/?status=unverified"' in content
    assert "Sanctions &amp; economy: 1" in content  # text alternative in the chart description


@pytest.mark.parametrize("rows", [5, 200])
def test_dashboard_query_count_is_fixed(client, viewer, rows):
    topic = make_topic()
    target = make_target()
    turn = make_document().turns.first()
    client.force_login(viewer)
    make_annotation(turn=turn, topics=[topic], polarity="mixed", target=target, claim=True)
    with CaptureQueriesContext(connection) as baseline:
        client.get(reverse("dashboard"))
    for _ in range(rows - 1):
        make_annotation(turn=turn, topics=[topic], polarity="mixed", target=make_target(), claim=True)
    cache.clear()  # all of it computed again, the corpus figures too, as for the baseline
    with CaptureQueriesContext(connection) as measured:
        client.get(reverse("dashboard"))
    # On PostgreSQL, the rows of the kept counts that 200 annotations add are folded once, in one
    # more statement (dashboard.counts.KeptCounts).
    folds = [query for query in measured if query["sql"].startswith("WITH folded AS (DELETE")]
    assert len(folds) == (1 if rows == 200 and connection.vendor == "postgresql" else 0)
    assert len(measured) - len(folds) == len(baseline)


def test_activity_chart_counts_annotations_per_month_across_a_year_boundary():
    from annotations.models import Annotation
    from dashboard.figures import activity_bars

    january = make_annotation()
    december = make_annotation()
    Annotation.objects.filter(pk=january.pk).update(created_at=datetime.datetime(2026, 1, 20, tzinfo=datetime.UTC))
    Annotation.objects.filter(pk=december.pk).update(created_at=datetime.datetime(2025, 12, 2, tzinfo=datetime.UTC))
    bars = activity_bars(today=datetime.date(2026, 2, 10))
    assert len(bars) == 12
    assert [(bar.label, bar.value) for bar in bars[-3:]] == [("Dec 2025", 1), ("Jan 2026", 1), ("Feb 2026", 0)]
    assert bars[0].label == "Mar 2025"


@pytest.mark.parametrize("zone", ["UTC", "Asia/Almaty"])
def test_activity_chart_starts_at_the_first_months_midnight_in_the_current_time_zone(zone, settings):
    from django.utils import timezone

    from annotations.models import Annotation
    from dashboard.figures import activity_bars

    settings.TIME_ZONE = zone
    midnight = timezone.make_aware(datetime.datetime(2025, 3, 1))  # the first month's start, there
    inside, before = make_annotation(), make_annotation()
    Annotation.objects.filter(pk=inside.pk).update(created_at=midnight)
    Annotation.objects.filter(pk=before.pk).update(created_at=midnight - datetime.timedelta(seconds=1))
    bars = activity_bars(today=datetime.date(2026, 2, 10))
    assert (bars[0].label, bars[0].value) == ("Mar 2025", 1)
    assert sum(bar.value for bar in bars) == 1  # the one a second before, in February 2025, is not shown


def test_annotation_rows_show_what_each_annotation_carries(client, viewer):
    economy = make_topic("Sanctions & economy")
    payments = make_topic("Payments", parent=economy)
    eu = make_target("European Union")
    document = make_document(title="Remarks <in> Almaty " + "long title " * 10, date=datetime.date(2025, 4, 11))
    turn = document.turns.first()
    tagged = make_annotation(
        turn=turn, start=0, end=19, topics=[payments, economy], polarity="opposes", target=eu, claim=True
    )
    tagged.note = "n" * 130
    tagged.save()
    bare = make_annotation(turn=make_document(title="Undated note").turns.first())
    client.force_login(viewer)
    response = client.get(reverse("annotations:annotation-list"))
    page = response.content.decode()

    url = f"{document.get_absolute_url()}#annotation-{tagged.pk}"
    assert f'<a href="{url}">“National currencies”</a>' in page
    assert '<span class="chip" title="Sanctions &amp; economy › Payments">Payments</span>' in page
    assert '<span class="chip" title="Sanctions &amp; economy">Sanctions &amp; economy</span>' in page
    assert '<span class="stance stance-opposes">Opposes</span> European Union' in page
    assert '<span class="status-badge status-unverified">Unverified</span>' in page
    assert f'<a href="{document.get_absolute_url()}">Remarks &lt;in&gt; Almaty long title long title' in page
    assert "n" * 119 + "…" in page and "n" * 120 not in page  # the note cut at 120 characters
    assert "11 Apr 2025" in page and "undated" in page
    assert f"{bare.author.get_username()}<div" in page and "Sergey Lavrov<div" in page


def test_quote_text_filter_is_read_from_the_trigram_index_on_postgresql(client, viewer):
    from annotations.models import Annotation

    wanted = make_annotation(start=0, end=19)  # "National currencies"
    make_annotation(turn=make_document(turns=[(None, "narration", "Nothing to see here.")]).turns.first())
    client.force_login(viewer)
    assert listed(client, {"q": "CURRENCIES"}) == {wanted.pk}
    matching = Annotation.objects.filter(quote__icontains="currencies").order_by()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Only bitmap scans, the way a GIN index is read: on a tiny table the planner would
            # rather walk a b-tree and filter, which proves nothing.
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("SET enable_indexscan = off")
        try:
            plan = matching.explain()
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("RESET enable_seqscan")
                cursor.execute("RESET enable_indexscan")
    if connection.vendor == "postgresql":
        assert "annotation_quote_trgm_idx" in plan, plan
    else:
        assert "annotation_quote_trgm_idx" not in plan  # SQLite scans: there is no trigram index there


def test_orphaned_and_approximately_moved_passages_say_so_with_their_new_edition(client, viewer):
    from annotations.models import Annotation
    from corpus_app.models import Document

    old = make_document(title='Old "edition" & more')
    new = make_document(title="New edition")
    Document.objects.filter(pk=old.pk).update(is_current=False)
    Document.objects.filter(pk=new.pk).update(replaces=old)  # old.replaced_by, the other side
    orphan = make_annotation(turn=old.turns.first(), start=3, end=12)
    fuzzy = make_annotation(turn=make_document(title="Fuzzy").turns.first(), start=2, end=9)
    unscored = make_annotation(turn=make_document(turns=[(None, "narration", "No <speaker> here.")]).turns.first())
    Annotation.objects.filter(pk=orphan.pk).update(anchor_status="orphaned", note="Lost <b>it</b>")
    Annotation.objects.filter(pk=fuzzy.pk).update(anchor_status="fuzzy", anchor_score=0.125)
    Annotation.objects.filter(pk=unscored.pk).update(anchor_status="fuzzy", anchor_score=None)
    client.force_login(viewer)
    page = client.get(reverse("annotations:annotation-list")).content.decode()

    orphan.refresh_from_db()
    assert ">Orphaned</span>" in page
    assert (
        f'<div class="orphan-context">…{orphan.prefix}<a href="{old.get_absolute_url()}#annotation-{orphan.pk}">'
        f"<mark>{orphan.quote}</mark></a>{orphan.suffix}…</div>"
    ) in page
    assert f'lost in the new edition <a href="{new.get_absolute_url()}">New edition</a>' in page
    assert "Lost &lt;b&gt;it&lt;/b&gt;" in page  # the note, escaped
    assert "approximate matching (score 0.13): worth a check" in page
    assert "approximate matching: worth a check" in page  # no score, no figure
    assert page.count(">Re-anchored approximately</span>") == 2
    # A turn without a speaker shows a dash and its kind.
    assert '<td>—<div class="muted small">Narration</div></td>' in page


def test_topics_show_their_full_path_however_deep(client, viewer):
    """A topic four levels down shows its whole path (the listing once stopped at three)."""
    top = make_topic("Sanctions & economy")
    payments = make_topic("Payments", parent=top)
    swift = make_topic("SWIFT alternatives", parent=payments)
    mir = make_topic("Mir cards", parent=swift)
    make_annotation(topics=[mir])
    client.force_login(viewer)
    page = client.get(reverse("annotations:annotation-list")).content.decode()
    path = "Sanctions &amp; economy › Payments › SWIFT alternatives › Mir cards"
    assert f'<span class="chip" title="{path}">Mir cards</span>' in page
    # The topic filter offers every topic by its full path.
    assert f">{path}</option>" in page


def test_topic_paths_are_read_in_one_query(django_assert_num_queries):
    from annotations.models import Topic

    top = make_topic("Top")
    node = top
    for depth in range(6):
        node = make_topic(f"Level {depth}", parent=node)
    with django_assert_num_queries(1):
        paths = Topic.objects.paths()
    assert paths[node.pk] == "Top › " + " › ".join(f"Level {depth}" for depth in range(6))
    assert paths[top.pk] == "Top"


def test_sort_by_offers_the_default_order_by_name(client, viewer):
    client.force_login(viewer)
    page = client.get(reverse("annotations:annotation-list")).content.decode()
    assert '<option value="" selected>Newest first</option>' in page
    assert "---------" not in page


def test_the_filter_form_shows_each_querys_own_choices(client, viewer):
    """The filter form is cached per query: each query's form keeps its own selections and errors."""
    client.force_login(viewer)
    url = reverse("annotations:annotation-list")
    assert '<option value="opposes" selected>' not in client.get(url).content.decode()
    assert '<option value="opposes" selected>' in client.get(url, {"polarity": "opposes"}).content.decode()
    assert '<option value="supports" selected>' in client.get(url, {"polarity": "supports"}).content.decode()
    assert "Select a valid choice" in client.get(url, {"polarity": "nonsense"}).content.decode()
    assert '<option value="" selected>Any stance</option>' in client.get(url).content.decode()


def test_rows_follow_an_edit_at_once_though_pages_are_cached(client, viewer, editor):
    from annotations.services import annotation_update

    annotation = make_annotation(author=editor, topics=[make_topic("Trade")])
    client.force_login(viewer)
    url = reverse("annotations:annotation-list")
    assert "A first note" not in client.get(url).content.decode()
    annotation_update(user=editor, annotation_id=annotation.pk, version=annotation.version, note="A first note")
    assert "A first note" in client.get(url).content.decode()
