"""The same claim in other documents: similar passages, links, one verdict for a group (issue 6, part 2)."""

import json
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from annotations import services
from annotations.models import Annotation, Claim, ClaimGroup, ClaimStatus
from annotations.similar_claims import find_similar, normalise, split_sentences
from corpus_app.models import Document
from tests.annotations.editions import FILE_000, FILE_001
from tests.factories import make_annotation, make_document

pytestmark = pytest.mark.django_db

FLAGGED = "National currencies now account for 85% of payments"


def flag_in_000(user):
    call_command("loaddata", "speakers", "corpus", "topics", "targets", stdout=StringIO())
    turn = Document.objects.get(source_name=FILE_000.name).turns.get(text__contains=FLAGGED)
    start = turn.text.index(FLAGGED)
    return services.annotation_create(
        user=user, turn=turn, start=start, end=start + len(FLAGGED), quote=FLAGGED, claim=True
    ).claim


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


# --- the pure matching -----------------------------------------------------------------------------


def test_normalise_spells_figures_one_way():
    assert normalise("85%") == normalise("85 percent") == normalise("85 per cent") == "85 percent"
    assert normalise("€10 billion") == normalise("10 billion euros") == "10 billion euros"
    assert normalise("$28 billion") == normalise("28 billion dollars")
    assert normalise("1,000 roubles") == normalise("1000 rubles")


def test_sentences_carry_their_offsets():
    text = "First one. “Quoted second?” Third\nNew line here"
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == ["First one.", "“Quoted second?”", "Third", "New line here"]
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_a_different_figure_is_a_different_claim():
    texts = [(1, "National currencies now account for 65 percent of payments in trade.")]
    assert find_similar("National currencies now account for 85% of payments", texts) == []


def test_unrelated_sentences_are_not_offered():
    texts = [(1, "We discussed the transport corridors. The weather in Almaty was pleasant.")]
    assert find_similar("National currencies now account for 85% of payments", texts) == []


# --- the API -------------------------------------------------------------------------------------


def test_flagging_85_percent_in_000_offers_the_sentence_in_001(client, editor):
    claim = flag_in_000(editor)
    client.force_login(editor)
    response = client.get(reverse("annotations:api-claim-similar", args=[claim.pk]))
    assert response.status_code == 200
    body = response.json()
    best = body["candidates"][0]
    assert best["document"]["title"].startswith("Foreign Minister Sergey Lavrov’s remarks and answers")
    assert best["speaker"] == "Sergey Lavrov"
    assert best["quote"] == "National currencies now account for 85 percent of payments"
    assert "85 percent of payments in trade with the CIS countries." in best["sentence"]
    assert best["score"] >= 90 and best["linked"] is False and best["annotation"] is None
    turn = Document.objects.get(source_name=FILE_001.name).turns.get(pk=best["turn"])
    assert turn.text[best["start"] : best["end"]] == best["quote"]
    # The flagged passage itself is never offered.
    assert all(c["turn"] != claim.annotation.turn_id for c in body["candidates"])


def test_linking_creates_a_claim_there_sharing_the_group(client, editor):
    claim = flag_in_000(editor)
    client.force_login(editor)
    best = client.get(reverse("annotations:api-claim-similar", args=[claim.pk])).json()["candidates"][0]
    body = {key: best[key] for key in ("turn", "start", "end", "quote")}
    response = post(client, reverse("annotations:api-claim-links", args=[claim.pk]), body)
    assert response.status_code == 201, response.content
    data = response.json()
    linked = Claim.objects.get(pk=data["linked_claim"]["id"])
    claim.refresh_from_db()
    assert linked.group_id == claim.group_id is not None
    assert linked.annotation.quote == best["quote"] and linked.annotation.author == editor
    assert [copy["claim"] for copy in data["linked"]] == [linked.pk]
    # Offered again, it is now marked as linked; linking twice changes nothing.
    again = client.get(reverse("annotations:api-claim-similar", args=[claim.pk])).json()
    assert again["candidates"][0]["linked"] is True and again["linked"][0]["claim"] == linked.pk
    assert post(client, reverse("annotations:api-claim-links", args=[claim.pk]), body).status_code == 201
    assert Claim.objects.count() == 2 and ClaimGroup.objects.count() == 1


def test_viewers_cannot_link(client, editor, viewer):
    claim = flag_in_000(editor)
    client.force_login(viewer)
    assert client.get(reverse("annotations:api-claim-similar", args=[claim.pk])).status_code == 200
    response = post(
        client, reverse("annotations:api-claim-links", args=[claim.pk]), {"turn": 1, "start": 0, "end": 1, "quote": "x"}
    )
    assert response.status_code == 403


def test_a_link_with_a_wrong_quote_is_refused(client, editor):
    claim = flag_in_000(editor)
    turn = Document.objects.get(source_name=FILE_001.name).turns.first()
    client.force_login(editor)
    response = post(
        client,
        reverse("annotations:api-claim-links", args=[claim.pk]),
        {"turn": turn.pk, "start": 0, "end": 5, "quote": "Nope!"},
    )
    assert response.status_code == 400 and response.json()["field"] == "quote"
    assert Claim.objects.count() == 1


def test_unknown_claim_is_404(client, editor):
    client.force_login(editor)
    assert client.get(reverse("annotations:api-claim-similar", args=[999999])).status_code == 404


# --- one verdict for the group -------------------------------------------------------------------


def linked_pair(editor):
    document = make_document()
    turn = document.turns.get(position=0)
    first = make_annotation(turn=turn, start=0, end=20, claim=True).claim
    other_turn = make_document().turns.get(position=0)
    second = services.claim_link(
        user=editor, claim_id=first.pk, turn=other_turn, start=0, end=20, quote=other_turn.text[:20]
    )
    first.refresh_from_db()
    return first, second


def test_a_verdict_reaches_every_copy_with_history(editor, reviewer):
    first, second = linked_pair(editor)
    services.claim_set_status(
        user=reviewer,
        claim_id=first.pk,
        status=ClaimStatus.MISLEADING,
        rationale="The share is of trade with the CIS only.",
        evidence=["https://example.org/source"],
        version=first.version,
    )
    second.refresh_from_db()
    assert second.status == ClaimStatus.MISLEADING and second.reviewer == reviewer
    assert second.rationale == "The share is of trade with the CIS only."
    assert second.evidence == ["https://example.org/source"]
    latest = second.history.latest()
    assert latest.status == ClaimStatus.MISLEADING and latest.history_user == reviewer
    assert "Shared verdict" in latest.history_change_reason


def test_corrected_evidence_reaches_every_copy_and_only_a_reviewer_corrects_it(editor, reviewer):
    first, second = linked_pair(editor)
    with pytest.raises(PermissionDenied):
        services.claim_set_evidence(user=editor, claim_id=first.pk, evidence=["https://example.org/mine"])

    services.claim_set_evidence(
        user=reviewer, claim_id=second.pk, evidence="https://example.org/a https://example.org/b"
    )

    for claim in (first, second):
        claim.refresh_from_db()
        assert claim.evidence == ["https://example.org/a", "https://example.org/b"]
        assert claim.status == ClaimStatus.UNVERIFIED and claim.history.latest().history_user == reviewer
    with pytest.raises(services.AnnotationError, match="not an http"):
        services.claim_set_evidence(user=reviewer, claim_id=first.pk, evidence=["ftp://example.org/x"])


def test_a_new_copy_takes_the_existing_verdict(editor, reviewer):
    document = make_document()
    first = make_annotation(turn=document.turns.get(position=0), start=0, end=20, claim=True).claim
    services.claim_set_status(user=reviewer, claim_id=first.pk, status="accurate", rationale="Checked.")
    turn = make_document().turns.get(position=0)
    copy = services.claim_link(user=editor, claim_id=first.pk, turn=turn, start=0, end=20, quote=turn.text[:20])
    assert (copy.status, copy.rationale, copy.reviewer) == ("accurate", "Checked.", reviewer)


def test_claims_with_different_verdicts_are_not_merged(editor, reviewer):
    first = make_annotation(turn=make_document().turns.get(position=0), start=0, end=20, claim=True).claim
    second = make_annotation(turn=make_document().turns.get(position=0), start=0, end=20, claim=True).claim
    services.claim_set_status(user=reviewer, claim_id=first.pk, status="accurate", rationale="Yes.")
    services.claim_set_status(user=reviewer, claim_id=second.pk, status="false", rationale="No.")
    with pytest.raises(services.AnnotationError, match="different verdicts"):
        services.claim_link(
            user=editor,
            claim_id=first.pk,
            turn=second.annotation.turn,
            start=0,
            end=20,
            quote=second.annotation.quote,
        )
    second.refresh_from_db()
    assert second.group_id is None and second.status == "false"


def test_linking_two_groups_merges_them(editor):
    a, b = linked_pair(editor)
    c, d = linked_pair(editor)
    services.claim_link(user=editor, claim_id=a.pk, turn=c.annotation.turn, start=0, end=20, quote=c.annotation.quote)
    groups = set(Claim.objects.filter(pk__in=[a.pk, b.pk, c.pk, d.pk]).values_list("group_id", flat=True))
    assert len(groups) == 1 and ClaimGroup.objects.count() == 1


def test_a_stale_verdict_on_a_copy_is_refused(editor, reviewer):
    first, second = linked_pair(editor)
    services.claim_set_status(user=reviewer, claim_id=first.pk, status="in_review", version=first.version)
    with pytest.raises(services.VersionConflict):
        services.claim_set_status(
            user=reviewer, claim_id=second.pk, status="accurate", rationale="x", version=second.version
        )


def test_the_claim_queue_lists_linked_copies_without_a_query_per_row(
    client, editor, reviewer, django_assert_num_queries
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first, second = linked_pair(editor)
    client.force_login(reviewer)
    url = reverse("annotations:claim-list")
    cache.clear()  # each request renders everything: the filter form (cached a minute) too
    with CaptureQueriesContext(connection) as one_pair:
        response = client.get(url)
    page = response.content.decode()
    assert "Same claim elsewhere" in page
    assert second.annotation.turn.document.get_absolute_url() in page
    linked_pair(editor)
    linked_pair(editor)
    cache.clear()
    with django_assert_num_queries(len(one_pair)):
        client.get(url)


def test_annotation_json_names_the_group(client, editor):
    first, second = linked_pair(editor)
    client.force_login(editor)
    body = client.get(reverse("annotations:api-annotation", args=[first.annotation_id])).json()
    assert body["claim"]["group"] == first.group_id
    assert Annotation.objects.count() == 2
