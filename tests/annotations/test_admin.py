"""The admin's annotation form refuses a stale save (issue 6, part 3)."""

import pytest
from django.urls import reverse

from annotations import services
from tests.factories import make_annotation, make_topic, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_user(None, superuser=True))
    return client


def change_form(annotation, **overrides):
    data = {
        "topics": [topic.pk for topic in annotation.topics.all()],
        "polarity": annotation.polarity,
        "target": annotation.target_id or "",
        "note": annotation.note,
        "opened_version": annotation.version,
        # The read-only claim inline still posts its management form.
        "claim-TOTAL_FORMS": "0",
        "claim-INITIAL_FORMS": "0",
        "claim-MIN_NUM_FORMS": "0",
        "claim-MAX_NUM_FORMS": "1",
    }
    data.update(overrides)
    return data


def url(annotation):
    return reverse("admin:annotations_annotation_change", args=[annotation.pk])


def test_the_change_form_carries_the_version_it_was_opened_at(admin_client):
    annotation = make_annotation(topics=[make_topic()])
    page = admin_client.get(url(annotation)).content.decode()
    assert 'name="opened_version"' in page and f'value="{annotation.version}"' in page


def test_a_fresh_save_goes_through_and_raises_the_version(admin_client):
    annotation = make_annotation(topics=[make_topic()])
    response = admin_client.post(url(annotation), change_form(annotation, note="Checked in the admin."))
    assert response.status_code == 302, response.content.decode()[:2000]
    annotation.refresh_from_db()
    assert annotation.note == "Checked in the admin." and annotation.version == 2


def test_a_stale_save_is_refused_and_the_other_change_survives(admin_client, editor):
    annotation = make_annotation(topics=[make_topic()], author=editor)
    opened = change_form(annotation, note="Admin's note")  # the admin opened version 1 ...
    services.annotation_update(user=editor, annotation_id=annotation.pk, version=1, note="Editor's note")  # ... then

    response = admin_client.post(url(annotation), opened)

    assert response.status_code == 200
    assert "Someone else changed this record since you opened it" in response.content.decode()
    annotation.refresh_from_db()
    assert annotation.note == "Editor's note" and annotation.version == 2


def test_a_save_that_does_not_say_its_version_is_refused(admin_client):
    annotation = make_annotation(topics=[make_topic()])
    data = change_form(annotation, note="No version")
    del data["opened_version"]
    response = admin_client.post(url(annotation), data)
    assert response.status_code == 200
    assert "does not say which version you opened" in response.content.decode()
    annotation.refresh_from_db()
    assert annotation.note == "" and annotation.version == 1


def test_a_re_anchoring_in_between_also_counts_as_a_change(admin_client, editor):
    annotation = make_annotation(topics=[make_topic()], author=editor)
    opened = change_form(annotation, note="Admin's note")
    annotation.version += 1  # what services.annotations_reanchor does when it moves the passage
    annotation.save()
    response = admin_client.post(url(annotation), opened)
    assert response.status_code == 200
    annotation.refresh_from_db()
    assert annotation.note == ""


# --- claims: their history and their evidence -------------------------------------------------------------------------


def claim_url(claim, view="change"):
    return reverse(f"admin:annotations_claim_{view}", args=[claim.pk])


def test_a_claims_history_shows_no_deleted_user_where_there_was_no_reviewer(admin_client, reviewer):
    claim = make_annotation(claim=True).claim
    claim = services.claim_set_status(user=reviewer, claim_id=claim.pk, status="in_review")
    services.claim_set_status(user=reviewer, claim_id=claim.pk, status="unverified")

    page = admin_client.get(claim_url(claim, "history")).content.decode()

    assert "Deleted user" not in page and "pk=None" not in page
    assert reviewer.username in page  # the reviewer it had, in the change that took them away


def test_a_claims_evidence_shows_as_links(admin_client, reviewer):
    claim = make_annotation(claim=True).claim
    links = ["https://example.org/stats", "https://example.org/report"]
    services.claim_set_status(user=reviewer, claim_id=claim.pk, status="accurate", rationale="Yes.", evidence=links)

    page = admin_client.get(claim_url(claim)).content.decode()

    assert '["https://' not in page
    for link in links:
        assert f'<a href="{link}"' in page


def evidence_form(claim, evidence):
    return {"evidence": evidence, "group": "", "opened_version": claim.version}


def test_a_reviewer_edits_the_evidence_one_link_per_line(admin_client, reviewer):
    claim = make_annotation(claim=True).claim
    claim = services.claim_set_status(
        user=reviewer, claim_id=claim.pk, status="accurate", rationale="Yes.", evidence=["https://example.org/old"]
    )

    response = admin_client.post(
        claim_url(claim), evidence_form(claim, "https://example.org/new\r\n\r\nhttps://example.org/more\r\n")
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    before = claim.version
    claim.refresh_from_db()
    assert claim.evidence == ["https://example.org/new", "https://example.org/more"]
    assert claim.status == "accurate" and claim.rationale == "Yes." and claim.version == before + 1


def test_a_bad_evidence_link_is_refused_and_nothing_changes(admin_client, reviewer):
    claim = make_annotation(claim=True).claim
    claim = services.claim_set_status(
        user=reviewer, claim_id=claim.pk, status="accurate", rationale="Yes.", evidence=["https://example.org/old"]
    )

    response = admin_client.post(claim_url(claim), evidence_form(claim, "https://example.org/new\nnot-a-link"))

    assert response.status_code == 200
    assert "is not an http(s) link" in response.content.decode()
    claim.refresh_from_db()
    assert claim.evidence == ["https://example.org/old"]


def test_a_stale_evidence_edit_is_refused(admin_client, reviewer):
    claim = make_annotation(claim=True).claim
    opened = evidence_form(claim, "https://example.org/mine")
    services.claim_set_status(user=reviewer, claim_id=claim.pk, status="in_review")  # someone else, meanwhile

    response = admin_client.post(claim_url(claim), opened)

    assert response.status_code == 200
    assert "Someone else changed this record since you opened it" in response.content.decode()
    claim.refresh_from_db()
    assert claim.evidence == []
