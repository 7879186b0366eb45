"""A document's publisher and source link, when its file gives them, are stored by both import
paths and shown in the reading view's header."""

from io import StringIO

import pytest
from django.core.management import call_command

from corpus_app.importing import transcript_import
from corpus_app.models import Document

pytestmark = pytest.mark.django_db

BRIEFING = """---
title: Briefing by the Foreign Ministry spokesperson
date: 2024-03-01
source_url: https://example.org/briefings/2024-03-01
site_name: Ministry of Foreign Affairs
---

Question: Will the talks resume?

Spokesperson: They will, next week.

Question: Where?

Spokesperson: In Geneva.
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_one_file_keeps_its_source_link_and_publisher(tmp_path):
    document = transcript_import(path=write(tmp_path, "briefing.md", BRIEFING)).document
    assert document.source_url == "https://example.org/briefings/2024-03-01"
    assert document.publisher == "Ministry of Foreign Affairs"


def test_a_folder_keeps_them_too_and_a_publisher_given_to_the_command_wins(tmp_path):
    write(tmp_path, "a.md", BRIEFING)
    write(tmp_path, "b.md", BRIEFING.replace("2024-03-01", "2024-03-08"))
    call_command("import_transcripts", str(tmp_path), "--publisher", "Newsroom archive", stdout=StringIO())
    stored = set(Document.objects.values_list("publisher", "source_url"))
    assert stored == {
        ("Newsroom archive", "https://example.org/briefings/2024-03-01"),
        ("Newsroom archive", "https://example.org/briefings/2024-03-08"),
    }


def test_an_address_that_is_not_a_web_page_is_not_kept(tmp_path):
    text = BRIEFING.replace("https://example.org/briefings/2024-03-01", "javascript:alert(1)")
    document = transcript_import(path=write(tmp_path, "briefing.md", text)).document
    assert document.source_url == ""


def test_the_reading_view_links_the_source_and_names_the_publisher(client, viewer, tmp_path):
    document = transcript_import(path=write(tmp_path, "briefing.md", BRIEFING)).document
    client.force_login(viewer)
    page = client.get(document.get_absolute_url()).content.decode()
    start = page.index('class="reader-header"')
    header = page[start : page.index("</header>", start)]
    assert 'href="https://example.org/briefings/2024-03-01"' in header
    assert "Ministry of Foreign Affairs" in header
