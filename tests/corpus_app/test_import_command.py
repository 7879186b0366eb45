import json
import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from corpus_app.models import Document, ImportBatch, Speaker, Turn

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "fixtures" / "transcripts"
FILE_001 = TRANSCRIPTS / "001_296888d256c771b2.txt"

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_transcripts", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_transcripts", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), str(failure.value)


def test_dry_run_json_prints_one_object_per_file_and_writes_nothing():
    out, _ = run("--dry-run", "--json", TRANSCRIPTS)
    lines = out.strip().splitlines()
    assert len(lines) == 5
    parsed = [json.loads(line) for line in lines]
    assert [p["source"] for p in parsed] == sorted(p.name for p in TRANSCRIPTS.glob("*.txt"))
    by_source = {p["source"]: p for p in parsed}
    almaty = by_source["001_296888d256c771b2.txt"]
    assert (almaty["date"], almaty["place"], almaty["kind"]) == ("2025-04-11", "Almaty", "transcript")
    assert almaty["turns"][0] == {**almaty["turns"][0], "position": 0, "speaker": "Sergey Lavrov", "label": None}
    assert {"line", "code", "message"} <= set(by_source["004_f5163b51cb7a6d71.txt"]["warnings"][0])
    assert Document.objects.count() == 0 and Turn.objects.count() == 0


def test_import_writes_documents_turns_and_is_idempotent_by_content():
    out, _ = run(TRANSCRIPTS)
    assert "Imported 5 file(s)" in out
    assert Document.objects.count() == 5
    document = Document.objects.get(source_name=FILE_001.name)
    assert document.raw_text == FILE_001.read_text(encoding="utf-8")
    assert document.place == "Almaty" and str(document.date) == "2025-04-11"
    turns = list(document.turns.order_by("position"))
    assert turns[0].speaker.name == "Sergey Lavrov" and turns[0].kind == "remarks"
    assert sum(turn.kind == "question" for turn in turns) == 6
    turn_count = Turn.objects.count()

    out, _ = run(TRANSCRIPTS)
    assert "skipped 5 already imported" in out
    assert Document.objects.count() == 5 and Turn.objects.count() == turn_count


def test_verbosity_2_prints_one_line_per_file_and_1_only_the_summary():
    out, _ = run("-v", "2", TRANSCRIPTS)
    lines = out.strip().splitlines()
    assert [line.split("]")[0] for line in lines[:5]] == [f"[{n}/5" for n in range(1, 6)]
    assert "imported as document" in lines[0] and lines[-1].startswith("Imported 5 file(s).")

    out, _ = run(TRANSCRIPTS)
    assert out.startswith("Skipped") is False and len(out.strip().splitlines()) == 1
    assert "Imported 0 file(s), skipped 5 already imported." in out


def test_verbosity_0_prints_nothing_but_failures(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    out, err, _ = run_failing("-v", "0", TRANSCRIPTS, tmp_path)
    assert out == ""
    assert err.strip().splitlines() == [f"{tmp_path / 'empty.txt'}: the file is empty"] or "empty.txt" in err


def test_missing_path_names_it_and_fails():
    _, err, message = run_failing(TRANSCRIPTS / "nope.txt")
    assert "nope.txt" in err and "no such file" in err
    assert "1 file(s) could not be imported" in message


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n  \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("Title line\nSergey Lavrov: Привет".encode("cp1251"), "UTF-8"),
    ],
)
def test_bad_file_gets_a_message_naming_it_and_nothing_is_written(tmp_path, content, reason):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    _, err, _ = run_failing(bad)
    assert "bad.txt" in err and reason in err
    assert Document.objects.count() == 0 and Turn.objects.count() == 0


def test_folder_with_some_bad_files_imports_the_good_ones(tmp_path):
    (tmp_path / "a_good.txt").write_bytes(FILE_001.read_bytes())
    (tmp_path / "b_empty.txt").write_bytes(b"")
    (tmp_path / "c_binary.pdf").write_bytes(b"%PDF-1.4\x00\x01\x02")
    (tmp_path / ".hidden").write_bytes(b"ignored")
    out, err, message = run_failing(tmp_path)
    assert "b_empty.txt" in err and "c_binary.pdf" in err
    assert "2 file(s) could not be imported" in message
    assert list(Document.objects.values_list("source_name", flat=True)) == ["a_good.txt"]


def test_a_named_pipe_is_reported_not_waited_for(tmp_path, no_waiting):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "good.txt").write_bytes(FILE_001.read_bytes())

    _, err, message = run_failing(tmp_path / "pipe.txt", tmp_path / "good.txt")
    assert "pipe.txt: is not a file to read (a pipe, a device or a socket)" in err
    assert "1 file(s) could not be imported" in message
    assert list(Document.objects.values_list("source_name", flat=True)) == ["good.txt"]

    out, _ = run("--background", tmp_path / "pipe.txt")
    batch = ImportBatch.objects.get()
    assert [(file.name, file.message) for file in batch.files.all()] == [
        ("pipe.txt", "is not a file to read (a pipe, a device or a socket)")
    ]


def test_a_file_whose_name_is_not_utf8_is_imported_under_a_readable_name(tmp_path):
    """Linux keeps a name's bytes as written: "café" in Latin-1 from an old archive is no UTF-8."""
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, b"caf\xe9.txt"), "wb") as file:
        file.write(FILE_001.read_bytes())

    out, _ = run(tmp_path)

    assert "Imported 1 file(s)" in out
    assert list(Document.objects.values_list("source_name", flat=True)) == ["caf\ufffd.txt"]
    latin1, missing = (os.fsdecode(os.path.join(folder, name)) for name in (b"caf\xe9.txt", b"n\xe9.txt"))
    run("--background", latin1, missing)
    assert sorted(ImportBatch.objects.get().files.values_list("name", flat=True)) == [
        os.fsdecode(folder) + "/n\ufffd.txt",
        "caf\ufffd.txt",
    ]


def test_dry_run_json_reports_bad_files_as_json_too(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    out, err, _ = run_failing("--dry-run", "--json", tmp_path)
    assert json.loads(out.strip()) == {"source": "empty.txt", "error": "the file is empty"}


def test_a_failure_while_writing_leaves_nothing_of_that_file(monkeypatch):
    from corpus_app import bulk_importing, importing

    def broken_insert(rows, **options):
        raise importing.TranscriptError("simulated failure while writing turns")

    # The turns are written last (COPY on PostgreSQL, bulk_create elsewhere): the document and
    # its new speakers are already saved when this fails, in the batch and then on its own.
    monkeypatch.setattr(bulk_importing, "insert_turns", broken_insert)
    monkeypatch.setattr(importing, "insert_turns", broken_insert)
    speakers_before = Speaker.objects.count()
    _, err, _ = run_failing(FILE_001)
    assert "simulated failure" in err
    assert Document.objects.count() == 0
    assert Speaker.objects.count() == speakers_before


def test_unknown_label_creates_a_new_speaker(tmp_path):
    text = (
        "Press briefing by the Kremlin spokesman, Moscow, March 3, 2024\n\n"
        "Question: Will the talks continue?\n\n"
        "Dmitry Peskov: We do not comment on that.\n"
    )
    path = tmp_path / "briefing.txt"
    path.write_text(text, encoding="utf-8")
    run(path)
    document = Document.objects.get()
    speakers = [turn.speaker.name for turn in document.turns.order_by("position")]
    assert speakers == ["Journalist", "Dmitry Peskov"]
    assert Speaker.objects.filter(name="Dmitry Peskov").exists()


@pytest.mark.django_db(transaction=True)  # the command's own transactions, as when it is run
def test_each_file_commits_without_waiting_for_the_disk_and_nothing_else_does():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        run(FILE_001)
    relaxed = [q for q in queries.captured_queries if "synchronous_commit" in q["sql"]]
    if connection.vendor == "postgresql":
        assert [q["sql"] for q in relaxed] == ["SET LOCAL synchronous_commit TO OFF"]
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"  # it ended with the file's transaction
    else:
        assert relaxed == []
    assert Document.objects.filter(source_name=FILE_001.name).count() == 1


def test_an_import_inside_a_callers_transaction_keeps_the_servers_setting():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:  # the test's transaction is the caller's
        run(FILE_001)
    assert not [q for q in queries.captured_queries if "synchronous_commit" in q["sql"]]
