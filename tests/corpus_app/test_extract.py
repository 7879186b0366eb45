# ruff: noqa: E501  (the sample page and texts keep their lines as an editor would see them)
"""Transcript files of every supported format read into plain text and metadata.

The inputs are made here (python-docx writes the DOCX, fpdf2 the PDF) or are the public-domain
White House transcripts in ``files/``. The assertions are what an editor would notice: labels
at the start of paragraphs, no markup or page chrome left, the headline and date, nothing of
the speech lost. Pure Python: runs without Django.
"""

import codecs
import io
import re
import zipfile
from pathlib import Path

import pytest
from fpdf import FPDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_app.parsing.extract import ExtractedText, ExtractError, extract_text, markdown
from corpus_app.parsing.extract.detect import detect_format
from corpus_app.parsing.layout import join_lines
from tests.corpus_app.made_files import make_docx, make_pdf
from tests.fuzzing import examples

FILES = Path(__file__).parent / "files"
FUZZ = settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
WHITE_HOUSE = sorted(FILES.glob("0[1-3]_*.md"))


def lines_of(result: ExtractedText) -> list[str]:
    return result.text.split("\n")


def paragraphs_of(result: ExtractedText) -> list[str]:
    return [paragraph.strip() for paragraph in result.text.split("\n\n") if paragraph.strip()]


def joined_paragraphs_of(result: ExtractedText) -> list[str]:
    """Paragraphs with their lines joined: a PDF keeps its lines as lines, for the parser to unwrap."""
    return [join_lines(paragraph.split("\n")) for paragraph in paragraphs_of(result)]


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text)


# Format detection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "filename", "expected"),
    [
        (b"%PDF-1.7\n...", "transcript.txt", "pdf"),
        (b"<!DOCTYPE html><html><body><p>Hi</p></body></html>", "notes.txt", "html"),
        (b"<!-- saved page --><html lang='en'><p>Hi</p></html>", "", "html"),
        (b"\xef\xbb\xbf<html><body>x</body></html>", "", "html"),
        (b"MR. SMITH: Hello.\n", "briefing.md", "markdown"),
        (b"**Name:** Hello.\n\n> **Q:** Why?\n\n# Heading\n", "", "markdown"),
        (b"MR. SMITH: Hello.\nQ    Why?\n", "briefing.txt", "text"),
        (b"<p>A page without its html element</p>", "page.html", "html"),
        (b"Q: What about <p> tags in a question?", "questions.txt", "text"),
    ],
)
def test_format_is_decided_by_content_first_and_name_second(raw, filename, expected):
    assert detect_format(raw, filename=filename) == expected


def test_a_docx_is_told_from_other_zip_files():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", "a,b\n")
    assert detect_format(buffer.getvalue(), filename="data.zip") == "text"
    assert detect_format(make_docx(["Hello."]), filename="transcript.bin") == "docx"
    with pytest.raises(ExtractError, match="looks like DOCX but cannot be read"):
        extract_text(buffer.getvalue(), filename="transcript.docx")


# Plain text: decoding, line endings, front matter ----------------------------------------

BODY = "MR. SMITH:  Café au lait — “quoted” words.\nQ    Where?\n"


@pytest.mark.parametrize(
    "raw",
    [
        BODY.encode("utf-8"),
        codecs.BOM_UTF8 + BODY.encode("utf-8"),
        codecs.BOM_UTF16_LE + BODY.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + BODY.encode("utf-16-be"),
        BODY.encode("utf-16-le"),  # no byte-order mark
        BODY.encode("utf-16-be"),
        codecs.BOM_UTF32_LE + BODY.encode("utf-32-le"),
        BODY.encode("cp1252"),
        BODY.replace("\n", "\r\n").encode("utf-8"),
        BODY.replace("\n", "\r").encode("utf-8"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "utf32", "cp1252", "crlf", "cr"],
)
def test_text_in_any_common_encoding_and_line_ending_reads_the_same(raw):
    result = extract_text(raw, filename="briefing.txt")
    assert result.format == "text"
    assert result.text == BODY


def test_a_legacy_encoded_file_longer_than_a_line_is_read():
    text = "Le ministre a déclaré : « Nous négocierons à Genève. »\n" * 20 + "Q: Et après ?\n"
    assert extract_text(text.encode("cp1252")).text == text


def test_a_damaged_utf8_file_is_refused_rather_than_garbled():
    raw = "MR. SMITH: “Hello.”\n".encode() + b"Q: caf\xe9?\n"
    with pytest.raises(ExtractError, match=r"not valid UTF-8 .*line 2.*save it as UTF-8"):
        extract_text(raw)


@pytest.mark.parametrize(
    "raw",
    [bytes(range(256)) * 4, b"\x00\x01\x02binary\x00data" * 10, b"\x7fELF\x02\x01\x01\x00" + bytes(300)],
)
def test_binary_content_is_refused_with_the_formats_the_importer_reads(raw):
    with pytest.raises(ExtractError, match=r"binary file.*\(text, Markdown, HTML, DOCX, PDF\)"):
        extract_text(raw, filename="transcript.txt")


def test_an_empty_file_is_refused():
    with pytest.raises(ExtractError, match="empty"):
        extract_text(b" \n\n", filename="transcript.txt")


YAML_FRONT_MATTER = """---
title: "Press Briefing by Press Secretary Jen\\_Psaki"
date: '2021-05-18'
published_time: 2021-05-18 14:19:48-04:00
source_url: https://www.example.gov/briefing-room/2021/05/18/
creators:
  - "Evans, Gareth"
  - "Downer, Alexander"
source: "MINISTER FOR FOREIGN AFFAIRS"
---

MS. PSAKI:  Hello, everyone.
"""


def test_yaml_front_matter_becomes_metadata_and_blank_lines():
    result = extract_text(YAML_FRONT_MATTER.encode(), filename="briefing.txt")
    assert result.metadata == {
        "title": "Press Briefing by Press Secretary Jen Psaki",
        "date": "2021-05-18",
        "url": "https://www.example.gov/briefing-room/2021/05/18/",
        "author": "Gareth Evans, Alexander Downer",
        "site_name": "MINISTER FOR FOREIGN AFFAIRS",
    }
    # The body keeps the line numbers it has in the file.
    assert lines_of(result)[11] == "MS. PSAKI:  Hello, everyone."
    assert lines_of(result)[:11] == [""] * 11


def test_published_time_gives_the_date_when_there_is_no_date():
    raw = b"---\npublished_time: 2022-05-21 19:52:48-04:00\ntitle: Remarks\n---\nText.\n"
    assert extract_text(raw, filename="remarks.md").metadata == {"title": "Remarks", "date": "2022-05-21"}


def test_toml_front_matter_becomes_metadata():
    raw = b'+++\ntitle = "Doorstop interview"\ndate = 1999-04-13\nurl = "https://example.org/t/1"\n+++\nMR DOWNER: Well.\n'
    result = extract_text(raw, filename="doorstop.md")
    assert result.metadata == {"title": "Doorstop interview", "date": "1999-04-13", "url": "https://example.org/t/1"}
    assert lines_of(result) == ["", "", "", "", "", "MR DOWNER: Well.", ""]


@pytest.mark.parametrize(
    "raw",
    [
        b"---\ntitle: [unclosed\n---\nMR. X: Hello.\n",  # not YAML
        b"---\njust a sentence\n---\nMR. X: Hello.\n",  # YAML, but not a mapping
        b"---\ntitle: No closing line\nMR. X: Hello.\n",  # no closing fence
        b"+++\ntitle = \n+++\nMR. X: Hello.\n",  # broken TOML
    ],
)
def test_broken_front_matter_is_kept_as_text(raw):
    result = extract_text(raw, filename="briefing.txt")
    assert result.metadata == {}
    assert result.text == raw.decode()


def test_a_separator_line_further_down_is_not_front_matter():
    raw = b"MR. X: Hello.\n---\ntitle: nothing\n---\n"
    assert extract_text(raw, filename="a.txt").text == raw.decode()


# Markdown --------------------------------------------------------------------------------

MARKDOWN = """---
title: "PMQs, 28 January 2004"
date: 2004-01-28
---
{% include site/setup %}
# Prime Minister's Questions

<!--more-->
**David Burnside:** I join the Prime Minister in expressing condolences.\x20\x20
**The Prime Minister:** I gather that the hon. Gentleman is right\\
and *no doubt* there will be __strong__ feelings.

> **Question:** What about \\[senior official\\] at\\_UNGA?
> > Nested quote with a [press conference](https://example.org/press "Press") link.

![photo](/image/pmq-01.jpg)<center><img src="/image/pmq-02.jpg"></center>
Mr. Si&ocirc;n Simon: A variable called snake_case_name and 2*3*4 stay; so do {{ page.title }} tags go.
Code `**kept**` as written; a <Name> placeholder stays.
"""


def test_markdown_markup_is_removed_one_line_for_one():
    result = extract_text(MARKDOWN.encode(), filename="pmqs.md")
    assert result.format == "markdown"
    assert result.metadata == {"title": "PMQs, 28 January 2004", "date": "2004-01-28"}
    assert lines_of(result) == [
        "",
        "",
        "",
        "",
        "",
        "Prime Minister's Questions",
        "",
        "",
        "David Burnside: I join the Prime Minister in expressing condolences.",
        "The Prime Minister: I gather that the hon. Gentleman is right",
        "and no doubt there will be strong feelings.",
        "",
        "Question: What about [senior official] at_UNGA?",
        "Nested quote with a press conference link.",
        "",
        "",
        "Mr. Siôn Simon: A variable called snake_case_name and 2*3*4 stay; so do  tags go.",
        "Code **kept** as written; a <Name> placeholder stays.",
        "",
    ]
    assert len(lines_of(result)) == MARKDOWN.count("\n") + 1


def test_a_link_text_holds_no_opening_bracket_as_commonmark_reads_it():
    raw = b"See [a [b](https://x.org) c and [x [y][ref].\n"
    assert extract_text(raw, filename="a.md").text == "See [a b c and [x y.\n"


def test_markup_that_never_closes_is_kept_as_written():
    """One long line of opening marks: nothing closes, so nothing is taken off (``bench/parser.py``
    times such lines; a search on from every mark to the line's end took minutes)."""
    for unit in ["[", "![", "[a", "*a ", "_a ", "**a ", "{{", "{%", "<!--"]:
        line = (unit * 5000).rstrip()
        assert extract_text(f"{line}\n".encode(), filename="a.md").text == f"{line}\n", unit


def _as_line_breaks(match: re.Match) -> str:
    return "\n" * match.group(0).count("\n")


@FUZZ
@given(text=st.lists(st.sampled_from(["{", "}", "%", "#", "<!--", "-->", "a", "\n", " ", "{{", "}}"])).map("".join))
def test_comments_and_template_tags_come_off_as_a_pattern_would_take_them(text):
    expected = re.sub(r"<!--.*?-->", _as_line_breaks, text, flags=re.DOTALL)
    expected = re.sub(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", _as_line_breaks, expected, flags=re.DOTALL)
    assert markdown._spans_off(markdown._spans_off(text, markdown._COMMENT), markdown._TEMPLATE_TAGS) == expected


@FUZZ
@given(line=st.text(alphabet=st.sampled_from(["*", "_", "~", "a", "b", " ", "\\", ".", "1"]), max_size=40))
def test_emphasis_comes_off_as_if_each_pattern_searched_the_whole_line(line):
    """No match ends past a line's last closing delimiter, so searching only up to it changes nothing."""
    expected = line
    for pattern, _ in markdown._EMPHASIS:
        previous = None
        while previous != expected:
            previous, expected = expected, pattern.sub(r"\2", expected)
    assert markdown._emphasis_off(line) == expected


def test_markdown_fenced_code_keeps_its_content():
    raw = b"Intro *text*.\n```\n**not bold** [x](y)\n```\nAfter.\n"
    assert extract_text(raw, filename="a.md").text == "Intro text.\n\n**not bold** [x](y)\n\nAfter.\n"


def test_a_text_file_full_of_markdown_is_read_as_markdown():
    raw = b"**MR. SMITH:** Hello.\n\n**Q:** Why?\n\n**MR. SMITH:** Because [we said so](https://x.org).\n"
    result = extract_text(raw, filename="")
    assert result.format == "markdown"
    assert result.text == "MR. SMITH: Hello.\n\nQ: Why?\n\nMR. SMITH: Because we said so.\n"


@pytest.mark.parametrize("path", WHITE_HOUSE, ids=lambda path: path.name[:2])
def test_white_house_markdown_transcripts_read_cleanly_and_completely(path):
    raw = path.read_bytes()
    result = extract_text(raw, filename=path.name)
    source = raw.decode()
    assert result.format == "markdown"
    assert result.metadata["url"].startswith("https://bidenwhitehouse.archives.gov/briefing-room/")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", result.metadata["date"])
    assert path.name[3:].split(".")[0] and result.metadata["title"] == " ".join(result.metadata["title"].split())
    # One line per line of the file; no markup left; no hard-break spaces.
    assert len(lines_of(result)) == source.count("\n") + 1
    for line in lines_of(result):
        assert not re.search(r"\\[\[\]_*]|  $|\s$", line), line
    # Nothing of the speech lost: the body's words, in order.
    body = source.split("\n---\n", 1)[1]
    assert words(result.text) == words(re.sub(r"<[^>]+>", "", body.replace("\\", "")))


def test_white_house_gaggle_keeps_labels_at_line_starts_and_its_headline():
    result = extract_text((FILES / "01_whitehouse-gaggle-detroit-2021.md").read_bytes(), filename="01.md")
    assert result.metadata["title"] == (
        "Press Gaggle by Press Secretary Jen Psaki Aboard Air Force One En Route Detroit, MI"
    )
    assert result.metadata["date"] == "2021-05-18"
    starts = [line for line in lines_of(result) if re.match(r"(MS\. PSAKI:|Q\s{2,})", line)]
    assert len(starts) > 60


def test_white_house_background_call_placeholders_lose_their_escapes():
    result = extract_text((FILES / "02_whitehouse-bgcall-g7-2021.md").read_bytes(), filename="02.md")
    assert "today’s call we have joining us [senior administration official].\xa0 And" in lines_of(result)
    assert result.metadata["title"].endswith("President Biden’s Meetings at the G7 Summit")


# HTML ------------------------------------------------------------------------------------

HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Joint news conference with the President of Ruritania • Ministry of Examples</title>
<meta property="og:title" content="Joint news conference with the President of Ruritania">
<meta property="og:site_name" content="Ministry of Examples">
<meta property="og:url" content="https://example.org/news/123">
<meta name="description" content="The two presidents made statements for the press and answered questions from journalists at the close of the talks.">
<style>p { color: red }</style>
<script>var tracking = "Vladimir Putin: this is a script";</script>
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/events">Events</a></li><li>Language: English | Русский</li></ul></nav>
<header><div class="site-title">Ministry of Examples</div><a href="/subscribe">Subscribe</a></header>
<article>
<h1>Joint news conference with the President of Ruritania</h1>
<div class="lead"><p>The two presidents made statements for the press and answered questions from journalists at the close of the talks.</p></div>
<div class="meta"><time datetime="2018-04-03">April 3, 2018</time> <span class="p-location">Ankara</span></div>
<div class="article-body">
<p><b>President Smith:</b> Ladies and gentlemen,
 friends, we have
 completed a productive round of talks on trade, energy and regional security.</p>
<p>We signed four agreements today. <a class="person" href="/persons/1">Mr Jones<span class="tooltip hidden">Biography: President of Ruritania since 2010, born 1960.</span></a> and I will meet again in autumn.</p>
<p><strong>Question:</strong> What about the gas pipeline that was discussed at length during the morning session?</p>
<p><b>President Jones</b> <i>(retranslated)</i><b>:</b> It will be finished next year.<br>Thank you.</p>
<p style="display:none">Hidden paragraph that no reader sees.</p>
<div class="photo-caption">Photo: the two presidents.</div>
<p><b>Question:</b> And the visa regime for students and tourists?</p>
<p><b>President Smith:</b> We are working on it with our partners, and we hope to make progress very soon.</p>
</div></article>
<aside><h3>See also</h3><ul><li><a href="/news/1">Other news item one</a></li><li><a href="/news/2">Other news item two</a></li></ul></aside>
<footer><p>All content on this site is licensed under Creative Commons Attribution 4.0.</p><p>Syndicate content</p></footer>
</body></html>
"""


def test_html_page_gives_the_speech_without_chrome_or_hidden_text():
    result = extract_text(HTML_PAGE.encode(), filename="page.html")
    assert result.format == "html"
    paragraphs = paragraphs_of(result)
    assert paragraphs[0].startswith("The two presidents made statements")  # the lead
    assert paragraphs[1] == (
        "President Smith: Ladies and gentlemen, friends, we have completed a productive round of talks on trade, "
        "energy and regional security."
    )
    assert "President Jones (retranslated): It will be finished next year.\nThank you." in paragraphs
    # Every bold label stays at the start of its paragraph.
    assert [re.match(r"[^:]+", p).group() for p in paragraphs if re.match(r"[A-Z][\w ()]+:", p)] == [
        "President Smith",
        "Question",
        "President Jones (retranslated)",
        "Question",
        "President Smith",
    ]
    for unwanted in ("Biography", "Hidden paragraph", "tracking", "color: red", "Subscribe", "Syndicate", "See also"):
        assert unwanted not in result.text
    assert "\n\n\n" not in result.text


def test_html_page_metadata_is_the_headline_date_place_and_site():
    metadata = extract_text(HTML_PAGE.encode(), filename="page.html").metadata
    assert metadata["title"] == "Joint news conference with the President of Ruritania"
    assert metadata["date"] == "2018-04-03"
    assert metadata["place"] == "Ankara"
    assert metadata["site_name"] == "Ministry of Examples"
    assert metadata["url"] == "https://example.org/news/123"


def test_html_page_in_a_legacy_encoding_is_read():
    page = HTML_PAGE.replace('charset="utf-8"', 'charset="windows-1252"').replace("Ankara", "Zürich")
    page = page.replace("Language: English | Русский", "Language: English")
    result = extract_text(page.encode("cp1252"), filename="page.htm")
    assert result.metadata["place"] == "Zürich"
    assert "President Smith: Ladies and gentlemen" in result.text


def test_html_transcript_set_out_as_a_table_keeps_each_label_with_its_speech():
    page = """<html><head><title>Interview transcript | Ministry of Law</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav><main><h1>Interview transcript</h1>
<p>The minister answered questions from the newspaper on the situation in the region and on trade.</p>
<table><tr><td><b>SCMP</b></td><td>What is your view of the protests in the city this summer?</td></tr>
<tr><td><b>Minister</b></td><td>It is a law and order situation first, and then the causes.<br>Both must be dealt with.</td></tr>
<tr><td><b>SCMP</b></td><td>Okay.</td></tr></table></main></body></html>"""
    result = extract_text(page.encode(), filename="interview.html")
    assert result.metadata["title"] == "Interview transcript"
    assert paragraphs_of(result)[-3:] == [
        "SCMP\tWhat is your view of the protests in the city this summer?",
        "Minister\tIt is a law and order situation first, and then the causes. Both must be dealt with.",
        "SCMP\tOkay.",
    ]


def test_an_html_page_without_text_is_refused():
    with pytest.raises(ExtractError, match="no text"):
        extract_text(b"<html><body><script>x()</script></body></html>", filename="empty.html")


# DOCX ------------------------------------------------------------------------------------


def test_docx_paragraphs_and_table_rows_in_order_without_header_or_footer():
    raw = make_docx(
        [
            "Transcript of a doorstop interview, 5 February 2017",
            ("Reporter: ", "Minister, what is your   take on the documents?"),
            ("Minister: ", "We have received them.\tWe will study them."),
            "",
        ],
        title="Doorstop interview on Pedra Branca",
        author="Press Office",
        header="MINISTRY OF LAW — RUNNING HEADER",
        footer="Page 1",
        table=[["Reporter", "Will it affect ties?"], ["Minister", "No."]],
    )
    result = extract_text(raw, filename="interview.docx")
    assert result.format == "docx"
    assert paragraphs_of(result) == [
        "Transcript of a doorstop interview, 5 February 2017",
        "Reporter: Minister, what is your take on the documents?",
        "Minister: We have received them.\tWe will study them.",
        "Reporter\tWill it affect ties?",
        "Minister\tNo.",
    ]
    assert "RUNNING HEADER" not in result.text and "Page 1" not in result.text
    assert result.metadata["title"] == "Doorstop interview on Pedra Branca"
    assert result.metadata["author"] == "Press Office"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", result.metadata["created"])


def test_docx_without_core_title_has_no_title():
    result = extract_text(make_docx(["Hello."]), filename="a.docx")
    assert "title" not in result.metadata
    assert result.text == "Hello.\n"


def test_a_docx_zip_bomb_is_refused_before_unpacking():
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(make_docx(["Hello."]))) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in source.infolist():
            bomb.writestr(item.filename, source.read(item.filename))
        bomb.writestr("word/padding.xml", b" " * (51 * 1024 * 1024))
    with pytest.raises(ExtractError, match="would unpack to 51 MB of XML, over the 50 MB limit"):
        extract_text(buffer.getvalue(), filename="bomb.docx")


def test_a_docx_with_a_huge_image_part_is_refused_before_unpacking():
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(make_docx(["Hello."]))) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in source.infolist():
            bomb.writestr(item.filename, source.read(item.filename))
        bomb.writestr("word/media/image1.png", bytes(201 * 1024 * 1024))
    with pytest.raises(ExtractError, match="would unpack to 201 MB of data, over the 200 MB limit"):
        extract_text(buffer.getvalue(), filename="bomb.docx")


def test_a_damaged_docx_is_refused_with_a_reason():
    raw = make_docx(["Hello."])
    with pytest.raises(ExtractError, match="DOCX|Word document"):
        extract_text(raw[: len(raw) // 2], filename="cut.docx")


# PDF -------------------------------------------------------------------------------------

PDF_PARAGRAPHS = [
    [
        "MR. DE HARO: Okay, so I think we can start. Good morning, and",
        "welcome to those who joined us in the room today.",
    ],
    [
        "MR. GOURINCHAS: Thank you. The trade negoti-",
        "ations continue, and the Franco-",
        "German proposal and the 2020-",
        "21 figures stand.",
    ],
    ["QUESTIONER: What about the monsoon-", "related slowdown and the well-known risks?"],
    ["MR. GOURINCHAS: The monsoon-related slowdown is modest."],
]


def test_pdf_paragraphs_from_line_gaps_with_page_chrome_removed_and_reported():
    raw = make_pdf([PDF_PARAGRAPHS[:2], PDF_PARAGRAPHS[2:], [["MR. DE HARO: Thank you all."]]])
    result = extract_text(raw, filename="transcript.pdf")
    assert result.format == "pdf"
    assert joined_paragraphs_of(result) == [
        "MR. DE HARO: Okay, so I think we can start. Good morning, and welcome to those who joined us in the room today.",
        "MR. GOURINCHAS: Thank you. The trade negotiations continue, and the Franco-German proposal and the "
        "2020-21 figures stand.",
        # The document writes "monsoon-related" elsewhere, so that hyphen is the word's own.
        "QUESTIONER: What about the monsoon-related slowdown and the well-known risks?",
        "MR. GOURINCHAS: The monsoon-related slowdown is modest.",
        "MR. DE HARO: Thank you all.",
    ]
    assert "Press conference transcript" not in result.text and "Page" not in result.text
    dropped = [text for _, text in result.dropped]
    assert dropped.count("Press conference transcript") == 3
    assert [text for text in dropped if text.startswith("Page")] == ["Page 1 of 3", "Page 2 of 3", "Page 3 of 3"]
    # Each dropped line points at a line of the text near where it stood.
    lines = lines_of(result)
    for number, _ in result.dropped:
        assert 1 <= number <= len(lines) + 1
    assert result.dropped[0][0] == 1


@pytest.mark.parametrize("page_number", ["{n}", "- {n} -", "Page {n}", "{n}/{{nb}}"])
def test_pdf_page_numbers_in_common_forms_are_removed(page_number):
    pages = [[["MR. X: Page one of the speech."]], [["MR. Y: Page two."]], [["MR. X: Page three."]]]
    result = extract_text(make_pdf(pages, page_number=page_number), filename="t.pdf")
    assert joined_paragraphs_of(result) == ["MR. X: Page one of the speech.", "MR. Y: Page two.", "MR. X: Page three."]
    numbers = [text for _, text in result.dropped if text != "Press conference transcript"]
    assert numbers == [page_number.format(n=n).replace("{nb}", "3") for n in (1, 2, 3)]


def test_pdf_hyphenated_word_without_evidence_is_joined():
    raw = make_pdf([[["MR. X: The negoti-", "ations went well-", "known ways."]], [["MR. Y: Yes."]]])
    result = extract_text(raw, filename="t.pdf")
    assert "MR. X: The negotiations went wellknown ways." in joined_paragraphs_of(result)


def test_pdf_metadata_only_when_it_looks_real():
    real = extract_text(make_pdf([[["MR. X: Hi."]]], title="Transcript: Press Conference", author="Jane Doe"))
    assert real.metadata["title"] == "Transcript: Press Conference"
    assert real.metadata["author"] == "Jane Doe"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", real.metadata["created"])
    generated = extract_text(
        make_pdf([[["MR. X: Hi."]]], title="Microsoft Word - SCMP TRANSCRIPT.DOCX", author="MLAWTWG")
    )
    assert "title" not in generated.metadata and "author" not in generated.metadata


def test_a_pdf_without_a_text_layer_is_refused_saying_so():
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")  # an image-only page, as a scan is
    with pytest.raises(ExtractError, match="PDF without a text layer"):
        extract_text(bytes(pdf.output()), filename="scan.pdf")


def test_a_damaged_pdf_is_refused_with_a_reason():
    raw = make_pdf([[["MR. X: Hi."]]])
    with pytest.raises(ExtractError, match="PDF"):
        extract_text(raw[:200], filename="cut.pdf")
