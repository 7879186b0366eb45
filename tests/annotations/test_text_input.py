"""Text from forms (issue 15): control characters are a form error, accents compare in NFC, and
stored text that cannot be encoded is repaired by migration 0009."""

import importlib
import json

import pytest
from django.apps import apps
from django.db import DataError, connection, transaction
from django.urls import reverse

from annotations.models import Annotation, Claim, ClaimStatus
from annotations.services import claim_set_status
from corpus_app.parsing.document import parse_transcript
from tests.factories import make_annotation, make_document, make_topic

pytestmark = pytest.mark.django_db

CAFE_NFC = "caf\u00e9"  # é as one code point
CAFE_NFD = "cafe\u0301"  # e + COMBINING ACUTE ACCENT


# --- forms: a control character is a form error ------------------------------------------------------------


@pytest.mark.parametrize("rationale", ["nul \x00 byte", "bell \x07", "escape \x1b[0m"])
def test_the_review_form_refuses_control_characters_with_a_message(client, reviewer, rationale):
    claim = make_annotation(claim=True).claim
    client.force_login(reviewer)

    response = client.post(
        reverse("annotations:claim-review", args=[claim.pk]),
        {"status": "accurate", "rationale": rationale, "evidence": "", "version": 1},
    )

    assert response.status_code == 400  # the claim's card again, with the reason at the field
    page = response.content.decode()
    assert f"Claim {claim.pk} was not saved" in page
    assert "rationale" in response.context["claim"].review_form.errors and "U+00" in page
    claim.refresh_from_db()
    assert (claim.status, claim.rationale, claim.version) == (ClaimStatus.UNVERIFIED, "", 1)


def test_the_review_form_keeps_line_breaks_in_the_rationale(client, reviewer):
    claim = make_annotation(claim=True).claim
    client.force_login(reviewer)

    client.post(
        reverse("annotations:claim-review", args=[claim.pk]),
        {"status": "accurate", "rationale": "First.\r\n\tSecond.", "evidence": "", "version": 1},
    )

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCURATE and claim.rationale == "First.\r\n\tSecond."


def test_the_no_js_annotate_form_refuses_a_nul_in_the_note(client, editor):
    document = make_document()
    turn = document.turns.get(position=0)
    topic = make_topic("CIS")
    client.force_login(editor)

    response = client.post(
        reverse("annotations:annotate-form", args=[document.pk]),
        {"turn": turn.pk, "passage": "85 percent", "topics": [topic.pk], "note": "a\x00b"},
    )

    assert response.status_code == 200
    assert "note" in response.context["annotate_form"].errors
    assert not Annotation.objects.exists()


def test_the_no_js_annotate_form_finds_a_passage_pasted_with_decomposed_accents(client, editor):
    document = make_document(turns=[("Sergey Lavrov", "remarks", f"We met at the {CAFE_NFC} in Almaty.")])
    turn = document.turns.get()
    client.force_login(editor)

    response = client.post(
        reverse("annotations:annotate-form", args=[document.pk]),
        {"turn": turn.pk, "passage": f"the {CAFE_NFD}", "topics": [make_topic("CIS").pk]},
    )

    assert response.status_code == 302
    assert Annotation.objects.get().quote == f"the {CAFE_NFC}"


def test_the_annotation_filter_refuses_a_nul_without_an_error_page(client, viewer):
    client.force_login(viewer)

    response = client.get(reverse("annotations:annotation-list"), {"q": "a\x00b"})

    assert response.status_code == 200
    assert "q" in response.context["filter"].form.errors


def test_an_export_with_a_control_character_in_a_filter_is_a_400(client, viewer):
    client.force_login(viewer)

    response = client.get(reverse("annotations:annotation-export"), {"format": "csv", "q": "pay\x1bments"})

    assert response.status_code == 400
    assert "U+001B" in response.content.decode()


# --- search: accents compare in NFC ----------------------------------------------------------------------------


def test_a_decomposed_accent_in_the_query_finds_the_composed_letter(client, viewer):
    """Issue 15, 8: “cafe” + U+0301 was searched as a bare “cafe”."""
    make_document(turns=[("Sergey Lavrov", "remarks", f"We met at the {CAFE_NFC} in Almaty.")])
    make_document(turns=[("Sergey Lavrov", "remarks", "We met at the cafeteria in Astana.")])
    client.force_login(viewer)

    response = client.get(reverse("corpus:search"), {"q": CAFE_NFD})

    assert [turn.text for turn in response.context["results"]] == [f"We met at the {CAFE_NFC} in Almaty."]


def test_imported_text_is_stored_in_nfc_so_either_spelling_finds_it():
    parsed = parse_transcript(f"A visit to the {CAFE_NFD}\n\nSergey Lavrov: The {CAFE_NFD} was closed.\n")
    assert parsed.title == f"A visit to the {CAFE_NFC}"
    assert all(CAFE_NFD not in turn.text for turn in parsed.turns)
    assert any(CAFE_NFC in turn.text for turn in parsed.turns)


def test_the_document_text_filter_normalises_the_words(client, viewer):
    wanted = make_document(title=f"At the {CAFE_NFC}")
    make_document(title="At the cafeteria")
    client.force_login(viewer)

    response = client.get(reverse("corpus:document-list"), {"q": CAFE_NFD})

    assert [document.pk for document in response.context["object_list"]] == [wanted.pk]


def test_a_nul_in_the_search_query_is_a_form_error_on_every_database(client, viewer):
    client.force_login(viewer)

    response = client.get(reverse("corpus:search"), {"q": "pay\x00ments"})

    assert response.status_code == 200
    assert "q" in response.context["form"].errors


# --- migration 0009: stored lone surrogates repaired ----------------------------------------------------


def store_a_verdict_with_a_broken_link(reviewer):
    """What issue 15 found stored on SQLite: a verdict whose evidence link holds a lone surrogate."""
    claim = make_annotation(claim=True).claim
    claim_set_status(user=reviewer, claim_id=claim.pk, status="accurate", rationale="Checked.", version=1)
    claim = Claim.objects.get(pk=claim.pk)
    claim.evidence = ["https://example.org/report-\ud800", "https://example.org/fine"]
    claim._history_user = reviewer
    claim.save()  # the old API did this; a historical copy keeps it too
    return claim


def test_migration_0009_repairs_lone_surrogates_so_queue_exports_and_history_work(client, reviewer, admin_user):
    if connection.vendor == "postgresql":
        # jsonb refuses a lone surrogate on input: the broken state cannot be stored, nothing to repair.
        with pytest.raises(DataError), transaction.atomic():
            store_a_verdict_with_a_broken_link(reviewer)
        return
    repair = importlib.import_module("annotations.migrations.0009_repair_lone_surrogates")
    claim = store_a_verdict_with_a_broken_link(reviewer)
    with pytest.raises(UnicodeEncodeError):  # what every reader of the queue got
        "".join(claim.evidence).encode()

    repair.repair_evidence(apps, connection.schema_editor())

    claim.refresh_from_db()
    assert claim.evidence == ["https://example.org/report-\ufffd", "https://example.org/fine"]
    assert all("\ud800" not in json.dumps(row.evidence, ensure_ascii=False) for row in claim.history.all())
    assert claim.history.filter(evidence=claim.evidence).exists()
    client.force_login(admin_user)
    assert "report-\ufffd" in client.get(reverse("annotations:claim-list")).content.decode()
    for export_format in ("jsonl", "csv", "claimreview"):
        response = client.get(reverse("annotations:claim-export"), {"format": export_format})
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200 and "report-\ufffd" in body.decode(), export_format
    history = client.get(reverse("admin:annotations_claim_history", args=[claim.pk]))
    assert history.status_code == 200
    assert "Checked." in history.content.decode() or "accurate" in history.content.decode().lower()
