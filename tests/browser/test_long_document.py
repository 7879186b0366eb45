"""A long document in the browser: read a page at a time, and a link to an annotation or a turn
of a later page opens that page (reader.js), as the claim queue and exports link them."""

import hashlib
import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_annotation, make_topic, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def long_document(roles):
    from corpus_app.models import Document, Speaker, Turn

    speaker = Speaker.objects.create(name="Sergey Lavrov")
    document = Document.objects.create(
        title="Marathon press conference", raw_text="…", content_hash=hashlib.sha256(b"marathon").hexdigest()
    )
    Turn.objects.bulk_create(
        Turn(document=document, position=n, speaker=speaker, kind="answer", text=f"Answer number {n}: the talks go on.")
        for n in range(450)
    )
    return document


def test_a_link_to_an_annotation_of_a_later_page_opens_that_page(page, live_server, login, long_document):
    editor = make_user("Editor")
    annotation = make_annotation(turn=long_document.turns.get(position=420), start=0, end=17, topics=[make_topic()])
    login(page, editor)
    page.goto(f"{live_server.url}{long_document.get_absolute_url()}#annotation-{annotation.pk}")
    page.wait_for_url(f"**?annotation={annotation.pk}#annotation-{annotation.pk}")
    expect(page.locator(f"#annotation-{annotation.pk}")).to_have_class(re.compile(r"\bhl-current\b"))
    expect(page.locator(".reading-pager").first).to_contain_text("page 3 of 3")
    # A turn of the second page, and back by the pager.
    page.goto(f"{live_server.url}{long_document.get_absolute_url()}#turn-250")
    page.wait_for_url("**?turn=250#turn-250")
    expect(page.locator("#turn-250")).to_be_visible()
    page.locator(".reading-pager").first.get_by_role("link", name="‹ Previous").click()
    expect(page.locator("#turn-0")).to_be_attached()
    expect(page.locator("#turn-250")).to_have_count(0)


def test_a_link_to_an_annotation_that_is_not_there_does_not_loop(page, live_server, login, long_document):
    login(page, make_user("Viewer"))
    page.goto(f"{live_server.url}{long_document.get_absolute_url()}#annotation-999999")
    page.wait_for_url("**?annotation=999999#annotation-999999")
    page.wait_for_timeout(500)
    assert page.url.endswith("?annotation=999999#annotation-999999")
    expect(page.locator("#turn-0")).to_be_attached()
