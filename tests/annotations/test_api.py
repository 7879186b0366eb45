"""The JSON API the reading view calls: /api/annotations/, /api/annotations/<id>/, /api/claims/<id>/verdict/."""

import json
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils.dateparse import parse_datetime

from annotations.models import Annotation, Claim, ClaimStatus
from annotations.services import claim_set_status
from tests.annotations.api_helpers import assert_error, client_for, patch_json, post_json
from tests.factories import make_annotation, make_document, make_target, make_topic, make_user

pytestmark = pytest.mark.django_db

COLLECTION = "/api/annotations/"
ANNOTATION_KEYS = {
    "id",
    "turn",
    "document",
    "start",
    "end",
    "quote",
    "prefix",
    "suffix",
    "topics",
    "stance",
    "claim",
    "note",
    "author",
    "created_at",
    "updated_at",
    "version",
    "can_delete",
}
CLAIM_KEYS = {"id", "status", "status_display", "rationale", "evidence", "reviewer", "reviewed_at", "version", "group"}
EMOJI_TEXT = "We 🤝 the CIS: trade grew by 85 percent."  # 🤝 is one code point, two UTF-16 code units


# --- helpers ---------------------------------------------------------------------------------


def detail(pk):
    return f"/api/annotations/{pk}/"


def verdict_url(pk):
    return f"/api/claims/{pk}/verdict/"


def snapshot():
    """Everything a refused request must leave alone: rows, versions, fields, topics, claims and history."""
    return {
        "annotations": list(
            Annotation.objects.order_by("pk").values_list(
                "pk", "version", "start", "end", "quote", "note", "polarity", "target_id"
            )
        ),
        "topics": list(Annotation.topics.through.objects.order_by("pk").values_list("annotation_id", "topic_id")),
        "claims": list(Claim.objects.order_by("pk").values_list("pk", "status", "rationale", "reviewer_id", "version")),
        "annotation_history": Annotation.history.count(),
        "claim_history": Claim.history.count(),
    }


@pytest.fixture
def world(db):
    """A document of three turns (the last one with an emoji), topics in a hierarchy and two targets."""
    document = make_document(
        turns=[
            ("Sergey Lavrov", "remarks", "National currencies now account for 85 percent of payments."),
            ("Journalist", "question", "How do you see the role of the CIS?"),
            ("Sergey Lavrov", "answer", EMOJI_TEXT),
        ]
    )
    turns = list(document.turns.order_by("position"))
    economy = make_topic("Sanctions & economy")
    payments = make_topic("Payments", parent=economy)
    cis = make_topic("CIS")
    return SimpleNamespace(
        document=document,
        turns=turns,
        turn=turns[0],
        economy=economy,
        payments=payments,
        cis=cis,
        eu=make_target("EU"),
        nato=make_target("NATO"),
    )


@pytest.fixture
def editor_b(db):
    return make_user("Editor", username="editor-b")


def valid_payload(world, **changes):
    text = world.turn.text
    start = text.index("85 percent")
    payload = {
        "turn": world.turn.pk,
        "start": start,
        "end": start + len("85 percent"),
        "quote": "85 percent",
        "topics": [world.payments.pk],
        "stance": {"polarity": "supports", "target": world.eu.pk},
        "claim": True,
        "note": "Check against the central bank's figures.",
    }
    payload.update(changes)
    return payload


# --- POST /api/annotations/ ------------------------------------------------------------------


def test_create_with_topics_stance_and_claim_returns_201_and_the_annotation(world, editor):
    response = post_json(client_for(editor), COLLECTION, valid_payload(world))

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == ANNOTATION_KEYS
    annotation = Annotation.objects.get()
    assert body["id"] == annotation.pk
    assert body["turn"] == world.turn.pk
    assert body["document"] == world.document.pk
    assert (body["start"], body["end"], body["quote"]) == (36, 46, "85 percent")
    assert body["prefix"] == "onal currencies now account for "  # the 32 characters before
    assert body["suffix"] == " of payments."
    assert body["topics"] == [{"id": world.payments.pk, "name": "Payments", "path": "Sanctions & economy › Payments"}]
    assert body["stance"] == {"polarity": "supports", "target": {"id": world.eu.pk, "name": "EU"}}
    assert set(body["claim"]) == CLAIM_KEYS
    assert body["claim"]["status"] == "unverified"
    assert body["claim"]["status_display"] == "Unverified"
    assert body["claim"]["reviewer"] is None and body["claim"]["reviewed_at"] is None
    assert body["claim"]["evidence"] == []
    assert body["note"] == "Check against the central bank's figures."
    assert body["author"] == "editor-a"
    assert parse_datetime(body["created_at"]) == annotation.created_at
    assert parse_datetime(body["updated_at"]) == annotation.updated_at
    assert body["version"] == 1
    assert body["can_delete"] is True

    assert annotation.author == editor
    assert list(annotation.topics.all()) == [world.payments]
    assert (annotation.polarity, annotation.target) == ("supports", world.eu)
    assert annotation.claim.status == ClaimStatus.UNVERIFIED


def test_create_records_history_by_the_caller(world, editor):
    response = post_json(client_for(editor), COLLECTION, valid_payload(world))

    annotation = Annotation.objects.get(pk=response.json()["id"])
    records = list(annotation.history.all())
    assert records, "creating must leave a history record"
    assert {record.history_user for record in records} == {editor}
    assert records[-1].history_type == "+"
    assert [topic.topic_id for topic in records[0].topics.all()] == [world.payments.pk]
    claim_records = list(annotation.claim.history.all())
    assert [(r.history_type, r.history_user) for r in claim_records] == [("+", editor)]


def test_create_with_only_a_topic_has_no_stance_and_no_claim(world, editor):
    payload = valid_payload(world, stance=None, claim=False)
    del payload["note"]

    response = post_json(client_for(editor), COLLECTION, payload)

    assert response.status_code == 201
    body = response.json()
    assert body["stance"] is None and body["claim"] is None and body["note"] == ""
    assert Claim.objects.count() == 0


def post_emoji_passage(world, user, start, end, quote, **extra):
    """Annotate [start, end) of the turn with an emoji (``EMOJI_TEXT``) with a topic, as ``user``."""
    payload = {"turn": world.turns[2].pk, "start": start, "end": end, "quote": quote, "topics": [world.cis.pk]}
    return post_json(client_for(user), COLLECTION, {**payload, **extra})


def test_create_with_utf16_offsets_converts_them_to_code_points(world, editor):
    turn = world.turns[2]
    quote = "the CIS"
    codepoint_start = turn.text.index(quote)  # 5: "We 🤝 " is five code points...
    utf16_start = len(turn.text[:codepoint_start].encode("utf-16-le")) // 2  # ...and six UTF-16 code units
    assert (codepoint_start, utf16_start) == (5, 6)

    response = post_emoji_passage(world, editor, utf16_start, utf16_start + len(quote), quote, offset_unit="utf-16")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["start"], body["end"], body["quote"]) == (5, 12, "the CIS")
    annotation = Annotation.objects.get()
    assert turn.text[annotation.start : annotation.end] == "the CIS"


def test_create_with_code_point_offsets_after_an_emoji(world, editor):
    response = post_emoji_passage(world, editor, 5, 12, "the CIS")

    assert response.status_code == 201, response.content
    assert (response.json()["start"], response.json()["end"]) == (5, 12)


def test_create_with_utf16_offsets_read_as_code_points_is_refused(world, editor):
    """Offsets counted by a browser but sent without offset_unit do not match the quote: nothing is stored."""
    before = snapshot()

    response = post_emoji_passage(world, editor, 6, 13, "the CIS")

    assert_error(response, 400, "quote")
    assert snapshot() == before


def test_create_with_a_utf16_offset_inside_a_surrogate_pair_is_refused(world, editor):
    before = snapshot()

    response = post_emoji_passage(world, editor, 4, 9, "🤝 the", offset_unit="utf-16")

    assert_error(response, 400, "start", contains="inside a character")
    assert snapshot() == before


def test_create_with_an_unknown_offset_unit_is_refused(world, editor):
    response = post_json(client_for(editor), COLLECTION, valid_payload(world, offset_unit="bytes"))

    assert_error(response, 400, "offset_unit")
    assert Annotation.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": "36"}, "start"),
        ({"end": "46"}, "end"),
        ({"start": True}, "start"),
        ({"end": 46.0}, "end"),
        ({"start": None}, "start"),
        ({"start": -1}, "start"),
        ({"quote": 85}, "quote"),
        ({"turn": "1"}, "turn"),
        ({"turn": True}, "turn"),
        ({"topics": "1"}, "topics"),
        ({"topics": ["1"]}, "topics"),
        ({"topics": [True]}, "topics"),
        ({"topics": [{"id": 1}]}, "topics"),
        ({"topics": [-3]}, "topics"),
        ({"stance": "opposes"}, "stance"),
        ({"stance": ["opposes", 1]}, "stance"),
        ({"stance": {"polarity": 1, "target": 1}}, "stance"),
        ({"claim": "yes"}, "claim"),
        ({"claim": 1}, "claim"),
        ({"note": 5}, "note"),
        ({"note": ["a"]}, "note"),
    ],
    ids=lambda value: json.dumps(value) if isinstance(value, dict) else value,
)
def test_create_with_a_wrong_type_is_refused(world, editor, changes, field):
    before = snapshot()

    response = post_json(client_for(editor), COLLECTION, valid_payload(world, **changes))

    assert_error(response, 400, field)
    assert snapshot() == before


@pytest.mark.parametrize("missing", ["turn", "start", "end", "quote"])
def test_create_without_a_required_field_is_refused(world, editor, missing):
    payload = valid_payload(world)
    del payload[missing]

    response = post_json(client_for(editor), COLLECTION, payload)

    assert_error(response, 400, missing, contains="required")
    assert Annotation.objects.count() == 0


@pytest.mark.parametrize(
    "body, refusal",
    [
        *[(body, "not valid JSON") for body in ["{not json", '{"turn": 1,}', "'single quotes'", "NaN NaN", ""]],
        *[(body, "JSON object") for body in ["[1, 2]", '"a string"', "42", "null"]],
    ],
)
def test_create_with_a_body_that_is_not_a_json_object_is_refused(world, editor, body, refusal):
    response = client_for(editor).generic("POST", COLLECTION, body.encode(), CONTENT_TYPE="application/json")

    assert_error(response, 400, None, contains=refusal)
    assert Annotation.objects.count() == 0


def test_create_on_an_unknown_turn_names_it(world, editor):
    response = post_json(client_for(editor), COLLECTION, valid_payload(world, turn=987654))

    assert_error(response, 400, "turn", contains="987654")
    assert Annotation.objects.count() == 0


def test_create_with_unknown_topics_names_them(world, editor):
    response = post_json(client_for(editor), COLLECTION, valid_payload(world, topics=[world.cis.pk, 987654, 987655]))

    body = assert_error(response, 400, "topics")
    assert body["error"] == "Unknown topic ids: 987654, 987655."
    assert Annotation.objects.count() == 0


def test_create_with_an_unknown_target_names_it(world, editor):
    response = post_json(
        client_for(editor), COLLECTION, valid_payload(world, stance={"polarity": "opposes", "target": 987654})
    )

    assert_error(response, 400, "stance", contains="987654")
    assert Annotation.objects.count() == 0


def test_create_with_a_quote_that_is_not_the_text_is_refused(world, editor):
    response = post_json(client_for(editor), COLLECTION, valid_payload(world, quote="86 percent"))

    assert_error(response, 400, "quote", contains="quote")
    assert Annotation.objects.count() == 0


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (36, 36, "end"),  # empty
        (46, 36, "end"),  # backwards
        (50, 500, "end"),  # past the end of the text
        (-5, 3, "start"),  # negative
    ],
)
def test_create_with_bad_offsets_is_refused(world, editor, start, end, field):
    quote = world.turn.text[max(start, 0) : end] if start < end else ""
    before = snapshot()

    response = post_json(client_for(editor), COLLECTION, valid_payload(world, start=start, end=end, quote=quote))

    assert_error(response, 400, field)
    assert snapshot() == before


def test_create_with_nothing_tagged_is_refused(world, editor):
    response = post_json(client_for(editor), COLLECTION, valid_payload(world, topics=[], stance=None, claim=False))

    assert_error(response, 400, None, contains="nothing is tagged")
    assert Annotation.objects.count() == 0


def test_create_with_an_unknown_polarity_is_refused(world, editor):
    response = post_json(
        client_for(editor), COLLECTION, valid_payload(world, stance={"polarity": "hostile", "target": world.eu.pk})
    )

    assert_error(response, 400, "stance", contains="hostile")
    assert Annotation.objects.count() == 0


@pytest.mark.parametrize("stance", [{"polarity": "opposes"}, {"polarity": "opposes", "target": None}])
def test_create_with_a_stance_without_target_is_refused(world, editor, stance):
    response = post_json(client_for(editor), COLLECTION, valid_payload(world, stance=stance))

    assert_error(response, 400, "stance", contains="target")
    assert Annotation.objects.count() == 0


def test_create_with_a_too_long_note_is_refused(world, editor):
    response = post_json(client_for(editor), COLLECTION, valid_payload(world, note="x" * 5001))

    assert_error(response, 400, "note")
    assert Annotation.objects.count() == 0


def test_html_in_a_note_is_returned_as_data_untouched(world, editor):
    note = '<script>alert("x")</script> <b onmouseover="steal()">bold</b> & ü'
    client = client_for(editor)

    response = post_json(client, COLLECTION, valid_payload(world, note=note))

    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert response.json()["note"] == note
    assert Annotation.objects.get().note == note
    fetched = client.get(detail(response.json()["id"]))
    assert fetched.json()["note"] == note


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"]
)
def test_create_without_a_json_content_type_is_refused(world, editor, content_type):
    response = client_for(editor).post(COLLECTION, json.dumps(valid_payload(world)), content_type=content_type)

    assert_error(response, 415, None, contains="application/json")
    assert Annotation.objects.count() == 0


def test_create_with_a_charset_in_the_content_type_is_accepted(world, editor):
    response = client_for(editor).post(
        COLLECTION, json.dumps(valid_payload(world)), content_type="application/json; charset=utf-8"
    )

    assert response.status_code == 201


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_create_with_an_oversized_body_is_refused(world, editor):
    body = json.dumps(valid_payload(world, note="x" * 2000))
    assert len(body) > 1024

    response = client_for(editor).post(COLLECTION, body, content_type="application/json")

    assert_error(response, 413, None, contains="too large")
    assert Annotation.objects.count() == 0


def test_viewer_cannot_create(world, viewer):
    before = snapshot()

    response = post_json(client_for(viewer), COLLECTION, valid_payload(world))

    assert_error(response, 403)
    assert snapshot() == before


def test_user_without_a_role_cannot_read(world):
    make_annotation(turn=world.turn, topics=[world.cis])
    client = client_for(make_user(None))

    assert_error(client.get(COLLECTION, {"document": world.document.pk}), 403)


# --- CSRF ------------------------------------------------------------------------------------


def test_post_without_csrf_token_is_refused_and_with_it_accepted(world, editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    payload = json.dumps(valid_payload(world))

    refused = client.post(COLLECTION, payload, content_type="application/json")

    assert refused.status_code == 403
    assert b"CSRF" in refused.content
    assert Annotation.objects.count() == 0
    assert Annotation.history.count() == 0

    # The reading page (or any API GET) hands out the cookie; the script echoes it in a header.
    client.get(COLLECTION, {"document": world.document.pk})
    token = client.cookies["csrftoken"].value
    accepted = client.post(COLLECTION, payload, content_type="application/json", HTTP_X_CSRFTOKEN=token)

    assert accepted.status_code == 201, accepted.content
    assert Annotation.objects.count() == 1


def test_patch_and_delete_without_csrf_token_are_refused(world, editor):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.cis])
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    before = snapshot()

    patched = client.patch(detail(annotation.pk), {"version": 1, "note": "x"}, content_type="application/json")
    deleted = client.delete(f"{detail(annotation.pk)}?version=1")

    assert patched.status_code == 403 and deleted.status_code == 403
    assert snapshot() == before


# --- 401 / 405 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", COLLECTION + "?document={document}"),
        ("post", COLLECTION),
        ("get", "/api/annotations/{annotation}/"),
        ("patch", "/api/annotations/{annotation}/"),
        ("delete", "/api/annotations/{annotation}/?version=1"),
        ("post", "/api/claims/{claim}/verdict/"),
    ],
)
def test_anonymous_callers_get_401_json_not_a_redirect(world, method, path):
    annotation = make_annotation(turn=world.turn, topics=[world.cis], claim=True)
    path = path.format(document=world.document.pk, annotation=annotation.pk, claim=annotation.claim.pk)
    before = snapshot()

    if method == "get":
        response = Client().get(path)
    else:
        body = {"version": 1, "status": "accurate", "rationale": "x", **valid_payload(world)}
        response = getattr(Client(), method)(path, body, content_type="application/json")

    assert response.status_code == 401
    assert response.json()["error"] == "Log in to use the API."
    assert "Location" not in response
    assert snapshot() == before


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("put", COLLECTION, "GET, POST"),
        ("delete", COLLECTION, "GET, POST"),
        ("post", "/api/annotations/{annotation}/", "GET, PATCH, DELETE"),
        ("put", "/api/annotations/{annotation}/", "GET, PATCH, DELETE"),
        ("get", "/api/claims/{claim}/verdict/", "POST"),
        ("patch", "/api/claims/{claim}/verdict/", "POST"),
    ],
)
def test_wrong_methods_get_405_with_allow(world, reviewer, method, path, allow):
    annotation = make_annotation(turn=world.turn, topics=[world.cis], claim=True)
    path = path.format(annotation=annotation.pk, claim=annotation.claim.pk)
    before = snapshot()

    response = getattr(client_for(reviewer), method)(path, {}, content_type="application/json")

    assert_error(response, 405, None, contains=method.upper())
    assert response["Allow"] == allow
    assert snapshot() == before


# --- GET /api/annotations/?document= ---------------------------------------------------------


def test_list_by_document_is_ordered_by_turn_position_then_start(world, viewer):
    second_turn, first_turn = world.turns[1], world.turns[0]
    late = make_annotation(turn=second_turn, start=0, end=3, topics=[world.cis])
    early_far = make_annotation(turn=first_turn, start=20, end=30, topics=[world.cis])
    early_near = make_annotation(turn=first_turn, start=0, end=8, polarity="opposes", target=world.nato)
    make_annotation(topics=[world.cis])  # in another document

    response = client_for(viewer).get(COLLECTION, {"document": world.document.pk})

    assert response.status_code == 200
    body = response.json()
    assert body["document"] == world.document.pk
    assert body["count"] == 3
    assert [a["id"] for a in body["annotations"]] == [early_near.pk, early_far.pk, late.pk]
    assert all(set(a) == ANNOTATION_KEYS for a in body["annotations"])
    assert body["annotations"][0]["stance"] == {"polarity": "opposes", "target": {"id": world.nato.pk, "name": "NATO"}}
    assert all(a["can_delete"] is False for a in body["annotations"])  # a viewer deletes nothing


def test_list_by_turn(world, editor):
    make_annotation(turn=world.turns[0], topics=[world.cis])
    wanted = make_annotation(turn=world.turns[1], start=4, end=7, topics=[world.cis])

    response = client_for(editor).get(COLLECTION, {"turn": world.turns[1].pk})

    assert response.status_code == 200
    body = response.json()
    assert body["document"] == world.document.pk
    assert body["count"] == 1
    assert [a["id"] for a in body["annotations"]] == [wanted.pk]


def test_list_of_a_document_without_annotations_is_empty(world, viewer):
    response = client_for(viewer).get(COLLECTION, {"document": world.document.pk})

    assert response.status_code == 200
    assert response.json() == {"document": world.document.pk, "count": 0, "annotations": []}


def test_list_can_delete_is_for_the_requesting_user(world, editor, editor_b, reviewer):
    mine = make_annotation(turn=world.turn, author=editor, topics=[world.cis])
    theirs = make_annotation(turn=world.turn, start=30, end=40, author=editor_b, topics=[world.cis])

    def can_delete(user):
        body = client_for(user).get(COLLECTION, {"document": world.document.pk}).json()
        return {a["id"]: a["can_delete"] for a in body["annotations"]}

    assert can_delete(editor) == {mine.pk: True, theirs.pk: False}
    assert can_delete(reviewer) == {mine.pk: True, theirs.pk: True}


def _add_rich_annotations(world, count, reviewer):
    for index in range(count):
        annotation = make_annotation(
            turn=world.turns[index % 3],
            start=index % 3,
            end=(index % 3) + 3,
            topics=[world.payments, world.cis],
            polarity="opposes",
            target=world.eu if index % 2 else world.nato,
            claim=True,
            author=make_user("Editor"),
        )
        claim_set_status(
            user=reviewer, claim_id=annotation.claim.pk, status="accurate", rationale="Checked.", evidence=[]
        )


def test_list_runs_a_fixed_number_of_queries(world, editor, reviewer):
    client = client_for(editor)
    _add_rich_annotations(world, 1, reviewer)

    with CaptureQueriesContext(connection) as one:
        response = client.get(COLLECTION, {"document": world.document.pk})
    assert response.json()["count"] == 1

    _add_rich_annotations(world, 6, reviewer)
    with CaptureQueriesContext(connection) as seven:
        response = client.get(COLLECTION, {"document": world.document.pk})
    body = response.json()
    assert body["count"] == 7

    assert len(seven) == len(one), "\n".join(query["sql"] for query in seven.captured_queries)
    assert len(one) <= 10
    # Related data came with those queries: paths through the hierarchy, targets, reviewers, authors.
    paths = {(t["id"], t["path"]) for a in body["annotations"] for t in a["topics"]}
    assert paths == {(world.payments.pk, "Sanctions & economy › Payments"), (world.cis.pk, "CIS")}
    assert all(a["claim"]["reviewer"] == reviewer.username for a in body["annotations"])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "document"),
        ({"document": ""}, "document"),
        ({"document": "abc"}, "document"),
        ({"document": "-1"}, "document"),
        ({"document": "0"}, "document"),
        ({"document": "١"}, "document"),  # an Arabic-Indic digit: str.isdigit() says yes, an id it is not
        ({"turn": "1.5"}, "turn"),
    ],
    ids=str,
)
def test_list_with_a_missing_or_invalid_parameter_is_400(world, viewer, params, field):
    response = client_for(viewer).get(COLLECTION, params)

    assert_error(response, 400, field)


def test_list_with_a_turn_of_another_document_is_400(world, viewer):
    other = make_document()

    response = client_for(viewer).get(COLLECTION, {"document": other.pk, "turn": world.turn.pk})

    assert_error(response, 400, "turn", contains="not in document")


def test_list_of_an_unknown_document_is_404(world, viewer):
    assert_error(client_for(viewer).get(COLLECTION, {"document": 987654}), 404, "document", contains="987654")


def test_list_of_an_unknown_turn_is_404(world, viewer):
    assert_error(client_for(viewer).get(COLLECTION, {"turn": 987654}), 404, "turn", contains="987654")


# --- GET /api/annotations/<id>/ --------------------------------------------------------------


def test_get_one_annotation(world, viewer):
    annotation = make_annotation(turn=world.turn, topics=[world.payments], claim=True)

    response = client_for(viewer).get(detail(annotation.pk))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == ANNOTATION_KEYS
    assert body["id"] == annotation.pk
    assert body["quote"] == annotation.quote
    assert body["topics"] == [{"id": world.payments.pk, "name": "Payments", "path": "Sanctions & economy › Payments"}]
    assert body["claim"]["id"] == annotation.claim.pk


def test_get_an_unknown_annotation_is_404(world, viewer):
    assert_error(client_for(viewer).get(detail(987654)), 404, contains="987654")


# --- PATCH /api/annotations/<id>/ ------------------------------------------------------------


def test_patch_changes_fields_and_raises_the_version(world, editor):
    annotation = make_annotation(
        turn=world.turn, author=editor, topics=[world.cis], polarity="opposes", target=world.eu
    )

    response = patch_json(
        client_for(editor),
        detail(annotation.pk),
        {"version": 1, "note": "Revised.", "topics": [world.payments.pk], "stance": None, "claim": True},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2
    assert body["note"] == "Revised."
    assert [t["id"] for t in body["topics"]] == [world.payments.pk]
    assert body["stance"] is None
    assert body["claim"]["status"] == "unverified"
    annotation.refresh_from_db()
    assert (annotation.version, annotation.note, annotation.polarity, annotation.target) == (2, "Revised.", "", None)
    assert list(annotation.topics.all()) == [world.payments]
    assert Claim.objects.filter(annotation=annotation).exists()


def test_patch_moves_the_passage_and_refreshes_prefix_and_suffix(world, editor):
    annotation = make_annotation(turn=world.turn, start=0, end=8, author=editor, topics=[world.cis])

    response = patch_json(
        client_for(editor), detail(annotation.pk), {"version": 1, "start": 9, "end": 19, "quote": "currencies"}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["start"], body["end"], body["quote"]) == (9, 19, "currencies")
    assert (body["prefix"], body["suffix"]) == ("National ", world.turn.text[19:51])


def test_patch_with_utf16_offsets(world, editor):
    turn = world.turns[2]
    annotation = make_annotation(turn=turn, start=0, end=2, author=editor, topics=[world.cis])

    response = patch_json(
        client_for(editor),
        detail(annotation.pk),
        {"version": 1, "start": 6, "end": 13, "quote": "the CIS", "offset_unit": "utf-16"},
    )

    assert response.status_code == 200, response.content
    assert (response.json()["start"], response.json()["end"]) == (5, 12)


def test_patch_by_another_editor_is_allowed(world, editor, editor_b):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.cis])

    response = patch_json(client_for(editor_b), detail(annotation.pk), {"version": 1, "note": "Second opinion."})

    assert response.status_code == 200
    assert response.json()["author"] == "editor-a"
    assert response.json()["can_delete"] is False


def test_two_editors_the_second_save_gets_409_and_nothing_is_lost(world, editor, editor_b):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.cis])
    first, second = client_for(editor), client_for(editor_b)
    assert first.get(detail(annotation.pk)).json()["version"] == 1
    assert second.get(detail(annotation.pk)).json()["version"] == 1

    won = patch_json(first, detail(annotation.pk), {"version": 1, "note": "First editor's note."})
    after_first = snapshot()
    lost = patch_json(second, detail(annotation.pk), {"version": 1, "note": "Second editor's note."})

    assert won.status_code == 200 and won.json()["version"] == 2
    assert lost.status_code == 409
    body = lost.json()
    assert "changed by someone else" in body["error"]
    assert set(body["current"]) == ANNOTATION_KEYS
    assert body["current"]["version"] == 2
    assert body["current"]["note"] == "First editor's note."
    annotation.refresh_from_db()
    assert (annotation.version, annotation.note) == (2, "First editor's note.")
    assert snapshot() == after_first  # the refused save wrote nothing, not even history
    assert annotation.history.first().history_user == editor


def test_history_shows_who_changed_what(world, editor, editor_b):
    created = post_json(client_for(editor), COLLECTION, valid_payload(world, note="Original note."))
    pk = created.json()["id"]

    response = patch_json(client_for(editor_b), detail(pk), {"version": 1, "note": "Corrected note."})

    assert response.status_code == 200
    annotation = Annotation.objects.get(pk=pk)
    latest = annotation.history.first()
    previous = latest.prev_record
    assert (previous.version, latest.version) == (1, 2)
    assert previous.history_user == editor
    assert latest.history_user == editor_b
    assert latest.history_type == "~"
    delta = latest.diff_against(previous)
    changes = {change.field: (change.old, change.new) for change in delta.changes}
    assert changes["note"] == ("Original note.", "Corrected note.")
    assert changes["version"] == (1, 2)
    assert set(delta.changed_fields) <= {"note", "version", "updated_at"}


def test_patch_without_a_version_is_refused(world, editor):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.cis])
    before = snapshot()

    response = patch_json(client_for(editor), detail(annotation.pk), {"note": "No version."})

    assert_error(response, 400, "version", contains="version")
    assert snapshot() == before


@pytest.mark.parametrize("version", ["1", 1.0, True, None, [1]])
def test_patch_with_a_version_that_is_not_a_whole_number_is_refused(world, editor, version):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.cis])
    before = snapshot()

    response = patch_json(client_for(editor), detail(annotation.pk), {"version": version, "note": "x"})

    assert_error(response, 400, "version")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"note": 1}, "note"),
        ({"topics": "1"}, "topics"),
        ({"topics": [987654]}, "topics"),
        ({"stance": "supports"}, "stance"),
        ({"stance": {"polarity": "supports", "target": 987654}}, "stance"),
        ({"stance": {"polarity": "supports"}}, "stance"),
        ({"claim": "no"}, "claim"),
        ({"start": "0"}, "start"),
        ({"quote": "something else"}, "quote"),
        ({"start": 40, "end": 10}, "end"),
        ({"topics": [], "stance": None}, None),  # nothing would be tagged any more
    ],
    ids=lambda value: json.dumps(value) if isinstance(value, dict) else str(value),
)
def test_patch_with_invalid_changes_is_refused(world, editor, changes, field):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.cis])
    before = snapshot()

    response = patch_json(client_for(editor), detail(annotation.pk), {"version": 1, **changes})

    assert_error(response, 400, field)
    assert snapshot() == before


def test_patch_cannot_unflag_a_claim_with_a_verdict(world, editor, reviewer):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.cis], claim=True)
    claim_set_status(user=reviewer, claim_id=annotation.claim.pk, status="false", rationale="Wrong figure.")
    before = snapshot()

    response = patch_json(client_for(editor), detail(annotation.pk), {"version": 1, "claim": False})

    assert_error(response, 400, "claim", contains="verdict")
    assert snapshot() == before


def test_patch_can_unflag_an_open_claim(world, editor):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.cis], claim=True)

    response = patch_json(client_for(editor), detail(annotation.pk), {"version": 1, "claim": False})

    assert response.status_code == 200
    assert response.json()["claim"] is None
    assert not Claim.objects.exists()


def test_patch_by_a_viewer_is_403(world, editor, viewer):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.cis])
    before = snapshot()

    response = patch_json(client_for(viewer), detail(annotation.pk), {"version": 1, "note": "Viewer's note."})

    assert_error(response, 403)
    assert snapshot() == before


def test_patch_of_an_unknown_annotation_is_404(world, editor):
    assert_error(patch_json(client_for(editor), detail(987654), {"version": 1, "note": "x"}), 404, contains="987654")


def test_patch_without_a_json_content_type_is_415(world, editor):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.cis])
    before = snapshot()

    response = client_for(editor).patch(detail(annotation.pk), "version=1&note=x", content_type="text/plain")

    assert_error(response, 415)
    assert snapshot() == before


# --- DELETE /api/annotations/<id>/ -----------------------------------------------------------


def test_author_deletes_with_the_version_in_the_query(world, editor):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.cis], claim=True)

    response = client_for(editor).delete(f"{detail(annotation.pk)}?version=1")

    assert response.status_code == 204
    assert response.content == b""
    assert not Annotation.objects.exists()
    assert not Claim.objects.exists()
    deletion = Annotation.history.filter(id=annotation.pk, history_type="-").get()
    assert deletion.history_user == editor
    assert Claim.history.filter(history_type="-").get().history_user == editor


def test_delete_accepts_the_version_in_a_json_body(world, editor):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.cis])

    response = client_for(editor).delete(detail(annotation.pk), {"version": 1}, content_type="application/json")

    assert response.status_code == 204
    assert not Annotation.objects.exists()


def test_delete_with_a_stale_version_is_409_with_the_current_state(world, editor, editor_b):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.cis])
    patch_json(client_for(editor_b), detail(annotation.pk), {"version": 1, "note": "Changed meanwhile."})
    before = snapshot()

    response = client_for(editor).delete(f"{detail(annotation.pk)}?version=1")

    assert response.status_code == 409
    body = response.json()
    assert body["error"]
    assert body["current"]["version"] == 2
    assert body["current"]["note"] == "Changed meanwhile."
    assert snapshot() == before


def test_editor_cannot_delete_another_editors_annotation(world, editor, editor_b):
    annotation = make_annotation(turn=world.turn, author=editor_b, topics=[world.cis])
    before = snapshot()

    response = client_for(editor).delete(f"{detail(annotation.pk)}?version=1")

    assert_error(response, 403, contains="author")
    assert snapshot() == before


def test_reviewer_can_delete_another_editors_annotation(world, editor_b, reviewer):
    annotation = make_annotation(turn=world.turn, author=editor_b, topics=[world.cis])

    response = client_for(reviewer).delete(f"{detail(annotation.pk)}?version=1")

    assert response.status_code == 204
    assert not Annotation.objects.exists()
    assert Annotation.history.filter(history_type="-").get().history_user == reviewer


def test_superuser_can_delete_any_annotation(world, editor_b):
    annotation = make_annotation(turn=world.turn, author=editor_b, topics=[world.cis])

    response = client_for(make_user(None, superuser=True)).delete(f"{detail(annotation.pk)}?version=1")

    assert response.status_code == 204
    assert not Annotation.objects.exists()


def test_viewer_cannot_delete(world, editor, viewer):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.cis])
    before = snapshot()

    assert_error(client_for(viewer).delete(f"{detail(annotation.pk)}?version=1"), 403)
    assert snapshot() == before


@pytest.mark.parametrize("query", ["", "?version=", "?version=one", "?version=-1", "?version=1.0"])
def test_delete_without_a_whole_number_version_is_refused(world, editor, query):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.cis])
    before = snapshot()

    assert_error(client_for(editor).delete(f"{detail(annotation.pk)}{query}"), 400, "version")
    assert snapshot() == before


def test_delete_of_an_unknown_annotation_is_404(world, editor):
    assert_error(client_for(editor).delete(f"{detail(987654)}?version=1"), 404, contains="987654")


def test_delete_of_a_passage_with_a_reviewed_claim_is_refused(world, editor, reviewer):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.cis], claim=True)
    claim_set_status(user=reviewer, claim_id=annotation.claim.pk, status="accurate", rationale="Checked.")
    before = snapshot()

    response = client_for(editor).delete(f"{detail(annotation.pk)}?version=1")

    assert_error(response, 400, "claim", contains="reviewed claim")
    assert snapshot() == before


# --- POST /api/claims/<id>/verdict/ ----------------------------------------------------------


@pytest.fixture
def claim(world, editor):
    return make_annotation(turn=world.turn, author=editor, topics=[world.cis], claim=True).claim


def test_reviewer_gives_a_verdict(world, claim, reviewer):
    response = post_json(
        client_for(reviewer),
        verdict_url(claim.pk),
        {
            "status": "accurate",
            "rationale": "The central bank reports 85%.",
            "evidence": ["https://example.org/cbr-report"],
            "version": 1,
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == CLAIM_KEYS | {"annotation"}
    assert body["annotation"] == claim.annotation_id
    assert body["id"] == claim.pk
    assert (body["status"], body["status_display"]) == ("accurate", "Accurate")
    assert body["rationale"] == "The central bank reports 85%."
    assert body["evidence"] == ["https://example.org/cbr-report"]
    assert body["reviewer"] == "reviewer-a"
    assert body["version"] == 2
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCURATE
    assert claim.reviewer == reviewer
    assert claim.reviewed_at is not None
    assert parse_datetime(body["reviewed_at"]) == claim.reviewed_at
    latest = claim.history.first()
    assert (latest.history_user, latest.status) == (reviewer, "accurate")


def test_verdict_without_a_version_is_refused(world, claim, reviewer):
    """Issue 15, 5: without the version, two reviewers' verdicts overwrote each other silently."""
    before = snapshot()

    response = post_json(client_for(reviewer), verdict_url(claim.pk), {"status": "accurate", "rationale": "Right."})

    assert_error(response, 400, "version", contains="required")
    assert snapshot() == before


def test_verdict_with_the_version_moves_to_review(world, claim, reviewer):
    response = post_json(client_for(reviewer), verdict_url(claim.pk), {"status": "in_review", "version": 1})

    assert response.status_code == 200
    assert response.json()["status"] == "in_review"


def test_verdict_shows_in_the_annotation_json(world, claim, reviewer, editor):
    post_json(
        client_for(reviewer),
        verdict_url(claim.pk),
        {"status": "misleading", "rationale": "Out of context.", "version": 1},
    )

    body = client_for(editor).get(detail(claim.annotation_id)).json()

    assert body["claim"]["status"] == "misleading"
    assert body["claim"]["reviewer"] == "reviewer-a"


@pytest.mark.parametrize("role", ["Editor", "Viewer"])
def test_only_reviewers_give_verdicts(world, claim, role):
    before = snapshot()

    response = post_json(
        client_for(make_user(role)),
        verdict_url(claim.pk),
        {"status": "accurate", "rationale": "Looks right.", "version": 1},
    )

    assert_error(response, 403, contains="reviewers")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("payload", "field", "contains"),
    [
        ({"status": "true", "rationale": "x"}, "status", "unknown status"),
        ({"rationale": "x"}, "status", "required"),
        ({"status": 3, "rationale": "x"}, "status", "string"),
        ({"status": "false"}, "rationale", "rationale"),
        ({"status": "false", "rationale": "   "}, "rationale", "rationale"),
        ({"status": "false", "rationale": 7}, "rationale", "string"),
        ({"status": "false", "rationale": "x", "evidence": ["ftp://example.org/a"]}, "evidence", "http"),
        ({"status": "false", "rationale": "x", "evidence": ["javascript:alert(1)"]}, "evidence", "http"),
        ({"status": "false", "rationale": "x", "evidence": ["not a link"]}, "evidence", "http"),
        ({"status": "false", "rationale": "x", "evidence": "https://example.org"}, "evidence", "list"),
        ({"status": "false", "rationale": "x", "evidence": [1]}, "evidence", "string"),
        ({"status": "false", "rationale": "x", "version": "1"}, "version", "whole number"),
    ],
    ids=lambda value: json.dumps(value) if isinstance(value, dict) else str(value),
)
def test_invalid_verdicts_are_refused(world, claim, reviewer, payload, field, contains):
    before = snapshot()

    response = post_json(client_for(reviewer), verdict_url(claim.pk), {"version": 1, **payload})

    assert_error(response, 400, field, contains=contains)
    assert snapshot() == before


def test_verdict_with_a_stale_version_is_409_with_the_current_claim(world, claim, reviewer):
    other = make_user("Reviewer", username="reviewer-b")
    post_json(client_for(other), verdict_url(claim.pk), {"status": "false", "rationale": "Wrong.", "version": 1})
    before = snapshot()

    response = post_json(
        client_for(reviewer), verdict_url(claim.pk), {"status": "accurate", "rationale": "Right.", "version": 1}
    )

    assert response.status_code == 409
    body = response.json()
    assert body["error"]
    assert body["current"]["status"] == "false"
    assert body["current"]["reviewer"] == "reviewer-b"
    assert body["current"]["version"] == 2
    assert body["current"]["annotation"] == claim.annotation_id
    assert snapshot() == before


def test_verdict_on_an_unknown_claim_is_404(world, reviewer):
    response = post_json(
        client_for(reviewer), verdict_url(987654), {"status": "accurate", "rationale": "x", "version": 1}
    )

    assert_error(response, 404, contains="987654")


def test_verdict_without_a_json_content_type_is_415(world, claim, reviewer):
    response = client_for(reviewer).post(verdict_url(claim.pk), {"status": "accurate", "rationale": "x"})

    assert_error(response, 415)
    assert Claim.objects.get().status == ClaimStatus.UNVERIFIED
