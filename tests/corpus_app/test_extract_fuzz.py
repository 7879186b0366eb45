"""extract_text on arbitrary bytes: it reads them or says why not, and never fails otherwise.

Random bytes, and random damage to real files of each format (the generated DOCX and PDF,
an HTML page, Markdown with front matter, a White House transcript), under names of each
format. The only exception allowed out is ExtractError, whose message the editor sees.
"""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_app.parsing.extract import FORMATS, ExtractedText, ExtractError, extract_text
from tests.fuzzing import examples

from .test_extract import HTML_PAGE, MARKDOWN, PDF_PARAGRAPHS, YAML_FRONT_MATTER, make_docx, make_pdf

FILENAMES = st.sampled_from(["", "t.txt", "t.md", "t.html", "t.htm", "t.docx", "t.pdf", "t", "T.MARKDOWN"])
FUZZ = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
WHITE_HOUSE = Path(__file__).parent / "files" / "01_whitehouse-gaggle-detroit-2021.md"

SEEDS = {
    "docx": make_docx(["Title", ("Reporter: ", "Question?"), ("Minister: ", "Answer.")], table=[["A", "B"]]),
    "pdf": make_pdf([PDF_PARAGRAPHS[:2], PDF_PARAGRAPHS[2:]], title="Transcript of a press conference"),
    "html": HTML_PAGE.encode(),
    "markdown": MARKDOWN.encode(),
    "front matter": YAML_FRONT_MATTER.encode("utf-16"),
    "white house": WHITE_HOUSE.read_bytes()[:4000].rsplit(b"\n", 1)[0],
}


def assert_read_or_refused(raw: bytes, filename: str) -> None:
    try:
        result = extract_text(raw, filename=filename)
    except ExtractError as error:
        assert str(error)  # a message the editor can read
        return
    assert isinstance(result, ExtractedText)
    assert result.format in FORMATS
    assert isinstance(result.text, str) and "\r" not in result.text
    assert all(isinstance(key, str) and isinstance(value, str) for key, value in result.metadata.items())
    assert all(isinstance(line, int) and isinstance(text, str) for line, text in result.dropped)


@FUZZ
@given(raw=st.binary(max_size=4096), filename=FILENAMES)
def test_random_bytes_are_read_or_refused_clearly(raw, filename):
    assert_read_or_refused(raw, filename)


@st.composite
def damaged(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        position = draw(st.integers(min_value=0, max_value=len(data) - 1))
        action = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        if action == "replace":
            data[position] = draw(st.integers(min_value=0, max_value=255))
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        elif action == "delete":
            del data[position : position + draw(st.integers(min_value=1, max_value=64))]
        else:
            del data[position:]
        if not data:
            break
    return bytes(data)


@pytest.mark.parametrize("seed", SEEDS, ids=list(SEEDS))
def test_damaged_real_files_are_read_or_refused_clearly(seed):
    @FUZZ
    @given(raw=damaged(SEEDS[seed]), filename=FILENAMES)
    def check(raw, filename):
        assert_read_or_refused(raw, filename)

    check()


@pytest.mark.parametrize("seed", SEEDS, ids=list(SEEDS))
def test_undamaged_seeds_are_read(seed):
    assert extract_text(SEEDS[seed], filename="").text.strip()
