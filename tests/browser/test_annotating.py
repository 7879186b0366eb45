"""What people do in the reading view, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from annotations import services
from annotations.models import Annotation, Claim
from tests.factories import make_user

pytestmark = pytest.mark.browser

EU_PASSAGE = (
    "Estonia and other members of the European Union have to suffer more significant damage and losses "
    "as a consequence of their sanctions policy"
)
CLAIM_PASSAGE = "National currencies now account for 85 percent of payments in trade with the CIS countries."

# Selects `phrase` in the turn that contains it with a DOM Range, then releases the mouse
# there, as a person's drag would end (unless called with [phrase, false]: a keyboard
# selection). Works across the text nodes highlights create.
SELECT_JS = """
(arg) => {
  const [phrase, release = true] = Array.isArray(arg) ? arg : [arg];
  const turn = Array.from(document.querySelectorAll(".turn-text")).find((el) => el.textContent.includes(phrase));
  if (!turn) throw new Error("not on the page: " + phrase);
  const start = turn.textContent.indexOf(phrase), end = start + phrase.length;
  const walker = document.createTreeWalker(turn, NodeFilter.SHOW_TEXT);
  let seen = 0, node, range = document.createRange(), started = false;
  while ((node = walker.nextNode())) {
    const length = node.data.length;
    if (!started && start < seen + length) { range.setStart(node, start - seen); started = true; }
    if (end <= seen + length) { range.setEnd(node, end - seen); break; }
    seen += length;
  }
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  if (release) turn.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
}
"""

# The screen positions where a mouse drag over `phrase` starts and ends.
PHRASE_BOX_JS = """
(phrase) => {
  const turn = Array.from(document.querySelectorAll(".turn-text")).find((el) => el.textContent.includes(phrase));
  const node = turn.firstChild;  // no highlight in this turn yet: one text node
  const start = node.data.indexOf(phrase);
  const range = document.createRange();
  range.setStart(node, start);
  range.setEnd(node, start + phrase.length);
  range.startContainer.parentElement.scrollIntoView({block: "center"});
  const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
  const first = rects[0], last = rects[rects.length - 1];
  return {x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2};
}
"""


def open_document(page, live_server, document):
    page.goto(f"{live_server.url}/documents/{document.pk}/")
    expect(page.locator(".reader-layout.js-ready")).to_be_attached()


def drag_select(page, phrase):
    box = page.evaluate(PHRASE_BOX_JS, phrase)
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, (box["y1"] + box["y2"]) / 2, steps=4)
    page.mouse.move(box["x2"], box["y2"], steps=4)
    page.mouse.up()


def test_editor_tags_a_passage_and_flags_a_claim(page, live_server, login, document_001, vocabulary, artifacts):
    editor = make_user("Editor")
    login(page, editor)
    open_document(page, live_server, document_001)
    panel = page.locator("#annotation-panel")
    expect(panel).to_be_hidden()

    # A passage selected with the mouse opens the panel with the quote, focus in the topics.
    drag_select(page, EU_PASSAGE)
    expect(panel).to_be_visible()
    expect(page.locator("#panel-quote")).to_have_text(EU_PASSAGE)
    expect(page.locator("#topic-input")).to_be_focused()
    expect(page.locator(".turn-text mark.hl-pending")).to_have_text(EU_PASSAGE)

    # The typeahead matches any part of a topic's path; keys move and choose.
    page.keyboard.type("econ")
    options = page.locator("#topic-options [role=option]")
    expect(options).to_have_count(2)
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    expect(page.locator("#topic-chips .chip")).to_have_text(["Sanctions & economy×"])
    page.get_by_label("Opposes").check()
    page.get_by_label("Toward").select_option(label="European Union")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(panel).to_be_hidden()
    expect(page.locator("#reader-status")).to_have_text("Annotation saved.")
    saved = Annotation.objects.get(quote=EU_PASSAGE)
    first_segment = page.locator(f"#annotation-{saved.pk}")
    expect(first_segment).to_have_class(re.compile(r"\bhl-stance-opposes\b"))
    expect(first_segment).to_have_class(re.compile(r"\bhl-topic\b"))
    assert [t.pk for t in saved.topics.all()] == [vocabulary["sanctions"].pk]
    assert (saved.polarity, saved.target, saved.author) == ("opposes", vocabulary["eu"], editor)
    assert saved.turn.text[saved.start : saved.end] == EU_PASSAGE

    # A second passage, flagged as a claim, saved from the keyboard.
    page.evaluate(SELECT_JS, CLAIM_PASSAGE)
    expect(page.locator("#panel-quote")).to_have_text(CLAIM_PASSAGE)
    page.get_by_label("Flag as claim").check()
    page.locator("#note-input").fill("Check against the central bank's figures.")
    page.keyboard.press("Control+Enter")
    expect(panel).to_be_hidden()
    claim = Claim.objects.select_related("annotation").get()
    assert claim.annotation.quote == CLAIM_PASSAGE and claim.status == "unverified"
    expect(page.locator(f"#annotation-{claim.annotation.pk}")).to_have_class(re.compile(r"\bhl-claim-unverified\b"))

    # After a reload both highlights are there, rendered by the server.
    page.reload()
    expect(page.locator(f"#annotation-{saved.pk}")).to_have_class(re.compile(r"\bhl-stance-opposes\b"))
    expect(page.locator(f"#annotation-{claim.annotation.pk}")).to_have_class(re.compile(r"\bhl-claim-unverified\b"))
    expect(page.locator("#annotation-list li")).to_have_count(2)

    # j moves to the first highlight and opens it; the screenshot shows the page as an editor works on it.
    page.keyboard.press("j")
    expect(page.locator("#panel-quote")).to_have_text(EU_PASSAGE)
    expect(page.locator(f"#annotation-{saved.pk}")).to_have_class(re.compile(r"\bhl-current\b"))
    page.locator(f"#annotation-{saved.pk}").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -120)")
    page.screenshot(path=str(artifacts / "reader-annotated.png"))


def test_reviewer_rules_on_a_claim_and_the_reader_shows_the_verdict(page, live_server, login, document_001, roles):
    editor, reviewer = make_user("Editor"), make_user("Reviewer")
    turn = document_001.turns.get(text__contains=CLAIM_PASSAGE)
    start = turn.text.index(CLAIM_PASSAGE)
    annotation = services.annotation_create(
        user=editor, turn=turn, start=start, end=start + len(CLAIM_PASSAGE), quote=CLAIM_PASSAGE, claim=True
    )
    claim = annotation.claim

    login(page, reviewer)
    page.goto(f"{live_server.url}/claims/")
    form = page.locator(f'form[action="/claims/{claim.pk}/review/"]')
    form.locator('select[name="status"]').select_option("accurate")
    form.locator('textarea[name="rationale"]').fill("The central bank reports 85% of CIS trade settled in roubles.")
    form.locator('textarea[name="evidence"]').fill("https://example.org/cbr-2024\nhttps://example.org/cis-trade")
    form.get_by_role("button", name="Save verdict").click()
    expect(page.locator(".messages .success")).to_be_visible()
    expect(page.locator(f"#claim-{claim.pk} .status-badge")).to_have_text("Accurate")
    claim.refresh_from_db()
    assert (claim.status, claim.reviewer, claim.evidence) == (
        "accurate",
        reviewer,
        ["https://example.org/cbr-2024", "https://example.org/cis-trade"],
    )

    # The claim's link in the queue leads to the passage in the reading view.
    page.locator(f'#claim-{claim.pk} a[href$="#annotation-{annotation.pk}"]').click()
    page.wait_for_url(re.compile(rf"/documents/{document_001.pk}/#annotation-{annotation.pk}$"))
    segment = page.locator(f"#annotation-{annotation.pk}")
    expect(segment).to_have_class(re.compile(r"\bhl-claim-accurate\b"))
    expect(segment).to_have_class(re.compile(r"\bhl-current\b"))
    expect(segment).to_be_in_viewport()
    segment.click()
    expect(page.locator("#panel-meta")).to_contain_text("Accurate")
    expect(page.locator("#panel-meta a", has_text="https://example.org/cbr-2024")).to_be_visible()
    expect(page.locator("#claim-input")).to_be_disabled()  # a verdict cannot be unflagged


def test_viewer_sees_highlights_without_editing_controls(page, live_server, login, document_001, vocabulary):
    editor, viewer = make_user("Editor"), make_user("Viewer")
    turn = document_001.turns.get(text__contains=EU_PASSAGE)
    start = turn.text.index(EU_PASSAGE)
    annotation = services.annotation_create(
        user=editor,
        turn=turn,
        start=start,
        end=start + len(EU_PASSAGE),
        quote=EU_PASSAGE,
        topics=[vocabulary["sanctions"]],
        polarity="opposes",
        target=vocabulary["eu"],
        note="Baerbock and Scholz quotes follow.",
    )

    login(page, viewer)
    open_document(page, live_server, document_001)
    segment = page.locator(f"#annotation-{annotation.pk}")
    expect(segment).to_have_class(re.compile(r"\bhl-stance-opposes\b"))
    for control in ["#annotation-panel", "#annotation-form", "#annotate-nojs", "#topic-input", "#delete-button"]:
        expect(page.locator(control)).to_have_count(0)

    # Selecting text does nothing for a viewer; clicking a highlight shows its details.
    page.evaluate(SELECT_JS, CLAIM_PASSAGE)
    expect(page.locator("#annotation-details")).to_be_hidden()
    segment.click()
    details = page.locator("#annotation-details")
    expect(details).to_be_visible()
    expect(details).to_contain_text("Opposes toward European Union")
    expect(details).to_contain_text("Baerbock and Scholz quotes follow.")
    expect(details.get_by_role("button", name="Save")).to_have_count(0)

    # Keyboard: Esc closes the details, j goes to the next highlight (the only one) and shows it.
    page.keyboard.press("Escape")
    expect(details).to_be_hidden()
    page.keyboard.press("j")
    expect(details).to_be_visible()
    expect(page.locator("#reader-status")).to_contain_text("Highlight 1 of 1")
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).not_to_contain_text("Annotate the selected text")  # no editing shortcuts for a viewer
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    # The API refuses a viewer's write even with a valid CSRF token.
    status = page.evaluate(
        """async ([turn, start, quote]) => {
            const token = document.querySelector("[name=csrfmiddlewaretoken]").value;
            const response = await fetch("/api/annotations/", {
                method: "POST",
                headers: {"Content-Type": "application/json", "X-CSRFToken": token},
                body: JSON.stringify({turn, start, end: start + quote.length, quote, claim: true}),
            });
            return response.status;
        }""",
        [turn.pk, start, EU_PASSAGE],
    )
    assert status == 403
    assert Annotation.objects.count() == 1


def test_two_editors_change_the_same_annotation(new_page, live_server, login, document_001, vocabulary):
    first_editor, second_editor = make_user("Editor"), make_user("Editor")
    turn = document_001.turns.get(text__contains=CLAIM_PASSAGE)
    start = turn.text.index(CLAIM_PASSAGE)
    annotation = services.annotation_create(
        user=first_editor,
        turn=turn,
        start=start,
        end=start + len(CLAIM_PASSAGE),
        quote=CLAIM_PASSAGE,
        topics=[vocabulary["payments"]],
    )
    first, second = new_page(), new_page()
    for page, user in [(first, first_editor), (second, second_editor)]:
        login(page, user)
        open_document(page, live_server, document_001)
        page.locator(f"#annotation-{annotation.pk}").click()
        expect(page.locator("#annotation-panel")).to_be_visible()
        expect(page.locator("#topic-chips .chip")).to_have_text(["Sanctions & economy › Payments×"])

    first.locator("#note-input").fill("Figure from the CIS statistics committee.")
    first.get_by_role("button", name="Save", exact=True).click()
    expect(first.locator("#reader-status")).to_have_text("Annotation updated.")

    second_note = "Rosstat puts it at 90 percent; check which year."
    second.locator("#note-input").fill(second_note)
    second.get_by_role("button", name="Save", exact=True).click()
    conflict = second.locator("#panel-conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Someone else changed this annotation")
    expect(conflict).to_contain_text("Figure from the CIS statistics committee.")  # what is stored now
    expect(second.locator("#note-input")).to_have_value(second_note)  # nothing the second editor typed is lost
    annotation.refresh_from_db()
    assert (annotation.note, annotation.version) == ("Figure from the CIS statistics committee.", 2)

    # The second editor re-applies their change on top of the new version.
    conflict.get_by_role("button", name="Apply my changes to version 2").click()
    expect(second.locator("#annotation-panel")).to_be_hidden()
    annotation.refresh_from_db()
    assert (annotation.note, annotation.version) == (second_note, 3)
    assert [t.pk for t in annotation.topics.all()] == [vocabulary["payments"].pk]


def test_editor_chooses_between_overlapping_passages_and_deletes_one(
    page, live_server, login, document_001, vocabulary
):
    editor = make_user("Editor")
    turn = document_001.turns.get(text__contains=CLAIM_PASSAGE)
    start = turn.text.index(CLAIM_PASSAGE)
    outer = services.annotation_create(
        user=editor, turn=turn, start=start, end=start + len(CLAIM_PASSAGE), quote=CLAIM_PASSAGE, claim=True
    )
    inner_quote = "85 percent of payments"
    inner_start = turn.text.index(inner_quote)
    inner = services.annotation_create(
        user=editor,
        turn=turn,
        start=inner_start,
        end=inner_start + len(inner_quote),
        quote=inner_quote,
        topics=[vocabulary["payments"]],
    )
    login(page, editor)
    open_document(page, live_server, document_001)

    # Where two passages overlap, the segment names both and the click offers a choice.
    overlap = page.locator(f'mark[data-annotations="{outer.pk} {inner.pk}"]')
    expect(overlap).to_have_class(re.compile(r"\bhl-depth-2\b"))
    overlap.click()
    choices = page.locator("#overlap-list button")
    expect(choices).to_have_count(2)
    expect(choices.first).to_be_focused()
    choices.nth(1).click()
    expect(page.locator("#panel-quote")).to_have_text(inner_quote)

    # Deleting asks first; dismissing keeps the annotation.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Delete…").click()
    expect(page.locator("#annotation-panel")).to_be_visible()
    assert Annotation.objects.filter(pk=inner.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete…").click()
    expect(page.locator("#reader-status")).to_have_text("Annotation deleted.")
    expect(page.locator(f'mark[data-annotations="{outer.pk}"]')).to_have_count(1)
    expect(page.locator(f"#annotation-{inner.pk}")).to_have_count(0)
    assert not Annotation.objects.filter(pk=inner.pk).exists()

    # The server's refusal is shown in the panel, and the input stays.
    vocabulary["us"].delete()  # an administrator removed the target while the page was open
    page.evaluate(SELECT_JS, "Brazil has proposed creating alternative payment platforms")
    page.get_by_label("Supports").check()
    page.get_by_label("Toward").select_option(label="United States")
    page.locator("#note-input").fill("Keep this note.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#panel-error")).to_contain_text("Unknown target id")
    expect(page.locator("#note-input")).to_have_value("Keep this note.")
    # Nothing tagged is caught before anything is sent.
    page.get_by_label("None").check()
    page.get_by_label("Toward").select_option("")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#panel-error")).to_contain_text("Nothing is tagged yet")
    # With a topic it saves.
    page.locator("#topic-input").fill("payments")
    page.locator("#topic-input").press("Enter")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#annotation-panel")).to_be_hidden()
    brazil = Annotation.objects.get(quote="Brazil has proposed creating alternative payment platforms")
    assert (brazil.note, brazil.polarity) == ("Keep this note.", "")

    # Esc with unsaved input asks before discarding it.
    page.evaluate(SELECT_JS, "the overall figures are growing")
    page.locator("#note-input").fill("Half-typed thought")
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Escape")
    expect(page.locator("#annotation-panel")).to_be_hidden()
    assert Annotation.objects.count() == 2

    # A new passage overlapping a claim: the script's rendering is the server's, segment for segment.
    page.evaluate(SELECT_JS, "85 percent of payments in trade")
    page.locator("#claim-input").check()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#annotation-panel")).to_be_hidden()
    newest = Annotation.objects.latest("pk")
    expect(page.locator(f'mark[data-annotations="{outer.pk} {newest.pk}"]')).to_have_text(
        "85 percent of payments in trade"
    )
    rendered_by_script = turn_markup(page, CLAIM_PASSAGE)
    page.reload()
    assert turn_markup(page, CLAIM_PASSAGE) == rendered_by_script


def turn_markup(page, phrase):
    """The highlight markup of the turn containing ``phrase``, without the transient classes."""
    return page.evaluate(
        """(phrase) => {
            const turns = Array.from(document.querySelectorAll(".turn-text"));
            const copy = turns.find((el) => el.textContent.includes(phrase)).cloneNode(true);
            copy.querySelectorAll("mark").forEach((mark) => {
                mark.classList.remove("hl-current", "hl-flash");
                mark.removeAttribute("tabindex");
            });
            return copy.innerHTML;
        }""",
        phrase,
    )


def test_offsets_are_code_points_whatever_the_script(page, live_server, login, roles):
    from tests.factories import make_document

    text = "Trade 📈 with 🇰🇿 grew by 4.5 percent in 2024, the “𝒞IS” says."
    document = make_document(turns=[("Sergey Lavrov", "answer", text)])
    login(page, make_user("Editor"))
    open_document(page, live_server, document)
    # Keyboard only: a selection, then a to annotate it, c to flag it, Ctrl+Enter to save.
    page.evaluate(SELECT_JS, ["grew by 4.5 percent", False])
    expect(page.locator("#annotation-panel")).to_be_hidden()
    page.keyboard.press("a")
    expect(page.locator("#panel-quote")).to_have_text("grew by 4.5 percent")
    expect(page.locator("#topic-input")).to_be_focused()
    page.keyboard.press("Tab")  # out of the topics field, where letters are typed, not shortcuts
    page.keyboard.press("c")
    expect(page.locator("#claim-input")).to_be_checked()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#annotation-panel")).to_be_hidden()
    annotation = Annotation.objects.get()
    assert text[annotation.start : annotation.end] == "grew by 4.5 percent" == annotation.quote
    expect(page.locator(f"#annotation-{annotation.pk}")).to_have_text("grew by 4.5 percent")
    page.reload()
    expect(page.locator(f"#annotation-{annotation.pk}")).to_have_text("grew by 4.5 percent")
    expect(page.locator(".turn-text")).to_have_text(text)
