"""HTML: the main text of a whole saved page, and the page's metadata, with trafilatura.

Measured on the development set's five saved pages (04, 05, 07, 08, 09; 95 gold turns): the
opening words of 93 turns are in trafilatura's text, all but the lead paragraph of the two
kremlin.ru pages (95/95 with the lead rule below); readability-lxml's had 90, losing two
questions and an opening statement besides the leads. trafilatura's title and date were the
gold's on all five pages. So: trafilatura, plus
- elements hidden from readers (class "hidden", the ``hidden`` attribute, inline
  ``display:none``) and script/style removed before extraction;
- the page's lead (its meta description, when it is also shown on the page above the main
  text) put first when the extraction left it out;
- one paragraph per block, blank line between blocks, whitespace collapsed inside a line,
  ``<br>`` kept as a line break; a table row is one paragraph, its cells separated by tabs.
"""

from __future__ import annotations

import copy
import re

import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from corpus_app.parsing.extract import ExtractedText, ExtractError
from corpus_app.parsing.extract.text import iso_date

MAX_HTML_BYTES = 20 * 1024 * 1024
_HIDDEN = (
    "//script | //style | //noscript | //template | //*[@hidden] | //*[@aria-hidden='true' and not(normalize-space())]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' hidden ')]"
)
_DISPLAY_NONE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_BLOCKS = {"p", "head", "quote", "code", "item", "row", "list", "table", "div", "section", "main", "body"}
_SPACES = re.compile(r"\s+")
_CONTAINERS = {"list", "table", "div", "section", "main", "body"}


def extract(raw: bytes) -> ExtractedText:
    if len(raw) > MAX_HTML_BYTES:
        raise ExtractError(
            f"this HTML page is over {MAX_HTML_BYTES // (1024 * 1024)} MB; save only the transcript's page"
        )
    tree = trafilatura.load_html(raw)
    if tree is None:
        raise ExtractError("this HTML page cannot be read (no document in it)")
    _remove_hidden(tree)
    metadata = _metadata(copy.deepcopy(tree))
    document = trafilatura.bare_extraction(
        copy.deepcopy(tree),
        include_formatting=True,
        include_tables=True,
        include_comments=False,
        include_images=False,
        date_extraction_params={"original_date": True, "extensive_search": True},
    )
    body = getattr(document, "body", None)
    paragraphs = _paragraphs(body) if body is not None else []
    if not paragraphs:
        baseline_body, _, _ = trafilatura.baseline(copy.deepcopy(tree))
        paragraphs = _paragraphs(baseline_body)
    lead = _missing_lead(metadata.get("description", ""), paragraphs, tree)
    if lead:
        paragraphs.insert(0, lead)
    if not paragraphs:
        raise ExtractError("this HTML page has no text to import")
    return ExtractedText(format="html", text="\n\n".join(paragraphs) + "\n", metadata=metadata)


def _remove_hidden(tree: HtmlElement) -> None:
    hidden = list(tree.xpath(_HIDDEN))
    hidden += [element for element in tree.iter() if _DISPLAY_NONE.search(str(element.get("style") or ""))]
    for element in hidden:
        if element.getparent() is not None:
            element.drop_tree()  # keeps the element's tail text, which belongs to its parent


def _metadata(tree: HtmlElement) -> dict[str, str]:
    found = trafilatura.extract_metadata(tree)
    metadata: dict[str, str] = {}
    if found is not None:
        for name, value in (
            ("title", found.title),
            ("date", found.date),
            ("url", found.url),
            ("site_name", found.sitename),
            ("author", found.author),
            ("description", found.description),
        ):
            text = " ".join(str(value or "").split())
            if text:
                metadata[name] = iso_date(text) if name == "date" else text
    place = _place(tree)
    if place:
        metadata["place"] = place
    return metadata


def _place(tree: HtmlElement) -> str:
    """The place a page states in markup: schema.org contentLocation / locationCreated, microformat p-location."""
    for element in tree.xpath(
        "//*[@itemprop='contentLocation' or @itemprop='locationCreated'"
        " or contains(concat(' ', normalize-space(@class), ' '), ' p-location ')]"
    ):
        name = element.xpath(".//*[@itemprop='name']/text()") or [element.get("content") or element.text_content()]
        text = " ".join(" ".join(name).split())
        if 0 < len(text) <= 80:
            return text
    return ""


def _paragraphs(body: etree._Element) -> list[str]:
    paragraphs: list[str] = []
    for block in _block_elements(body):
        text = _block_text(block)
        if text:
            paragraphs.append(text)
    return paragraphs


def _block_elements(element: etree._Element):
    """Leaf blocks in document order: paragraphs, headings, list items, table rows."""
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag in _CONTAINERS and any(isinstance(c.tag, str) and c.tag in _BLOCKS for c in child):
            if (child.text or "").strip():  # loose text directly in a container is a paragraph of its own
                yield _loose(child.text)
            yield from _block_elements(child)
        else:
            yield child
        if (child.tail or "").strip() and element.tag in _CONTAINERS:
            yield _loose(child.tail)


def _loose(text: str) -> etree._Element:
    element = etree.Element("p")
    element.text = text
    return element


def _block_text(block: etree._Element) -> str:
    if block.tag == "row":
        cells = [_block_text(cell) for cell in block if isinstance(cell.tag, str)]
        return "\t".join(cell.replace("\n", " ") for cell in cells if cell)
    parts: list[str] = []
    _collect(block, parts)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _collect(element: etree._Element, parts: list[str]) -> None:
    if element.tag == "lb" or element.tag in {"item", "p", "head", "row", "cell"} and parts:
        parts.append("\n")
    # Line breaks in the source are only whitespace in HTML; <br> (trafilatura's <lb>) is a break.
    if element.text:
        parts.append(_SPACES.sub(" ", element.text))
    for child in element:
        if isinstance(child.tag, str):
            _collect(child, parts)
        if child.tail:
            parts.append(_SPACES.sub(" ", child.tail))


def _missing_lead(description: str, paragraphs: list[str], tree: HtmlElement) -> str:
    """The page's lead paragraph when the extraction dropped it.

    Many news pages show their meta description as a lead above the article body, outside
    the element the extractor keeps. It is restored only when it is visible text of the page
    (not just a meta tag) and stands before the extracted text's first paragraph.
    """
    lead = " ".join(description.split())
    if len(lead) < 40 or not paragraphs:
        return ""
    extracted = _squash(" ".join(paragraphs))
    if _squash(lead) in extracted:
        return ""
    body = tree.find(".//body")
    if body is None:
        return ""
    visible = _squash(body.text_content())
    position = visible.find(_squash(lead))
    first = visible.find(_squash(paragraphs[0])[:200])
    if position < 0 or (first >= 0 and position > first):
        return ""
    return lead


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()
