"""The same claim elsewhere, offered in the reading view's claim panel (issue 6, part 2)."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from annotations.models import Claim
from corpus_app.models import Document
from tests.annotations.editions import FILE_000, FILE_001
from tests.browser.test_annotating import SELECT_JS, open_document
from tests.factories import make_user

pytestmark = pytest.mark.browser

FLAGGED = "National currencies now account for 85% of payments"


@pytest.fixture
def editions(roles):
    call_command("import_transcripts", str(FILE_000), str(FILE_001), stdout=StringIO())
    return Document.objects.get(source_name=FILE_000.name), Document.objects.get(source_name=FILE_001.name)


def test_flagging_a_claim_offers_the_same_sentence_elsewhere_and_links_it(page, live_server, login, editions):
    excerpt, full = editions
    login(page, make_user("Editor"))
    open_document(page, live_server, excerpt)

    page.evaluate(SELECT_JS, FLAGGED)
    expect(page.locator("#panel-quote")).to_have_text(FLAGGED)
    page.get_by_label("Flag as claim").check()
    page.get_by_role("button", name="Save", exact=True).click()

    card = page.locator("#claim-similar-card")
    expect(card).to_be_visible()
    offer = card.locator(".similar-candidate").first
    expect(offer).to_contain_text("National currencies now account for 85 percent of payments")
    expect(offer).to_contain_text(full.title)
    offer.get_by_role("button", name="Link").click()

    expect(page.locator("#reader-status")).to_have_text("Linked: the two passages now share one verdict.")
    expect(card.locator(".linked-copies li")).to_have_count(1)
    claims = list(Claim.objects.select_related("annotation__turn").order_by("pk"))
    assert len(claims) == 2 and claims[0].group_id == claims[1].group_id is not None
    assert claims[1].annotation.turn.document == full
    assert claims[1].annotation.quote == "National currencies now account for 85 percent of payments"
