"""A document's admin page: the start of its raw text and its import warnings, as the importer left them."""

import pytest
from django.urls import reverse

from tests.factories import make_document, make_user

pytestmark = pytest.mark.django_db


def test_a_documents_admin_page_shows_its_raw_text_and_warnings_escaped(client):
    document = make_document(
        import_warnings=[
            {"line": 7, "code": "truncated_line", "message": "cut off at <b>bold</b>"},
            {"line": 12, "code": "dropped_noise", "message": "“Print this page” removed"},
        ]
    )
    client.force_login(make_user(None, superuser=True))
    page = client.get(reverse("admin:corpus_app_document_change", args=[document.pk])).content.decode()
    assert "<td>7</td><td><code>truncated_line</code></td><td>cut off at &lt;b&gt;bold&lt;/b&gt;</td>" in page
    assert "<td>12</td><td><code>dropped_noise</code></td>" in page
    assert f"{len(document.raw_text)} characters" in page
    assert '<pre class="raw-text-preview">National currencies now account' in page
