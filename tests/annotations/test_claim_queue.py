import re

import pytest
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
    order = [row["claim"].pk for row in response.context["rows"]]
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
    assert [row["claim"].pk for row in response.context["rows"]] == [closed.pk]
    assert open_claim.pk not in [row["claim"].pk for row in response.context["rows"]]


def test_queue_query_count_does_not_grow_with_claims(client, reviewer):
    topic = make_topic()
    client.force_login(reviewer)
    url = reverse("annotations:claim-list")
    make_claim(topics=[topic])
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(24):
        make_claim(topics=[topic])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["rows"]) == 25
    assert len(many) == len(one)


def test_queue_review_fields_are_the_review_forms_fields(client, reviewer):
    """The queue writes ClaimReviewForm's fields out by hand (no form per row): the same markup."""
    import re

    from annotations.forms_review import ClaimReviewForm

    claim = make_claim()
    claim_set_status(
        user=reviewer,
        claim_id=claim.pk,
        status="misleading",
        rationale="Half <true> & more",
        evidence=["https://example.org/a?x=1&y=2", "https://example.org/b"],
    )
    claim.refresh_from_db()
    client.force_login(reviewer)
    content = client.get(reverse("annotations:claim-list")).content.decode()
    form = ClaimReviewForm(claim=claim, auto_id=f"claim-{claim.pk}-%s")
    for name in ["version", "rationale", "evidence"]:
        assert str(form[name]) in content, name
    select = re.sub(r">\s+<", "><", str(form["status"]))
    assert select in content
    assert f'action="{reverse("annotations:claim-review", args=[claim.pk])}"' in content


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
    assert [row["claim"].pk for row in response.context["rows"]] == [newer.pk, older.pk]


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


OLD_CARDS_TEMPLATE = """  {% for row in rows %}
    {% with claim=row.claim %}
    <li class="claim-card status-{{ row.status }}" id="claim-{{ claim.pk }}">
      <header class="claim-head">
        <span class="status-badge status-{{ row.status }}">{{ row.status_label }}</span>
        <span class="speaker">{{ row.speaker }}</span>
        <a href="{{ row.url }}">{{ row.document_title }}</a>
        <span class="muted">{{ row.document_date }}</span>
      </header>
      <blockquote class="claim-context">{{ row.before }}<mark class="claim-quote">{{ row.quote }}</mark>{{ row.after }}</blockquote>
      <p class="claim-meta muted">
        Flagged by {{ row.author }} on {{ row.flagged_at }}
        {% for topic in row.topics %}{% if forloop.first %} · {% endif %}<span class="chip">{{ topic }}</span>{% endfor %}
        {% if row.note %}<br>Note: {{ row.note }}{% endif %}
      </p>
      {% if row.copies %}
        <div class="claim-copies">
          <strong>Same claim elsewhere</strong> <span class="muted">(linked: a verdict here applies to {{ row.copies|length }} cop{{ row.copies|length|pluralize:"y,ies" }} too)</span>
          <ul>
            {% for copy in row.copies %}
              <li><a href="{{ copy.url }}">{{ copy.title }}</a>{% if copy.replaced %} <span class="muted">(replaced edition)</span>{% endif %}: “{{ copy.quote }}” <span class="muted">{{ copy.speaker }}</span></li>
            {% endfor %}
          </ul>
        </div>
      {% endif %}
      {% if row.verdict %}{% with verdict=row.verdict %}
        <div class="verdict">
          <p><strong>{{ row.status_label }}</strong> — {{ verdict.reviewer }}, {{ verdict.at }}</p>
          {% if verdict.rationale %}<p>{{ verdict.rationale }}</p>{% endif %}
          {% if verdict.evidence %}<ul>{% for link in verdict.evidence %}<li><a href="{{ link }}" rel="noopener noreferrer">{{ link }}</a></li>{% endfor %}</ul>{% endif %}
        </div>
      {% endwith %}{% endif %}
      {% if row.review %}{% with review=row.review %}
        {# ClaimReviewForm's fields, written out (annotations.views.review_fields): no form per row. #}
        <form method="post" action="{{ review.url }}" class="review-form">
          <input type="hidden" name="csrfmiddlewaretoken" value="{{ csrf_token }}">
          <input type="hidden" name="next" value="{{ next_url }}">
          <input type="hidden" name="version" value="{{ claim.version }}" id="{{ review.id }}-version">
          <div class="review-fields">
            <div><label for="{{ review.id }}-status">Status</label><select name="status" id="{{ review.id }}-status">{{ review.status_options }}</select></div>
            <div class="grow"><label for="{{ review.id }}-rationale">Rationale</label><textarea name="rationale" cols="40" rows="3" aria-describedby="{{ review.id }}-rationale_helptext" id="{{ review.id }}-rationale">
{{ claim.rationale }}</textarea><span class="helptext" id="{{ review.id }}-rationale_helptext">{{ rationale_help }}</span></div>
            <div class="grow"><label for="{{ review.id }}-evidence">Evidence</label><textarea name="evidence" cols="40" rows="2" aria-describedby="{{ review.id }}-evidence_helptext" id="{{ review.id }}-evidence">
{{ review.evidence }}</textarea><span class="helptext" id="{{ review.id }}-evidence_helptext">{{ evidence_help }}</span></div>
          </div>
          <button type="submit" class="primary">Save verdict</button>
        </form>
      {% endwith %}{% endif %}
    </li>
    {% endwith %}
  {% endfor %}
"""  # noqa: E501 (the loop claim_list.html had before claim_card_html)


def test_claim_cards_are_what_the_template_rendered(client, reviewer):
    from django.template import Context, Template

    from annotations.models import ClaimGroup

    plain = make_claim(topics=[make_topic("Payments & <more>")])
    ruled = make_claim()
    claim_set_status(
        user=reviewer,
        claim_id=ruled.pk,
        status="false",
        rationale="No <b>way</b>.",
        evidence=["https://example.org/a?x=1&y=2", "https://example.org/b"],
    )
    linked = make_claim()
    group = ClaimGroup.objects.create()
    Claim.objects.filter(pk__in=[plain.pk, linked.pk]).update(group=group)
    client.force_login(reviewer)
    for params in ({}, {"status": "unverified"}):
        response = client.get(reverse("annotations:claim-list"), params)
        context = response.context
        expected = Template(OLD_CARDS_TEMPLATE).render(
            Context(
                {
                    "rows": context["rows"],
                    "csrf_token": context["csrf_token"],
                    "next_url": context["next_url"],
                    "rationale_help": context["rationale_help"],
                    "evidence_help": context["evidence_help"],
                }
            )
        )
        mine = "  " + str(context["cards_html"]) + "\n"
        # The CSRF token is masked afresh at each use: compare the pages without its value.
        token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
        mine, expected = token.sub("csrf", mine), token.sub("csrf", expected)
        assert mine == expected
        assert "(replaced edition)" not in expected and "a verdict here applies to 1 copy too" in expected
