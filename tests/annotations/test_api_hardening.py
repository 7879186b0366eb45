"""Hostile and careless input to the JSON API (issue 15): refused with a 400/403/409 and the API's
error shape, nothing written, no page broken for anyone else."""

import pytest

from annotations.models import Annotation, Claim, ClaimStatus
from annotations.services import claim_set_status
from tests.annotations.api_helpers import assert_error, client_for, patch_json, post_json
from tests.factories import make_annotation, make_document, make_topic

pytestmark = pytest.mark.django_db

COLLECTION = "/api/annotations/"
QUOTE = "85 percent"


def stored():
    """What a refused request must leave alone."""
    return (
        list(Annotation.objects.order_by("pk").values_list("pk", "version", "start", "end", "quote", "note")),
        list(Claim.objects.order_by("pk").values_list("pk", "status", "rationale", "evidence", "version")),
        Annotation.history.count(),
        Claim.history.count(),
    )


@pytest.fixture
def turn(db):
    return make_document().turns.get(position=0)


@pytest.fixture
def topic(db):
    return make_topic("CIS")


def new_annotation(turn, topic, **changes):
    start = turn.text.index(QUOTE)
    return {"turn": turn.pk, "start": start, "end": start + len(QUOTE), "quote": QUOTE, "topics": [topic.pk]} | changes


@pytest.fixture
def claim(turn, editor):
    start = turn.text.index(QUOTE)
    return make_annotation(turn=turn, start=start, end=start + len(QUOTE), author=editor, claim=True).claim


def verdict_url(claim):
    return f"/api/claims/{claim.pk}/verdict/"


# --- 1 and 9: text that cannot be stored or shown --------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"note": "checked \ud800"}, "note"),
        ({"note": "a \udfff low one"}, "note"),
        ({"note": "nul \x00 byte"}, "note"),
        ({"note": "bell \x07"}, "note"),
        ({"note": "escape \x1b[31m red"}, "note"),
        ({"note": "C1 \x85 next line"}, "note"),
        ({"quote": "85 percent\x00"}, "quote"),
        ({"stance": {"polarity": "supports\t", "target": 1}}, "stance"),
        ({"offset_unit": "utf-16\n"}, "offset_unit"),
    ],
    ids=repr,
)
def test_create_with_text_that_cannot_be_stored_is_refused_naming_the_field(turn, topic, editor, changes, field):
    before = stored()

    response = post_json(client_for(editor), COLLECTION, new_annotation(turn, topic, **changes))

    body = assert_error(response, 400, field)
    assert "U+" in body["error"]  # says which character
    assert stored() == before


def test_a_nul_byte_in_a_note_is_refused_on_every_database(turn, topic, editor):
    """Issue 15, 8: SQLite stored it, PostgreSQL failed with a 500."""
    response = post_json(client_for(editor), COLLECTION, new_annotation(turn, topic, note="before\x00after"))

    assert_error(response, 400, "note", contains="NUL")
    assert not Annotation.objects.exists()


def test_tabs_and_line_breaks_are_kept_in_multi_line_fields(turn, topic, editor):
    note = "First line\r\nsecond\tindented\nthird"

    response = post_json(client_for(editor), COLLECTION, new_annotation(turn, topic, note=note))

    assert response.status_code == 201, response.content
    assert Annotation.objects.get().note == note


def test_a_key_that_cannot_be_stored_is_refused(turn, topic, editor):
    response = post_json(client_for(editor), COLLECTION, new_annotation(turn, topic) | {"no\ud800te": "x"})

    assert_error(response, 400, None, contains="field name")
    assert not Annotation.objects.exists()


def test_patch_with_a_lone_surrogate_is_refused(claim, editor):
    annotation = claim.annotation
    before = stored()

    response = patch_json(client_for(editor), f"/api/annotations/{annotation.pk}/", {"version": 1, "note": "\ud83d"})

    assert_error(response, 400, "note", contains="surrogate")
    assert stored() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rationale": "The bank says so \ud800"}, "rationale"),
        ({"rationale": "nul\x00"}, "rationale"),
        ({"evidence": ["https://example.org/\ud800"]}, "evidence"),
        ({"evidence": ["https://example.org/a\x00b"]}, "evidence"),
        ({"status": "accurate\x00"}, "status"),
    ],
    ids=repr,
)
def test_a_verdict_with_text_that_cannot_be_stored_is_refused(claim, reviewer, changes, field):
    before = stored()
    body = {"status": "accurate", "rationale": "Checked.", "version": claim.version} | changes

    response = post_json(client_for(reviewer), verdict_url(claim), body)

    assert_error(response, 400, field)
    assert stored() == before


def test_a_verdict_whose_link_holds_a_lone_surrogate_no_longer_breaks_the_claim_queue(claim, reviewer, viewer):
    """Issue 15, 1: the verdict was stored (200) and /claims/ gave a 500 for everyone from then on."""
    body = {"status": "accurate", "rationale": "Checked.", "evidence": ["https://example.org/\ud800"], "version": 1}

    response = post_json(client_for(reviewer), verdict_url(claim), body)

    assert_error(response, 400, "evidence")
    queue = client_for(viewer).get("/claims/")
    assert queue.status_code == 200
    assert "85 percent" in queue.content.decode()


# --- 2: deeply nested JSON ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        '{"note": ' + "[" * 100_000,  # nested and cut off
        '{"topics": ' + "[" * 65 + "]" * 65 + "}",
    ],
    ids=["arrays", "objects", "unterminated", "just-past-the-limit"],
)
def test_deeply_nested_json_is_a_400_not_a_500(turn, editor, body):
    """Issue 15, 2: a RecursionError escaped the parser."""
    response = post_json(client_for(editor), COLLECTION, body)

    assert_error(response, 400, None, contains="nested")
    assert not Annotation.objects.exists()


def test_brackets_inside_strings_do_not_count_as_nesting(turn, topic, editor):
    note = "[" * 500 + '"{\\' * 100

    response = post_json(client_for(editor), COLLECTION, new_annotation(turn, topic, note=note))

    assert response.status_code == 201, response.content
    assert Annotation.objects.get().note == note


@pytest.mark.parametrize("body", ['{"start": NaN}', '{"start": Infinity}', '{"start": -Infinity}', "1" * 5000])
def test_numbers_json_does_not_have_are_refused(turn, editor, body):
    response = post_json(client_for(editor), COLLECTION, body)

    assert_error(response, 400, None, contains="not valid JSON")


# --- 3: the passage of a reviewed claim -------------------------------------------------------------


@pytest.fixture
def reviewed(claim, reviewer):
    claim_set_status(user=reviewer, claim_id=claim.pk, status="accurate", rationale="The bank says 85%.", version=1)
    return Claim.objects.select_related("annotation__turn").get(pk=claim.pk)


@pytest.mark.parametrize("move", ["wider", "elsewhere"])
def test_an_editor_cannot_move_the_passage_of_a_claim_with_a_verdict(reviewed, editor, move):
    """Issue 15, 4: the PATCH gave 200 and the verdict still said “accurate” about other words."""
    annotation = reviewed.annotation
    text = annotation.turn.text
    start = text.index("National") if move == "wider" else text.index("payments")
    end = annotation.end if move == "wider" else start + len("payments")
    before = stored()

    response = patch_json(
        client_for(editor),
        f"/api/annotations/{annotation.pk}/",
        {"version": annotation.version, "start": start, "end": end, "quote": text[start:end]},
    )

    assert response.status_code == 409, response.content
    body = response.json()
    assert "verdict" in body["error"] and "Accurate" in body["error"]
    assert body["current"]["quote"] == QUOTE and body["current"]["claim"]["status"] == "accurate"
    assert stored() == before


def test_an_editor_can_still_change_the_note_of_a_reviewed_claim(reviewed, editor):
    annotation = reviewed.annotation

    response = patch_json(
        client_for(editor),
        f"/api/annotations/{annotation.pk}/",
        {"version": annotation.version, "note": "Source added.", "start": annotation.start},
    )

    assert response.status_code == 200, response.content
    assert response.json()["note"] == "Source added."


def test_a_reviewer_can_move_the_passage_of_a_claim_with_a_verdict(reviewed, reviewer):
    annotation = reviewed.annotation
    start = annotation.turn.text.index("National")

    response = patch_json(
        client_for(reviewer),
        f"/api/annotations/{annotation.pk}/",
        {"version": annotation.version, "start": start, "quote": annotation.turn.text[start : annotation.end]},
    )

    assert response.status_code == 200, response.content
    assert response.json()["quote"].startswith("National currencies")


# --- 5: a replaced edition ------------------------------------------------------------------------------


def test_annotating_a_replaced_edition_is_a_409_pointing_to_the_current_one(editor, topic):
    """Issue 15, 8: annotations landed on the old edition's turns, never moved, never marked orphaned."""
    old = make_document(title="Remarks (first edition)")
    new = make_document(title="Remarks (corrected)", replaces=old)
    old.is_current = False
    old.save()
    turn = old.turns.get(position=0)

    response = post_json(client_for(editor), COLLECTION, new_annotation(turn, topic))

    body = assert_error(response, 409, "turn", contains="newer edition")
    assert body["current_edition"] == {"id": new.pk, "title": "Remarks (corrected)", "url": f"/documents/{new.pk}/"}
    assert not Annotation.objects.exists()
    # The current edition takes it.
    response = post_json(client_for(editor), COLLECTION, new_annotation(new.turns.get(position=0), topic))
    assert response.status_code == 201, response.content


# --- 6: CSRF ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_a_csrf_failure_on_the_api_answers_the_api_json_error(claim, editor, method):
    client = client_for(editor, enforce_csrf_checks=True)
    path = COLLECTION if method == "post" else f"/api/annotations/{claim.annotation_id}/"
    before = stored()

    response = getattr(client, method)(path, "{}", content_type="application/json")

    assert_error(response, 403, None, contains="CSRF")
    assert stored() == before


def test_a_csrf_failure_elsewhere_keeps_django_s_page(claim, reviewer):
    client = client_for(reviewer, enforce_csrf_checks=True)

    response = client.post(f"/claims/{claim.pk}/review/", {"status": "accurate", "rationale": "x", "version": 1})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert Claim.objects.get().status == ClaimStatus.UNVERIFIED


# --- 7: a long list of unknown ids ----------------------------------------------------------------------------


def test_an_error_about_many_unknown_topics_says_how_many_without_echoing_them(turn, topic, editor):
    unknown = list(range(10_000_000, 10_100_000))

    response = post_json(client_for(editor), COLLECTION, new_annotation(turn, topic, topics=unknown))

    body = assert_error(response, 400, "topics")
    assert len(response.content) < 500
    assert body["error"].startswith("Unknown topic ids: 10000000, 10000001, ")
    assert "100,000 unknown" in body["error"]
    assert not Annotation.objects.exists()


def test_an_error_about_a_few_unknown_topics_names_them_all(turn, topic, editor):
    response = post_json(client_for(editor), COLLECTION, new_annotation(turn, topic, topics=[987654, 987655]))

    assert assert_error(response, 400, "topics")["error"] == "Unknown topic ids: 987654, 987655."


@pytest.mark.parametrize("body", ['{"version": "1"}', '{"version": -1}', '{"version": null}', "{}", "[1]", "{"])
def test_a_delete_with_a_bad_version_in_its_body_is_a_400(claim, editor, body):
    before = stored()

    response = client_for(editor).delete(f"/api/annotations/{claim.annotation_id}/", body, "application/json")

    assert response.status_code == 400, response.content
    assert response.json()["field"] in {"version", None}
    assert stored() == before
