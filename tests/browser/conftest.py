"""Playwright against the live server: one Chromium per session, a new context per test.

Debian's Chromium at /usr/bin/chromium is used; Playwright never downloads its own.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# body are still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pw-for-tests-123"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
TRANSCRIPT_001 = ROOT / "fixtures" / "transcripts" / "001_296888d256c771b2.txt"
VIEWPORT = {"width": 1366, "height": 768}  # a laptop screen


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium); browser tests need it."
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """A page in a fresh browser context (own cookies: one person); JavaScript errors fail the test."""
    contexts, errors = [], []

    def make():
        context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
        context.set_default_timeout(5000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        # Whatever the Content-Security-Policy blocks (an inline script or style) fails the test too.
        page.on("console", lambda message: _keep_csp_violation(message, errors))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors or Content-Security-Policy violations on the page: {errors}"


def _keep_csp_violation(message, errors):
    if message.type == "error" and "Content Security Policy" in message.text:
        errors.append(message.text)


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def roles(transactional_db):
    """The role groups: a data migration creates them, but live-server tests flush the tables after each test."""
    from django.contrib.auth.models import Group, Permission

    from annotations.roles import ensure_roles

    ensure_roles(Group, Permission)


@pytest.fixture
def login(live_server):
    """Log in through the real login form."""

    def log_in(page, user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.get_username())
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return log_in


@pytest.fixture
def document_001(roles):
    """The real corpus document 001, imported by the importer."""
    from django.core.management import call_command

    from corpus_app.models import Document

    call_command("import_transcripts", str(TRANSCRIPT_001), verbosity=0)
    return Document.objects.get(source_name=TRANSCRIPT_001.name)


@pytest.fixture
def vocabulary(roles):
    """A few topics and targets, as the desk's fixtures would have them."""
    from tests.factories import make_target, make_topic

    regional = make_topic("Regional integration")
    sanctions = make_topic("Sanctions & economy")
    return {
        "regional": regional,
        "cis": make_topic("CIS", parent=regional),
        "sanctions": sanctions,
        "payments": make_topic("Payments", parent=sanctions),
        "eu": make_target("European Union"),
        "us": make_target("United States"),
    }


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
