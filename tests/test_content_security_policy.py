"""Every page carries a Content-Security-Policy without 'unsafe-inline' (issue 15, problem 8), and
no template of the project holds an inline script or style that it would block."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import make_annotation, make_document, make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.fixture
def pages(client):
    document = make_document()
    make_annotation(turn=document.turns.first(), claim=True)
    client.force_login(make_user(None, superuser=True))
    return [
        reverse("dashboard"),
        document.get_absolute_url(),
        reverse("corpus:document-list"),
        reverse("corpus:search") + "?q=currencies",
        reverse("annotations:claim-list"),
        reverse("annotations:annotation-list"),
        reverse("admin:index"),
        reverse("admin:corpus_app_document_change", args=[document.pk]),
        reverse("annotations:api-annotations") + f"?document={document.pk}",
    ]


def test_every_page_has_the_policy(client, pages):
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = directives(response)
        assert policy["default-src"] == ["'self'"], url
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], url
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], url


def test_the_login_page_has_the_policy(client):
    assert directives(client.get(reverse("login")))["default-src"] == ["'self'"]


def test_no_template_has_an_inline_script_style_or_handler():
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
    assert templates
    for template in templates:
        text = template.read_text(encoding="utf-8")
        # Only data blocks (type="application/json") and scripts loaded from a file.
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert 'type="application/json"' in tag or "src=" in tag, (template, tag)
        assert "<style" not in text and " style=" not in text, template
        assert not re.search(r"\son[a-z]+=", text), template
