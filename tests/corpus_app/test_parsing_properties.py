"""Properties of the parser on transcripts the tests generate, and on arbitrary input.

Generated transcripts mix the label styles real ones use, hard wrapping at any width or one
paragraph per line, page noise between paragraphs, and front matter. Whatever the mix, every
word of the body ends up in a turn (its text or its label) or in a warning that reports it
dropped, and nothing but the importer's own ParseError ever leaves the parser.
"""

import contextlib
import re
import textwrap

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_app.parsing import ParseError, parse_file, parse_transcript
from tests.fuzzing import examples

WORDS = st.sampled_from(
    ["the", "talks", "were", "useful", "and", "we", "agreed", "to", "meet", "again", "soon", "about", "trade"]
    + ["energy", "security", "ministers", "discussed", "cooperation", "between", "our", "countries", "region"]
)
NAMES = st.sampled_from(["Maria Zakharova", "Sergey Lavrov", "Antony Blinken", "Penny Wong", "Heiko Maas"])
NOISE = st.sampled_from(["Photo: MFA", "15:38", "* * *", "Page 3 of 9", "Syndicate content", "Scroll to Top", "E&OE"])
LABEL_STYLES = ["{name}: ", "{upper}: ", "MR. {surname}: ", "{name} (Russia): ", "Q: ", "Q\t", "QUESTION: ", "Q    "]


@st.composite
def sentences(draw):
    words = draw(st.lists(WORDS, min_size=3, max_size=14))
    return words[0].capitalize() + " " + " ".join(words[1:]) + draw(st.sampled_from([".", "?", "!"]))


@st.composite
def paragraphs(draw):
    return " ".join(draw(st.lists(sentences(), min_size=1, max_size=5)))


@st.composite
def transcripts(draw):
    """(text, the body's words) of a generated transcript."""
    width = draw(st.sampled_from([None, 48, 64, 72, 80]))
    blank_between = width is not None or draw(st.booleans())
    body_lines, words = [], []
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        name = draw(NAMES)
        style = draw(st.sampled_from(LABEL_STYLES))
        label = style.format(name=name, upper=name.upper(), surname=name.split()[-1].upper())
        words += label.split()
        for index, paragraph in enumerate(draw(st.lists(paragraphs(), min_size=1, max_size=3))):
            words += paragraph.split()
            text = (label if index == 0 else "") + paragraph
            lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) if width else [text]
            body_lines += lines + ([""] if blank_between else [])
            if draw(st.integers(min_value=0, max_value=5)) == 0:
                body_lines += [draw(NOISE)] + ([""] if blank_between else [])
    front = ""
    if draw(st.booleans()):
        front = '---\ntitle: "Press conference on cooperation"\ndate: "2024-03-05"\n---\n'
    title = "" if front else "Press conference on cooperation, Moscow, March 5, 2024\n\n"
    return front + title + "\n".join(body_lines) + "\n", words


def _words_of(document) -> set[str]:
    found = set()
    for turn in document.turns:
        found.update(turn.text.split())
        found.update((turn.label or "").split())
    for warning in document.warnings:
        found.update(warning.message.replace("“", " ").replace("”", " ").split())
    found.update(document.title.split())
    found.update((document.place or "").split())
    return found


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transcripts())
def test_every_word_of_the_body_ends_up_in_a_turn_or_a_warning(generated):
    text, body_words = generated
    document = parse_file(text.encode(), source="generated.md")
    found = _words_of(document)
    # A label's colon may stand apart from its word ("Q :") or after a parenthesis: compare words.
    missing = [word for word in body_words if word not in found and word.rstrip(":") not in found]
    assert not missing, f"lost {missing[:10]} of\n{text}"
    assert [turn.position for turn in document.turns] == list(range(len(document.turns)))
    assert all(turn.text.strip() for turn in document.turns)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transcripts())
def test_questions_are_questions_whatever_the_wrapping(generated):
    text, _ = generated
    document = parse_file(text.encode(), source="generated.txt")
    question_labels = len(re.findall(r"^(?:Q[:\t]|QUESTION:|Q {4})", text, re.MULTILINE))
    assert sum(turn.kind == "question" for turn in document.turns) >= min(question_labels, 1)


@settings(max_examples=examples(300), deadline=None)
@given(st.text())
def test_any_text_parses_or_fails_with_the_importers_own_error(text):
    try:
        document = parse_transcript(text, source="fuzz.txt")
    except ParseError:
        return
    assert document.title


@settings(max_examples=examples(300), deadline=None)
@given(st.binary(), st.sampled_from(["fuzz.txt", "fuzz.md", "fuzz.html", "fuzz.docx", "fuzz.pdf", "fuzz"]))
def test_any_bytes_parse_or_fail_with_the_importers_own_error(raw, name):
    with contextlib.suppress(ParseError):
        parse_file(raw, source=name)
