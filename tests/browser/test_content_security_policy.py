"""The pages work under the Content-Security-Policy (issue 15): the admin with its widgets, the
login and password reset pages; every test in tests/browser fails on a CSP violation (conftest)."""

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def superuser(roles):
    from tests.factories import make_user

    return make_user(None, username="chief", superuser=True)


def test_the_admin_works_under_the_policy(page, live_server, login, document_001, vocabulary, superuser):
    from corpus_app.models import Turn

    login(page, superuser)
    turn = Turn.objects.filter(document=document_001, speaker__isnull=False).first()
    for path in [
        "/admin/",
        "/admin/corpus_app/document/",
        f"/admin/corpus_app/document/{document_001.pk}/change/",
        "/admin/corpus_app/turn/",
        "/admin/annotations/topic/",
        "/admin/annotations/annotation/",
        "/admin/axes/accessattempt/",
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
    # The turn's autocomplete widgets (select2, a script of the admin) open and search.
    page.goto(f"{live_server.url}/admin/corpus_app/turn/{turn.pk}/change/")
    page.locator("#id_speaker + .select2").click()
    page.locator(".select2-search__field").fill("Lav")
    page.locator(".select2-results__option", has_text="Sergey Lavrov").first.wait_for()
    # A collapsible fieldset and the date hierarchy, both driven by the admin's scripts.
    page.goto(f"{live_server.url}/admin/corpus_app/document/")
    page.locator("#changelist-search input[name=q]").fill("Almaty")
    page.locator("#changelist-search input[type=submit]").click()
    page.wait_for_url("**/admin/corpus_app/document/?q=Almaty")


def test_login_and_password_reset_pages_work_under_the_policy(page, live_server, roles):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url("**/accounts/password_reset/")
    page.fill("input[name=email]", "nobody@example.org")
    page.locator("input[type=submit], button[type=submit]").last.click()
    page.wait_for_url("**/accounts/password_reset/done/")
