"""``import_documents`` from other tools' exports: doccano, Label Studio, W3C Web Annotation.

The fixtures follow each tool's documented export format (doccano's JSONL export for sequence
labelling, with ``label``, ``labels`` or ``entities``; Label Studio's JSON export of tasks; the
W3C Web Annotation Data Model's examples), made here by the tests.
"""

import json

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Annotation, Claim, Topic
from corpus_app.models import Document
from tests.annotations.interchange_helpers import run_import, snapshot, write_json, write_jsonl
from tests.factories import make_document, make_target, make_topic

pytestmark = pytest.mark.django_db

TEXT = "The foreign minister announced new sanctions on steel exports during talks in Astana."
#       0123456789012345678901234567890123456789012345678901234567890123456789012345678901234
SANCTIONS = (31, 61)  # "new sanctions on steel exports"
ASTANA = (78, 84)


def test_fixture_offsets():
    assert TEXT[SANCTIONS[0] : SANCTIONS[1]] == "new sanctions on steel exports"
    assert TEXT[ASTANA[0] : ASTANA[1]] == "Astana"


def passages():
    return sorted(
        (a.turn.document.title, a.quote, tuple(sorted(t.path for t in a.topics.all())))
        for a in Annotation.objects.select_related("turn__document")
    )


# --- doccano ---------------------------------------------------------------------------------------------------------


def test_doccano_sequence_labelling_export(tmp_path):
    path = write_jsonl(
        tmp_path / "doccano.jsonl",
        [
            {"id": 1, "text": TEXT, "label": [[*SANCTIONS, "Sanctions"], [*ASTANA, "CIS"]], "Comments": []},
            {"id": 2, "text": "Older export.", "labels": [[0, 5, "Trade"]]},
            {
                "id": 3,
                "text": "Relation export from Minsk.",
                "entities": [{"id": 7, "label": "CIS", "start_offset": 21, "end_offset": 26}],
                "relations": [],
            },
        ],
    )

    out, _ = run_import(path)

    assert "doccano.jsonl (doccano): Imported 3 document(s), 3 turn(s), 4 annotation(s)" in out
    document = Document.objects.get(title=TEXT[:80].rsplit(" ", 1)[0] + "…")
    turn = document.turns.get()
    assert (turn.kind, turn.speaker, turn.text, document.raw_text) == ("narration", None, TEXT, TEXT)
    assert passages() == [
        ("Older export.", "Older", ("Trade",)),
        ("Relation export from Minsk.", "Minsk", ("CIS",)),
        (document.title, "Astana", ("CIS",)),
        (document.title, TEXT[slice(*SANCTIONS)], ("Sanctions",)),
    ]
    assert set(Topic.objects.values_list("name", flat=True)) == {"Sanctions", "CIS", "Trade"}  # CIS made once


def test_doccano_text_classification_labels_tag_the_whole_text(tmp_path):
    trade = make_topic("Trade")
    run_import(
        write_jsonl(tmp_path / "cats.jsonl", [{"text": "Tariffs rose.", "label": ["Trade"]}]), "--format", "doccano"
    )
    annotation = Annotation.objects.get()
    assert (annotation.start, annotation.end, list(annotation.topics.all())) == (0, 13, [trade])


def test_doccano_labels_through_a_map_and_a_bad_span(tmp_path):
    payments = make_topic("Payments", parent=make_topic("Sanctions & economy"))
    (tmp_path / "map.csv").write_text("SANC,Sanctions & economy › Payments\n")
    path = write_jsonl(
        tmp_path / "d.jsonl",
        [{"text": TEXT, "label": [[*SANCTIONS, "SANC"]]}, {"text": "Short.", "label": [[0, 60, "SANC"]]}],
    )

    _, err = run_import(path, "--map", tmp_path / "map.csv", fails=True)

    assert list(Annotation.objects.get().topics.all()) == [payments]
    assert "d.jsonl, line 2: annotation 0 ends at 60, past the end of its turn's text (6 characters)" in err
    assert not Document.objects.filter(raw_text="Short.").exists()


# --- Label Studio ----------------------------------------------------------------------------------------------------


def label_studio_task(task_id, text, results, **data):
    return {
        "id": task_id,
        "data": {"text": text, **data},
        "annotations": [
            {
                "id": 1000 + task_id,
                "completed_by": 1,
                "result": results,
                "was_cancelled": False,
                "ground_truth": False,
                "created_at": "2025-03-01T10:00:00.000000Z",
                "updated_at": "2025-03-01T10:05:00.000000Z",
                "lead_time": 4.2,
            }
        ],
        "predictions": [{"result": [{"type": "labels", "value": {"start": 0, "end": 3, "labels": ["Model"]}}]}],
        "created_at": "2025-03-01T09:00:00.000000Z",
        "project": 3,
    }


def labels(start, end, *names, text=None):
    return {
        "id": f"r{start}",
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "origin": "manual",
        "value": {"start": start, "end": end, "text": text or TEXT[start:end], "labels": list(names)},
    }


def choices(*names, control="topic"):
    return {"id": "c1", "from_name": control, "to_name": "text", "type": "choices", "value": {"choices": list(names)}}


def test_label_studio_export_labels_and_choices(tmp_path):
    eu = make_target("European Union")
    emoji_text = "🇪🇺 The EU extended sanctions."
    tasks = [
        label_studio_task(
            1,
            TEXT,
            [labels(*SANCTIONS, "Sanctions"), labels(*ASTANA, "CIS", "Diplomacy"), choices("Statement")],
            title="Minister in Astana",
            date="2025-04-11",
        ),
        # Label Studio counts in UTF-16 units: the flag is 4 of them, 2 characters.
        label_studio_task(2, emoji_text, [labels(9, 11, "EU", text="EU"), choices("opposes: European Union")]),
        label_studio_task(3, "Nothing here", [choices("neutral", control="stance")]),
    ]
    tasks[0]["annotations"].append({"was_cancelled": True, "result": [labels(0, 3, "Cancelled")]})

    out, err = run_import(write_json(tmp_path / "project-3.json", tasks), fails=True)

    assert "project-3.json (label-studio): Imported 2 document(s)" in out
    assert (
        "project-3.json, item 3: annotation 0, result 0: a stance choice needs its target in data.stance_target" in err
    )
    document = Document.objects.get(title="Minister in Astana")
    assert str(document.date) == "2025-04-11"
    assert passages() == [
        ("Minister in Astana", "Astana", ("CIS", "Diplomacy")),
        ("Minister in Astana", TEXT, ("Statement",)),
        ("Minister in Astana", TEXT[slice(*SANCTIONS)], ("Sanctions",)),
        ("🇪🇺 The EU extended sanctions.", "EU", ("EU",)),
        ("🇪🇺 The EU extended sanctions.", emoji_text, ()),
    ]
    stance = Annotation.objects.get(quote=emoji_text)
    assert (stance.polarity, stance.target) == ("opposes", eu)
    assert not Topic.objects.filter(name__in=["Model", "Cancelled"]).exists()  # predictions and cancelled left out
    assert Annotation.objects.get(quote="Astana").created_at.isoformat() == "2025-03-01T10:00:00+00:00"


def test_a_label_studio_file_cut_short_keeps_the_tasks_read_before_the_break(tmp_path):
    tasks = [
        label_studio_task(n, f"Sanctions, task {n}.", [labels(0, 9, "Sanctions", text="Sanctions")])
        for n in range(1, 2001)
    ]
    text = json.dumps(tasks)
    path = tmp_path / "cut.json"
    path.write_text(text[: text.index('"id": 2000,') - 10])  # inside the last task

    _, err = run_import(path, fails=True)

    # The tasks the parser handed over before it met the break (it reads ahead, so not all 1,999).
    read = Document.objects.count()
    assert 0 < read < 2000
    assert Document.objects.filter(raw_text="Sanctions, task 1.").exists()
    assert f"cut.json, item {read + 1}: the JSON breaks off after item {read} (" in err


def test_label_studio_stance_control_with_its_target(tmp_path):
    run_import(
        write_json(
            tmp_path / "ls.json",
            [
                label_studio_task(
                    1, "We welcome the talks.", [choices("supports", control="stance")], stance_target="CIS"
                )
            ],
        )
    )
    annotation = Annotation.objects.get()
    assert (annotation.polarity, annotation.target.name, annotation.quote) == (
        "supports",
        "CIS",
        "We welcome the talks.",
    )


# --- W3C Web Annotation ----------------------------------------------------------------------------------------------


def web_annotation(source, *, exact=None, start=None, end=None, bodies=(), **fields):
    selectors = []
    if exact is not None:
        selectors.append({"type": "TextQuoteSelector", "exact": exact})
    if start is not None:
        selectors.append({"type": "TextPositionSelector", "start": start, "end": end})
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "body": list(bodies),
        "target": {"source": source, "selector": selectors if len(selectors) > 1 else selectors[0]},
        **fields,
    }


def tag(value, purpose="tagging"):
    return {"type": "TextualBody", "purpose": purpose, "value": value}


def test_w3c_annotations_on_texts_in_the_file(tmp_path):
    source = {"id": "https://example.org/news/1", "type": "Text", "value": TEXT, "title": "Astana talks"}
    page = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "AnnotationPage",
        "items": [
            web_annotation(source, exact="Astana", bodies=[tag("CIS"), tag("supports: CIS", "classifying")]),
            web_annotation(
                source,
                start=SANCTIONS[0],
                end=SANCTIONS[1],
                bodies=[tag("Sanctions"), tag("Claim: false", "assessing"), tag("Check the date", "commenting")],
                id="urn:uuid:5b3b8a52-1d0d-4a43-8a8c-6f1a8d1c2b01",
                created="2025-02-01T08:00:00Z",
            ),
            web_annotation(source, exact="Minsk", bodies=[tag("CIS")]),  # not in the text: fails alone
        ],
    }

    out, err = run_import(write_json(tmp_path / "page.jsonld", page), fails=True)

    assert "page.jsonld (w3c): Imported 1 document(s), 1 turn(s), 2 annotation(s)" in out
    assert "page.jsonld, item 3: the annotation: the quote “Minsk” is not in the turn" in err
    document = Document.objects.get()
    assert (document.title, document.source_name) == ("Astana talks", "https://example.org/news/1")
    astana = Annotation.objects.get(quote="Astana")
    assert (astana.start, astana.polarity, astana.target.name) == (ASTANA[0], "supports", "CIS")
    sanctions = Annotation.objects.get(uuid="5b3b8a52-1d0d-4a43-8a8c-6f1a8d1c2b01")
    assert (sanctions.note, sanctions.claim.status) == ("Check the date", "false")
    assert sanctions.created_at.isoformat() == "2025-02-01T08:00:00+00:00"


def test_w3c_annotations_on_documents_already_in_the_desk(tmp_path):
    document = make_document()
    Document.objects.filter(pk=document.pk).update(source_name="https://example.org/briefing.html")
    ties = document.turns.get(position=2).text.index("working ties")
    url = f"http://desk.example{reverse('annotations:document-detail', args=[document.pk])}#turn-2"
    annotations = [
        web_annotation(url, exact="The CIS", start=0, end=7, bodies=[tag("CIS")]),
        web_annotation("https://example.org/briefing.html", exact="working ties", bodies=[tag("Ties")]),
        web_annotation("https://example.org/elsewhere.html", exact="CIS", bodies=[tag("CIS")]),
        web_annotation(url, exact="not in the text", bodies=[tag("CIS")]),
    ]

    _, err = run_import(write_json(tmp_path / "list.json", annotations), fails=True)

    assert sorted((a.turn.position, a.start, a.quote) for a in Annotation.objects.all()) == [
        (2, 0, "The CIS"),
        (2, ties, "working ties"),
    ]
    assert "list.json, item 3: no document “https://example.org/elsewhere.html” in the desk" in err
    assert "list.json, item 4: annotation: the quote “not in the text” is not in the turn" in err
    _, err = run_import(write_json(tmp_path / "list.json", annotations[:2]))
    assert Annotation.objects.count() == 2  # the same file again: nothing new


def test_the_desk_w3c_export_reads_back(tmp_path, client, editor, reviewer):
    document = make_document()
    turns = list(document.turns.order_by("position"))
    cis, eu = make_topic("CIS", parent=make_topic("Regional integration")), make_target("European Union")
    services.annotation_create(user=editor, turn=turns[0], start=0, end=8, quote=turns[0].text[:8], topics=[cis])
    services.annotation_create(
        user=editor, turn=turns[2], start=4, end=7, quote="CIS", polarity="mixed", target=eu, note="a note", claim=True
    )
    flagged = services.annotation_create(user=editor, turn=turns[1], start=0, end=3, quote="How", claim=True)
    services.claim_set_status(user=reviewer, claim_id=flagged.claim.pk, status="in_review")
    client.force_login(editor)
    response = client.get(reverse("annotations:annotation-export"), {"format": "w3c"})
    path = tmp_path / "annotations.jsonld"
    path.write_bytes(b"".join(response.streaming_content))
    json.loads(path.read_text())  # one JSON document

    def annotations():
        rows = snapshot()["annotations"]
        for fields in rows.values():  # the W3C export carries a claim's status, not its review
            fields["claim"] = fields["claim"] and fields["claim"][0]
            fields.pop("version")
        return rows

    before = annotations()
    Claim.objects.all().delete()
    Annotation.objects.all().delete()

    out, _ = run_import(path)

    assert "(w3c)" in out and "3 annotation(s)" in out
    assert annotations() == before


def test_a_single_w3c_annotation_in_a_file(tmp_path):
    document = make_document()
    url = f"http://desk.example{reverse('annotations:document-detail', args=[document.pk])}#turn-0"
    single = web_annotation(url, exact="85 percent", bodies=[tag("Economy")], creator={"nickname": "someone-else"})

    out, _ = run_import(write_json(tmp_path / "one.jsonld", single))

    annotation = Annotation.objects.get()
    assert (annotation.turn.position, annotation.quote, annotation.author.username) == (0, "85 percent", "import")
    assert "(w3c)" in out


def test_mangled_tool_exports_fail_item_by_item(tmp_path):
    """Values of unexpected types, and an integer past what the streaming parser's C library takes."""
    good = label_studio_task(1, TEXT, [labels(*ASTANA, "CIS")])
    odd_author = label_studio_task(2, TEXT + " 2", [labels(*ASTANA, "CIS")])
    odd_author["annotations"][0]["completed_by"] = {"email": {"not": "text"}}
    huge = label_studio_task(3, TEXT + " 3", [labels(*ASTANA, "CIS")])
    huge["annotations"][0]["result"][0]["value"]["end"] = 10**20
    typed = label_studio_task(4, TEXT + " 4", [labels(*ASTANA, "CIS")])
    last = label_studio_task(5, TEXT + " 5", [labels(*ASTANA, "CIS")])

    _, err = run_import(write_json(tmp_path / "odd.json", [good, odd_author, huge, typed, last]), fails=True)

    assert Document.objects.count() == 3
    assert "odd.json, item 2: annotation 0's author must be text, not dict" in err
    assert "odd.json, item 3: “annotation 0, result 0 end” is too large" in err
    annotations = [{"type": {"a": 1}, "target": "x"}, web_annotation("https://e.org/1", exact="x")]
    _, err = run_import(write_json(tmp_path / "w3c.json", annotations), "--format", "w3c", fails=True)
    assert "w3c.json, item 1: not a Web Annotation (an object of type Annotation)" in err
