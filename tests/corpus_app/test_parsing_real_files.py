"""The importer on real transcripts it was never tuned for: White House files (public domain,
see files/README.md), read from their bytes as an editor would import them."""

import collections
import datetime
import re
from pathlib import Path

import pytest

from corpus_app.parsing import parse_file

FILES = Path(__file__).parent / "files"


def parsed(name):
    return parse_file((FILES / name).read_bytes(), source=name)


def by_speaker_and_kind(document):
    return collections.Counter((turn.speaker, turn.kind.value) for turn in document.turns)


def codes(document):
    return collections.Counter(warning.code for warning in document.warnings)


def test_gaggle_front_matter_labels_and_stage_note():
    document = parsed("01_whitehouse-gaggle-detroit-2021.md")
    # The title and date come from the front matter; the place line from under it; "\\_" is a space.
    assert document.title == "Press Gaggle by Press Secretary Jen Psaki Aboard Air Force One En Route Detroit, MI"
    assert (document.date, document.place, document.format) == (
        datetime.date(2021, 5, 18),
        "Aboard Air Force One En Route Detroit, Michigan",
        "markdown",
    )
    # "Q" + spaces asks; "MS. PSAKI:" is the Jen Psaki the title names.
    counts = by_speaker_and_kind(document)
    assert counts[("Journalist", "question")] == 36
    assert counts[("Jen Psaki", "answer")] == 35
    assert set(counts) == {
        ("Journalist", "question"),
        ("Jen Psaki", "answer"),
        ("Jen Psaki", "remarks"),
        (None, "editorial_note"),
    }
    (note,) = [turn for turn in document.turns if turn.kind == "editorial_note"]
    assert note.text == "(A USSS agent closes door.)"
    # The time lines are dropped and reported; wrapping and interruptions ("but —") warn of nothing.
    assert codes(document) == {"dropped_noise": 2}
    assert not any("  " in turn.text or "\\" in turn.text for turn in document.turns)


def test_background_call_anonymous_roles_and_placeholders():
    document = parsed("02_whitehouse-bgcall-g7-2021.md")
    speakers = {turn.speaker for turn in document.turns}
    assert speakers == {"Moderator", "Senior Administration Official", "Journalist"}
    # The moderator's remarks, the official's answers, and Markdown escapes gone from the text.
    assert {turn.kind for turn in document.turns if turn.speaker == "Moderator"} == {"remarks"}
    assert any("it’s [senior administration official]." in turn.text for turn in document.turns)


def test_joint_press_conference_resolves_role_labels_to_the_presidents_named_in_the_title():
    document = parsed("03_whitehouse-biden-yoon-presser-2022.md")
    counts = by_speaker_and_kind(document)
    # "PRESIDENT YOON:" → the full name in the title (family name first); "PRESIDENT BIDEN:" as written.
    assert counts[("Yoon Suk Yeol", "remarks")] == 1 and counts[("Yoon Suk Yeol", "answer")] == 4
    assert counts[("President Biden", "answer")] == 7
    first = document.turns[0]
    assert (first.speaker, first.text[:17]) == ("Yoon Suk Yeol", "(As interpreted.)")


def test_questions_written_q_and_one_space_throughout_a_briefing():
    document = parsed("wh-psaki-briefing-2021-07-19.md")
    counts = by_speaker_and_kind(document)
    assert counts[("Journalist", "question")] == 90
    assert counts[("Jen Psaki", "answer")] == 89


def test_the_president_is_the_one_the_title_names_not_the_ones_the_speech_names():
    document = parsed("wh-biden-press-conference-2024-07-11.md")
    speakers = collections.Counter(turn.speaker for turn in document.turns)
    assert speakers["President Biden"] == 32
    assert document.place == "Walter E. Washington Convention Center Washington, D.C."
    assert "truncated_line" not in codes(document)  # "Look, folks, this is a —": cut off in the room


def _words(text):
    """Words as a reader sees them: quotation marks, Markdown escapes and inline tags aside."""
    text = re.sub(r"</?\w+>", "", text).replace("\\", "").replace("**", "")
    return [word.strip("()[],.:;") for word in text.replace("“", " ").replace("”", " ").split()]


@pytest.mark.parametrize("name", sorted(path.name for path in FILES.glob("*.md") if path.name != "README.md"))
def test_every_word_of_a_real_file_is_in_a_turn_or_a_warning(name):
    document = parsed(name)
    date = document.date
    kept = " ".join(
        [document.title, document.place or "", f"{date:%B} {date.day} {date.year}" if date else ""]
        + [f"{turn.label or ''} {turn.text}" for turn in document.turns]
        + [warning.message for warning in document.warnings]
    )
    kept_words = set(_words(kept))
    body = (FILES / name).read_text(encoding="utf-8").split("\n---\n", 1)[1]
    lost = [word for word in _words(body) if word not in kept_words]
    assert not lost, lost[:20]


def test_a_whole_saved_web_page_gives_its_lead_speeches_and_questions():
    document = parsed("kremlin-putin-erdogan-2018-04-03.html")
    assert (document.title, document.date, document.place, document.format) == (
        "Joint news conference of Vladimir Putin and Recep Tayyip Erdogan",
        datetime.date(2018, 4, 3),
        "Ankara",
        "html",
    )
    kinds = [(turn.speaker, turn.kind.value) for turn in document.turns]
    assert kinds[:3] == [(None, "narration"), ("Recep Tayyip Erdogan", "remarks"), ("Vladimir Putin", "remarks")]
    assert kinds.count(("Journalist", "question")) == 4
    # Long and short labels of one person are one speaker; "(retranslated)" stays in the label as written.
    assert {turn.label for turn in document.turns if turn.speaker == "Recep Tayyip Erdogan"} == {
        "President of Turkey Recep Tayyip Erdogan (retranslated)",
        "Recep Tayyip Erdogan (retranslated)",
        "Recep Tayyip Erdogan",
    }
    # The page's hidden tooltips, menus and scripts are not text.
    assert not any("function(" in turn.text or "Subscribe" in turn.text for turn in document.turns)
