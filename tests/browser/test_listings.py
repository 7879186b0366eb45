"""The finding pages as a person sees them: dashboard charts, a filtered listing, search results."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def corpus(roles):
    from io import StringIO

    from django.core.management import call_command

    call_command("loaddata", "speakers", "corpus", "topics", "targets", "demo_annotations", stdout=StringIO())


@pytest.fixture
def viewer(roles):
    from tests.factories import make_user

    return make_user("Viewer", username="reader")


def test_dashboard_charts_render_and_link_to_listings(page, live_server, login, corpus, viewer, artifacts):
    login(page, viewer)
    page.goto(f"{live_server.url}/")
    charts = page.locator("svg.chart[role=img]")
    assert charts.count() == 4
    assert page.locator("#chart-topics-title").text_content() == "Annotations per topic"
    assert page.locator("#chart-claims rect").count() >= 4
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)
    # A bar of the claims chart leads to the queue filtered by that status.
    page.locator('#chart-claims a[href="/claims/?status=unverified"]').first.click()
    page.wait_for_url("**/claims/?status=unverified")
    assert page.locator(".claim-card").count() >= 1
    assert page.locator(".claim-card .status-badge").first.text_content() == "Unverified"


def test_filtered_annotation_listing(page, live_server, login, corpus, viewer, artifacts):
    from annotations.models import Topic

    relations = Topic.objects.get(slug="foreign-relations")
    login(page, viewer)
    page.goto(f"{live_server.url}/annotations/")
    page.select_option("#id_topic", str(relations.pk))
    page.select_option("#id_polarity", "opposes")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(f"**/annotations/?*topic={relations.pk}*")
    count_text = page.locator(".result-count").text_content()
    rows = page.locator("table.listing tbody tr")
    assert rows.count() >= 3
    assert count_text.startswith(str(rows.count()))
    for stance in rows.locator(".stance").all_text_contents():
        assert stance == "Opposes"
    page.screenshot(path=str(artifacts / "annotations-filtered.png"), full_page=True)
    # Each row leads to its passage, highlighted in the reading view.
    rows.first.locator(".quote-cell a").click()
    page.wait_for_url("**/documents/*/#annotation-*")
    anchor = page.url.rsplit("#", 1)[1]
    assert page.locator(f"#{anchor}").is_visible()


def test_search_results_highlight_the_words(page, live_server, login, corpus, viewer, artifacts):
    login(page, viewer)
    page.goto(f"{live_server.url}/search/")
    page.fill("input[name=q]", '"national currencies"')
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=*")
    marks = page.locator("main mark")
    assert marks.count() >= 2
    assert all("national" in text.lower() or "currenc" in text.lower() for text in marks.all_text_contents())
    page.screenshot(path=str(artifacts / "search.png"), full_page=True)


def test_a_refused_verdict_keeps_what_the_reviewer_typed(page, live_server, login, roles):
    from annotations.models import Claim
    from tests.factories import make_annotation, make_user

    claim = make_annotation(claim=True).claim
    reviewer = make_user("Reviewer")
    login(page, reviewer)
    page.goto(f"{live_server.url}/claims/?status=unverified")
    form = page.locator(f'form[action="/claims/{claim.pk}/review/"]')
    form.locator('select[name="status"]').select_option("false")
    form.locator('textarea[name="evidence"]').fill("https://example.org/source")
    form.get_by_role("button", name="Save verdict").click()  # no rationale: refused

    expect(page.get_by_role("alert")).to_contain_text(f"Claim {claim.pk} was not saved")
    form = page.locator(f'form[action="/claims/{claim.pk}/review/"]')
    expect(form.locator('select[name="status"]')).to_have_value("false")
    expect(form.locator('textarea[name="evidence"]')).to_have_value("https://example.org/source")
    expect(form.locator(".field-errors")).to_contain_text("A verdict needs a rationale.")
    form.locator('textarea[name="rationale"]').fill("The ministry's own figures say otherwise.")
    form.get_by_role("button", name="Save verdict").click()
    page.wait_for_url("**/claims/?status=unverified")
    expect(page.locator(".messages .success")).to_contain_text("is now “False”")
    claim.refresh_from_db()
    assert (claim.status, claim.evidence) == ("false", ["https://example.org/source"])
    assert Claim.objects.count() == 1


def test_speakers_filter_by_name_in_the_browser(page, live_server, login, corpus, viewer):
    login(page, viewer)
    page.goto(f"{live_server.url}/speakers/")
    page.fill("#id_name", "lavrov")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/speakers/?name=lavrov*")
    names = page.locator("table.listing tbody tr td:first-child").all_text_contents()
    assert names and all("Lavrov" in name for name in names)
    page.fill("#id_name", "no such speaker")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/speakers/?name=no+such+speaker*")
    assert page.locator(".empty").text_content() == "No speaker matches these filters."
