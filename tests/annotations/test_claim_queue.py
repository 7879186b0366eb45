import re
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import Claim
from annotations.services import claim_set_status
from tests.factories import make_annotation, make_document, make_topic

pytestmark = pytest.mark.django_db


def make_claim(**kwargs):
    return make_annotation(claim=True, **kwargs).claim


def test_queue_lists_open_claims_first(client, viewer, reviewer):
    reviewed = make_claim()
    claim_set_status(user=reviewer, claim_id=reviewed.pk, status="accurate", rationale="Checked.")
    in_review = make_claim()
    claim_set_status(user=reviewer, claim_id=in_review.pk, status="in_review")
    unverified = make_claim()
    client.force_login(viewer)
    response = client.get(reverse("annotations:claim-list"))
    order = [claim.pk for claim in response.context["object_list"]]
    assert order == [unverified.pk, in_review.pk, reviewed.pk]


def test_queue_shows_the_passage_in_context_with_speaker_and_document(client, viewer):
    document = make_document(title="Almaty press conference")
    turn = document.turns.get(position=0)
    start = turn.text.index("85 percent")
    make_claim(turn=turn, start=start, end=start + len("85 percent"))
    client.force_login(viewer)
    content = client.get(reverse("annotations:claim-list")).content.decode()
    assert 'National currencies now account for <mark class="claim-quote">85 percent</mark> of payments.' in content
    assert "Sergey Lavrov" in content and "Almaty press conference" in content


def test_viewer_and_editor_see_no_review_form(client, viewer, editor):
    make_claim()
    for user in [viewer, editor]:
        client.force_login(user)
        content = client.get(reverse("annotations:claim-list")).content.decode()
        assert "Save verdict" not in content


def test_reviewer_sets_a_verdict_with_evidence(client, reviewer):
    claim = make_claim()
    client.force_login(reviewer)
    response = client.post(
        reverse("annotations:claim-review", args=[claim.pk]),
        {
            "status": "accurate",
            "rationale": "Central bank data agree.",
            "evidence": "https://example.org/a\nhttps://example.org/b",
            "version": claim.version,
        },
        follow=True,
    )
    claim.refresh_from_db()
    assert (claim.status, claim.reviewer, claim.evidence) == (
        "accurate",
        reviewer,
        ["https://example.org/a", "https://example.org/b"],
    )
    assert "is now “Accurate”" in response.content.decode()
    assert claim.history.first().history_user == reviewer


def test_editor_cannot_post_a_verdict(client, editor):
    claim = make_claim()
    client.force_login(editor)
    response = client.post(
        reverse("annotations:claim-review", args=[claim.pk]),
        {"status": "false", "rationale": "x", "evidence": "", "version": claim.version},
    )
    assert response.status_code == 403
    assert Claim.objects.get(pk=claim.pk).status == "unverified"


def test_stale_verdict_is_refused_with_a_message(client, reviewer):
    claim = make_claim()
    claim_set_status(user=reviewer, claim_id=claim.pk, status="in_review")
    client.force_login(reviewer)
    response = client.post(
        reverse("annotations:claim-review", args=[claim.pk]),
        {"status": "false", "rationale": "Wrong.", "evidence": "", "version": 1},
        follow=True,
    )
    assert "was not saved" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).status == "in_review"


def test_verdict_without_rationale_or_with_a_bad_link_is_refused(client, reviewer):
    claim = make_claim()
    client.force_login(reviewer)
    url = reverse("annotations:claim-review", args=[claim.pk])
    for data in [
        {"status": "false", "rationale": "", "evidence": "", "version": 1},
        {"status": "false", "rationale": "Because.", "evidence": "javascript:alert(1)", "version": 1},
    ]:
        response = client.post(url, data, follow=True)
        assert "was not saved" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).status == "unverified"


def test_queue_filters_by_status(client, viewer, reviewer):
    open_claim = make_claim()
    closed = make_claim()
    claim_set_status(user=reviewer, claim_id=closed.pk, status="false", rationale="No.")
    client.force_login(viewer)
    response = client.get(reverse("annotations:claim-list"), {"status": "false"})
    assert [claim.pk for claim in response.context["object_list"]] == [closed.pk]
    assert open_claim.pk not in [claim.pk for claim in response.context["object_list"]]


def test_queue_query_count_does_not_grow_with_claims(client, reviewer):
    topic = make_topic()
    client.force_login(reviewer)
    url = reverse("annotations:claim-list")
    make_claim(topics=[topic])
    cache.clear()  # each view renders everything: its filter form and counts too
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(24):
        make_claim(topics=[topic])
    cache.clear()  # each view renders everything: its filter form and counts too
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["object_list"]) == 25
    assert len(many) == len(one)


def test_reviewer_sees_each_claims_review_form_filled_with_its_current_verdict(client, reviewer):
    claim = make_claim()
    claim_set_status(
        user=reviewer,
        claim_id=claim.pk,
        status="misleading",
        rationale="Half <true> & more",
        evidence=["https://example.org/a?x=1&y=2", "https://example.org/b"],
    )
    claim.refresh_from_db()
    other = make_claim()
    client.force_login(reviewer)
    content = client.get(reverse("annotations:claim-list")).content.decode()
    form = form_of(content, claim.pk)
    assert form["action"] == reverse("annotations:claim-review", args=[claim.pk])
    assert form["status"] == "misleading"
    assert form["rationale"] == "Half <true> & more"
    assert form["evidence"] == "https://example.org/a?x=1&y=2\nhttps://example.org/b"
    assert form["version"] == str(claim.version)
    assert form["next"] == reverse("annotations:claim-list")
    assert f'aria-describedby="claim-{claim.pk}-rationale_helptext"' in content
    assert "Why: one or two sentences. Needed for a verdict." in content
    assert form_of(content, other.pk)["status"] == "unverified"  # each card its own form and ids


def form_of(content, claim_pk):
    """What the review form of one card holds, read from the page as a browser would."""
    card = re.search(
        rf'<li class="claim-card[^"]*" id="claim-{claim_pk}">(.*?)</li>\s*(?:<li class="claim-card|</ol>)',
        content,
        re.S,
    )
    assert card, f"no card for claim {claim_pk}"
    html = card.group(1)
    values = {"action": unescape(re.search(r'<form method="post" action="([^"]+)"', html).group(1))}
    for name in ("version", "next"):
        values[name] = unescape(re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html).group(1))
    select = re.search(r'<select name="status"[^>]*>(.*?)</select>', html, re.S).group(1)
    values["status"] = re.search(r'<option value="([^"]+)" selected>', select).group(1)
    for name in ("rationale", "evidence"):
        values[name] = unescape(re.search(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', html, re.S).group(1))
    return values


def test_refused_verdict_keeps_what_the_reviewer_typed(client, reviewer):
    claim = make_claim()
    client.force_login(reviewer)
    url = reverse("annotations:claim-review", args=[claim.pk])
    queue = reverse("annotations:claim-list") + "?status=unverified"
    cases = [
        (
            {"status": "false", "rationale": "", "evidence": "https://example.org/source"},
            "A verdict needs a rationale.",
        ),
        ({"status": "misleading", "rationale": "Because <this>.", "evidence": "javascript:alert(1)"}, "javascript"),
    ]
    for typed, reason in cases:
        response = client.post(url, {**typed, "version": claim.version, "next": queue})
        assert response.status_code == 400
        content = response.content.decode()
        assert f"Claim {claim.pk} was not saved" in content
        assert reason in unescape(content)
        form = form_of(content, claim.pk)
        assert (form["status"], form["rationale"], form["evidence"]) == (
            typed["status"],
            typed["rationale"],
            typed["evidence"],
        )
        assert form["next"] == queue
        assert f'<a href="{queue}">Back to the claim queue</a>' in content
    claim.refresh_from_db()
    assert (claim.status, claim.rationale, claim.version) == ("unverified", "", 1)
    # Corrected, the same form saves and goes back to the queue the reviewer came from.
    response = client.post(
        url, {"status": "false", "rationale": "No.", "evidence": "", "version": claim.version, "next": queue}
    )
    assert response.status_code == 302 and response["Location"] == queue
    assert Claim.objects.get(pk=claim.pk).status == "false"


def test_verdict_on_a_claim_changed_meanwhile_keeps_the_typed_text_and_shows_the_new_state(client, reviewer):
    claim = make_claim()
    claim_set_status(user=reviewer, claim_id=claim.pk, status="accurate", rationale="Someone else checked.")
    client.force_login(reviewer)
    url = reverse("annotations:claim-review", args=[claim.pk])
    typed = {"status": "false", "rationale": "My own reading.", "evidence": "https://example.org/x", "version": 1}
    response = client.post(url, typed)
    assert response.status_code == 400
    content = response.content.decode()
    assert "it is now “Accurate”" in content and "Someone else checked." in content
    form = form_of(content, claim.pk)
    assert (form["status"], form["rationale"], form["evidence"]) == (
        "false",
        "My own reading.",
        "https://example.org/x",
    )
    assert form["version"] == "2"  # saving again now overrides the new verdict, knowingly
    assert Claim.objects.get(pk=claim.pk).rationale == "Someone else checked."
    assert client.post(url, {**typed, "version": 2}).status_code == 302
    assert Claim.objects.get(pk=claim.pk).rationale == "My own reading."


def test_a_review_posted_with_a_foreign_next_url_goes_back_to_the_queue(client, reviewer):
    claim = make_claim()
    client.force_login(reviewer)
    url = reverse("annotations:claim-review", args=[claim.pk])
    for foreign in ["https://evil.example/", "//evil.example/", "/\\evil.example/"]:
        response = client.post(
            url, {"status": "in_review", "rationale": "", "evidence": "", "version": claim.version, "next": foreign}
        )
        assert response.status_code == 302 and response["Location"] == reverse("annotations:claim-list")
        claim.refresh_from_db()


def test_queue_order_is_read_from_its_index():
    """On PostgreSQL the queue's sort key is the indexed expression, so no page sorts every claim.
    If the view's order and the index's expression drift apart, the plan stops naming the index."""
    from annotations.views import ClaimQueueView

    make_claim()
    ids = ClaimQueueView().get_queryset().values_list("pk", flat=True)[:26]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE annotations_claim")
            cursor.execute("SET enable_seqscan = off")  # a one-row table is otherwise read whole
        try:
            plan = ids.explain()
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("RESET enable_seqscan")
    if connection.vendor == "postgresql":
        assert "claim_queue_idx" in plan, plan
        assert "Sort" not in plan, plan
    else:
        # SQLite binds the CASE's values as parameters, so its planner cannot match the indexed
        # expression and sorts: fine for a development database.
        assert "TEMP B-TREE FOR ORDER BY" in plan, plan


def test_status_filter_keeps_the_newest_first(client, viewer, reviewer):
    older, newer = make_claim(), make_claim()
    for claim in (older, newer):
        claim_set_status(user=reviewer, claim_id=claim.pk, status="in_review")
    client.force_login(viewer)
    response = client.get(reverse("annotations:claim-list"), {"status": "in_review"})
    assert [claim.pk for claim in response.context["object_list"]] == [newer.pk, older.pk]


def test_queue_card_shows_the_verdict_the_flag_and_the_topics(client, viewer, reviewer):
    import datetime

    from django.utils import timezone

    claim = make_claim(topics=[make_topic("Payments")])
    Claim.objects.filter(pk=claim.pk).update(created_at=datetime.datetime(2025, 4, 11, 9, 5, tzinfo=datetime.UTC))
    claim_set_status(
        user=reviewer,
        claim_id=claim.pk,
        status="false",
        rationale="The bank says <b>72</b> percent.",
        evidence=["https://example.org/report"],
    )
    claim.refresh_from_db()
    client.force_login(viewer)
    content = client.get(reverse("annotations:claim-list")).content.decode()
    flagged = timezone.localtime(claim.created_at)
    assert f"Flagged by {claim.annotation.author.get_username()} on 11 Apr 2025, {flagged:%H:%M}" in content
    assert '<span class="chip">Payments</span>' in content
    reviewed = timezone.localtime(claim.reviewed_at)
    assert f"<strong>False</strong> — {reviewer.get_username()}, {reviewed.day} " in content
    assert f"{reviewed:%H:%M}</p>" in content
    assert "The bank says &lt;b&gt;72&lt;/b&gt; percent." in content  # escaped
    assert '<a href="https://example.org/report" rel="noopener noreferrer">' in content
    document = claim.annotation.turn.document
    assert f'<a href="{document.get_absolute_url()}#annotation-{claim.annotation_id}">{document.title}</a>' in content


def test_linked_copies_are_listed_on_the_card_with_their_edition(client, viewer):
    from annotations.models import ClaimGroup
    from corpus_app.models import Document

    plain = make_claim(turn=make_document(title="Almaty press conference").turns.first())
    replaced_document = make_document(title="An edition since replaced " + "x" * 80)
    linked = make_claim(turn=replaced_document.turns.first())
    Document.objects.filter(pk=replaced_document.pk).update(is_current=False)
    group = ClaimGroup.objects.create()
    Claim.objects.filter(pk__in=[plain.pk, linked.pk]).update(group=group)
    client.force_login(viewer)
    content = client.get(reverse("annotations:claim-list")).content.decode()
    assert "a verdict here applies to 1 copy too" in content
    annotation = linked.annotation
    assert (
        f'<li><a href="{replaced_document.get_absolute_url()}#annotation-{annotation.pk}">'
        f'{replaced_document.title[:69]}…</a> <span class="muted">(replaced edition)</span>: “{annotation.quote}”'
    ) in content
    assert (
        f'<a href="{plain.annotation.get_absolute_url()}">Almaty press conference</a> <span class="muted">(replaced'
        not in content
    )


def test_cards_follow_a_verdict_at_once_though_pages_are_cached(client, viewer, reviewer):
    claim = make_claim()
    client.force_login(viewer)
    url = reverse("annotations:claim-list")
    assert '<span class="status-badge status-unverified">Unverified</span>' in client.get(url).content.decode()
    claim_set_status(user=reviewer, claim_id=claim.pk, status="false", rationale="Checked <twice>.")
    content = client.get(url).content.decode()
    assert '<span class="status-badge status-false">False</span>' in content
    assert "Checked &lt;twice&gt;." in content


def test_reviewer_saves_a_verdict_through_the_page_with_its_csrf_token(reviewer):
    """The cards are cached for everyone; each visitor's CSRF token is joined to the forms outside them."""
    from django.test import Client

    claims = [make_claim(), make_claim()]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reviewer)
    content = browser.get(reverse("annotations:claim-list")).content.decode()
    for claim in claims:
        tokens = re.findall(rf'name="csrfmiddlewaretoken" value="([^"]+)" form="claim-{claim.pk}-review"', content)
        assert len(tokens) == 1 and f'id="claim-{claim.pk}-review"' in content
    token = re.search(rf'value="([^"]+)" form="claim-{claims[1].pk}-review"', content).group(1)
    url = reverse("annotations:claim-review", args=[claims[1].pk])
    typed = {"status": "in_review", "rationale": "", "evidence": "", "version": 1}
    assert browser.post(url, typed).status_code == 403  # without the token
    assert browser.post(url, {**typed, "csrfmiddlewaretoken": token}).status_code == 302
    assert Claim.objects.get(pk=claims[1].pk).status == "in_review"
