"""Label styles and document shapes from many publishers, on transcripts the tests write.

Each test is one habit of real transcripts (the White House's "Q" and spaces, a State
Department briefing's "Ned Price, Department Spokesperson", a label misspelt once, a list of
participants, a briefing without labels but with topic headings, …); the parser learns which
labels a document uses from the document itself.
"""

import collections
import datetime
import textwrap

from corpus_app.parsing import parse_file, parse_transcript


def speakers_and_kinds(document):
    return [(turn.speaker, turn.kind.value) for turn in document.turns]


def codes(document):
    return collections.Counter(warning.code for warning in document.warnings)


def test_state_department_briefing_resolves_mr_surname_to_the_name_under_the_headline():
    document = parse_transcript(
        "Department Press Briefing – March 1, 2022\n\n"
        "Ned Price, Department Spokesperson\n"
        "Washington, DC\n\n"
        "2:13 p.m. EST\n\n"
        "MR PRICE: Good afternoon. I have one item at the top.\n\n"
        "QUESTION: Thank you, Ned. Can you say more about the talks?\n\n"
        "MR PRICE: We will have more to say soon.\n\n"
        "QUESTION: And the sanctions?\n\n"
        "MR PRICE: They remain in place.\n"
    )
    assert document.title == "Department Press Briefing"
    assert document.date == datetime.date(2022, 3, 1)
    assert speakers_and_kinds(document) == [
        ("Ned Price", "remarks"),
        ("Journalist", "question"),
        ("Ned Price", "answer"),
        ("Journalist", "question"),
        ("Ned Price", "answer"),
    ]
    assert "new_speaker" not in codes(document)  # named under the headline
    assert any("2:13 p.m. EST" in warning.message for warning in document.warnings)


def test_a_label_misspelt_once_is_the_frequent_label_with_a_warning():
    turns = []
    for index in range(4):
        turns += [f"Q: Question number {index}?", "SENIOR ADMINISTRATION OFFICIAL: An answer."]
    turns[5] = "SENIOR ADMINSTRATION OFFICIAL: The answer with a typo in its label."
    document = parse_transcript("Background Press Call\n\n" + "\n\n".join(turns))
    assert {turn.speaker for turn in document.turns} == {"Journalist", "Senior Administration Official"}
    (typo,) = [warning for warning in document.warnings if warning.code == "label_typo"]
    assert "SENIOR ADMINSTRATION OFFICIAL" in typo.message


def test_a_list_of_participants_gives_full_names_and_is_not_a_turn():
    document = parse_transcript(
        "Press Conference on the World Economic Outlook\n\n"
        "January 21, 2026\n\n"
        "PARTICIPANTS:\n\nModerator:\n\nJOSE LUIS DE HARO\n\nCommunications Department\n\n"
        "Panelists:\n\nPIERRE-OLIVIER GOURINCHAS\n\nEconomic Counselor\n\n"
        "MR. DE HARO: Good morning and welcome.\n\n"
        "MR. GOURINCHAS: Thank you. Growth is steady.\n\n"
        "QUESTIONER: What about trade?\n\n"
        "MR. GOURINCHAS: Trade is slowing.\n"
    )
    assert speakers_and_kinds(document) == [
        ("Jose Luis De Haro", "remarks"),
        ("Pierre-Olivier Gourinchas", "remarks"),
        ("Journalist", "question"),
        ("Pierre-Olivier Gourinchas", "answer"),
    ]
    dropped = [warning.message for warning in document.warnings if warning.code == "dropped_noise"]
    assert any("JOSE LUIS DE HARO" in message for message in dropped)


def test_a_briefing_without_labels_is_a_turn_per_section_under_its_headings():
    document = parse_transcript(
        "Briefing by Foreign Ministry Spokesperson Maria Zakharova\n\n"
        "Good afternoon. I will start with the minister's schedule.\n\n"
        "Ministerial Meeting in Ankara\n\n"
        "On April 14 we will take part in talks in Ankara.\n\n"
        "Humanitarian Aid to Gaza\n\n"
        "We continue to send aid. The next convoy leaves on Friday.\n"
    )
    assert [turn.text[:20] for turn in document.turns] == [
        "Good afternoon. I wi",
        "On April 14 we will ",
        "We continue to send ",
    ]
    assert {turn.speaker for turn in document.turns} == {"Maria Zakharova"}


def test_names_alone_on_their_lines_are_labels_when_they_recur():
    document = parse_transcript(
        "Interview with the Minister\n\n"
        "Interviewer\nHow do you see the situation?\n\n"
        "Minister\nIt is a law and order situation.\n\n"
        "Interviewer\nAnd the wider causes?\n\n"
        "Minister\nThose need a longer answer.\n"
    )
    assert speakers_and_kinds(document) == [
        ("Journalist", "question"),
        ("Minister", "answer"),
        ("Journalist", "question"),
        ("Minister", "answer"),
    ]


def test_hard_wrapped_text_becomes_paragraphs_without_cut_off_warnings():
    speech = (
        "We discussed the full range of our bilateral relations, including trade, energy and the "
        "situation in the region, and we agreed to meet again before the end of the year."
    )
    wrapped = "\n".join(textwrap.wrap(f"Sergey Lavrov: {speech}", 64))
    question = "\n".join(textwrap.wrap("Question: What did you agree on about energy and the transit of gas?", 64))
    document = parse_transcript(f"Press conference, Moscow, April 11, 2025\n\n{wrapped}\n\n{question}\n\n{wrapped}\n")
    assert [turn.text for turn in document.turns][0] == speech
    assert len(document.turns) == 3
    assert "truncated_line" not in codes(document)


def test_a_line_that_truly_stops_mid_sentence_is_still_reported():
    document = parse_transcript(
        "Press conference, Moscow, April 11, 2025\n\n"
        "Sergey Lavrov: I would like to congratulate my colleague, Murat Nurtleu, from\n\n"
        "Question: Thank you. What about the corridor?\n"
    )
    (warning,) = [warning for warning in document.warnings if warning.code == "truncated_line"]
    assert warning.line == 3


def test_role_labels_resolve_to_the_people_the_front_matter_names():
    text = (
        "---\n"
        'title: "Press conference, President of the United States and Prime Minister Howard, Canberra"\n'
        "date: 1996-11-20\n"
        "creators:\n"
        '  - "Howard, John"\n'
        '  - "Clinton, Bill"\n'
        "---\n"
        "PRIME MINISTER HOWARD: Welcome, Mr President.\n\n"
        "THE PRESIDENT: Thank you, Prime Minister.\n\n"
        "Q: Mr President, what about trade?\n\n"
        "THE\nPRESIDENT: We discussed it at length.\n"
    )
    document = parse_file(text.encode(), source="canberra.txt")
    assert speakers_and_kinds(document) == [
        ("John Howard", "remarks"),
        ("Bill Clinton", "remarks"),
        ("Journalist", "question"),
        ("Bill Clinton", "answer"),
    ]
    assert document.date == datetime.date(1996, 11, 20)


def test_outlets_as_labels_ask_the_questions_in_a_dialogue():
    document = parse_transcript(
        "Foreign Ministry Spokesperson Zhao Lijian's Regular Press Conference on June 2, 2020\n\n"
        "China Daily: It was announced that a team of experts will travel. Can you give details?\n\n"
        "Zhao Lijian: China and Africa are good brothers.\n\n"
        "Reuters: Will China retaliate?\n\n"
        "Zhao Lijian: We have made our position clear.\n\n"
        "NHK: Is a phone call planned?\n\n"
        "Zhao Lijian: I have nothing to share at the moment.\n"
    )
    assert document.date == datetime.date(2020, 6, 2)
    assert [kind for _, kind in speakers_and_kinds(document)] == ["question", "answer"] * 3
    assert {turn.speaker for turn in document.turns if turn.kind == "question"} == {"China Daily", "Reuters", "NHK"}


def test_dates_in_common_forms():
    for line, expected in [
        ("Moscow, April 22, 2015", datetime.date(2015, 4, 22)),
        ("15 May 201921:30", datetime.date(2019, 5, 15)),
        ("Tue, 09/01/2015 - 17:34", datetime.date(2015, 9, 1)),
        ("时间：2004年1月28日下午", datetime.date(2004, 1, 28)),
    ]:
        document = parse_transcript(f"Remarks to the press\n\n{line}\n\nSergey Lavrov: Good afternoon.\n")
        assert document.date == expected, line


def test_a_speaker_key_of_initials_names_the_speakers_of_a_two_column_transcript():
    document = parse_transcript(
        "COVID-19 virtual press conference - 22 June 2020\n\n"
        "Speaker key:\nCL\tChristian Lindmeier\nTAG\tDr Tedros Adhanom Ghebreyesus\nMK\tDr Maria Van Kerkhove\n\n"
        "CL\tGood morning and welcome to this press conference.\n\n"
        "TAG\tThank you, Christian. Good morning everyone.\n\n"
        "CL\tThank you. The first question goes to Helen.\n\n"
        "HE\tHello, can you hear me? What about the new cases?\n\n"
        "MK\tYes, thank you. The cases are rising in some regions.\n"
    )
    assert speakers_and_kinds(document) == [
        ("Christian Lindmeier", "remarks"),
        ("Tedros Adhanom Ghebreyesus", "remarks"),
        ("Christian Lindmeier", "remarks"),
        ("HE", "question"),  # a journalist's initials, in the speakers' column
        ("Maria Van Kerkhove", "answer"),
    ]
    assert document.date == datetime.date(2020, 6, 22)


def test_a_label_of_role_and_name_around_a_comma():
    document = parse_transcript(
        "Transcript of Weekly Media Briefing by the Official Spokesperson (June 2, 2022)\n\n"
        "Official Spokesperson, Shri Arindam Bagchi: Good afternoon, friends.\n\n"
        "Question: What about the visit?\n\n"
        "Official Spokesperson, Shri Arindam Bagchi: It is being planned.\n"
    )
    assert speakers_and_kinds(document) == [
        ("Arindam Bagchi", "remarks"),
        ("Journalist", "question"),
        ("Arindam Bagchi", "answer"),
    ]


def test_names_in_capitals_with_a_full_stop_are_labels_where_a_text_uses_them_throughout():
    document = parse_transcript(
        "Transcript of Chair Powell's Press Conference, June 14, 2023\n\n"
        "CHAIR POWELL. Good afternoon. My colleagues and I remain squarely focused on our goal.\n\n"
        "MICHELLE SMITH. Thank you. Nick.\n\n"
        "NICK TIMIRAOS. Thank you. Chair Powell, why hold rates steady today?\n\n"
        "CHAIR POWELL. So we decided to hold the target range steady.\n\n"
        "MICHELLE SMITH. Rachel.\n\n"
        "RACHEL SIEGEL. Thanks for taking our questions. What changed since May?\n\n"
        "CHAIR POWELL. The economy has been resilient.\n"
    )
    speakers = [turn.speaker for turn in document.turns]
    assert speakers == [
        "Chair Powell",
        "Michelle Smith",
        "Nick Timiraos",
        "Chair Powell",
        "Michelle Smith",
        "Rachel Siegel",
        "Chair Powell",
    ]
    assert [turn.kind.value for turn in document.turns if turn.speaker in {"Nick Timiraos", "Rachel Siegel"}] == [
        "question",
        "question",
    ]


def test_a_recordings_times_are_taken_out_of_its_labels_and_reported_once():
    document = parse_transcript(
        "President Biden Remarks on the Economy Transcript\n\n"
        "Joe Biden: (00:00)\nThank you very much. Please sit down.\n\n"
        "Reporter 1: (00:45)\nMr. President, what about inflation?\n\n"
        "Joe Biden: (00:50)\nInflation is coming down.\n\n"
        "Reporter 2: (01:10)\nAnd the jobs report?\n"
    )
    assert speakers_and_kinds(document) == [
        ("Joe Biden", "remarks"),
        ("Journalist", "question"),
        ("Joe Biden", "answer"),
        ("Journalist", "question"),
    ]
    assert [turn.label for turn in document.turns][1::2] == ["Reporter 1", "Reporter 2"]
    (dropped,) = [warning for warning in document.warnings if "recording times" in warning.message]
    assert "4 lines" in dropped.message


def test_names_with_times_alone_on_their_lines_and_times_before_labels():
    interview = parse_transcript(
        "Interview with the Minister\n\n"
        "Jane Doe  0:03\nWelcome to the programme. What brings you here?\n\n"
        "Minister Wong  0:10\nThank you for having me. Trade does.\n\n"
        "Jane Doe  1:02\nAnd what about the region?\n"
    )
    assert speakers_and_kinds(interview) == [
        ("Jane Doe", "question"),
        ("Minister Wong", "answer"),
        ("Jane Doe", "question"),
    ]
    briefing = parse_transcript(
        "Weekly Briefing\n\n"
        "[00:00:01] MODERATOR: Good morning, everyone.\n"
        "[00:00:05] QUESTION 1: What about the talks?\n"
        "[00:00:09] SPOKESPERSON: They went well.\n"
    )
    assert [turn.text for turn in briefing.turns] == [
        "Good morning, everyone.",
        "What about the talks?",
        "They went well.",
    ]
