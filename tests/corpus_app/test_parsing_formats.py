"""The parser on transcript formats the sample corpus does not show: it must generalise.

Each text is small and realistic; the assertions go turn by turn as
(kind, speaker, label, text). Pure Python: runs without Django (``-p no:django``).
"""

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest

from corpus_app.parsing import (
    ParsedDocument,
    ParsedSpeaker,
    ParseError,
    ParseWarning,
    SpeakerKind,
    TurnKind,
    parse_transcript,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]

QUESTION = TurnKind.QUESTION.value
ANSWER = TurnKind.ANSWER.value
REMARKS = TurnKind.REMARKS.value
NARRATION = TurnKind.NARRATION.value
QUOTE = TurnKind.QUOTE.value
NOTE = TurnKind.EDITORIAL_NOTE.value


def turns(document: ParsedDocument) -> list[tuple]:
    return [(turn.kind.value, turn.speaker, turn.label, turn.text) for turn in document.turns]


def codes(document: ParsedDocument, code: str) -> list[tuple[int, str]]:
    return [(warning.line, warning.message) for warning in document.warnings if warning.code == code]


def speaker(document: ParsedDocument, name: str) -> ParsedSpeaker:
    (found,) = [parsed for parsed in document.speakers if parsed.name == name]
    return found


# --- The package ----------------------------------------------------------------------


def test_parsing_package_does_not_import_django():
    code = (
        "import sys, corpus_app.parsing\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, check=True)


def test_public_api():
    assert issubclass(ParseError, ValueError)
    assert [kind.value for kind in TurnKind] == [
        "remarks",
        "question",
        "answer",
        "narration",
        "quote",
        "editorial_note",
    ]
    assert [kind.value for kind in SpeakerKind] == ["person", "organisation", "group"]
    warning = ParseWarning(line=3, code="truncated_line", message="…")
    with pytest.raises(AttributeError):
        warning.line = 4  # frozen


# --- State Department briefing -----------------------------------------------------------

STATE_DEPARTMENT = """\
Department Press Briefing, Washington, March 3, 2022

MR PRICE: Good afternoon, everyone. I have one announcement at the top.

We are sending more humanitarian aid today.

QUESTION: Thank you. Humeyra Pamuk with Reuters. Can you say more about the aid?

MR PRICE: Well, Humeyra, I can say that it is significant.

QUESTION: A follow-up on Russia?

MR PRICE: Sure. Go ahead.

MODERATOR: Our next question goes to Andrea Mitchell.

QUESTION: Andrea Mitchell, NBC. What about sanctions?

SENIOR ADMINISTRATION OFFICIAL: We will announce them tomorrow.

MODERATOR: Thank you, everyone.
"""


def test_state_department_briefing_turns():
    document = parse_transcript(STATE_DEPARTMENT)
    assert (document.title, document.date, document.place) == (
        "Department Press Briefing",
        datetime.date(2022, 3, 3),
        "Washington",
    )
    assert turns(document) == [
        (
            REMARKS,
            "Mr Price",
            "MR PRICE",
            "Good afternoon, everyone. I have one announcement at the top.\n\n"
            "We are sending more humanitarian aid today.",
        ),
        (
            QUESTION,
            "Humeyra Pamuk",
            "QUESTION",
            "Thank you. Humeyra Pamuk with Reuters. Can you say more about the aid?",
        ),
        (ANSWER, "Mr Price", "MR PRICE", "Well, Humeyra, I can say that it is significant."),
        (QUESTION, "Journalist", "QUESTION", "A follow-up on Russia?"),
        (ANSWER, "Mr Price", "MR PRICE", "Sure. Go ahead."),
        (REMARKS, "Moderator", "MODERATOR", "Our next question goes to Andrea Mitchell."),
        (QUESTION, "Andrea Mitchell", "QUESTION", "Andrea Mitchell, NBC. What about sanctions?"),
        (ANSWER, "Senior Administration Official", "SENIOR ADMINISTRATION OFFICIAL", "We will announce them tomorrow."),
        (REMARKS, "Moderator", "MODERATOR", "Thank you, everyone."),
    ]


def test_state_department_briefing_speakers():
    document = parse_transcript(STATE_DEPARTMENT)
    assert speaker(document, "Mr Price").kind == SpeakerKind.PERSON
    assert speaker(document, "Mr Price").labels == ["MR PRICE"]
    pamuk = speaker(document, "Humeyra Pamuk")
    assert (pamuk.kind, pamuk.role, pamuk.affiliation, pamuk.labels) == (
        SpeakerKind.PERSON,
        "journalist",
        "Reuters",
        ["QUESTION"],
    )
    assert speaker(document, "Andrea Mitchell").affiliation == "NBC"
    assert speaker(document, "Moderator").kind == SpeakerKind.GROUP
    assert speaker(document, "Senior Administration Official").kind == SpeakerKind.GROUP
    assert speaker(document, "Journalist").kind == SpeakerKind.GROUP
    new = [message for _, message in codes(document, "new_speaker")]
    assert len(new) == 5  # Mr Price, Humeyra Pamuk, Moderator, Andrea Mitchell, the official
    assert not any("Journalist" in message for message in new)  # the built-in question role


def test_honorific_label_resolves_to_the_full_name_in_the_title():
    document = parse_transcript(
        "Department Press Briefing – Department Spokesperson Ned Price\n\n"
        "MR PRICE: Good afternoon.\n\n"
        "QUESTION: Any news?\n\n"
        "MR PRICE: None today.\n"
    )
    assert [(turn.speaker, turn.label) for turn in document.turns] == [
        ("Ned Price", "MR PRICE"),
        ("Journalist", "QUESTION"),
        ("Ned Price", "MR PRICE"),
    ]
    assert speaker(document, "Ned Price").role == "Department Spokesperson"
    assert not codes(document, "new_speaker")  # named by the title


def test_journalist_not_introducing_themselves_stays_journalist():
    document = parse_transcript(
        "Press briefing\n\nQUESTION: Russia, China and Iran met yesterday. What is your view?\n\nMR PRICE: None.\n"
    )
    assert document.turns[0].speaker == "Journalist"


# --- Russian MFA briefing -----------------------------------------------------------------

ZAKHAROVA = """\
Briefing by Foreign Ministry Spokeswoman Maria Zakharova, Moscow, 11 April 2025

Maria Zakharova: Good afternoon. Let me start with the minister’s schedule.

On April 14, Sergey Lavrov will travel to Ankara.

Question: Will he meet President Erdogan?

Maria Zakharova: The programme is being finalised. We will inform you.
"""


def test_russian_mfa_briefing():
    document = parse_transcript(ZAKHAROVA)
    assert (document.date, document.place, document.kind) == (datetime.date(2025, 4, 11), "Moscow", "transcript")
    assert turns(document) == [
        (
            REMARKS,
            "Maria Zakharova",
            "Maria Zakharova",
            "Good afternoon. Let me start with the minister’s schedule.\n\n"
            "On April 14, Sergey Lavrov will travel to Ankara.",
        ),
        (QUESTION, "Journalist", "Question", "Will he meet President Erdogan?"),
        (ANSWER, "Maria Zakharova", "Maria Zakharova", "The programme is being finalised. We will inform you."),
    ]
    assert speaker(document, "Maria Zakharova").role == "Foreign Ministry Spokeswoman"
    assert not codes(document, "new_speaker")  # named by the title


# --- "Q." / "A." interview ------------------------------------------------------------------


def test_q_dot_a_dot_interview():
    document = parse_transcript(
        "Interview with Foreign Minister Sergey Lavrov, April 11 2025\n\n"
        "Q. How do you assess the talks?\n\n"
        "A. We consider them useful.\n\n"
        "Q. What next?\n\n"
        "A. More talks.\n"
    )
    assert document.date == datetime.date(2025, 4, 11)
    assert turns(document) == [
        (QUESTION, "Journalist", "Q", "How do you assess the talks?"),
        (ANSWER, "Sergey Lavrov", "A", "We consider them useful."),
        (QUESTION, "Journalist", "Q", "What next?"),
        (ANSWER, "Sergey Lavrov", "A", "More talks."),
    ]


# --- Labels with a parenthetical, aliases ------------------------------------------------

REPLYING_IN_ENGLISH = """\
Foreign Minister Sergey Lavrov’s answers to questions from the media, 2025-04-11

Question: A question for our English-speaking audience. What is next?

Sergey Lavrov (replying in English): We will see.

Question: And in Russian?

Sergey Lavrov: The same.
"""


def test_label_with_a_parenthetical_keeps_the_label_as_written():
    document = parse_transcript(REPLYING_IN_ENGLISH)
    assert document.date == datetime.date(2025, 4, 11)
    assert turns(document) == [
        (QUESTION, "Journalist", "Question", "A question for our English-speaking audience. What is next?"),
        (ANSWER, "Sergey Lavrov", "Sergey Lavrov (replying in English)", "We will see."),
        (QUESTION, "Journalist", "Question", "And in Russian?"),
        (ANSWER, "Sergey Lavrov", "Sergey Lavrov", "The same."),
    ]
    assert speaker(document, "Sergey Lavrov").labels == ["Sergey Lavrov (replying in English)", "Sergey Lavrov"]


def test_aliases_are_case_insensitive_and_ignore_a_trailing_parenthetical():
    document = parse_transcript(
        "News conference\n\nQ: Why?\n\nSERGEI LAVROV (speaking English): Because.\n\nsvl: Indeed.\n",
        aliases={"sergei lavrov": "Sergey Lavrov", "SVL": "Sergey Lavrov", "q": "Journalist"},
        speaker_kinds={"Sergey Lavrov": "person", "Journalist": "group"},
    )
    assert [(turn.speaker, turn.label) for turn in document.turns] == [
        ("Journalist", "Q"),
        ("Sergey Lavrov", "SERGEI LAVROV (speaking English)"),
        ("Sergey Lavrov", "svl"),
    ]
    assert not codes(document, "new_speaker")


def test_production_style_alias_map():
    """The importer passes every alias lower-cased, question words included, and kinds for all speakers."""
    document = parse_transcript(
        "Foreign Minister Sergey Lavrov’s remarks, Moscow, April 11, 2023\n\n"
        "Good afternoon. We held talks.\n\n"
        "Media question: Any results?\n\n"
        "Lavrov: Yes.\n",
        aliases={
            "sergey lavrov": "Sergey Lavrov",
            "lavrov": "Sergey Lavrov",
            "foreign minister sergey lavrov": "Sergey Lavrov",
            "journalist": "Journalist",
            "question": "Journalist",
            "q": "Journalist",
            "media question": "Journalist",
            "moderator": "Moderator",
        },
        speaker_kinds={"Sergey Lavrov": "person", "Journalist": "group", "Moderator": "group"},
    )
    assert [(turn.kind.value, turn.speaker, turn.label) for turn in document.turns] == [
        (REMARKS, "Sergey Lavrov", None),
        (QUESTION, "Journalist", "Media question"),
        (ANSWER, "Sergey Lavrov", "Lavrov"),
    ]
    assert not codes(document, "new_speaker")


def test_speaker_kinds_fill_the_speaker_kind():
    document = parse_transcript(
        "Statement\n\nRIA Novosti: The agency has learnt the news.\n",
        aliases={"RIA Novosti": "RIA Novosti"},
        speaker_kinds={"RIA Novosti": "organisation"},
    )
    assert speaker(document, "RIA Novosti").kind == SpeakerKind.ORGANISATION


def test_a_changed_alias_map_is_used_although_the_last_one_is_kept_prepared():
    text = "Talks\n\nSVL: We agreed.\n\nMZ: So did we.\n"
    aliases = {"svl": "Sergey Lavrov"}
    kinds = {"Sergey Lavrov": "person"}
    first = parse_transcript(text, aliases=aliases, speaker_kinds=kinds)
    aliases["mz"] = "Maria Zakharova"  # the caller's own mapping, changed in place
    kinds["Maria Zakharova"] = "person"
    second = parse_transcript(text, aliases=aliases, speaker_kinds=kinds)
    assert [turn.speaker for turn in first.turns] == ["Sergey Lavrov"]  # "MZ:" was no label yet
    assert [turn.speaker for turn in second.turns] == ["Sergey Lavrov", "Maria Zakharova"]


def test_a_surname_label_resolves_to_the_first_known_person_with_that_surname():
    """Of several known people with one surname the caller's first wins, unless the first initial says who."""
    aliases = {"aigerim aliyev": "Aigerim Aliyev", "jeyhun aliyev": "Jeyhun Aliyev"}
    kinds = {"Aigerim Aliyev": "person", "Jeyhun Aliyev": "person"}
    document = parse_transcript(
        "Talks in Baku\n\nAliyev: Welcome.\n\nJ. Aliyev: Thank you.\n\n"
        "Jeihun Aliyev: Indeed.\n\nAmina Aliyev: Welcome to all.\n",
        aliases=aliases,
        speaker_kinds=kinds,
    )
    assert [turn.speaker for turn in document.turns] == [
        "Aigerim Aliyev",
        "Jeyhun Aliyev",
        "Jeyhun Aliyev",
        "Aigerim Aliyev",
    ]


# --- Several officials ---------------------------------------------------------------------

JOINT_NEWS_CONFERENCE = """\
Foreign Minister Sergey Lavrov and CIS Secretary-General Sergey Lebedev hold a news conference, Minsk, April 12, 2024

Colleagues, we have completed our session.

Sergey Lebedev: I would add that the Executive Committee has prepared 20 documents.

Question: Mr Lebedev, how many countries signed?

Sergey Lebedev: All of them signed.

Sergey Lavrov: I can confirm that.

Question: What about the budget?

Lavrov: It was approved.

Lebedev: Unanimously.
"""


def test_second_official_answering_gets_their_own_turns():
    document = parse_transcript(JOINT_NEWS_CONFERENCE)
    assert [(turn.kind.value, turn.speaker, turn.label) for turn in document.turns] == [
        (REMARKS, "Sergey Lavrov", None),  # unlabelled: the first person the title names
        (REMARKS, "Sergey Lebedev", "Sergey Lebedev"),
        (QUESTION, "Journalist", "Question"),
        (ANSWER, "Sergey Lebedev", "Sergey Lebedev"),
        (ANSWER, "Sergey Lavrov", "Sergey Lavrov"),  # a second official answering
        (QUESTION, "Journalist", "Question"),
        (ANSWER, "Sergey Lavrov", "Lavrov"),  # surname labels resolve through the title
        (ANSWER, "Sergey Lebedev", "Lebedev"),
    ]
    assert speaker(document, "Sergey Lebedev").role == "CIS Secretary-General"
    assert speaker(document, "Sergey Lebedev").labels == ["Sergey Lebedev", "Lebedev"]
    assert not codes(document, "new_speaker")


def test_unknown_single_word_is_not_a_label():
    document = parse_transcript(
        "Foreign Minister Sergey Lavrov’s remarks\n\n"
        "Question: Is Russia ready?\n\n"
        "Sergey Lavrov: Yes.\n\n"
        "Russia: we are ready.\n\n"
        "Kazakhstan: they are ready too.\n"
    )
    assert turns(document)[-1] == (
        ANSWER,
        "Sergey Lavrov",
        "Sergey Lavrov",
        "Yes.\n\nRussia: we are ready.\n\nKazakhstan: they are ready too.",
    )


def test_unknown_label_is_a_new_speaker_not_glued_to_the_previous_turn():
    document = parse_transcript(
        "Foreign Minister Sergey Lavrov’s interview, Moscow, March 3, 2024\n\n"
        "Question: Is the Kremlin involved?\n\n"
        "Sergey Lavrov: You should ask the Kremlin.\n\n"
        "Dmitry Peskov: The Kremlin is not involved.\n"
    )
    assert turns(document)[-2:] == [
        (ANSWER, "Sergey Lavrov", "Sergey Lavrov", "You should ask the Kremlin."),
        (ANSWER, "Dmitry Peskov", "Dmitry Peskov", "The Kremlin is not involved."),
    ]
    assert speaker(document, "Dmitry Peskov").kind == SpeakerKind.PERSON
    assert codes(document, "new_speaker") == [
        (7, "new speaker “Dmitry Peskov” (person) from the label “Dmitry Peskov”")
    ]


# --- Legends -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "legend",
    [
        "In the transcript below, SL stands for Foreign Minister Sergey Lavrov and Q denotes a journalist.",
        "Key: Q = question from the audience; SL = Sergey Lavrov.",
        "(Q) Questions from journalists; (SL) Sergey Lavrov.",
        "Questions by reporters are prefixed with “Q”, answers by Sergey Lavrov are prefixed with “SL”.",
        "Questions are prefixed Q, Lavrov’s responses are prefixed SL. Sergey Lavrov spoke in Astana.",
    ],
)
def test_legend_in_other_wordings(legend):
    document = parse_transcript(f"Press conference in Astana\n\n{legend}\n\nQ: Why?\n\nSL: Because.\n")
    assert turns(document) == [
        (NARRATION, None, None, legend),
        (QUESTION, "Journalist", "Q", "Why?"),
        (ANSWER, "Sergey Lavrov", "SL", "Because."),
    ]
    assert not codes(document, "new_speaker")


def test_a_legend_entry_without_a_description_defines_nothing_and_a_later_one_counts():
    # "(SL) ;" once made the parser fail (an empty description) instead of reading the file.
    document = parse_transcript("A headline\n\n(SL) ;\n\nSL: Hello.\n")
    assert [text for *_, text in turns(document)] == ["(SL) ;", "SL: Hello."]
    document = parse_transcript("A headline\n\n(SL) ; (SL) Sergey Lavrov\n\nSL: Hello.\n")
    assert turns(document)[-1][1:] == ("Sergey Lavrov", "SL", "Hello.")


# --- Lines that only look like labels ------------------------------------------------------


def test_sentence_words_with_a_colon_do_not_split_an_answer():
    document = parse_transcript(
        "Foreign Minister Sergey Lavrov’s answers to media questions\n\n"
        "Question: What did you agree on?\n\n"
        "Sergey Lavrov: Several things.\n\n"
        "First: the schedule.\n\n"
        "Second: the agenda.\n\n"
        "Second, despite the sanctions, trade grows.\n\n"
        "Note: the figures are preliminary.\n\n"
        "Finally: we will meet again.\n\n"
        "Our cultural ties are expanding: on March 2, a festival opened.\n"
    )
    assert len(document.turns) == 2
    answer = document.turns[1]
    assert (answer.kind, answer.speaker) == (TurnKind.ANSWER, "Sergey Lavrov")
    assert answer.text.split("\n\n") == [
        "Several things.",
        "First: the schedule.",
        "Second: the agenda.",
        "Second, despite the sanctions, trade grows.",
        "Note: the figures are preliminary.",
        "Finally: we will meet again.",
        "Our cultural ties are expanding: on March 2, a festival opened.",
    ]


def test_label_alone_on_its_line():
    document = parse_transcript(
        "Foreign Minister Sergey Lavrov’s interview\n\nQUESTION:\nIs it over?\n\nSERGEY LAVROV:\nIt is.\n\nYes.\n"
    )
    assert [(turn.kind.value, turn.speaker, turn.label, turn.text, turn.line) for turn in document.turns] == [
        (QUESTION, "Journalist", "QUESTION", "Is it over?", 3),
        (ANSWER, "Sergey Lavrov", "SERGEY LAVROV", "It is.\n\nYes.", 6),
    ]


# --- Editorial notes and stage directions --------------------------------------------------


def test_stage_direction_paragraph_is_a_note_and_inline_laughter_stays():
    document = parse_transcript(
        "Statement by Sergey Lavrov at the UN Security Council, New York, 20 January 2025\n\n"
        "Mr President,\n\n"
        "We are concerned about the situation.\n\n"
        "(Speaks in Ukrainian.)\n\n"
        "As we said last time, that is what we said. (Laughter.) But nobody listened.\n\n"
        "(Applause.)\n"
    )
    assert document.place == "New York"
    assert turns(document) == [
        (REMARKS, "Sergey Lavrov", None, "Mr President,\n\nWe are concerned about the situation."),
        (NOTE, None, None, "(Speaks in Ukrainian.)"),
        (
            REMARKS,
            "Sergey Lavrov",
            None,
            "As we said last time, that is what we said. (Laughter.) But nobody listened.",
        ),
        (NOTE, None, None, "(Applause.)"),
    ]
    assert not codes(document, "truncated_line")


def test_editorial_notes_keep_their_brackets_and_split_the_speech():
    document = parse_transcript(
        "Foreign Minister Sergey Lavrov’s remarks, Moscow, April 11, 2023\n\n"
        "Good afternoon. We held talks.\n\n"
        "[Editor's note: the talks lasted three hours.]\n\n"
        "We agreed on many things.\n\n"
        "Editor’s note: the transcript has been shortened.\n\n"
        "Question: Anything else?\n\n"
        "Sergey Lavrov: Trade grew by 4%. (RPA: EU growth was about 1%) We are satisfied (everyone agreed).\n\n"
        "Thank you.\n"
    )
    assert [(turn.kind.value, turn.speaker, turn.label, turn.text, turn.line) for turn in document.turns] == [
        (REMARKS, "Sergey Lavrov", None, "Good afternoon. We held talks.", 3),
        (NOTE, None, "Editor's note", "[Editor's note: the talks lasted three hours.]", 5),
        (REMARKS, "Sergey Lavrov", None, "We agreed on many things.", 7),
        (NOTE, None, "Editor’s note", "Editor’s note: the transcript has been shortened.", 9),
        (QUESTION, "Journalist", "Question", "Anything else?", 11),
        (ANSWER, "Sergey Lavrov", "Sergey Lavrov", "Trade grew by 4%.", 13),
        (NOTE, None, "RPA", "(RPA: EU growth was about 1%)", 13),
        (ANSWER, "Sergey Lavrov", "Sergey Lavrov", "We are satisfied (everyone agreed).\n\nThank you.", 13),
    ]


# --- Front matter, headings, footers -------------------------------------------------------


def test_front_matter_and_timestamp_above_the_title():
    document = parse_transcript(
        "Published: 3 March 2024\n12:04\n\n"
        "Foreign Minister Sergey Lavrov’s interview with RIA Novosti\n\n"
        "Question: Is it true?\n\nSergey Lavrov: It is.\n"
    )
    assert document.title == "Foreign Minister Sergey Lavrov’s interview with RIA Novosti"
    assert document.date == datetime.date(2024, 3, 3)
    assert codes(document, "dropped_noise") == [(2, "dropped page noise: “12:04”")]
    assert [turn.text for turn in document.turns] == ["Is it true?", "It is."]


@pytest.mark.parametrize(
    ("dateline", "date", "place"),
    [
        ("Almaty, April 11, 2025", datetime.date(2025, 4, 11), "Almaty"),
        ("Moscow, 11 April 2025", datetime.date(2025, 4, 11), "Moscow"),
        ("St. Petersburg, 11 April 2025", datetime.date(2025, 4, 11), "St. Petersburg"),
        ("11 April 2025", datetime.date(2025, 4, 11), None),
        ("April 11 2025", datetime.date(2025, 4, 11), None),
        ("2025-04-11", datetime.date(2025, 4, 11), None),
        ("Friday, April 11, 2025", datetime.date(2025, 4, 11), None),
    ],
)
def test_datelines(dateline, date, place):
    document = parse_transcript(f"Remarks by Foreign Minister Sergey Lavrov\n{dateline}\nGood afternoon. We met.\n")
    assert (document.date, document.place) == (date, place)
    assert turns(document) == [(REMARKS, "Sergey Lavrov", None, "Good afternoon. We met.")]


@pytest.mark.parametrize(
    ("title_line", "title", "date", "place"),
    [
        ("Remarks at the talks, Moscow, April 11, 2023", "Remarks at the talks", datetime.date(2023, 4, 11), "Moscow"),
        (
            "Remarks at the talks, New York, 11 April 2023",
            "Remarks at the talks",
            datetime.date(2023, 4, 11),
            "New York",
        ),
        ("Remarks at the talks, April 11, 2023", "Remarks at the talks", datetime.date(2023, 4, 11), None),
        ("Remarks at the talks", "Remarks at the talks", None, None),
    ],
)
def test_title_with_place_and_date(title_line, title, date, place):
    document = parse_transcript(f"{title_line}\n\nThe minister met the ambassadors.\n")
    assert (document.title, document.date, document.place) == (title, date, place)


def test_update_date_is_only_a_fallback():
    document = parse_transcript("Last update: April 29, 2024 10:12\nSome Headline Here\nThe minister met them.\n")
    assert document.date == datetime.date(2024, 4, 29)
    assert [warning.code for warning in document.warnings] == ["dropped_noise", "date_from_update"]
    with_byline = parse_transcript(
        "Last update: April 29, 2024 10:12\nSome Headline Here\nBy Jane Doe, 20 November 2023\nThe minister met them.\n"
    )
    assert (with_byline.date, with_byline.author) == (datetime.date(2023, 11, 20), "Jane Doe")
    assert not codes(with_byline, "date_from_update")


def test_no_date_is_reported():
    document = parse_transcript("A Headline\n\nThe minister met the ambassadors.\n")
    assert document.date is None
    assert codes(document, "no_date") == [(1, "no publication date found")]


def test_headings_dropped_but_short_real_lines_kept():
    document = parse_transcript(
        "Foreign Minister Sergey Lavrov’s remarks, Moscow, April 11, 2023\n"
        "Colleagues,\n"
        "We discussed cooperation in\n"
        "Days of\n"
        "CIS Map\n"
        "Ladies and gentlemen,\n"
        "Thank you.\n"
    )
    assert (
        document.turns[0].text
        == "Colleagues,\n\nWe discussed cooperation in\n\nDays of\n\nLadies and gentlemen,\n\nThank you."
    )
    assert codes(document, "dropped_noise") == [(5, "dropped a heading or caption: “CIS Map”")]
    assert [line for line, _ in codes(document, "truncated_line")] == [3, 4]


@pytest.mark.parametrize("heading", ["Further Reading", "Related", "Read more", "See also"])
def test_end_of_article_block_is_dropped(heading):
    document = parse_transcript(
        f"Remarks by Sergey Lavrov\n\nGood afternoon. We met.\n\n{heading}\n\nLavrov: West Is Losing\n\nScroll to Top"
    )
    assert [turn.text for turn in document.turns] == ["Good afternoon. We met."]
    (footer,) = codes(document, "dropped_footer")
    assert footer[0] == 5 and heading in footer[1]


def test_trailing_foreign_script_block_is_dropped_from_an_english_text():
    document = parse_transcript(
        "Remarks by Sergey Lavrov\n\nGood afternoon. We met.\n\n"
        "Дополнительные материалы\n\n  • Фото\n\n1 из 1 фотографий"
    )
    assert [turn.text for turn in document.turns] == ["Good afternoon. We met."]
    assert [line for line, _ in codes(document, "dropped_footer")] == [5]


@pytest.mark.parametrize(
    "noise",
    [
        "Photo: MFA",
        "Photo",
        "Video",
        "15:38",
        "676-12-04-2024",
        "Newsroom logo",
        "None",
        "null",
        "Scroll to Top",
        "Back to top",
        "read more in our Telegram-channel https://t.me/The_International_Affairs",
        "Subscribe to our newsletter",
        "https://example.org/news/1",
    ],
)
def test_page_noise_between_paragraphs_is_dropped(noise):
    document = parse_transcript(f"Remarks by Sergey Lavrov\n\nGood afternoon.\n\n{noise}\n\nWe met.\n")
    assert [turn.text for turn in document.turns] == ["Good afternoon.\n\nWe met."]
    assert codes(document, "dropped_noise") == [(5, f"dropped page noise: “{noise}”")]


# --- Line endings, BOM, control characters ---------------------------------------------------


def test_crlf_and_cr_line_endings_keep_line_numbers():
    text = "Remarks by Foreign Minister Sergey Lavrov\r\n\r\nQuestion: Why?\r\nSergey Lavrov: Because.\rIndeed.\r"
    document = parse_transcript(text)
    assert [(turn.kind.value, turn.text, turn.line) for turn in document.turns] == [
        (QUESTION, "Why?", 3),
        (ANSWER, "Because.\n\nIndeed.", 4),
    ]


def test_bom_tabs_and_nbsp():
    document = parse_transcript(
        "\ufeffRemarks by Sergey Lavrov\n\n\xa0\tGood afternoon.\xa0 We\tmet.\xa0\n\n\xa0\n\nQuestion:\xa0Why?\n"
    )
    assert document.title == "Remarks by Sergey Lavrov"
    assert [turn.text for turn in document.turns] == ["Good afternoon.\xa0 We\tmet.", "Why?"]


def test_control_characters_are_removed_with_a_warning():
    document = parse_transcript("Remarks by Sergey Lavrov\n\nGood\x07 after\x00noon.\x1b\n\nWe\x85 met.\n")
    assert document.turns[0].text == "Good afternoon.\n\nWe met."
    assert codes(document, "control_characters") == [
        (3, "removed 3 control character(s): U+0000, U+0007, U+001B"),
        (5, "removed 1 control character(s): U+0085"),
    ]


# --- Articles ---------------------------------------------------------------------------------

ARTICLE = """\
West’s Attempts to Push Russia Out of Central Asia Are Futile

By John Smith, Reuters

April 11, 2025

MOSCOW – Russian Foreign Minister Sergey Lavrov said on Friday that Western attempts were futile.

“These attempts are futile,” Lavrov said. “We are not going to disappear.”

Lavrov told reporters: “We have been present there historically.”

The Russian Foreign Ministry later issued a statement.

“We stand by the minister’s words,” the ministry said.

The ambassadors said they would “consider” the proposal.

“Nobody is leaving,” he added.
"""


def test_article_quotes_and_attributions():
    document = parse_transcript(ARTICLE)
    assert (document.kind, document.author, document.date) == ("article", "John Smith", datetime.date(2025, 4, 11))
    assert turns(document) == [
        (
            NARRATION,
            None,
            None,
            "MOSCOW – Russian Foreign Minister Sergey Lavrov said on Friday that Western attempts were futile.",
        ),
        (QUOTE, "Sergey Lavrov", None, "“These attempts are futile,”"),
        (NARRATION, None, None, "Lavrov said."),
        (QUOTE, "Sergey Lavrov", None, "“We are not going to disappear.”"),
        (NARRATION, None, None, "Lavrov told reporters:"),
        (QUOTE, "Sergey Lavrov", None, "“We have been present there historically.”"),
        (NARRATION, None, None, "The Russian Foreign Ministry later issued a statement."),
        (QUOTE, "Russian Foreign Ministry", None, "“We stand by the minister’s words,”"),
        (NARRATION, None, None, "the ministry said."),
        (NARRATION, None, None, "The ambassadors said they would “consider” the proposal."),
        (QUOTE, "Sergey Lavrov", None, "“Nobody is leaving,”"),  # "he": the last person mentioned
        (NARRATION, None, None, "he added."),
    ]
    assert speaker(document, "Russian Foreign Ministry").kind == SpeakerKind.ORGANISATION
    assert not codes(document, "truncated_line")


def test_article_with_aliases_uses_canonical_names():
    document = parse_transcript(ARTICLE, aliases={"Lavrov": "Sergey Lavrov", "Sergey Lavrov": "Sergey Lavrov"})
    assert {turn.speaker for turn in document.turns if turn.kind == TurnKind.QUOTE} == {
        "Sergey Lavrov",
        "Russian Foreign Ministry",
    }
    assert [message for _, message in codes(document, "new_speaker")] == [
        "new speaker “Russian Foreign Ministry” (organisation) from the text"
    ]


# --- Errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n\t \xa0\r\n", "only whitespace"),
        ("Photo: MFA\n15:38\n676-12-04-2024\nScroll to Top\n", "nothing is left"),
        ("\x00\x01\x02", "nothing is left"),
        ("Just a Headline\n", "no text after the title"),
    ],
)
def test_unparseable_input_raises_parse_error(text, message):
    with pytest.raises(ParseError, match=message):
        parse_transcript(text)


def test_to_dict_is_json_with_plain_strings():
    document = parse_transcript(STATE_DEPARTMENT, source="briefing.txt")
    data = document.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["source"] == "briefing.txt"
    assert data["date"] == "2022-03-03"
    assert type(data["turns"][0]["kind"]) is str and data["turns"][0]["kind"] == "remarks"
    assert type(data["speakers"][0]["kind"]) is str and data["speakers"][0]["kind"] == "person"


def test_a_transcript_without_headline_is_named_after_its_file():
    parsed = parse_transcript("Question: Is there a title?\nSergey Lavrov: No.\n", source="press_briefing-2024.txt")
    assert parsed.title == "press briefing 2024"
    assert [(turn.speaker, turn.kind) for turn in parsed.turns] == [
        ("Journalist", "question"),
        ("Sergey Lavrov", "answer"),
    ]
    assert [warning.code for warning in parsed.warnings] == ["no_title", "no_date", "new_speaker"]
