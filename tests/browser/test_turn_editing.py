"""Fixing turns in the reading view, in a real browser: split at the caret, merge, speaker and kind
(with "always"), page noise, each undone, on a document with annotations before, across and after
the edit point; afterwards the API still gives every passage with its quote at its offsets."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_annotation, make_document, make_user

pytestmark = pytest.mark.browser

OPENING = (
    "First we spoke about the CIS. Then about payments in national currencies between our countries. "
    "Finally we turned to the European Union and its sanctions."
)
QUESTION = "What about the sanctions, Minister?"
ANSWER = "Sanctions hurt those who impose them. Trade keeps growing all the same."
NOISE = "Photo: MFA"

# Puts the caret `offset` characters into `phrase` in the turn that contains it (across the text
# nodes highlights make), as a click in the text would.
CARET_JS = """
([phrase, offset]) => {
  const turn = Array.from(document.querySelectorAll(".turn-text")).find((el) => el.textContent.includes(phrase));
  if (!turn) throw new Error("not on the page: " + phrase);
  const at = turn.textContent.indexOf(phrase) + offset;
  const walker = document.createTreeWalker(turn, NodeFilter.SHOW_TEXT);
  let seen = 0, node;
  while ((node = walker.nextNode())) {
    if (at <= seen + node.data.length) break;
    seen += node.data.length;
  }
  const range = document.createRange();
  range.setStart(node, at - seen);
  range.collapse(true);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}
"""


@pytest.fixture
def transcript(roles):
    """Four turns: an opening with passages early, in the middle and late; a question (label "Q")
    with a passage; an answer wrongly given to the journalist (label "SL") with a passage; and a
    line of page furniture the importer took for narration."""
    document = make_document(
        turns=[
            ("Sergey Lavrov", "remarks", OPENING),
            ("Journalist", "question", QUESTION),
            ("Journalist", "question", ANSWER),
            (None, "narration", NOISE),
        ]
    )
    document.turns.filter(position=1).update(label="Q")
    document.turns.filter(position=2).update(label="SL")
    turns = list(document.turns.order_by("position"))
    author = make_user("Editor")

    def passage(turn, quote):
        start = turn.text.index(quote)
        return make_annotation(turn=turn, start=start, end=start + len(quote), author=author)

    passage(turns[0], "the CIS")
    passage(turns[0], "payments in national currencies")
    passage(turns[0], "the European Union")
    passage(turns[1], "the sanctions")
    passage(turns[2], "Trade keeps growing")
    return document


@pytest.fixture
def editor_page(page, live_server, login, transcript):
    login(page, make_user("Editor"))
    page.goto(f"{live_server.url}{transcript.get_absolute_url()}")
    expect(page.locator(".reader.turn-editor-ready")).to_be_attached()
    return page


def reload_done(page, message):
    """The page reloaded after a change says what was done."""
    expect(page.locator("#turn-editor-status")).to_have_text(message)
    expect(page.locator(".reader.turn-editor-ready")).to_be_attached()


def passages(page, live_server, document):
    """Every passage of the document through the API: {quote: (turn id, the text at its offsets)}."""
    response = page.request.get(f"{live_server.url}/api/annotations/?document={document.pk}")
    assert response.ok
    found = {}
    for annotation in response.json()["annotations"]:
        turn = page.request.get(f"{live_server.url}/api/turns/{annotation['turn']}/").json()
        found[annotation["quote"]] = (annotation["turn"], turn["text"][annotation["start"] : annotation["end"]])
    return found


def quotes_in_place(found):
    return all(quote == text for quote, (_, text) in found.items())


def turn(page, position):
    return page.locator(f"#turn-{position}")


def test_split_at_the_caret_and_undo(editor_page, live_server, transcript, artifacts):
    page = editor_page
    before = passages(page, live_server, transcript)
    page.evaluate(CARET_JS, ["Finally we turned", 0])
    turn(page, 0).get_by_role("button", name="Split at caret").click()
    reload_done(page, "Turn split in two.")

    expect(page.locator(".turn")).to_have_count(5)
    expect(turn(page, 0).locator(".turn-text")).to_have_text(OPENING[: OPENING.index(" Finally")])
    expect(turn(page, 1).locator(".turn-text")).to_contain_text("Finally we turned to the European Union")
    expect(turn(page, 1).locator(".speaker")).to_have_text("Sergey Lavrov")
    after = passages(page, live_server, transcript)
    assert after.keys() == before.keys() and quotes_in_place(after)
    first, second = (int(turn(page, n).get_attribute("data-turn")) for n in (0, 1))
    assert after["the CIS"][0] == after["payments in national currencies"][0] == first
    assert after["the European Union"][0] == second
    # The highlight moved with its passage.
    expect(turn(page, 1).locator("mark")).to_have_text("the European Union")
    turn(page, 1).hover()
    page.screenshot(path=artifacts / "reading-turn-tools.png")

    page.keyboard.press("u")
    reload_done(page, "Undone: Turn split in two.")
    expect(page.locator(".turn")).to_have_count(4)
    expect(turn(page, 0).locator(".turn-text")).to_have_text(OPENING)
    assert passages(page, live_server, transcript) == before
    expect(page.locator("#turn-undo")).to_be_hidden()


def test_a_split_across_a_passage_is_refused_with_a_message(editor_page, live_server, transcript):
    page = editor_page
    before = passages(page, live_server, transcript)
    page.evaluate(CARET_JS, ["payments in national currencies", len("payments in")])
    page.keyboard.press("s")
    status = page.locator("#turn-editor-status")
    expect(status).to_contain_text("“payments in national currencies”")
    expect(status).to_contain_text("runs across this point")
    expect(page.locator(".turn")).to_have_count(4)
    assert passages(page, live_server, transcript) == before


def test_merge_into_the_previous_turn_and_undo(editor_page, live_server, transcript):
    page = editor_page
    before = passages(page, live_server, transcript)
    page.evaluate(CARET_JS, ["Trade keeps growing", 3])
    page.keyboard.press("m")
    reload_done(page, "Turn merged into the previous one.")

    expect(page.locator(".turn")).to_have_count(3)
    expect(turn(page, 1).locator(".turn-text")).to_have_text(f"{QUESTION}\n\n{ANSWER}")
    after = passages(page, live_server, transcript)
    assert after.keys() == before.keys() and quotes_in_place(after)
    assert after["the sanctions"][0] == after["Trade keeps growing"][0] == before["the sanctions"][0]

    page.get_by_role("button", name="Undo").click()
    reload_done(page, "Undone: Turn merged into the previous one.")
    expect(page.locator(".turn")).to_have_count(4)
    expect(turn(page, 2).locator(".turn-text")).to_have_text(ANSWER)
    expect(turn(page, 2).locator(".label")).to_have_text("SL")
    restored = passages(page, live_server, transcript)
    assert restored["the sanctions"] == before["the sanctions"]
    assert restored["Trade keeps growing"][1] == "Trade keeps growing"
    assert quotes_in_place(restored)


def test_speaker_and_kind_with_always_then_undo(editor_page, live_server, transcript, artifacts):
    from corpus_app.models import SpeakerAlias

    page = editor_page
    before = passages(page, live_server, transcript)
    answer = turn(page, 2)
    expect(answer.locator(".speaker")).to_have_text("Journalist")
    page.evaluate(CARET_JS, ["Sanctions hurt", 0])
    page.keyboard.press("e")
    dialog = page.locator("#turn-edit-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Speaker", exact=True)).to_have_value("Journalist")
    expect(dialog).to_contain_text("“SL” becomes an alias")
    dialog.get_by_label("Speaker", exact=True).fill("Sergey Lavrov")
    dialog.get_by_label("Kind").select_option(label="Answer")
    dialog.get_by_label("This label always means this speaker").check()
    page.screenshot(path=artifacts / "reading-turn-speaker-dialog.png")
    dialog.get_by_role("button", name="Save").click()
    reload_done(page, "Speaker and kind saved; “SL” now always means Sergey Lavrov.")

    expect(answer.locator(".speaker")).to_have_text("Sergey Lavrov")
    expect(answer.locator(".kind")).to_have_text("Answer")
    alias = page.request.get(f"{live_server.url}/api/turns/{answer.get_attribute('data-turn')}/").json()
    assert alias["speaker"]["name"] == "Sergey Lavrov" and alias["kind"] == "answer"
    assert SpeakerAlias.objects.get(alias="SL").speaker.name == "Sergey Lavrov"
    assert passages(page, live_server, transcript) == before

    page.keyboard.press("u")
    reload_done(page, "Undone: Speaker and kind saved; “SL” now always means Sergey Lavrov.")
    expect(answer.locator(".speaker")).to_have_text("Journalist")
    expect(answer.locator(".kind")).to_have_text("Question")
    assert not SpeakerAlias.objects.filter(alias="SL").exists()


def test_a_new_speaker_name_creates_the_speaker(editor_page, transcript):
    from corpus_app.models import Speaker

    page = editor_page
    turn(page, 1).get_by_role("button", name="Speaker & kind…").click()
    page.get_by_label("Speaker", exact=True).fill("Anna Ivanova (TASS)")
    page.get_by_role("button", name="Save").click()
    reload_done(page, "Speaker and kind saved.")
    expect(turn(page, 1).locator(".speaker")).to_have_text("Anna Ivanova (TASS)")
    assert Speaker.objects.filter(name="Anna Ivanova (TASS)").exists()


def test_page_noise_is_hidden_and_restored(editor_page, live_server, transcript):
    page = editor_page
    before = passages(page, live_server, transcript)
    noise_id = turn(page, 3).get_attribute("data-turn")
    turn(page, 3).get_by_role("button", name="Mark as page noise").click()
    reload_done(page, "Turn marked as page noise: readers no longer see it.")
    expect(page.locator(".turn")).to_have_count(3)
    expect(page.locator(".turn-text", has_text=NOISE)).to_have_count(0)
    assert page.request.get(f"{live_server.url}/api/turns/{noise_id}/").json()["noise"] is True

    page.get_by_role("link", name="Show page noise (1)").click()
    expect(page.locator(".turn")).to_have_count(4)
    expect(turn(page, 3)).to_contain_text("Page noise")
    turn(page, 3).get_by_role("button", name="Restore").click()
    reload_done(page, "Turn restored.")
    expect(turn(page, 3).locator(".turn-text")).to_have_text(NOISE)
    expect(turn(page, 3)).not_to_contain_text("Page noise")
    assert page.request.get(f"{live_server.url}/api/turns/{noise_id}/").json()["noise"] is False
    assert passages(page, live_server, transcript) == before


def test_a_turn_carrying_passages_cannot_be_noise_and_a_stale_page_offers_a_reload(
    editor_page, live_server, transcript
):
    from annotations import turn_edits

    page = editor_page
    page.evaluate(CARET_JS, [QUESTION, 2])
    page.keyboard.press("n")
    expect(page.locator("#turn-editor-status")).to_contain_text("carries annotated passages")

    # Someone else changes the question meanwhile: this page's version of it is stale.
    question = transcript.turns.get(position=1)
    turn_edits.turn_update(turn=question, version=question.version, user=make_user("Editor"), kind="remarks")
    page.evaluate(CARET_JS, [QUESTION, 2])
    page.keyboard.press("m")
    expect(page.locator("#turn-editor-status")).to_contain_text("changed by someone else")
    page.get_by_role("button", name="Reload the page").click()
    expect(turn(page, 1).locator(".kind")).to_have_text("Remarks")
    expect(page.locator(".turn")).to_have_count(4)


def test_the_shortcuts_are_listed_in_the_help(editor_page):
    page = editor_page
    page.keyboard.press("?")
    help_dialog = page.locator("#shortcut-help")
    expect(help_dialog).to_be_visible()
    for text in ["Split the turn at the caret", "Merge the turn", "speaker and kind", "page noise", "Undo"]:
        expect(help_dialog).to_contain_text(text)
