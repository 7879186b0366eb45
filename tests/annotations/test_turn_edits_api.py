"""The JSON endpoints that fix turns and speakers: /api/turns/<id>/split/, merge/, noise/, PATCH
/api/turns/<id>/ and /api/speakers/<id>/merge/, with their undo, conflicts and refusals."""

import json

import pytest
from django.test import Client

from annotations.models import Annotation
from corpus_app.importing import transcript_import
from corpus_app.models import Speaker, SpeakerAlias, Turn
from tests.factories import make_annotation, make_document

pytestmark = pytest.mark.django_db

TURN_KEYS = {"id", "document", "position", "speaker", "label", "kind", "text", "version", "noise", "url"}
EMOJI_TEXT = "We 🤝 the CIS. Trade grew by 85 percent."  # 🤝: one code point, two UTF-16 code units


def client_for(user):
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def post(client, url, payload):
    return client.post(url, json.dumps(payload), content_type="application/json")


def patch(client, url, payload):
    return client.patch(url, json.dumps(payload), content_type="application/json")


def send(client, undo):
    """Send an answer's ``undo`` request as it is."""
    return (post if undo["method"] == "POST" else patch)(client, undo["url"], undo["body"])


def annotate(turn, words, author):
    start = turn.text.index(words)
    return make_annotation(turn=turn, start=start, end=start + len(words), author=author)


def api_passages(client, document):
    """(turn position, quote, text at the offsets) of every annotation, as the annotation API gives them."""
    body = client.get(f"/api/annotations/?document={document.pk}").json()
    turns = {turn.pk: turn for turn in document.turns.all()}
    return sorted(
        (turns[a["turn"]].position, a["quote"], turns[a["turn"]].text[a["start"] : a["end"]])
        for a in body["annotations"]
    )


@pytest.fixture
def document():
    return make_document(
        turns=[
            ("Sergey Lavrov", "remarks", EMOJI_TEXT),
            ("Journalist", "question", "How do you see the role of the CIS?"),
            ("Sergey Lavrov", "answer", "The CIS is one of them. It has established working ties."),
        ]
    )


def turns_of(document):
    return list(document.turns.order_by("position"))


def test_split_answers_the_changed_turns_and_undo_merges_them_back(editor, document):
    client = client_for(editor)
    first, second, third = turns_of(document)
    annotate(first, "the CIS", editor)
    annotate(first, "85 percent", editor)
    annotate(third, "working ties", editor)
    before = api_passages(client, document)

    response = post(client, f"/api/turns/{first.pk}/split/", {"offset": EMOJI_TEXT.index("Trade"), "version": 1})

    assert response.status_code == 200
    body = response.json()
    assert [set(turn) for turn in body["turns"]] == [TURN_KEYS, TURN_KEYS]
    assert [(t["position"], t["text"], t["version"]) for t in body["turns"]] == [
        (0, "We 🤝 the CIS.", 2),
        (1, "Trade grew by 85 percent.", 1),
    ]
    assert body["turns"][1]["speaker"]["name"] == "Sergey Lavrov"
    assert body["removed"] == []
    assert [t.position for t in turns_of(document)] == [0, 1, 2, 3]
    moved = Annotation.objects.get(quote="85 percent")
    assert moved.turn_id == body["turns"][1]["id"]

    undo = body["undo"]
    assert undo["method"] == "POST" and undo["url"] == f"/api/turns/{body['turns'][1]['id']}/merge/"
    undone = send(client, undo)
    assert undone.status_code == 200, undone.json()
    assert [t.text for t in turns_of(document)] == [EMOJI_TEXT, second.text, third.text]
    assert api_passages(client, document) == before


def test_split_takes_a_browsers_utf16_offset(editor, document):
    first = turns_of(document)[0]
    utf16 = len(EMOJI_TEXT[: EMOJI_TEXT.index("Trade")].encode("utf-16-le")) // 2
    response = post(
        client_for(editor),
        f"/api/turns/{first.pk}/split/",
        {"offset": utf16, "version": 1, "offset_unit": "utf-16"},
    )
    assert [t["text"] for t in response.json()["turns"]] == ["We 🤝 the CIS.", "Trade grew by 85 percent."]


def test_a_passage_across_the_split_point_is_a_400_naming_it(editor, document):
    first = turns_of(document)[0]
    across = annotate(first, "CIS. Trade", editor)
    response = post(
        client_for(editor), f"/api/turns/{first.pk}/split/", {"offset": EMOJI_TEXT.index("Trade"), "version": 1}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "offset" and body["annotation"] == across.pk
    assert "CIS. Trade" in body["error"]
    assert Turn.objects.get(pk=first.pk).text == EMOJI_TEXT


def test_a_stale_version_is_a_409_with_the_current_turn(editor, document):
    client = client_for(editor)
    first = turns_of(document)[0]
    assert patch(client, f"/api/turns/{first.pk}/", {"kind": "answer", "version": 1}).status_code == 200
    for response in (
        post(client, f"/api/turns/{first.pk}/split/", {"offset": 3, "version": 1}),
        patch(client, f"/api/turns/{first.pk}/", {"kind": "remarks", "version": 1}),
        post(client, f"/api/turns/{first.pk}/noise/", {"noise": True, "version": 1}),
    ):
        assert response.status_code == 409
        body = response.json()
        assert "changed by someone else" in body["error"]
        assert (body["current"]["version"], body["current"]["kind"]) == (2, "answer")
    second = turns_of(document)[1]
    response = post(client, f"/api/turns/{second.pk}/merge/", {"version": 7})
    assert response.status_code == 409 and response.json()["current"]["id"] == second.pk


def test_merge_answers_the_merged_turn_and_undo_splits_it_back(editor, document):
    client = client_for(editor)
    first, second, third = turns_of(document)
    annotate(second, "role of the CIS", editor)
    annotate(first, "We", editor)
    before = api_passages(client, document)

    response = post(client, f"/api/turns/{second.pk}/merge/", {"version": 1})

    assert response.status_code == 200
    body = response.json()
    assert body["removed"] == [second.pk]
    assert [t["text"] for t in body["turns"]] == [EMOJI_TEXT + "\n\n" + second.text]
    assert body["undo"]["method"] == "POST" and body["undo"]["url"] == f"/api/turns/{first.pk}/split/"
    assert send(client, body["undo"]).status_code == 200
    assert [(t.speaker.name, t.kind, t.text) for t in turns_of(document)] == [
        (t.speaker.name, t.kind, t.text) for t in (first, second, third)
    ]
    assert api_passages(client, document) == before


def test_merging_the_first_turn_is_refused(editor, document):
    response = post(client_for(editor), f"/api/turns/{turns_of(document)[0].pk}/merge/", {"version": 1})
    assert response.status_code == 400
    assert "first turn" in response.json()["error"]


def test_patch_changes_speaker_and_kind_and_undo_changes_them_back(editor, document):
    client = client_for(editor)
    second = turns_of(document)[1]
    response = patch(client, f"/api/turns/{second.pk}/", {"speaker": {"name": "Maria Zakharova"}, "version": 1})
    assert response.status_code == 200
    turn = response.json()["turns"][0]
    assert turn["speaker"]["name"] == "Maria Zakharova" and turn["version"] == 2
    assert Speaker.objects.filter(name="Maria Zakharova").exists()
    undo = response.json()["undo"]
    assert undo["method"] == "PATCH"
    assert send(client, undo).json()["turns"][0]["speaker"]["name"] == "Journalist"

    lavrov = Speaker.objects.get(name="Sergey Lavrov")
    response = patch(client, f"/api/turns/{second.pk}/", {"speaker": lavrov.pk, "kind": "answer", "version": 3})
    assert response.json()["turns"][0]["speaker"] == {"id": lavrov.pk, "name": "Sergey Lavrov"}
    response = patch(client, f"/api/turns/{second.pk}/", {"speaker": None, "version": 4})
    assert response.json()["turns"][0]["speaker"] is None


def test_patch_refuses_unknown_speakers_and_kinds_by_field(editor, document):
    client = client_for(editor)
    second = turns_of(document)[1]
    response = patch(client, f"/api/turns/{second.pk}/", {"speaker": 999999, "version": 1})
    assert (response.status_code, response.json()["field"]) == (400, "speaker")
    response = patch(client, f"/api/turns/{second.pk}/", {"kind": "speech", "version": 1})
    assert (response.status_code, response.json()["field"]) == (400, "kind")
    response = patch(client, f"/api/turns/{second.pk}/", {"kind": "answer", "version": "1"})
    assert (response.status_code, response.json()["field"]) == (400, "version")


def test_noise_hides_the_turn_from_the_reading_view_and_undo_restores_it(editor, document):
    client = client_for(editor)
    second = turns_of(document)[1]
    response = post(client, f"/api/turns/{second.pk}/noise/", {"noise": True, "version": 1})
    assert response.status_code == 200
    assert response.json()["turns"][0]["noise"] is True
    page = client.get(document.get_absolute_url())
    assert "role of the CIS" not in page.content.decode()
    assert "working ties" in page.content.decode()

    assert send(client, response.json()["undo"]).json()["turns"][0]["noise"] is False
    assert "role of the CIS" in client.get(document.get_absolute_url()).content.decode()


def test_viewers_get_403_and_anonymous_401(viewer, document):
    turn = turns_of(document)[1]
    client = client_for(viewer)
    for response in (
        post(client, f"/api/turns/{turn.pk}/split/", {"offset": 3, "version": 1}),
        post(client, f"/api/turns/{turn.pk}/merge/", {"version": 1}),
        patch(client, f"/api/turns/{turn.pk}/", {"kind": "answer", "version": 1}),
        post(client, f"/api/turns/{turn.pk}/noise/", {"noise": True, "version": 1}),
        post(client, f"/api/speakers/{turn.speaker_id}/merge/", {"into": turn.speaker_id}),
    ):
        assert response.status_code == 403
        assert "editors" in response.json()["error"]
    assert client.get(f"/api/turns/{turn.pk}/").json()["version"] == 1  # viewers read
    assert post(Client(), f"/api/turns/{turn.pk}/merge/", {"version": 1}).status_code == 401
    assert Turn.objects.get(pk=turn.pk).version == 1


def test_unknown_turn_is_a_404(editor):
    response = post(client_for(editor), "/api/turns/999999/merge/", {"version": 1})
    assert response.status_code == 404


def test_speaker_merge_endpoint(editor, document):
    client = client_for(editor)
    lavrov = Speaker.objects.get(name="Sergey Lavrov")
    journalist = Speaker.objects.get(name="Journalist")
    response = post(client, f"/api/speakers/{journalist.pk}/merge/", {"into": lavrov.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["merged"] == journalist.pk and body["turns_moved"] == 1
    assert "Journalist" in body["speaker"]["aliases"]
    assert not Speaker.objects.filter(pk=journalist.pk).exists()
    assert post(client, f"/api/speakers/{lavrov.pk}/merge/", {"into": lavrov.pk}).status_code == 400
    assert post(client, f"/api/speakers/{lavrov.pk}/merge/", {"into": 999999}).json()["field"] == "into"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_always_makes_the_label_an_alias_that_the_next_import_uses(editor, tmp_path):
    first = transcript_import(
        path=write(
            tmp_path,
            "briefing-1.txt",
            "Press briefing, Moscow, March 3, 2024\n\n"
            "Question: Will the talks continue?\n\n"
            "THE SPOKESMAN: We do not comment on that.\n",
        )
    ).document
    turn = first.turns.get(label__iexact="the spokesman")
    peskov = Speaker.objects.create(name="Dmitry Peskov")
    assert turn.speaker != peskov

    response = patch(client_for(editor), f"/api/turns/{turn.pk}/", {"speaker": peskov.pk, "always": True, "version": 1})
    assert response.status_code == 200
    assert SpeakerAlias.objects.get(alias__iexact="the spokesman").speaker == peskov

    second = transcript_import(
        path=write(
            tmp_path,
            "briefing-2.txt",
            "Another briefing, Moscow, March 10, 2024\n\n"
            "Question: And the sanctions?\n\n"
            "THE SPOKESMAN: We have said all there is to say.\n",
        )
    ).document
    assert second.turns.get(label__iexact="the spokesman").speaker == peskov

    undone = send(client_for(editor), response.json()["undo"])  # the label means what it meant before
    assert undone.status_code == 200, undone.json()
    assert not SpeakerAlias.objects.filter(alias__iexact="the spokesman").exists()
    third = transcript_import(
        path=write(
            tmp_path,
            "briefing-3.txt",
            "A third briefing, Moscow, March 17, 2024\n\nQuestion: Anything new?\n\nTHE SPOKESMAN: Nothing.\n",
        )
    ).document
    assert third.turns.get(label__iexact="the spokesman").speaker != peskov


def test_the_schema_describes_the_turn_endpoints(editor):
    paths = client_for(editor).get("/api/schema/").json()["paths"]
    assert {"/api/turns/{pk}/split/", "/api/turns/{pk}/merge/", "/api/turns/{pk}/", "/api/turns/{pk}/noise/"} <= set(
        paths
    )
    assert "409" in paths["/api/turns/{pk}/split/"]["post"]["responses"]
    assert "/api/speakers/{pk}/merge/" in paths


def test_an_editor_can_use_the_annotation_api_after_edits(editor, document):
    """A split then a new annotation on the new turn: the offsets the API takes are the new turn's."""
    client = client_for(editor)
    first = turns_of(document)[0]
    body = post(client, f"/api/turns/{first.pk}/split/", {"offset": EMOJI_TEXT.index("Trade"), "version": 1}).json()
    new_turn = body["turns"][1]
    response = post(
        client,
        "/api/annotations/",
        {"turn": new_turn["id"], "start": 0, "end": 5, "quote": "Trade", "note": "x", "claim": True},
    )
    assert response.status_code == 201, response.json()
