"""The annotating reading view: the segment algorithm, server-rendered highlights, the no-JS form."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations import services
from annotations.highlight import Highlight, kind_classes, render, segments
from annotations.models import Annotation, Claim
from tests.factories import make_annotation, make_document, make_target, make_topic, make_user

# --- the segment algorithm (pure) -----------------------------------------------------------


def spans(result):
    return [(s.text, s.annotations) for s in result]


def test_segments_without_highlights_is_the_whole_text():
    assert spans(segments("Good afternoon.", [])) == [("Good afternoon.", ())]
    assert segments("", [Highlight(1, 0, 3)]) == []


def test_overlapping_passages_are_cut_at_every_boundary():
    text = "abcdefghijklmnopqrst"
    result = segments(text, [Highlight(3, 0, 10, ("hl-topic",)), Highlight(7, 5, 15, ("hl-stance-opposes",))])
    assert spans(result) == [("abcde", (3,)), ("fghij", (3, 7)), ("klmno", (7,)), ("pqrst", ())]
    assert "".join(s.text for s in result) == text
    middle = result[1]
    assert middle.classes == ("hl", "hl-topic", "hl-stance-opposes", "hl-depth-2")
    assert result[0].anchors == (3,) and middle.anchors == (7,) and result[2].anchors == ()


def test_adjacent_passages_do_not_overlap():
    result = segments("aaaabbbb", [Highlight(1, 0, 4), Highlight(2, 4, 8)])
    assert spans(result) == [("aaaa", (1,)), ("bbbb", (2,))]
    assert [s.classes[-1] for s in result] == ["hl-depth-1", "hl-depth-1"]


def test_nested_passage_is_listed_inside_the_outer_one():
    result = segments("0123456789", [Highlight(9, 3, 5), Highlight(4, 0, 10)])
    assert spans(result) == [("012", (4,)), ("34", (4, 9)), ("56789", (4,))]
    assert result[1].anchors == (9,)


def test_passages_starting_together_share_the_first_segment():
    result = segments("0123456789", [Highlight(2, 0, 4), Highlight(1, 0, 8), Highlight(5, 0, 4)])
    # Outermost first, then by id.
    assert result[0].annotations == (1, 2, 5)
    assert result[0].anchors == (1, 2, 5)
    assert result[0].classes[-1] == "hl-depth-3"
    html = render("0123456789", [Highlight(2, 0, 4), Highlight(1, 0, 8), Highlight(5, 0, 4)])
    assert html.count('id="annotation-1"') == html.count('id="annotation-2"') == html.count('id="annotation-5"') == 1


def test_full_turn_passage_and_offsets_out_of_range_are_clipped():
    text = "The CIS is one of them."
    assert spans(segments(text, [Highlight(1, 0, len(text))])) == [(text, (1,))]
    assert spans(segments(text, [Highlight(1, -3, 100)])) == [(text, (1,))]
    assert spans(segments(text, [Highlight(1, 5, 5)])) == [(text, ())]


def test_astral_characters_count_as_one_code_point():
    text = "a😀b𝒞d"
    result = segments(text, [Highlight(1, 1, 2), Highlight(2, 3, 4)])
    assert spans(result) == [("a", ()), ("😀", (1,)), ("b", ()), ("𝒞", (2,)), ("d", ())]


def test_render_escapes_text_and_marks_covered_segments():
    html = render("x <script>alert(1)</script> y", [Highlight(4, 2, 10, ("hl-claim-unverified",))])
    assert "<script>" not in html
    assert (
        '<mark class="hl hl-claim-unverified hl-depth-1" id="annotation-4" data-annotations="4">&lt;script&gt;</mark>'
        in html
    )
    assert html.startswith("x ") and html.endswith("alert(1)&lt;/script&gt; y")


def test_kind_classes():
    assert kind_classes(has_topics=True) == ("hl-topic",)
    assert kind_classes(has_topics=False, polarity="opposes", claim_status="in_review") == (
        "hl-stance-opposes",
        "hl-claim-in-review",
    )


# --- the reading page ----------------------------------------------------------------------


def turn_html(content, turn):
    match = re.search(rf'data-turn="{turn.pk}">.*?<div class="turn-text">(.*?)</div>', content, re.S)
    assert match, f"turn {turn.pk} not rendered"
    return match.group(1)


@pytest.mark.django_db
def test_highlights_are_rendered_on_the_server_with_overlaps(client, viewer):
    document = make_document()
    turn = document.turns.get(position=0)  # "National currencies now account for 85 percent of payments."
    topic = make_topic("Payments")
    eu = make_target("European Union")
    first = make_annotation(turn=turn, start=0, end=len("National currencies now account"), topics=[topic])
    second_start = turn.text.index("currencies")
    second_end = second_start + len("currencies now account for 85 percent")
    second = make_annotation(turn=turn, start=second_start, end=second_end, polarity="opposes", target=eu, claim=True)
    client.force_login(viewer)
    content = client.get(document.get_absolute_url()).content.decode()
    html = turn_html(content, turn)
    assert f'<mark class="hl hl-topic hl-depth-1" id="annotation-{first.pk}" data-annotations="{first.pk}">' in html
    assert (
        f'<mark class="hl hl-topic hl-stance-opposes hl-claim-unverified hl-depth-2" id="annotation-{second.pk}" '
        f'data-annotations="{first.pk} {second.pk}">currencies now account</mark>'
    ) in html
    assert (
        f'<mark class="hl hl-stance-opposes hl-claim-unverified hl-depth-1" data-annotations="{second.pk}">'
        " for 85 percent</mark>" in html
    )
    # The marks add no text: the element's text is the turn's text.
    assert re.sub(r"<[^>]+>", "", html) == turn.text
    # The legend explains the colours.
    assert "Legend" in content and "Claim: Unverified" in content


@pytest.mark.django_db
def test_annotations_are_embedded_as_json_for_the_script(client, editor):
    document = make_document()
    annotation = make_annotation(turn=document.turns.first(), topics=[make_topic("CIS", parent=make_topic("Region"))])
    client.force_login(editor)
    response = client.get(document.get_absolute_url())
    data = json.loads(
        re.search(r'id="reader-annotations" type="application/json">(.*?)</script>', response.content.decode()).group(1)
    )
    assert [a["id"] for a in data] == [annotation.pk]
    assert data[0]["topics"][0]["path"] == "Region › CIS"
    assert data[0]["version"] == 1 and data[0]["can_delete"] is False
    topics = response.context["topic_tree"]
    assert [t["path"] for t in topics] == ["Region", "Region › CIS"]
    assert response.context["can_edit"] is True and response.context["can_review"] is False


@pytest.mark.django_db
def test_script_in_turn_text_and_note_is_shown_escaped(client, editor):
    document = make_document(turns=[("Sergey Lavrov", "remarks", "He said <script>alert('turn')</script> twice.")])
    turn = document.turns.get()
    annotation = services.annotation_create(
        user=editor,
        turn=turn,
        start=8,
        end=38,
        quote=turn.text[8:38],
        claim=True,
        note="<script>alert('note')</script>",
    )
    client.force_login(editor)
    content = client.get(document.get_absolute_url()).content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&#x27;turn&#x27;)&lt;/script&gt;" in turn_html(content, turn)
    assert f'id="annotation-{annotation.pk}"' in content
    # In the JSON for the script, < and > are escaped too.
    assert "\\u003Cscript\\u003Ealert('note')\\u003C/script\\u003E" in content


@pytest.mark.django_db
def test_viewer_sees_highlights_but_no_editing_controls(client, viewer):
    document = make_document()
    annotation = make_annotation(turn=document.turns.first(), topics=[make_topic()])
    client.force_login(viewer)
    content = client.get(document.get_absolute_url()).content.decode()
    assert f'id="annotation-{annotation.pk}"' in content
    assert 'class="hl hl-topic' in content
    for control in [
        'id="annotation-form"',
        'id="annotate-nojs"',
        "Annotate without JavaScript",
        'id="topic-input"',
        reverse("annotations:annotate-form", args=[document.pk]),
        "Flag as claim",
        "Delete…",
    ]:
        assert control not in content, control
    assert "Click a highlight to see its annotation." in content


@pytest.mark.django_db
def test_editor_sees_the_panel_and_the_no_js_form(client, editor):
    document = make_document()
    make_topic("Payments", parent=make_topic("Sanctions & economy"))
    make_target("European Union")
    client.force_login(editor)
    content = client.get(document.get_absolute_url()).content.decode()
    for control in [
        'id="annotation-form"',
        'id="annotate-nojs"',
        'id="topic-input"',
        'name="csrfmiddlewaretoken"',
        reverse("annotations:annotate-form", args=[document.pk]),
        "Sanctions &amp; economy › Payments",
        ">European Union</option>",
        "annotations/reader.js",
        "annotations/reader.css",
    ]:
        assert control in content, control
    # The turn select lists position, speaker and first words.
    assert "#1 Sergey Lavrov: National currencies now account for 85 percent of…" in content


# --- the no-JavaScript form ------------------------------------------------------------------


def annotate_url(document):
    return reverse("annotations:annotate-form", args=[document.pk])


@pytest.mark.django_db
def test_no_js_form_creates_an_annotation_and_redirects_with_a_message(client, editor):
    document = make_document()
    turn = document.turns.get(position=2)  # "The CIS is one of them. It has established working ties."
    topic, eu = make_topic("CIS"), make_target("European Union")
    client.force_login(editor)
    response = client.post(
        annotate_url(document),
        {
            "turn": turn.pk,
            "passage": "  It has established working ties.\r\n",
            "topics": [topic.pk],
            "polarity": "supports",
            "target": eu.pk,
            "claim": "on",
            "note": "Check the SCO link.",
        },
    )
    annotation = Annotation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{document.get_absolute_url()}#annotation-{annotation.pk}"
    assert (annotation.turn, annotation.start, annotation.end) == (turn, 24, 56)
    assert annotation.quote == "It has established working ties."
    assert list(annotation.topics.all()) == [topic]
    assert (annotation.polarity, annotation.target, annotation.note) == ("supports", eu, "Check the SCO link.")
    assert annotation.author == editor and annotation.claim.status == "unverified"
    page = client.get(response["Location"]).content.decode()
    assert "Annotation saved." in page
    assert f'id="annotation-{annotation.pk}"' in page


@pytest.mark.django_db
def test_no_js_form_uses_the_first_of_several_occurrences_and_says_so(client, editor):
    document = make_document(turns=[("Sergey Lavrov", "remarks", "The CIS works. The CIS grows.")])
    client.force_login(editor)
    response = client.post(
        annotate_url(document), {"turn": document.turns.get().pk, "passage": "The CIS", "claim": "on"}, follow=True
    )
    annotation = Annotation.objects.get()
    assert (annotation.start, annotation.end) == (0, 7)
    assert "The passage occurs 2 times in this turn; the first occurrence was annotated." in response.content.decode()


@pytest.mark.django_db
def test_no_js_form_passage_not_found_shows_an_error_and_keeps_the_input(client, editor):
    document = make_document()
    turn = document.turns.get(position=0)
    client.force_login(editor)
    response = client.post(
        annotate_url(document),
        {"turn": turn.pk, "passage": "National currencies account for 90 percent", "claim": "on", "note": "my note"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "This passage is not in turn #1." in content
    assert "National currencies account for 90 percent" in content and "my note" in content
    assert "The annotation was not saved" in content
    assert '<details class="nojs-annotate" id="annotate-nojs" open>' in content
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_no_js_form_needs_a_tag_and_a_complete_stance(client, editor):
    document = make_document()
    turn = document.turns.get(position=0)
    client.force_login(editor)
    response = client.post(annotate_url(document), {"turn": turn.pk, "passage": "National currencies"})
    assert "Nothing is tagged" in response.content.decode()
    response = client.post(annotate_url(document), {"turn": turn.pk, "passage": "National", "polarity": "opposes"})
    assert "A stance needs a target" in response.content.decode()
    other_document_turn = make_document().turns.first()
    response = client.post(
        annotate_url(document), {"turn": other_document_turn.pk, "passage": "National", "claim": "on"}
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_no_js_form_refuses_viewers_and_anonymous_users(client, viewer):
    document = make_document()
    data = {"turn": document.turns.first().pk, "passage": "National currencies", "claim": "on"}
    response = client.post(annotate_url(document), data)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(viewer)
    assert client.post(annotate_url(document), data).status_code == 403
    assert not Annotation.objects.exists() and not Claim.objects.exists()


@pytest.mark.django_db
def test_no_js_form_is_post_only(client, editor):
    document = make_document()
    client.force_login(editor)
    assert client.get(annotate_url(document)).status_code == 405


@pytest.mark.django_db
def test_reading_view_needs_login(client):
    document = make_document()
    response = client.get(document.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- queries --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reading_view_query_count_does_not_grow_with_annotations(client):
    editor = make_user("Editor")
    reviewer = make_user("Reviewer")
    parent = make_topic("Sanctions & economy")
    topics = [make_topic("Payments", parent=parent), make_topic("Trade", parent=parent)]
    eu = make_target("European Union")
    turns_text = [
        ("Sergey Lavrov", "answer", f"Paragraph {n}: national currencies now account for 85 percent.")
        for n in range(12)
    ]
    document = make_document(turns=turns_text)
    turns = list(document.turns.order_by("position"))
    make_annotation(turn=turns[0], start=0, end=9, author=editor, topics=topics)
    client.force_login(editor)
    url = document.get_absolute_url()
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200

    for n in range(60):
        turn = turns[n % len(turns)]
        annotation = make_annotation(
            turn=turn,
            start=n % 20,
            end=n % 20 + 15,
            author=editor if n % 2 else reviewer,
            topics=topics[: n % 3],
            polarity="opposes" if n % 4 == 0 else "",
            target=eu,
            claim=n % 5 == 0,
        )
        if n % 10 == 0:
            services.claim_set_status(
                user=reviewer,
                claim_id=annotation.claim.pk,
                status="accurate",
                rationale="Checked.",
                evidence=["https://example.org/source"],
            )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.context["annotation_count"] == 61
    assert "hl-claim-accurate" in response.content.decode()
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]
    # The page's JSON is the API's shape (annotations.api_json.annotation_json), value for value,
    # written exactly as json.dumps writes it, in reading order.
    from annotations.api import _reader_queryset
    from annotations.api_json import annotation_json, topic_paths

    paths = topic_paths()
    reader = _reader_queryset().filter(turn__document=document).order_by("turn__position", "start", "-end", "pk")
    expected = [annotation_json(a, editor, paths) for a in reader]
    script = re.search(
        r'id="reader-annotations" type="application/json">(.*?)</script>', response.content.decode()
    ).group(1)
    assert json.loads(script) == expected
    assert script == json.dumps(expected).replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    assert [int(pk) for pk in re.findall(r'class="ann-link" href="#annotation-(\d+)"', response.content.decode())] == [
        a["id"] for a in expected
    ]


def test_fast_render_matches_the_segments_rendering():
    """``render`` (one tight loop) gives exactly ``render_segments(segments(...))``."""
    import random

    from annotations.highlight import render_segments

    rng = random.Random(5)
    kinds = [(), ("hl-topic",), ("hl-stance-opposes", "hl-topic"), ("hl-claim-in-review",)]
    for _ in range(300):
        text = "".join(rng.choice("ab <&>\"'é😀\n") for _ in range(rng.randint(0, 40)))
        highlights = [
            Highlight(rng.randint(1, 30), rng.randint(-3, 45), rng.randint(-3, 45), rng.choice(kinds))
            for _ in range(rng.randint(0, 7))
        ]
        assert str(render(text, highlights)) == str(render_segments(segments(text, highlights)))


def test_quick_select_widgets_render_like_django():
    from django import forms

    from annotations.forms import QuickSelect, QuickSelectMultiple

    choices = [("", "Choose…"), (1, 'a <b> & "c"'), (2, "d")]
    attrs = {"id": "x", "required": True, "aria-invalid": "true", "aria-describedby": "x_helptext"}
    for plain, quick, value in [
        (forms.Select, QuickSelect, 2),
        (forms.Select, QuickSelect, None),
        (forms.Select, QuickSelect, ""),
        (forms.SelectMultiple, QuickSelectMultiple, [1, 2]),
        (forms.SelectMultiple, QuickSelectMultiple, None),
    ]:
        expected = plain(choices=choices, attrs={"size": 6}).render("t", value, attrs)
        assert quick(choices=choices, attrs={"size": 6}).render("t", value, attrs) == expected


OLD_TURN_TEMPLATE = """{% for turn in turns %}
    <section class="turn turn-{{ turn.kind }}" id="turn-{{ turn.position }}" data-turn="{{ turn.pk }}">
      <header class="turn-head">
        {% if turn.speaker %}<a class="speaker" href="#turn-{{ turn.position }}">{{ turn.speaker.name }}</a>{% else %}<span class="speaker none">{% if turn.kind == "narration" %}Narration{% elif turn.kind == "editorial_note" %}Editorial note{% else %}Unattributed{% endif %}</span>{% endif %}
        {% if turn.label and turn.label != turn.speaker.name and turn.label|lower != turn.get_kind_display|lower %}<span class="label" title="Label as written in the source">{{ turn.label }}</span>{% endif %}
        <span class="kind kind-{{ turn.kind }}">{{ turn.get_kind_display }}</span>
      </header>
      <div class="turn-text">{{ turn.highlighted }}</div>
    </section>
  {% endfor %}"""  # noqa: E501 (the template the reading view used before turn_section)


@pytest.mark.django_db
def test_turn_sections_are_what_the_template_rendered():
    from django.template import Context, Template

    from annotations.reader_views import reading_turns, turn_section

    document = make_document(
        turns=[
            ("Sergey Lavrov", "answer", "He said <b>this</b> & that."),
            (None, "narration", "The room went quiet."),
            (None, "editorial_note", "Cut here."),
            (None, "question", "Anyone <there>?"),
        ]
    )
    turns = reading_turns(document)
    labels = ["Lavrov & co", "", "EDITORIAL NOTE", "Q <1>"]
    for turn, label in zip(turns, labels, strict=True):
        turn.label = label
        turn.highlighted = render(turn.text, [Highlight(1, 0, 4, ("hl-topic",))])
    expected = Template(OLD_TURN_TEMPLATE).render(Context({"turns": turns}))
    assert "".join(turn_section(turn) for turn in turns) == expected


def test_list_excerpt_is_the_truncators():
    from django.utils.text import Truncator

    from annotations.reader_views import LIST_QUOTE_CHARS, _excerpt

    samples = ["short", "a" * 90, "a" * 91, "word " * 40, "é" * 95, "e\u0301" * 95, "x" * 88 + "……" + "y" * 9]
    samples += ["“Quoted” — text, ’tis " * 6, "  spaced\n\nout  " * 12]
    for quote in samples:
        assert _excerpt(quote) == Truncator(" ".join(quote.split())).chars(LIST_QUOTE_CHARS), quote


@pytest.mark.django_db
def test_reading_turns_answer_like_turns():
    """The page reads turns as plain rows; they answer what the template, the sections and the form ask."""
    from annotations.forms import turn_choice_label
    from annotations.reader_views import reading_turns

    document = make_document(
        turns=[
            ("Sergey Lavrov", "answer", "He said <b>this</b> & that, and then a good deal more than eight words."),
            (None, "narration", "The room went quiet."),
            (None, "editorial_note", "Cut here."),
        ]
    )
    for turn, row in zip(document.turns.for_reading(), reading_turns(document), strict=True):
        assert (row.pk, row.position, row.kind, row.label, row.text, row.speaker_id) == (
            turn.pk,
            turn.position,
            turn.kind,
            turn.label,
            turn.text,
            turn.speaker_id,
        )
        assert row.get_kind_display() == turn.get_kind_display()
        assert (row.speaker and row.speaker.name) == (turn.speaker and turn.speaker.name)
        assert turn_choice_label(row) == turn_choice_label(turn)


@pytest.mark.django_db
def test_timestamps_in_the_json_are_what_isoformat_writes(client, editor):
    """The database formats them (annotations.reader_views.IsoTimestamp): whole seconds too."""
    from datetime import UTC, datetime

    document = make_document()
    annotation = make_annotation(turn=document.turns.first(), topics=[make_topic()], claim=True)
    moment = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    Annotation.objects.filter(pk=annotation.pk).update(created_at=moment)
    Claim.objects.filter(annotation=annotation).update(reviewed_at=moment.replace(microsecond=120))
    client.force_login(editor)
    response = client.get(document.get_absolute_url())
    data = json.loads(
        re.search(r'id="reader-annotations" type="application/json">(.*?)</script>', response.content.decode()).group(1)
    )
    assert data[0]["created_at"] == "2025-03-04T05:06:07+00:00"
    assert data[0]["updated_at"] == Annotation.objects.get(pk=annotation.pk).updated_at.isoformat()
    assert data[0]["claim"]["reviewed_at"] == "2025-03-04T05:06:07.000120+00:00"
