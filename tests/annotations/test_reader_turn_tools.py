"""The turn tools of the reading view (split, merge, speaker and kind, page noise): editors get them,
viewers never do (the turns' cached fragment included), and turns marked as page noise are shown
only to an editor who asks for them."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_document, make_user

TOOLS = [
    'data-turn-action="split"',
    'data-turn-action="merge"',
    'data-turn-action="edit"',
    'data-turn-action="noise"',
    'id="turn-edit-dialog"',
    'id="turn-editor-config"',
    "annotations/turn-editor.js",
    'id="turn-editor-status"',
]


def page(client, user, document, query=""):
    client.force_login(user)
    response = client.get(document.get_absolute_url() + query)
    assert response.status_code == 200
    return response.content.decode()


def turn_sections(content):
    return re.findall(r'<section class="turn [^"]*" id="turn-(\d+)"', content)


@pytest.mark.django_db
def test_editors_get_the_turn_tools_and_viewers_do_not_even_from_the_cached_fragment(client, editor, viewer):
    document = make_document()
    # The editor's page first, so that its turn sections are in the fragment cache.
    content = page(client, editor, document)
    for tool in TOOLS:
        assert tool in content, tool
    assert content.count('data-turn-action="split"') == 3
    assert "<kbd>s</kbd></dt><dd>Split the turn at the caret" in content

    content = page(client, viewer, document)
    for tool in TOOLS:
        assert tool not in content, tool
    assert "Split the turn at the caret" not in content
    assert turn_sections(content) == ["0", "1", "2"]

    # And the other way round: the viewer's copy is not served to an editor.
    assert 'data-turn-action="split"' in page(client, editor, document)


@pytest.mark.django_db
def test_the_speaker_field_offers_the_documents_speakers(client, editor):
    document = make_document()
    content = page(client, editor, document)
    options = re.search(r'<datalist id="turn-speakers">(.*?)</datalist>', content).group(1)
    assert re.findall(r'value="([^"]+)"', options) == ["Journalist", "Sergey Lavrov"]


@pytest.mark.django_db
def test_page_noise_is_hidden_and_only_editors_can_show_it(client, editor, viewer):
    document = make_document()
    noise = document.turns.get(position=1)
    noise.is_noise = True
    noise.save()

    content = page(client, editor, document)
    assert turn_sections(content) == ["0", "2"]
    assert "Show page noise (1)" in content

    content = page(client, editor, document, "?noise=1")
    assert turn_sections(content) == ["0", "1", "2"]
    noise_section = re.search(r'<section [^>]*id="turn-1".*?</section>', content, re.S).group(0)
    assert 'data-noise="true"' in noise_section and 'data-turn-action="restore"' in noise_section
    assert 'data-turn-action="split"' not in noise_section
    assert "Hide page noise" in content
    # The no-JavaScript form offers only the turns readers see.
    assert "How do you see the role of the CIS" not in re.search(
        r'<select name="turn".*?</select>', content, re.S
    ).group(0)

    for query in ["", "?noise=1"]:
        content = page(client, viewer, document, query)
        assert turn_sections(content) == ["0", "2"]
        assert "page noise" not in content.lower()


@pytest.mark.django_db
def test_an_editors_page_costs_the_same_queries_however_many_speakers_and_noise_turns(client):
    editor = make_user("Editor")
    small = make_document(turns=[("A", "answer", "One."), ("B", "question", "Two?"), ("A", "answer", "Three.")])
    small.turns.filter(position=1).update(is_noise=True)
    big = make_document(turns=[(f"Speaker {n}", "answer", f"Turn {n}.") for n in range(40)])
    big.turns.filter(position__in=range(0, 40, 3)).update(is_noise=True)
    client.force_login(editor)
    for query in ["", "?noise=1"]:
        with CaptureQueriesContext(connection) as few:
            client.get(small.get_absolute_url() + query)
        with CaptureQueriesContext(connection) as many:
            response = client.get(big.get_absolute_url() + query)
        assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
        assert len(turn_sections(response.content.decode())) == (40 if query else 26)
