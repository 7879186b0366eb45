"""``manage.py import_documents`` with the desk's own JSON Lines: the format, batches, errors, dedupe."""

import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotations import services
from annotations.models import Annotation, Claim, ClaimStatus, Target, Topic
from corpus_app import search
from corpus_app.models import Document, Speaker, SpeakerAlias, Turn
from tests.annotations.interchange_helpers import empty_the_desk, run_import, snapshot, write_jsonl
from tests.dashboard.test_dashboard_counts import dashboard_figures
from tests.factories import make_document, make_speaker, make_target, make_topic

pytestmark = pytest.mark.django_db

TEXT = "National currencies now account for 85 percent of payments between our countries."
ROOT = Path(__file__).resolve().parents[2]


def document_line(n, **fields):
    line = {
        "title": f"Briefing {n}",
        "date": "2025-04-11",
        "place": "Almaty",
        "kind": "transcript",
        "publisher": "MFA",
        "source": f"https://example.org/briefing/{n}",
        "turns": [
            {"speaker": "Journalist", "kind": "question", "label": "Q", "text": f"Question number {n} on payments?"},
            {"speaker": "SL", "kind": "answer", "label": "SL", "text": TEXT},
        ],
        "annotations": [
            {"turn": 1, "start": 0, "end": 19, "quote": "National currencies", "topics": ["Economy › Payments"]},
            {"turn": 1, "quote": "85 percent", "stance": {"polarity": "supports", "target": "CIS"}},
        ],
    }
    line.update(fields)
    return line


@pytest.fixture
def lavrov(db):
    speaker = make_speaker("Sergey Lavrov", role="Minister of Foreign Affairs")
    SpeakerAlias.objects.create(speaker=speaker, alias="SL")
    return speaker


def test_a_document_line_becomes_a_document_with_its_turns_and_annotations(tmp_path, lavrov):
    economy = make_topic("Economy")
    path = write_jsonl(tmp_path / "docs.jsonl", [document_line(1)])

    out, _ = run_import(path)

    document = Document.objects.get()
    assert (document.title, str(document.date), document.place, document.publisher, document.source_name) == (
        "Briefing 1",
        "2025-04-11",
        "Almaty",
        "MFA",
        "https://example.org/briefing/1",
    )
    question, answer = document.turns.order_by("position")
    assert answer.speaker == lavrov  # through the alias
    assert Speaker.objects.get(name="Journalist") == question.speaker  # created, as it was missing
    assert (question.kind, question.label, answer.text) == ("question", "Q", TEXT)
    tagged, stance = Annotation.objects.order_by("start")
    assert (tagged.turn, tagged.quote, [t.path for t in tagged.topics.all()]) == (
        answer,
        "National currencies",
        ["Economy › Payments"],
    )
    assert Topic.objects.get(name="Payments").parent == economy  # the path reused the topic there
    assert (stance.start, stance.end, stance.polarity, stance.target.name) == (36, 46, "supports", "CIS")
    assert stance.prefix == TEXT[4:36] and stance.suffix == TEXT[46:78]
    assert tagged.author.username == "import" and not tagged.author.has_usable_password()
    # Its history starts with its import, topics included.
    assert [t.topic.path for t in tagged.history.get().topics.all()] == ["Economy › Payments"]
    assert "Imported 1 document(s), 2 turn(s), 2 annotation(s); skipped 0 as identical; failed 0" in out


def test_claims_keep_status_rationale_evidence_and_reviewer(tmp_path, reviewer):
    line = document_line(
        1,
        annotations=[
            {
                "turn": 1,
                "quote": "85 percent",
                "topics": ["Economy"],
                "note": "check the year",
                "claim": {
                    "status": "misleading",
                    "rationale": "The share is for 2024 only.",
                    "evidence": ["https://example.org/stats"],
                    "reviewer": reviewer.username,
                },
            },
            {"turn": 1, "quote": "payments", "claim": {"status": "false", "reviewer": "nobody-here"}},
        ],
    )
    bad_link = document_line(2, annotations=[{"turn": 1, "quote": "payments", "claim": {"evidence": ["ftp://x"]}}])
    _, err = run_import(write_jsonl(tmp_path / "claims.jsonl", [line, bad_link]), fails=True)

    assert "claims.jsonl, line 2: annotation 0: “ftp://x” is not an http(s) link." in err

    misleading = Claim.objects.get(status=ClaimStatus.MISLEADING)
    assert (misleading.rationale, misleading.evidence, misleading.reviewer) == (
        "The share is for 2024 only.",
        ["https://example.org/stats"],
        reviewer,
    )
    assert misleading.annotation.note == "check the year" and misleading.reviewed_at is not None
    # A verdict by someone the desk does not know is credited to the importing account.
    assert Claim.objects.get(status=ClaimStatus.FALSE).reviewer.username == "import"
    # Its history starts with one entry: the verdict, by its reviewer.
    entry = misleading.history.get()
    assert (entry.status, entry.history_user) == (ClaimStatus.MISLEADING, reviewer)


def test_the_desk_export_reads_back_into_an_empty_desk_without_loss(tmp_path, client, editor, reviewer):
    lavrov = make_speaker("Sergey Lavrov", role="Minister", affiliation="Russian Federation")
    SpeakerAlias.objects.create(speaker=lavrov, alias="SL")
    SpeakerAlias.objects.create(speaker=lavrov, alias="Lavrov")
    make_speaker("Ministry of Foreign Affairs", kind="organisation")
    first = make_document(
        title="Press conference",
        date="2025-04-11",
        place="Almaty",
        publisher="MFA",
        author="",
        import_warnings=[{"line": 3, "code": "truncated_line", "message": "cut off"}],
        turns=[
            ("Sergey Lavrov", "remarks", "🇷🇺 " + TEXT),
            ("Journalist", "question", "How do you see the role of the CIS?"),
            ("Ministry of Foreign Affairs", "quote", "The CIS is one of them."),
            (None, "editorial_note", "RPA: EU growth was about 1% in 2024"),
        ],
    )
    second = make_document(title="An article", kind="article", author="A. Writer")
    Turn.objects.filter(document=first, position=0).update(label="SL", source_line=4)
    Document.objects.filter(pk=first.pk).update(source_url="https://example.org/pc-1")
    # A turn an editor marked as page noise stays page noise.
    noise = make_document(
        title="With page noise", turns=[("Sergey Lavrov", "remarks", "Hello."), (None, "narration", "Page 2")]
    )
    Turn.objects.filter(document=noise, position=1).update(is_noise=True)
    region = make_topic("Regional integration")
    cis, economy = make_topic("CIS", parent=region), make_topic("Economy")
    eu = make_target("European Union")
    Target.objects.filter(pk=eu.pk).update(kind="organisation")
    turns = list(first.turns.order_by("position"))
    tagged = services.annotation_create(
        user=editor, turn=turns[0], start=3, end=22, quote=turns[0].text[3:22], topics=[cis, economy], note="a note"
    )
    stance = services.annotation_create(
        user=editor, turn=turns[1], start=31, end=34, quote="CIS", polarity="supports", target=eu, claim=True
    )
    ruled = services.annotation_create(user=editor, turn=turns[2], start=0, end=7, quote="The CIS", claim=True)
    services.claim_set_status(
        user=reviewer,
        claim_id=ruled.claim.pk,
        status="accurate",
        rationale="As reported.",
        evidence=["https://example.org/a"],
    )
    # An edited annotation: its version and times after the edit travel too.
    services.annotation_update(user=editor, annotation_id=tagged.pk, version=tagged.version, note="changed")
    Annotation.objects.filter(pk=stance.pk).update(anchor_status="fuzzy", anchor_score=0.83)
    second_turn = second.turns.first()
    services.annotation_create(user=editor, turn=second_turn, start=0, end=8, quote=second_turn.text[:8], topics=[cis])

    client.force_login(editor)
    response = client.get(reverse("corpus:document-export"), {"format": "desk"})
    assert response.status_code == 200
    path = tmp_path / "desk.jsonl"
    path.write_bytes(b"".join(response.streaming_content))
    before = snapshot()
    assert len(before["annotations"]) == 4

    empty_the_desk()
    assert not Document.objects.exists() and not Topic.objects.exists()
    out, _ = run_import(path)

    assert snapshot() == before
    assert "Imported 3 document(s), 9 turn(s), 4 annotation(s)" in out
    assert Turn.objects.get(is_noise=True).text == "Page 2"
    # Read back into a desk that has them: nothing new.
    out, _ = run_import(path)
    assert "Imported 0 document(s)" in out and "skipped 3 as identical" in out
    assert snapshot() == before


def test_a_bad_line_in_a_batch_of_a_thousand_costs_only_itself(tmp_path, lavrov):
    lines = [json.dumps(document_line(n)) for n in range(1000)]
    lines[499] = json.dumps(document_line(499, annotations=[{"turn": 1, "start": 70, "end": 95}]))
    lines[700] = '{"title": "Broken", "turns": [{"text": "no end'
    lines[900] = json.dumps(document_line(900, kind="memo"))
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    _, err = run_import(path, fails=True)

    assert Document.objects.count() == 997
    assert Annotation.objects.count() == 997 * 2
    assert not Document.objects.filter(title__in=["Briefing 499", "Briefing 900"]).exists()
    assert (
        f"batch.jsonl, line 500: annotation 0 ends at 95, past the end of its turn's text ({len(TEXT)} characters)"
        in err
    )
    assert "batch.jsonl, line 701: not valid JSON" in err
    assert "batch.jsonl, line 901: unknown document kind “memo”" in err


def test_a_line_the_database_refuses_is_the_only_one_lost(tmp_path, lavrov):
    """Two lines give their annotations the same id: the check cannot see it, the database can."""
    same_id = "0b5e7a4e-8a0f-4a53-9a4c-5ad0b1ce0c11"
    lines = [document_line(n) for n in range(10)]
    for n in (3, 6):
        lines[n]["annotations"][0]["id"] = same_id

    _, err = run_import(write_jsonl(tmp_path / "dup.jsonl", lines), fails=True)

    assert Document.objects.count() == 9
    assert not Document.objects.filter(title="Briefing 6").exists()
    assert "dup.jsonl, line 7: the database refused it" in err
    assert str(Annotation.objects.get(uuid=same_id).turn.document.title) == "Briefing 3"


def test_the_same_file_twice_imports_nothing_new(tmp_path, lavrov):
    path = write_jsonl(tmp_path / "twice.jsonl", [document_line(n) for n in range(30)] + [document_line(0)])
    out, _ = run_import(path)
    assert "Imported 30 document(s), 60 turn(s), 60 annotation(s); skipped 1 as identical" in out

    out, _ = run_import(path)

    assert "Imported 0 document(s), 0 turn(s), 0 annotation(s); skipped 31 as identical; failed 0" in out
    assert (Document.objects.count(), Annotation.objects.count(), Topic.objects.count()) == (30, 60, 2)


def test_a_json_list_of_documents_reads_as_its_lines_would(tmp_path, lavrov):
    path = tmp_path / "documents.json"
    path.write_text(json.dumps([document_line(1), document_line(2, turns=[])]), encoding="utf-8")

    out, err = run_import(path, fails=True)

    assert "Imported 1 document(s), 2 turn(s), 2 annotation(s)" in out
    assert "documents.json, item 2: the document has no turns" in err


def test_labels_map_to_topics_through_a_json_or_csv_map(tmp_path, lavrov):
    payments = make_topic("Payments", parent=make_topic("Sanctions & economy"))
    line = document_line(1)
    line["annotations"][0]["topics"] = ["PAY"]
    line["annotations"][1]["topics"] = ["Fresh label"]
    (tmp_path / "map.json").write_text(json.dumps({"PAY": "Sanctions & economy › Payments"}))

    run_import(write_jsonl(tmp_path / "a.jsonl", [line]), "--map", tmp_path / "map.json")

    first, second = Annotation.objects.order_by("start")
    assert list(first.topics.all()) == [payments]
    assert [t.path for t in second.topics.all()] == ["Fresh label"]  # created at the top, as it was missing

    (tmp_path / "map.csv").write_text("label,topic\npay,Sanctions & economy › Payments\n")
    line = document_line(2)
    line["annotations"][0]["topics"] = ["pay"]
    run_import(write_jsonl(tmp_path / "b.jsonl", [line]), "--map", tmp_path / "map.csv")
    assert list(Annotation.objects.get(turn__document__title="Briefing 2", start=0).topics.all()) == [payments]


def test_verbosity_two_prints_one_line_per_document_and_a_summary(tmp_path, lavrov):
    path = write_jsonl(tmp_path / "v.jsonl", [document_line(1), {"title": "No turns", "turns": []}])

    out, err = run_import(path, verbosity=2, fails=True)

    assert "line 1: “Briefing 1” imported, 2 annotation(s)" in out
    assert "line 2: failed: the document has no turns (no text)" in out
    assert "Imported 1 document(s)" in out and "failed 1" in out
    assert "v.jsonl, line 2: the document has no turns (no text)" in err


def test_annotations_are_credited_to_the_author_given(tmp_path, lavrov, editor):
    path = write_jsonl(tmp_path / "a.jsonl", [document_line(1)])
    with pytest.raises(CommandError, match="no user “nobody” for --author"):
        call_command("import_documents", str(path), "--author", "nobody", stdout=io.StringIO())
    assert not Document.objects.exists()

    run_import(path, "--author", editor.username)

    assert {annotation.author for annotation in Annotation.objects.all()} == {editor}


def test_an_unreadable_file_is_named_with_the_reason(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    _, err = run_import(tmp_path / "missing.jsonl", tmp_path / "empty.jsonl", fails=True)
    assert "missing.jsonl: no such file" in err
    assert "empty.jsonl: the file is empty" in err


def nested(depth):
    return "[" * depth + "]" * depth


def test_a_line_nested_too_deeply_to_read_fails_alone(tmp_path, lavrov):
    lines = [
        json.dumps(document_line(1)),
        f'{{"title": "Deep", "turns": {nested(100_000)}}}',
        json.dumps(document_line(3)),
    ]
    path = tmp_path / "deep.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    _, err = run_import(path, fails=True)

    assert set(Document.objects.values_list("title", flat=True)) == {"Briefing 1", "Briefing 3"}
    assert "deep.jsonl, line 2: nested too deeply to read" in err


def test_a_streamed_item_past_the_depth_limit_stops_the_file_there(tmp_path, lavrov):
    """A JSON array is read an item at a time; an item nested past ``MAX_DEPTH`` is refused before it
    is built (the streaming parser's memory grows with the square of the depth)."""
    items = [json.dumps(document_line(1)), nested(5_000), json.dumps(document_line(3))]
    path = tmp_path / "deep.json"
    path.write_text("[" + ", ".join(items) + "]", encoding="utf-8")

    _, err = run_import(path, "--format", "desk", fails=True)

    assert list(Document.objects.values_list("title", flat=True)) == ["Briefing 1"]
    assert "deep.json, item 2: nested too deeply to read: arrays or objects more than 64 levels" in err
    assert "the file was not read past it" in err


def test_a_file_or_map_nested_too_deeply_to_read_is_named_with_the_reason(tmp_path, lavrov):
    (tmp_path / "deep.json").write_text(nested(5_000), encoding="utf-8")
    (tmp_path / "collection.json").write_text(
        '{"type": "AnnotationCollection", "first": ' + '{"next": ' * 100_000 + "1" + "}" * 100_001, encoding="utf-8"
    )
    write_jsonl(tmp_path / "ok.jsonl", [document_line(1)])
    (tmp_path / "map.json").write_text('{"a": ' + nested(100_000) + "}", encoding="utf-8")

    _, err = run_import(tmp_path / "deep.json", tmp_path / "collection.json", fails=True)
    assert "deep.json: the first item is nested too deeply to read" in err
    assert "collection.json: the file is nested too deeply to read" in err
    with pytest.raises(CommandError, match="map.json is nested too deeply to read"):
        call_command("import_documents", tmp_path / "ok.jsonl", "--map", tmp_path / "map.json", stdout=io.StringIO())
    assert not Document.objects.exists()


def test_the_annotations_export_reads_back_onto_the_documents_in_the_desk(tmp_path, client, editor):
    document = make_document()
    turn = document.turns.order_by("position").first()
    topic, target = make_topic("Economy"), make_target("European Union")
    services.annotation_create(user=editor, turn=turn, start=0, end=8, quote=turn.text[:8], topics=[topic])
    services.annotation_create(
        user=editor, turn=turn, start=9, end=19, quote=turn.text[9:19], polarity="opposes", target=target, claim=True
    )
    client.force_login(editor)
    response = client.get(reverse("annotations:annotation-export"), {"format": "jsonl"})
    path = tmp_path / "annotations.jsonl"
    path.write_bytes(b"".join(response.streaming_content))
    before = annotations_with_claim_status()
    Claim.objects.all().delete()
    Annotation.objects.all().delete()

    out, _ = run_import(path)

    assert annotations_with_claim_status() == before
    assert "2 annotation(s)" in out
    out, _ = run_import(path)
    assert "skipped 2 as identical" in out and Annotation.objects.count() == 2


def annotations_with_claim_status():
    """The annotations as the annotations list's export has them: of a claim, its status only."""
    annotations = snapshot()["annotations"]
    for fields in annotations.values():
        fields["claim"] = fields["claim"] and fields["claim"][0]
    return annotations


def test_search_and_the_dashboard_counts_follow_a_bulk_import(tmp_path, lavrov, client, viewer):
    lines = [document_line(n) for n in range(40)]
    lines[5]["turns"][0]["text"] = "What about uranium enrichment?"
    run_import(write_jsonl(tmp_path / "bulk.jsonl", lines))

    found = search.search_turns("uranium")
    assert [turn.document.title for turn in found] == ["Briefing 5"]
    client.force_login(viewer)
    response = client.get(reverse("corpus:document-list"), {"q": "uranium"})
    assert [document.title for document in response.context["object_list"]] == ["Briefing 5"]
    shown = dashboard_figures()  # checked against a count of the tables
    assert (shown["documents"], shown["turns"], shown["annotations"]) == (40, 80, 80)
    assert [n for _, polarity, n in shown["stances"] if polarity == "supports"] == [40]


def test_a_dry_run_checks_every_line_and_keeps_nothing(tmp_path, lavrov):
    lines = [document_line(1), document_line(2, kind="memo"), document_line(3)]
    path = write_jsonl(tmp_path / "dry.jsonl", lines)

    # One line a batch: the topics the first made are rolled back before the third needs them.
    out, err = run_import(path, "--dry-run", "--batch-size", 1, fails=True)

    assert "Checked (dry run, nothing kept) 2 document(s), 4 turn(s), 4 annotation(s)" in out
    assert "dry.jsonl, line 2: unknown document kind “memo”" in err
    assert not Document.objects.exists() and not Annotation.objects.exists() and not Topic.objects.exists()


def test_the_documents_list_offers_the_whole_documents_export(client, viewer):
    make_document(title="Listed")
    client.force_login(viewer)
    response = client.get(reverse("corpus:document-list"))
    assert f'href="{reverse("corpus:document-export")}?format=desk"' in response.content.decode()


def test_the_whole_documents_export_costs_the_same_queries_for_more_documents(client, editor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def annotated_document():
        document = make_document()
        turn = document.turns.first()
        services.annotation_create(user=editor, turn=turn, start=0, end=8, quote=turn.text[:8], claim=True)

    client.force_login(editor)
    url = reverse("corpus:document-export")
    annotated_document()
    with CaptureQueriesContext(connection) as one:
        b"".join(client.get(url, {"format": "desk"}).streaming_content)
    annotated_document()
    annotated_document()
    with CaptureQueriesContext(connection) as three:
        body = b"".join(client.get(url, {"format": "desk"}).streaming_content)
    assert len(three) == len(one)
    assert len(body.decode().splitlines()) == 3


def test_the_documents_list_export_without_text_is_refused_with_the_way_out(tmp_path, client, editor):
    make_document(title="Only its metadata")
    client.force_login(editor)
    response = client.get(reverse("corpus:document-export"), {"format": "jsonl"})
    path = tmp_path / "documents.jsonl"
    path.write_bytes(b"".join(response.streaming_content))

    _, err = run_import(path, fails=True)

    assert "line 1: this is a row of the documents list export, which has no text: export with ?format=desk" in err


def test_export_documents_writes_what_import_documents_reads_back(tmp_path, editor):
    document = make_document(title="Exported")
    turn = document.turns.first()
    services.annotation_create(
        user=editor, turn=turn, start=0, end=8, quote=turn.text[:8], topics=[make_topic("Economy")], claim=True
    )
    path = tmp_path / "out.jsonl"
    out = io.StringIO()
    call_command("export_documents", str(path), stdout=out)
    assert "Wrote 1 document(s)" in out.getvalue()
    before = snapshot()

    empty_the_desk()
    run_import(path)

    assert snapshot() == before


def test_export_documents_writes_the_whole_file_or_says_why_not(tmp_path, monkeypatch):
    make_document(title="Exported")
    with pytest.raises(CommandError, match="cannot be written"):
        call_command("export_documents", str(tmp_path / "no-such-folder" / "out.jsonl"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="--ids takes document ids separated by commas"):
        call_command("export_documents", str(tmp_path / "out.jsonl"), "--ids", "1,two", stdout=io.StringIO())

    earlier = tmp_path / "out.jsonl"
    earlier.write_text("an earlier export\n", encoding="utf-8")

    def full_disk(*args):
        yield {"title": "the first line"}
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("annotations.management.commands.export_documents.desk_document_lines", full_disk)
    with pytest.raises(CommandError, match=r"out.jsonl cannot be written \(No space left on device\)"):
        call_command("export_documents", str(earlier), stdout=io.StringIO())
    assert earlier.read_text(encoding="utf-8") == "an earlier export\n"
    assert [path.name for path in tmp_path.iterdir()] == ["out.jsonl"]  # no partial file beside it


def test_a_batch_size_below_one_is_refused(tmp_path, lavrov):
    with pytest.raises(CommandError, match="--batch-size must be at least 1, not 0"):
        run_import(write_jsonl(tmp_path / "a.jsonl", [document_line(1)]), "--batch-size", "0")


def test_a_named_pipe_is_reported_not_waited_for(tmp_path, lavrov, no_waiting):
    os.mkfifo(tmp_path / "pipe.jsonl")
    _, err = run_import(tmp_path / "pipe.jsonl", write_jsonl(tmp_path / "a.jsonl", [document_line(1)]), fails=True)
    assert "pipe.jsonl: is not a file to read (a pipe, a device or a socket)" in err
    assert Document.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_batches_written_side_by_side_keep_every_line_to_itself(tmp_path):
    """Outside a test's transaction, PostgreSQL's batches are written by two writers at once."""
    make_speaker("Sergey Lavrov")
    lines = [document_line(n) for n in range(60)]
    lines[7]["annotations"][0]["end"] = 500  # fails the check
    same_id = "6a1f2f0e-3f55-4b1e-9c8e-2b7d8c1b5a10"
    # The same id in two batches: refused by the database, or by the check if the first is in already.
    lines[3]["annotations"][0]["id"] = lines[14]["annotations"][0]["id"] = same_id
    path = write_jsonl(tmp_path / "side.jsonl", lines)

    out, err = run_import(path, "--batch-size", 10, fails=True)

    assert Document.objects.count() == 58
    assert Annotation.objects.count() == 116 and Claim.objects.count() == 0
    assert {t.path for t in Topic.objects.all()} == {"Economy", "Economy › Payments"}  # made once, not per writer
    assert Target.objects.filter(name="CIS").count() == 1
    assert "side.jsonl, line 8: annotation 0 ends at 500" in err
    # Whichever batch commits second loses that line.
    assert re.search(r"side.jsonl, line (4|15): (the database refused it|annotation 0: an annotation with the id)", err)
    assert Document.objects.filter(title__in=["Briefing 3", "Briefing 14"]).count() == 1
    assert "Imported 58 document(s), 116 turn(s), 116 annotation(s); skipped 0 as identical; failed 2" in out
    dashboard = dashboard_figures()
    assert (dashboard["documents"], dashboard["annotations"]) == (58, 116)


def test_on_a_sqlite_file_every_batch_is_kept_and_the_connection_left_as_it_was(tmp_path):
    """The tests' own database is in memory: this one is a file, as ``make run``'s, where a thread
    copies the write-ahead log into the database while the import writes (``rows.checkpoints_beside``)."""
    database = tmp_path / "desk.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DEBUG": "true"}

    def manage(*args):
        command = [sys.executable, "manage.py", *map(str, args)]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)

    assert manage("migrate", "--noinput", "-v", "0").returncode == 0
    lines = [document_line(n) for n in range(300)]
    lines[7]["annotations"][0]["end"] = 500  # fails the check
    path = write_jsonl(tmp_path / "many.jsonl", lines)
    # The import as a web process would run it, then what its connection does next: it checkpoints
    # at commits again, as before the import.
    script = (
        "from django.core.management import call_command; from django.db import connection\n"
        f"try: call_command('import_documents', {str(path)!r}, '--batch-size', '20')\n"
        "except Exception as exc: print('failed:', exc)\n"
        "with connection.cursor() as cursor:\n"
        "    print('autocheckpoint', cursor.execute('PRAGMA wal_autocheckpoint').fetchone()[0])\n"
    )

    result = manage("shell", "-c", script)

    assert result.returncode == 0, result.stderr
    assert "Imported 299 document(s), 598 turn(s), 598 annotation(s); skipped 0 as identical; failed 1" in result.stdout
    assert "failed: 1 line(s) could not be imported" in result.stdout
    assert "many.jsonl, line 8: annotation 0 ends at 500" in result.stderr
    assert "autocheckpoint 1000" in result.stdout
    with sqlite3.connect(database) as db:
        count = lambda table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: E731
        assert (count("corpus_app_document"), count("corpus_app_turn")) == (299, 598)
        assert (count("annotations_annotation"), count("annotations_historicalannotation")) == (598, 598)
        assert db.execute("SELECT count(*) FROM corpus_app_document WHERE title = 'Briefing 7'").fetchone()[0] == 0


def test_text_no_database_can_store_is_refused_by_line(tmp_path, lavrov):
    path = tmp_path / "odd.jsonl"
    # JSON can carry a lone surrogate and a NUL; UTF-8 and PostgreSQL cannot.
    path.write_text(
        json.dumps(document_line(1))
        + "\n"
        + '{"title": "Half a character \\ud800", "turns": [{"text": "x"}]}\n'
        + '{"title": "NUL", "turns": [{"text": "a\\u0000b"}]}\n'
        + json.dumps(document_line(2, annotations=[{"turn": 1, "quote": "85 percent", "note": "bell \u0007"}]))
        + "\n",
        encoding="utf-8",
    )

    _, err = run_import(path, fails=True)

    assert list(Document.objects.values_list("title", flat=True)) == ["Briefing 1"]
    assert "odd.jsonl, line 2: the title contains a lone surrogate (U+D800), which is not a character" in err
    assert "odd.jsonl, line 3: turn 0's text contains a NUL character (U+0000)" in err
    assert "odd.jsonl, line 4: annotation 0's note contains a control character (U+0007)" in err


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"speakers": 3}, "“speakers” must be a list"),
        ({"title": ["a list"]}, "“title” must be text, not list"),
        (
            {"annotations": [{"turn": 1, "quote": "85 percent", "stance": {"polarity": ["x"], "target": "CIS"}}]},
            "must be text",
        ),
        ({"annotations": [{"turn": 1, "start": 0, "end": 10**20}]}, "is too large"),
        (
            {
                "annotations": [
                    {"turn": 1, "quote": "85 percent", "stance": {"polarity": "supports", "target": "C" * 121}}
                ]
            },
            "longer than 120",
        ),
        (
            {"annotations": [{"turn": 1, "quote": "85 percent", "claim": {"status": 4}}]},
            "a claim's status must be text",
        ),
        ({"turns": [{"text": "x", "source_line": 1.5}]}, "must be a whole number, not 1.5"),
    ],
)
def test_a_value_of_the_wrong_type_fails_its_line_only(tmp_path, lavrov, fields, reason):
    path = write_jsonl(tmp_path / "types.jsonl", [document_line(1, **fields), document_line(2)])

    _, err = run_import(path, fails=True)

    assert list(Document.objects.values_list("title", flat=True)) == ["Briefing 2"]
    assert "types.jsonl, line 1: " in err and reason in err


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"source_url": "not a link"}, "“source_url” is not a web address: not a link"),
        ({"turns": [{"text": "x", "noise": "yes"}]}, "“turn 0 noise” must be true or false"),
    ],
)
def test_a_bad_source_link_or_noise_flag_fails_its_line_only(tmp_path, lavrov, fields, reason):
    path = write_jsonl(tmp_path / "flags.jsonl", [document_line(1, **fields), document_line(2)])

    _, err = run_import(path, fails=True)

    assert list(Document.objects.values_list("title", flat=True)) == ["Briefing 2"]
    assert "flags.jsonl, line 1: " in err and reason in err
