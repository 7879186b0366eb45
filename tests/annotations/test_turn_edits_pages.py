"""What readers see after turns and speakers are fixed: the speaker merge page, and page noise
left out of the reading view, the speaker pages, the lists, search, exports and the dashboard."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from annotations import turn_edits
from corpus_app.models import Speaker, SpeakerAlias, Turn
from dashboard.counts import counts
from tests.factories import make_document, make_user

pytestmark = pytest.mark.django_db

NOISE = "Scroll to Top convergence"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def document():
    return make_document(
        turns=[
            ("Sergey Lavrov", "remarks", "Convergence of our economies is under way."),
            ("Sergey Lavrov", "remarks", NOISE),
            ("Journalist", "question", "What about the CIS?"),
        ]
    )


def mark_noise(document, editor):
    turn = document.turns.get(position=1)
    turn_edits.turn_mark_noise(turn=turn, noise=True, version=turn.version, user=editor)
    return turn


# --- the speaker merge page ---------------------------------------------------------------------------------


def test_an_editor_merges_a_speaker_from_its_page(editor, document):
    client = client_for(editor)
    journalist = Speaker.objects.get(name="Journalist")
    lavrov = Speaker.objects.get(name="Sergey Lavrov")
    page = client.get(journalist.get_absolute_url()).content.decode()
    assert f"/speakers/{journalist.pk}/merge/" in page

    form = client.get(f"/speakers/{journalist.pk}/merge/")
    assert form.status_code == 200
    assert "1 turn" in form.content.decode()
    unconfirmed = client.post(f"/speakers/{journalist.pk}/merge/", {"into": lavrov.pk})
    assert unconfirmed.status_code == 200 and Speaker.objects.filter(pk=journalist.pk).exists()

    response = client.post(f"/speakers/{journalist.pk}/merge/", {"into": lavrov.pk, "confirm": "on"}, follow=True)

    assert response.redirect_chain[-1][0] == lavrov.get_absolute_url()
    assert "was merged into “Sergey Lavrov”" in response.content.decode()
    assert not Speaker.objects.filter(pk=journalist.pk).exists()
    assert SpeakerAlias.objects.get(alias="Journalist").speaker == lavrov
    assert document.turns.filter(speaker=lavrov).count() == 3


def test_viewers_see_no_merge_link_and_cannot_merge(viewer, document):
    client = client_for(viewer)
    journalist = Speaker.objects.get(name="Journalist")
    assert f"/speakers/{journalist.pk}/merge/" not in client.get(journalist.get_absolute_url()).content.decode()
    lavrov = Speaker.objects.get(name="Sergey Lavrov")
    response = client.post(f"/speakers/{journalist.pk}/merge/", {"into": lavrov.pk, "confirm": "on"})
    assert response.status_code == 403
    assert Speaker.objects.filter(pk=journalist.pk).exists()


def test_the_speaker_list_shows_corrected_speakers_at_once(editor, document):
    client = client_for(editor)
    journalist = Speaker.objects.get(name="Journalist")
    listed = {s.name: s.turn_count for s in client.get("/speakers/").context["object_list"]}
    assert listed["Journalist"] == 1
    question = document.turns.get(speaker=journalist)
    turn_edits.turn_update(turn=question, speaker=Speaker.objects.get(name="Sergey Lavrov"), version=1, user=editor)
    listed = {s.name: s.turn_count for s in client.get("/speakers/").context["object_list"]}
    assert listed["Journalist"] == 0 and listed["Sergey Lavrov"] == 3


# --- page noise -------------------------------------------------------------------------------------------


def test_noise_is_left_out_of_speaker_pages_and_counts(editor, document):
    client = client_for(editor)
    lavrov = Speaker.objects.get(name="Sergey Lavrov")
    mark_noise(document, editor)
    page = client.get(lavrov.get_absolute_url())
    assert [t.text for t in page.context["turns"]] == ["Convergence of our economies is under way."]
    listed = {s.name: s.turn_count for s in client.get("/speakers/").context["object_list"]}
    assert listed["Sergey Lavrov"] == 1


def test_noise_is_left_out_of_the_documents_list_and_its_export(editor, document):
    client = client_for(editor)
    mark_noise(document, editor)
    listed = {d.pk: d.turn_count for d in client.get("/documents/").context["object_list"]}
    assert listed[document.pk] == 2
    export = client.get("/documents/export/", {"format": "jsonl"})
    rows = [json.loads(line) for line in b"".join(export.streaming_content).decode().splitlines()]
    assert [row["turns"] for row in rows if row["id"] == document.pk] == [2]


def test_noise_is_found_by_no_search(editor, document):
    client = client_for(editor)
    found = client.get("/search/", {"q": "convergence"}).context["paginator"].count
    assert found == 2
    mark_noise(document, editor)
    assert client.get("/search/", {"q": "convergence"}).context["paginator"].count == 1


def test_noise_is_left_out_of_the_dashboard_turn_count(editor, document):
    assert counts().turns() == 3
    turn = mark_noise(document, editor)
    assert counts().turns() == 2
    turn_edits.turn_mark_noise(turn=turn, noise=False, version=2, user=editor)
    assert counts().turns() == 3


def test_noise_stays_in_the_raw_text_and_the_table(editor, document):
    mark_noise(document, editor)
    assert Turn.objects.filter(document=document).count() == 3
    assert NOISE in document.raw_text


def test_a_turns_admin_history_shows_who_changed_its_speaker_and_from_what(document, editor):
    turn = document.turns.get(position=2)
    lavrov = Speaker.objects.get(name="Sergey Lavrov")
    turn_edits.turn_update(turn=turn, speaker=lavrov, kind="remarks", version=turn.version, user=editor)

    page = client_for(make_user(None, superuser=True)).get(reverse("admin:corpus_app_turn_history", args=[turn.pk]))

    text = page.content.decode()
    assert page.status_code == 200
    assert editor.username in text
    assert "Journalist" in text and "Sergey Lavrov" in text  # the speaker before and after


def merge_offered(page: str) -> list[str]:
    """The positions of the turns whose tools offer "Merge into previous"."""
    sections = page.split('<section class="turn')[1:]
    return [
        section.split('data-position="', 1)[1].split('"', 1)[0]
        for section in sections
        if 'data-turn-action="merge"' in section
    ]


def test_the_first_turn_a_reader_sees_offers_no_merge(editor, document):
    client = client_for(editor)
    url = reverse("annotations:document-detail", args=[document.pk])
    assert merge_offered(client.get(url).content.decode()) == ["1", "2"]
    first = document.turns.get(position=0)
    turn_edits.turn_mark_noise(turn=first, noise=True, version=first.version, user=editor)
    assert merge_offered(client.get(url).content.decode()) == ["2"]  # the first readable turn is now the second
