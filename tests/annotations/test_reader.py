"""The annotating reading view: the segment algorithm, server-rendered highlights, the no-JS form."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations import services
from annotations.highlight import kind_classes
from annotations.models import Annotation, Claim
from corpus_app.models import Turn, TurnKind
from tests.factories import make_annotation, make_document, make_target, make_topic, make_user

# --- the highlights (a turn as the reading view writes it, without the database) ----------------


class _Marks(HTMLParser):
    """Reads a turn's highlighted text back as segments: (text, annotation ids, classes, anchors)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.segments, self.mark = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "mark":
            anchors = [int(attrs["id"].removeprefix("annotation-"))] if "id" in attrs else []
            ids = tuple(int(pk) for pk in attrs["data-annotations"].split())
            self.mark = ["", ids, tuple(attrs["class"].split()), anchors]
        elif tag == "span" and attrs.get("class") == "hl-anchor":
            self.mark[3].append(int(attrs["id"].removeprefix("annotation-")))

    def handle_endtag(self, tag):
        if tag == "mark":
            text, ids, classes, anchors = self.mark
            self.segments.append((text, ids, classes, tuple(anchors)))
            self.mark = None

    def handle_data(self, data):
        if self.mark is not None:
            self.mark[0] += data
        elif self.segments and not self.segments[-1][1]:
            self.segments[-1] = (self.segments[-1][0] + data, (), (), ())
        else:
            self.segments.append((data, (), (), ()))


def highlighted_html(text, passages):
    """The HTML of a turn's text highlighted with ``(id, start, end, classes)`` passages, as the
    reading view's turn template writes it."""
    turn = Turn(pk=1, position=0, kind=TurnKind.REMARKS, text=text)
    turn.passages = [(start, end, pk, classes) for pk, start, end, classes in passages]
    html = render_to_string("annotations/_reading_turn.html", {"turn": turn})
    return re.search(r'<div class="turn-text">(.*?)</div>', html, re.S).group(1)


def segments(text, passages):
    """``text`` highlighted with ``(id, start, end, classes)`` passages, read back as segments."""
    parser = _Marks()
    parser.feed(highlighted_html(text, passages))
    parser.close()
    return parser.segments


def spans(result):
    return [(text, ids) for text, ids, _, _ in result]


def test_text_without_passages_is_the_whole_text():
    assert spans(segments("Good afternoon.", [])) == [("Good afternoon.", ())]
    assert segments("", [(1, 0, 3, ())]) == []


def test_overlapping_passages_are_cut_at_every_boundary():
    text = "abcdefghijklmnopqrst"
    result = segments(text, [(3, 0, 10, ("hl-topic",)), (7, 5, 15, ("hl-stance-opposes",))])
    assert spans(result) == [("abcde", (3,)), ("fghij", (3, 7)), ("klmno", (7,)), ("pqrst", ())]
    assert "".join(text for text, _, _, _ in result) == text
    middle = result[1]
    assert middle[2] == ("hl", "hl-topic", "hl-stance-opposes", "hl-depth-2")
    assert result[0][3] == (3,) and middle[3] == (7,) and result[2][3] == ()


def test_adjacent_passages_do_not_overlap():
    result = segments("aaaabbbb", [(1, 0, 4, ()), (2, 4, 8, ())])
    assert spans(result) == [("aaaa", (1,)), ("bbbb", (2,))]
    assert [classes[-1] for _, _, classes, _ in result] == ["hl-depth-1", "hl-depth-1"]


def test_nested_passage_is_listed_inside_the_outer_one():
    result = segments("0123456789", [(9, 3, 5, ()), (4, 0, 10, ())])
    assert spans(result) == [("012", (4,)), ("34", (4, 9)), ("56789", (4,))]
    assert result[1][3] == (9,)


def test_passages_starting_together_share_the_first_segment():
    passages = [(2, 0, 4, ()), (1, 0, 8, ()), (5, 0, 4, ())]
    result = segments("0123456789", passages)
    # Outermost first, then by id; each passage's link target appears once.
    assert result[0][1] == (1, 2, 5)
    assert result[0][3] == (1, 2, 5)
    assert result[0][2][-1] == "hl-depth-3"


def test_full_turn_passage_and_offsets_out_of_range_are_clipped():
    text = "The CIS is one of them."
    assert spans(segments(text, [(1, 0, len(text), ())])) == [(text, (1,))]
    assert spans(segments(text, [(1, -3, 100, ())])) == [(text, (1,))]
    assert spans(segments(text, [(1, 5, 5, ())])) == [(text, ())]


def test_astral_characters_count_as_one_code_point():
    text = "a😀b𝒞d"
    result = segments(text, [(1, 1, 2, ()), (2, 3, 4, ())])
    assert spans(result) == [("a", ()), ("😀", (1,)), ("b", ()), ("𝒞", (2,)), ("d", ())]


def test_highlighted_text_is_escaped():
    text = "x <script>alert(1)</script> & \"y\" 'z'"
    html = highlighted_html(text, [(4, 2, 10, ("hl-claim-unverified",)), (5, 30, 33, ())])
    assert "<script>" not in html and "</script>" not in html
    result = segments(text, [(4, 2, 10, ("hl-claim-unverified",)), (5, 30, 33, ())])
    assert "".join(text for text, _, _, _ in result) == text
    assert result[1] == ("<script>", (4,), ("hl", "hl-claim-unverified", "hl-depth-1"), (4,))
    assert result[3] == ('"y"', (5,), ("hl", "hl-depth-1"), (5,))
    assert spans(segments("a & b", [(1, 2, 3, ())])) == [("a ", ()), ("&", (1,)), (" b", ())]


def test_kind_classes():
    assert kind_classes(has_topics=True) == ("hl-topic",)
    assert kind_classes(has_topics=False, polarity="opposes", claim_status="in_review") == (
        "hl-stance-opposes",
        "hl-claim-in-review",
    )


# --- the reading page ----------------------------------------------------------------------


def turn_html(content, turn):
    match = re.search(rf'data-turn="{turn.pk}"[^>]*>.*?<div class="turn-text">(.*?)</div>', content, re.S)
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
    assert response.context["can_edit"] is True


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


EDITING_CONTROLS = ['id="annotation-form"', 'id="annotate-nojs"', 'id="topic-input"']


@pytest.mark.django_db
def test_viewer_sees_highlights_but_no_editing_controls(client, viewer):
    document = make_document()
    annotation = make_annotation(turn=document.turns.first(), topics=[make_topic()])
    client.force_login(viewer)
    content = client.get(document.get_absolute_url()).content.decode()
    assert f'id="annotation-{annotation.pk}"' in content
    assert 'class="hl hl-topic' in content
    for control in [
        *EDITING_CONTROLS,
        "Annotate without JavaScript",
        annotate_url(document),
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
        *EDITING_CONTROLS,
        'name="csrfmiddlewaretoken"',
        annotate_url(document),
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

    verdict = {"status": "accurate", "rationale": "Checked.", "evidence": ["https://example.org/source"]}
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
            services.claim_set_status(user=reviewer, claim_id=annotation.claim.pk, **verdict)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert "hl-claim-accurate" in response.content.decode()
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]
    # The page's JSON is the API's, value for value, in reading order.
    api = client.get(reverse("annotations:api-annotations"), {"document": document.pk}).json()["annotations"]
    order = {turn.pk: turn.position for turn in turns}
    expected = sorted(api, key=lambda a: (order[a["turn"]], a["start"], -a["end"], a["id"]))
    script = re.search(
        r'id="reader-annotations" type="application/json">(.*?)</script>', response.content.decode()
    ).group(1)
    assert len(json.loads(script)) == 61
    assert json.loads(script) == expected
    assert [int(pk) for pk in re.findall(r'class="ann-link" href="#annotation-(\d+)"', response.content.decode())] == [
        a["id"] for a in expected
    ]


class _Selects(HTMLParser):
    """The no-JavaScript form's selects: {name: [(value, label, selected)]}."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.selects, self.select, self.option = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select" and attrs.get("id", "").startswith("nojs-"):
            self.select = self.selects.setdefault(attrs["name"], [])
        elif tag == "option" and self.select is not None:
            self.option = [attrs["value"], "", "selected" in attrs]
            self.select.append(self.option)

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        self.option = None

    def handle_data(self, data):
        if self.option is not None:
            self.option[1] += data


def no_js_selects(content):
    parser = _Selects()
    parser.feed(content)
    return {name: [tuple(option) for option in options] for name, options in parser.selects.items()}


@pytest.mark.django_db
def test_no_js_form_offers_the_turns_and_tags_and_keeps_the_choices_sent_back(client, editor):
    document = make_document(turns=[("Sergey Lavrov", "remarks", 'Prices <b>& "rates"</b> went up.')])
    turn = document.turns.get()
    cis, trade = make_topic("CIS"), make_topic("Trade & <tariffs>")
    eu = make_target("European Union")
    client.force_login(editor)
    blank = no_js_selects(client.get(document.get_absolute_url()).content.decode())
    assert blank["turn"] == [
        ("", "Choose a turn…", True),
        (str(turn.pk), '#1 Sergey Lavrov: Prices <b>& "rates"</b> went up.', False),
    ]
    assert blank["topics"] == [(str(cis.pk), "CIS", False), (str(trade.pk), "Trade & <tariffs>", False)]
    assert blank["polarity"][0] == ("", "No stance", True) and ("opposes", "Opposes", False) in blank["polarity"]
    assert blank["target"] == [("", "No target", True), (str(eu.pk), "European Union", False)]
    sent = {
        "turn": turn.pk,
        "passage": "not in the turn",
        "topics": [cis.pk, trade.pk],
        "polarity": "opposes",
        "target": eu.pk,
    }
    kept = no_js_selects(client.post(annotate_url(document), sent).content.decode())
    assert [value for value, _, selected in kept["turn"] if selected] == [str(turn.pk)]
    assert [value for value, _, selected in kept["topics"] if selected] == [str(cis.pk), str(trade.pk)]
    assert [value for value, _, selected in kept["polarity"] if selected] == ["opposes"]
    assert [value for value, _, selected in kept["target"] if selected] == [str(eu.pk)]


@pytest.mark.django_db
def test_timestamps_in_the_json_are_what_isoformat_writes(client, editor):
    """As ``isoformat()`` writes them, with and without microseconds."""
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


# --- what the page shows ----------------------------------------------------------------------


def turn_head(content, turn):
    match = re.search(rf'data-turn="{turn.pk}"[^>]*>\s*<header class="turn-head">(.*?)</header>', content, re.S)
    assert match, f"turn {turn.pk} not rendered"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.mark.django_db
def test_a_turn_names_its_speaker_once_and_its_label_only_when_it_says_more(client, viewer):
    document = make_document(
        turns=[
            ("President X", "remarks", "Good morning."),
            ("Sergey Lavrov", "answer", "Thank you."),
            (None, "narration", "The room went quiet."),
            ("Journalist", "question", "Minister?"),
            (None, "question", "And the sanctions?"),
        ]
    )
    turns = list(document.turns.order_by("position"))
    for turn, label in zip(turns, ["PRESIDENT X:", "SL", "NARRATION", "Q", ""], strict=True):
        turn.label = label
        turn.save()
    client.force_login(viewer)
    content = client.get(document.get_absolute_url()).content.decode()
    assert [turn_head(content, turn) for turn in turns] == [
        "President X Remarks",  # the label is the speaker's name in capitals: said once
        "Sergey Lavrov SL Answer",  # the label says how the source wrote it
        "Narration",  # no speaker: the kind alone, once
        "Journalist Q Question",
        "Unattributed Question",
    ]
    section = re.search(rf'<section [^>]*data-turn="{turns[1].pk}"[^>]*>', content).group(0)
    assert f'id="turn-{turns[1].position}"' in section and f'data-position="{turns[1].position}"' in section


@pytest.mark.django_db
def test_the_header_names_the_publisher_and_keeps_the_file_name_in_the_details(client, viewer):
    document = make_document(title="Press conference", publisher="Ministry of Foreign Affairs")
    client.force_login(viewer)
    content = client.get(document.get_absolute_url()).content.decode()
    meta = re.search(r'<p class="meta">(.*?)</p>', content, re.S).group(1)
    assert "Ministry of Foreign Affairs" in meta and document.source_name not in meta
    details = re.search(r'<details class="document-details">(.*?)</details>', content, re.S).group(1)
    download = reverse("corpus:document-file", args=[document.pk])
    assert f'href="{download}" download' in details and document.source_name in details


@pytest.mark.django_db
def test_a_change_to_an_annotation_shows_on_the_next_view(client, editor):
    """The turn sections are cached under the data's generations: any write moves them on."""
    document = make_document()
    turn = document.turns.first()
    annotation = make_annotation(turn=turn, start=0, end=8, topics=[make_topic()])
    client.force_login(editor)
    assert 'class="hl hl-topic hl-depth-1"' in turn_html(client.get(document.get_absolute_url()).content.decode(), turn)
    services.annotation_update(
        user=editor,
        annotation_id=annotation.pk,
        version=annotation.version,
        polarity="opposes",
        target=make_target(),
    )
    html = turn_html(client.get(document.get_absolute_url()).content.decode(), turn)
    assert 'class="hl hl-topic hl-stance-opposes hl-depth-1"' in html
    Annotation.objects.filter(pk=annotation.pk).delete()
    html = turn_html(client.get(document.get_absolute_url()).content.decode(), turn)
    assert "<mark" not in html and html == "National currencies now account for 85 percent of payments."
    turn.text = "National currencies now account for 90 percent of payments."
    turn.save()
    assert "90 percent" in turn_html(client.get(document.get_absolute_url()).content.decode(), turn)


@pytest.mark.django_db
def test_a_second_view_reads_neither_the_turns_nor_the_annotations_and_shows_the_same_page(client, viewer):
    document = make_document()
    make_annotation(turn=document.turns.first(), start=0, end=8, topics=[make_topic()])
    client.force_login(viewer)
    first = client.get(document.get_absolute_url()).content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = client.get(document.get_absolute_url()).content.decode()
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "annotations_annotation" not in sql and '"corpus_app_turn"."text"' not in sql  # counts only

    def shown(page):  # the text with its highlights, the annotation list and the page's data
        article = page[page.index('<article class="reader"') : page.index("</article>")]
        side = page[page.index('id="annotation-list"') : page.index("</section>", page.index('id="annotation-list"'))]
        data = re.search(r'id="reader-annotations" type="application/json">(.*?)</script>', page).group(1)
        return article, side, data

    assert shown(again) == shown(first) and 'class="hl hl-topic hl-depth-1"' in shown(again)[0]


@pytest.mark.django_db
def test_an_editors_second_view_reads_no_turns_and_offers_the_same_form(client, editor):
    document = make_document()
    make_topic("CIS")
    client.force_login(editor)
    first = client.get(document.get_absolute_url()).content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = client.get(document.get_absolute_url()).content.decode()
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert '"corpus_app_turn"."text"' not in sql
    assert no_js_selects(again) == no_js_selects(first)
    assert len(no_js_selects(again)["turn"]) == 4  # "Choose a turn…" and the three turns
    assert '<details class="nojs-annotate" id="annotate-nojs">' in again


@pytest.mark.django_db
def test_every_page_links_the_favicon(client, viewer):
    from django.contrib.staticfiles import finders

    client.force_login(viewer)
    content = client.get(make_document().get_absolute_url()).content.decode()
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', content).group(1)
    assert href.endswith("desk/favicon.svg") and finders.find("desk/favicon.svg")


@pytest.mark.django_db
def test_an_annotation_is_named_by_its_turns_position():
    document = make_document()
    turn = document.turns.get(position=2)
    annotation = make_annotation(turn=turn, start=4, end=7)
    assert str(annotation) == "“CIS” in turn 2"
