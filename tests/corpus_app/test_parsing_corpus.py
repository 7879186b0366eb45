"""The parser on the five real sample files, with and without an alias map.

The files in fixtures/transcripts/ are byte-exact copies of real publications; every
quirk in them (page noise, footers, cut-off lines, NBSPs, legends) is deliberate input.
Pure Python: runs without Django (``-p no:django``).
"""

import datetime
import json
import re
from pathlib import Path

import pytest

from corpus_app.parsing import ParsedDocument, SpeakerKind, TurnKind, parse_transcript

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "fixtures" / "transcripts"

# What an editor's database would hold for these texts.
ALIASES = {
    "Sergey Lavrov": "Sergey Lavrov",
    "Sergei Lavrov": "Sergey Lavrov",
    "Lavrov": "Sergey Lavrov",
    "Russian Foreign Ministry": "Russian Foreign Ministry",
}
SPEAKER_KINDS = {"Sergey Lavrov": "person", "Russian Foreign Ministry": "organisation"}

# Page noise that must never reach a turn, whatever the file.
NOISE = [
    "Photo: MFA",
    "15:38",
    "676-12-04-2024",
    "CIS Map",
    "CIS Meetings",
    "Further Reading",
    "Putin: 2024 Russia",
    "Scroll to Top",
    "Telegram-channel",
    "https://",
    "Last update",
    "Newsroom logo",
    "Дополнительные",
    "Фото",
]
CYRILLIC = re.compile(r"[\u0400-\u04ff]")

# Lines that are the title, a dateline or a byline: metadata, not turns.
HEADER_LINES = {"000": {1}, "001": {2, 3}, "002": {3}, "003": {5, 7}, "004": {1}}


def raw_text(prefix: str) -> str:
    (path,) = TRANSCRIPTS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


@pytest.fixture(params=["no aliases", "aliases"])
def alias_mode(request):
    return request.param


def parse(prefix: str, alias_mode: str) -> ParsedDocument:
    if alias_mode == "aliases":
        return parse_transcript(raw_text(prefix), source=prefix, aliases=ALIASES, speaker_kinds=SPEAKER_KINDS)
    return parse_transcript(raw_text(prefix), source=prefix)


def kinds(document: ParsedDocument) -> list[str]:
    return [turn.kind.value for turn in document.turns]


def warning_lines(document: ParsedDocument, code: str) -> set[int]:
    return {warning.line for warning in document.warnings if warning.code == code}


def assert_question_answer_pairs(turns, *, count, question_label, answer_label):
    assert len(turns) == 2 * count
    for question, answer in zip(turns[::2], turns[1::2], strict=True):
        assert (question.kind, question.speaker, question.label) == (TurnKind.QUESTION, "Journalist", question_label)
        assert (answer.kind, answer.speaker, answer.label) == (TurnKind.ANSWER, "Sergey Lavrov", answer_label)


# --- Every file ---------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
class TestEveryFile:
    def test_no_turn_contains_page_noise_or_the_title(self, prefix, alias_mode):
        document = parse(prefix, alias_mode)
        for turn in document.turns:
            assert document.title not in turn.text
            for noise in NOISE:
                assert noise not in turn.text, (turn.position, noise)

    def test_turn_text_is_verbatim_source_text(self, prefix, alias_mode):
        """Editors annotate by character offset: every paragraph of a turn is an exact slice of the source."""
        raw = raw_text(prefix)
        for turn in parse(prefix, alias_mode).turns:
            assert turn.text and turn.text == turn.text.strip()
            for paragraph in turn.text.split("\n\n"):
                assert paragraph == paragraph.strip()
                assert paragraph in raw, (turn.position, paragraph[:60])

    def test_nothing_is_lost(self, prefix, alias_mode):
        """Each source line is in a turn (label aside), in the header, or reported as dropped."""
        document = parse(prefix, alias_mode)
        footer = min(warning_lines(document, "dropped_footer"), default=10**9)
        dropped = warning_lines(document, "dropped_noise")
        labels = {label for speaker in document.speakers for label in speaker.labels}
        turns_text = "".join(re.sub(r"\s", "", turn.text) for turn in document.turns)
        for number, line in enumerate(raw_text(prefix).splitlines(), start=1):
            if not line.strip() or number in dropped or number >= footer or number in HEADER_LINES[prefix]:
                continue
            content = re.sub(r"\s", "", line)
            for label in labels:
                content = content.removeprefix(re.sub(r"\s", "", label) + ":")
            assert content in turns_text, (number, line[:60])

    def test_positions_lines_and_speakers_are_consistent(self, prefix, alias_mode):
        document = parse(prefix, alias_mode)
        assert [turn.position for turn in document.turns] == list(range(len(document.turns)))
        lines = [turn.line for turn in document.turns]
        assert lines == sorted(lines)
        names = [speaker.name for speaker in document.speakers]
        assert len(names) == len(set(names))
        assert {turn.speaker for turn in document.turns if turn.speaker} == set(names)

    def test_to_dict_is_the_json_contract(self, prefix, alias_mode):
        document = parse(prefix, alias_mode)
        data = json.loads(json.dumps(document.to_dict()))
        assert set(data) == {
            "source",
            "format",
            "title",
            "date",
            "place",
            "url",
            "publisher",
            "kind",
            "author",
            "turns",
            "speakers",
            "warnings",
        }
        assert data["source"] == prefix
        assert data["date"] is None or datetime.date.fromisoformat(data["date"]) == document.date
        assert {key for turn in data["turns"] for key in turn} == {
            "position",
            "speaker",
            "label",
            "kind",
            "text",
            "line",
        }
        assert {turn["kind"] for turn in data["turns"]} <= {kind.value for kind in TurnKind}
        assert {speaker["kind"] for speaker in data["speakers"]} <= {kind.value for kind in SpeakerKind}
        assert all(set(warning) == {"line", "code", "message"} for warning in data["warnings"])

    def test_dropped_lines_are_reported_with_their_text(self, prefix, alias_mode):
        raw_lines = raw_text(prefix).splitlines()
        for warning in parse(prefix, alias_mode).warnings:
            if warning.code in {"dropped_noise", "dropped_footer"}:
                assert raw_lines[warning.line - 1].strip() in warning.message


# --- 001: "Question:" / "Sergey Lavrov:", unlabelled opening remarks, a dateline ----------


def test_001_metadata(alias_mode):
    document = parse("001", alias_mode)
    assert document.title == (
        "Foreign Minister Sergey Lavrov’s remarks and answers to media questions "
        "following a meeting of the CIS Foreign Ministers Council"
    )
    assert (document.date, document.place, document.kind, document.author) == (
        datetime.date(2025, 4, 11),
        "Almaty",
        "transcript",
        None,
    )


def test_001_opening_remarks_are_one_turn_by_lavrov(alias_mode):
    opening = parse("001", alias_mode).turns[0]
    assert (opening.kind, opening.speaker, opening.label, opening.line) == (
        TurnKind.REMARKS,
        "Sergey Lavrov",
        None,
        4,
    )
    assert opening.text.startswith("“Good afternoon.\n\nWe have just completed our work")
    assert opening.text.endswith("at the level of heads of state.”")
    assert len(opening.text.split("\n\n")) == 14  # lines 4–17


def test_001_six_question_answer_pairs(alias_mode):
    document = parse("001", alias_mode)
    assert_question_answer_pairs(document.turns[1:], count=6, question_label="Question", answer_label="Sergey Lavrov")
    assert document.turns[1].text == "How do you see the role of the CIS in a multipolar world?"


def test_001_second_despite_the_sanctions_stays_inside_its_answer(alias_mode):
    document = parse("001", alias_mode)
    (answer,) = [turn for turn in document.turns if "Second, despite the sanctions" in turn.text]
    assert answer.kind == TurnKind.ANSWER
    assert answer.text.startswith("Yes, we certainly talked about this group of issues")
    assert "\n\nSecond, despite the sanctions, we can not only rely" in answer.text


def test_001_warnings(alias_mode):
    document = parse("001", alias_mode)
    assert warning_lines(document, "truncated_line") == set()
    assert warning_lines(document, "dropped_noise") == {1, 53}  # "Photo: MFA", the Telegram line
    assert not warning_lines(document, "new_speaker")  # Lavrov is named in the title


def test_001_speakers(alias_mode):
    speakers = {speaker.name: speaker for speaker in parse("001", alias_mode).speakers}
    assert speakers["Journalist"].kind == SpeakerKind.GROUP
    assert speakers["Journalist"].role == "journalist"
    assert speakers["Journalist"].labels == ["Question"]
    assert speakers["Sergey Lavrov"].kind == SpeakerKind.PERSON
    assert speakers["Sergey Lavrov"].labels == ["Sergey Lavrov"]


# --- 002: title with place and date, "Colleagues,", a Russian page footer ----------------


def test_002_metadata(alias_mode):
    document = parse("002", alias_mode)
    assert document.title == (
        "Foreign Minister Sergey Lavrov and CIS Secretary-General Sergey Lebedev make remarks and reply to "
        "questions at a joint news conference following the CIS Council of Foreign Ministers"
    )
    assert (document.date, document.place, document.kind) == (datetime.date(2024, 4, 12), "Minsk", "transcript")


def test_002_remarks_then_five_pairs(alias_mode):
    document = parse("002", alias_mode)
    opening = document.turns[0]
    assert (opening.kind, opening.speaker, opening.label) == (TurnKind.REMARKS, "Sergey Lavrov", None)
    assert opening.text.startswith("Colleagues,\n\nWe have completed the session")
    assert "we would like to note (everyone spoke about this) the work" in opening.text  # no label: stays
    assert_question_answer_pairs(document.turns[1:], count=5, question_label="Question", answer_label="Sergey Lavrov")


def test_002_trailing_nbsp_is_stripped_from_paragraphs(alias_mode):
    document = parse("002", alias_mode)
    (answer,) = [turn for turn in document.turns if turn.line == 51]
    assert "Swiss “project.”\n\nChina’s 12-point plan" in answer.text
    assert "\xa0" not in answer.text


def test_002_russian_footer_and_noise_are_dropped(alias_mode):
    document = parse("002", alias_mode)
    assert not any(CYRILLIC.search(turn.text) for turn in document.turns)
    assert warning_lines(document, "dropped_footer") == {74}
    assert warning_lines(document, "dropped_noise") == {1, 5}  # "15:38", "676-12-04-2024"
    assert warning_lines(document, "truncated_line") == set()
    assert document.turns[-1].text.endswith("not only the post-Soviet countries.")


# --- 004: title with place and date, cut-off lines ---------------------------------------


def test_004_metadata(alias_mode):
    document = parse("004", alias_mode)
    assert document.title == (
        "Foreign Minister Sergey Lavrov’s remarks and answers to media questions at a joint news conference "
        "following talks with Deputy Prime Minister and Foreign Minister of Kazakhstan Murat Nurtleu"
    )
    assert (document.date, document.place, document.kind) == (datetime.date(2023, 4, 11), "Moscow", "transcript")


def test_004_remarks_then_four_pairs(alias_mode):
    document = parse("004", alias_mode)
    opening = document.turns[0]
    assert (opening.kind, opening.speaker, opening.label) == (TurnKind.REMARKS, "Sergey Lavrov", None)
    assert opening.text.startswith("Ladies and gentlemen,\n\nI would like to sincerely congratulate")
    assert "\n\nDays of\n\n" in opening.text  # a cut-off line, not a heading
    assert "\n\nOur cultural ties are expanding: on March 2" in opening.text  # not a label
    assert_question_answer_pairs(document.turns[1:], count=4, question_label="Question", answer_label="Sergey Lavrov")
    assert document.turns[-1].text.endswith("are well aware of what I am referring to.")
    assert "(we also talked in detail about this today)" in document.turns[2].text


def test_004_cut_off_lines_are_kept_and_reported(alias_mode):
    document = parse("004", alias_mode)
    assert warning_lines(document, "truncated_line") == {3, 4, 9, 10, 11, 12, 14, 15, 16, 17}
    (warning,) = [w for w in document.warnings if w.code == "truncated_line" and w.line == 3]
    assert "my colleague, Murat Nurtleu, from" in warning.message


# --- 000: "Q:" / "SL:" with a legend, third-person intro, an editorial note ---------------


def test_000_metadata(alias_mode):
    document = parse("000", alias_mode)
    # The colon and comma make it look like a label; it is the headline.
    assert document.title == "Russia, Commonwealth Of Independent States Foreign Ministers Meeting: CIS Updates"
    assert (document.date, document.place, document.kind) == (None, None, "transcript")
    assert warning_lines(document, "no_date") == {1}


def test_000_turn_sequence(alias_mode):
    # The two paragraphs of the publisher's introduction are one narration turn.
    assert kinds(parse("000", alias_mode)) == [
        "narration",
        *["question", "answer"] * 2,
        "question",
        "answer",
        "editorial_note",
        "answer",
        "question",
        "answer",
    ]


def test_000_intro_is_narration_with_the_legend(alias_mode):
    intro = [turn for turn in parse("000", alias_mode).turns if turn.kind == TurnKind.NARRATION]
    assert all(turn.speaker is None and turn.label is None for turn in intro)
    assert intro[0].text.startswith("The Russian Foreign Minister, Sergey Lavrov, has been attending")
    assert intro[-1].text.endswith("Media questions are prefixed Q, Lavrov’s responses and prefixed SL.")


def test_000_legend_resolves_q_and_sl(alias_mode):
    document = parse("000", alias_mode)
    questions = [index for index, turn in enumerate(document.turns) if turn.kind == TurnKind.QUESTION]
    assert len(questions) == 4
    for index in questions:
        question, answer = document.turns[index], document.turns[index + 1]
        assert (question.speaker, question.label) == ("Journalist", "Q")
        assert (answer.kind, answer.speaker, answer.label) == (TurnKind.ANSWER, "Sergey Lavrov", "SL")
    assert not warning_lines(document, "new_speaker")  # both came from the legend


def test_000_editorial_note_splits_the_third_answer(alias_mode):
    turns = parse("000", alias_mode).turns
    (note_index,) = [index for index, turn in enumerate(turns) if turn.kind == TurnKind.EDITORIAL_NOTE]
    before, note, after = turns[note_index - 1 : note_index + 2]
    assert (note.speaker, note.label, note.text, note.line) == (
        None,
        "RPA",
        "(RPA: EU growth was about 1% in 2024)",
        37,
    )
    assert before.text.startswith("“Yes, we certainly talked about these issues")
    assert before.text.endswith("Overall, this is a serious positive result, compared to the European economy.")
    assert after.text.startswith("We will continue to work in accordance with our national interests.")
    assert (after.kind, after.speaker, after.label, after.line) == (TurnKind.ANSWER, "Sergey Lavrov", "SL", 39)


def test_000_headings_and_footer_are_dropped(alias_mode):
    document = parse("000", alias_mode)
    assert warning_lines(document, "dropped_noise") == {3, 43}  # "CIS Meetings", "CIS Map"
    assert warning_lines(document, "dropped_footer") == {55}  # "Further Reading" to the end
    assert warning_lines(document, "truncated_line") == set()  # line 5 ends in two NBSPs after the period
    assert document.turns[-1].text.endswith("East-West transcontinental projects.")


# --- 003: a news article with a byline and attributed quotes ------------------------------


def test_003_metadata(alias_mode):
    document = parse("003", alias_mode)
    assert document.title == "Russian FM Discusses Strategic Partnership with Central Asian Ambassadors"
    assert (document.date, document.place, document.kind, document.author) == (
        datetime.date(2023, 11, 20),
        None,
        "article",
        "Vusala Abbasova",
    )
    assert not warning_lines(document, "date_from_update")  # the byline has the date
    assert warning_lines(document, "dropped_noise") == {1, 3, 9}  # "Last update", "Newsroom logo", "None"


def test_003_quotes_are_attributed(alias_mode):
    document = parse("003", alias_mode)
    lavrov = "Sergey Lavrov" if alias_mode == "aliases" else "Sergei Lavrov"  # the first full form in the text
    quotes = [turn for turn in document.turns if turn.kind == TurnKind.QUOTE]
    assert [(turn.speaker, turn.line) for turn in quotes] == [("Russian Foreign Ministry", 19), (lavrov, 33)]
    assert quotes[0].text.startswith("“They emphasised their mutual commitment")
    assert quotes[0].text.endswith("including security and regional stability,”")
    assert (
        quotes[1].text
        == '"These attempts are futile. We have been historically present there and are not going to disappear,"'
    )
    speakers = {speaker.name: speaker.kind for speaker in document.speakers}
    assert speakers == {"Russian Foreign Ministry": SpeakerKind.ORGANISATION, lavrov: SpeakerKind.PERSON}


def test_003_attributions_follow_their_quotes_as_narration(alias_mode):
    turns = parse("003", alias_mode).turns
    after_quotes = [turns[index + 1] for index, turn in enumerate(turns) if turn.kind == TurnKind.QUOTE]
    assert [(turn.kind, turn.speaker, turn.text) for turn in after_quotes] == [
        (TurnKind.NARRATION, None, "the ministry said."),
        (TurnKind.NARRATION, None, "Lavrov said."),
    ]


def test_003_everything_else_is_narration(alias_mode):
    turns = parse("003", alias_mode).turns
    assert kinds(parse("003", alias_mode)).count("narration") == len(turns) - 2
    assert all(turn.speaker is None for turn in turns if turn.kind == TurnKind.NARRATION)
    (inline,) = [turn for turn in turns if '"push"' in turn.text]
    assert inline.kind == TurnKind.NARRATION  # a quote inside a sentence stays narration


def test_003_new_speakers_are_reported_only_without_aliases(alias_mode):
    document = parse("003", alias_mode)
    expected = set() if alias_mode == "aliases" else {19, 33}
    assert warning_lines(document, "new_speaker") == expected
