"""The reading view and the lists on a phone (390 × 844): nothing runs off the screen sideways."""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import make_annotation, make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LEAD_SCREENSHOT = Path("/work/reader-phone.png")  # for the lead to look at; only where /work exists


@pytest.fixture
def phone_page(browser, new_page):
    page = new_page()
    page.set_viewport_size(PHONE)
    return page


def overflow(page):
    """How far the page is wider than the window, in CSS pixels (0: nothing overflows)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_the_reading_view_fits_a_phone(phone_page, live_server, login, document_001, vocabulary, tmp_path):
    page = phone_page
    editor = make_user("Reviewer")
    turn = document_001.turns.order_by("position")[3]
    make_annotation(turn=turn, start=0, end=min(40, len(turn.text)), topics=[vocabulary["cis"]], claim=True)
    login(page, editor)
    page.goto(f"{live_server.url}{document_001.get_absolute_url()}")
    expect(page.locator(".turn").first).to_be_visible()
    # Every link of the main navigation is on the screen (the bar wraps), and nothing is wider than it.
    for link in page.locator(".site-header nav a").all():
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], link.text_content()
    assert overflow(page) <= 0
    screenshot = tmp_path / "reading-view-phone.png"
    page.screenshot(path=str(screenshot), full_page=False)
    assert screenshot.stat().st_size > 0
    if LEAD_SCREENSHOT.parent.is_dir():
        shutil.copyfile(screenshot, LEAD_SCREENSHOT)
    # The lists too.
    for path in ["/documents/", "/annotations/", "/claims/", "/speakers/", "/search/?q=sanctions", "/"]:
        page.goto(f"{live_server.url}{path}")
        assert overflow(page) <= 0, path
