"""import_transcripts on many files: parsed ahead by worker processes, written in batches; what it tells."""

import ast
import io
import re
import sys
from collections import deque
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection

from corpus_app import bulk_importing, importing
from corpus_app.bulk_importing import TranscriptBulkImport
from corpus_app.importing import TranscriptError, transcript_import
from corpus_app.models import Document, Speaker, Turn
from corpus_app.parse_ahead import FileReader
from corpus_app.signals import edition_replaced
from tests.corpus_app.snapshots import corpus_snapshot

ROOT = Path(__file__).resolve().parents[2]
TRANSCRIPTS = ROOT / "fixtures" / "transcripts"

pytestmark = pytest.mark.django_db


def item(number: int, words: str = "trade and the customs union") -> str:
    day = date(2025, 4, 11) - timedelta(days=number % 700)
    return (
        f"Bench item {number:04d}: statement on trade\n{day.day} {day:%B} {day.year}\n"
        f"Sergey Lavrov: Item {number} is about {words}. The talks went on.\n"
    )


def write_items(folder: Path, count: int) -> list[Path]:
    paths = []
    for number in range(count):
        path = folder / f"item_{number:04d}.txt"
        path.write_text(item(number), encoding="utf-8")
        paths.append(path)
    return paths


def run(*args, **options):
    out, err = StringIO(), StringIO()
    call_command("import_transcripts", *[str(a) for a in args], stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def run_failing(*args, **options):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_transcripts", *[str(a) for a in args], stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue(), str(failure.value)


@pytest.fixture
def small_batches(monkeypatch):
    """Worker processes for any run, and chunks and batches of a few files: every path of a long run."""
    monkeypatch.setattr(FileReader, "WORKERS_MIN_FILES", 1)
    monkeypatch.setattr(FileReader, "FIRST_CHUNK_FILES", 1)
    monkeypatch.setattr(FileReader, "CHUNK_FILES", 2)
    monkeypatch.setattr(FileReader, "AHEAD_FILES", 6)
    monkeypatch.setattr(TranscriptBulkImport, "BATCH_FILES", 3)


def refuse_item(monkeypatch, number: int):
    """The database refuses the turns of one file the checks let through, in a batch or alone."""
    real_insert = importing.insert_turns
    name = f"item_{number:04d}.txt"

    def refused(rows, **options):
        rows = list(rows)
        if Document.objects.filter(pk__in={row[0] for row in rows}, source_name=name).exists():
            raise IntegrityError(f"simulated: the database refuses item {number}")
        return real_insert(rows, **options)

    monkeypatch.setattr(bulk_importing, "insert_turns", refused)
    monkeypatch.setattr(importing, "insert_turns", refused)


def test_a_bad_file_in_a_batch_of_1000_is_reported_by_name_and_the_others_imported(tmp_path, monkeypatch):
    write_items(tmp_path, 1000)
    (tmp_path / "item_0500.txt").write_bytes(b"")  # refused by the parser
    refuse_item(monkeypatch, 700)
    out, err, message = run_failing(tmp_path)

    assert "item_0500.txt: the file is empty" in err
    assert "item_0700.txt: the database refused the file" in err and "refuses item 700" in err
    assert "2 file(s) could not be imported" in message and "item_0500.txt" in message and "item_0700.txt" in message
    assert "Imported 998 file(s), 2 failed." in out
    names = set(Document.objects.values_list("source_name", flat=True))
    assert len(names) == 998 and not names & {"item_0500.txt", "item_0700.txt"}
    assert Turn.objects.count() == 998
    assert not Turn.objects.filter(document__source_name__in=["item_0500.txt", "item_0700.txt"]).exists()
    document = Document.objects.get(source_name="item_0999.txt")
    assert (document.title, document.raw_text) == ("Bench item 0999: statement on trade", item(999))
    assert document.turns.get().speaker.name == "Sergey Lavrov"


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_shows_a_progress_bar_and_the_summary_after_it(tmp_path, monkeypatch):
    write_items(tmp_path, 120)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    out, _ = run(tmp_path)
    bar = terminal.getvalue()
    assert "120/120" in bar and "files/s" in bar
    assert out.startswith("Imported 120 file(s).") and len(out.strip().splitlines()) == 1


def test_no_bar_with_verbosity_0_or_2(tmp_path, monkeypatch):
    write_items(tmp_path, 3)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    out, _ = run(tmp_path, verbosity=0)
    assert out == "" and terminal.getvalue() == ""
    out, _ = run(tmp_path, verbosity=2)
    assert terminal.getvalue() == "" and out.count("already imported as document") == 3


def test_the_summary_counts_imported_identical_new_editions_and_failures_with_their_reasons(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    for name, number in (("a.txt", 1), ("b.txt", 2), ("c.txt", 3)):
        (first / name).write_text(item(number), encoding="utf-8")
    run(first)
    edited = Document.objects.get(source_name="b.txt")
    (second / "a.txt").write_text(item(1), encoding="utf-8")  # identical
    (second / "b.txt").write_text(item(2, "gas transit tariffs"), encoding="utf-8")  # a new edition
    (second / "c.txt").write_text(item(3), encoding="utf-8")  # identical
    (second / "d.txt").write_text(item(4), encoding="utf-8")  # new
    (second / "e.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")  # not a transcript
    out, err, _ = run_failing(second)
    assert "Imported 2 file(s) (1 new edition(s)), skipped 2 already imported, 1 failed." in out
    new = Document.objects.get(source_name="b.txt", is_current=True)
    assert f"{second / 'b.txt'}: new edition of document {edited.pk}; annotations: 0 moved exactly" in out
    assert new.replaces == edited and "gas transit tariffs" in new.raw_text
    assert str(second / "e.txt") in err and "binary" in err
    assert Document.objects.count() == 5


def test_one_line_per_file_with_verbosity_2(tmp_path, small_batches):
    write_items(tmp_path, 5)
    (tmp_path / "item_0002.txt").write_bytes(b"")
    out, _, _ = run_failing("-v", "2", tmp_path)
    lines = out.strip().splitlines()
    assert [line.split(" ", 1)[0] for line in lines[:5]] == [f"[{n}/5]" for n in range(1, 6)]
    assert lines[2] == f"[3/5] {tmp_path / 'item_0002.txt'}: failed, the file is empty"
    first = Document.objects.get(source_name="item_0000.txt")
    assert f"item_0000.txt: imported as document {first.pk}, 1 turns, " in lines[0]
    assert lines[-1].startswith("Imported 4 file(s), 1 failed.")


def test_the_same_file_twice_in_one_batch_is_imported_once(tmp_path):
    (tmp_path / "a.txt").write_text(item(1), encoding="utf-8")
    (tmp_path / "copy-of-a.txt").write_text(item(1), encoding="utf-8")
    out, _ = run(tmp_path)
    assert "Imported 1 file(s), skipped 1 already imported." in out
    assert Document.objects.get().source_name == "a.txt"


def test_parsing_in_worker_processes_gives_the_same_documents_as_one_file_at_a_time(tmp_path, small_batches):
    for path in sorted(TRANSCRIPTS.glob("*.txt")):
        (tmp_path / f"a_{path.name}").write_bytes(path.read_bytes())
    # A speaker created by one file makes "Peskov:" a label in the files after it, parsed ahead without him.
    (tmp_path / "m_peskov.txt").write_text(
        "Briefing, Moscow, March 3, 2024\n\nQuestion: Any news?\n\nDmitry Peskov: None today.\n", encoding="utf-8"
    )
    for number in range(4):
        (tmp_path / f"n_label_{number}.txt").write_text(
            f"Briefing {number}, Moscow, March {4 + number}, 2024\n\nQuestion: And now?\n\nPeskov: Still none.\n",
            encoding="utf-8",
        )
    before = set(Speaker.objects.values_list("pk", flat=True))
    run(tmp_path)
    in_batches = corpus_snapshot()
    Document.objects.all().delete()
    Speaker.objects.exclude(pk__in=before).delete()
    for path in sorted(tmp_path.iterdir()):
        transcript_import(path=path)
    assert corpus_snapshot() == in_batches
    assert in_batches["n_label_3.txt"][-1][1][1] == "Dmitry Peskov"


def test_turns_written_in_batches_have_the_databases_search_vectors_and_lexemes(tmp_path):
    write_items(tmp_path, 80)
    run(tmp_path)
    assert Turn.objects.count() == 80
    if connection.vendor != "postgresql":
        return  # no search vectors here: the search reads the text
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE search_vector = to_tsvector('english'::regconfig, text)) "
            "FROM corpus_app_turn"
        )
        assert cursor.fetchone()[0] == 80
        cursor.execute("SELECT count(*) FROM corpus_app_document_lexemes")
        assert cursor.fetchone()[0] == 80


def test_a_new_edition_is_announced_inside_the_import_transaction(tmp_path):
    heard = []

    def receiver(sender, *, old_document, new_document, **kwargs):
        heard.append((old_document.pk, new_document.pk, connection.in_atomic_block))
        return "report"

    path = tmp_path / "a.txt"
    path.write_text(item(1), encoding="utf-8")
    first = transcript_import(path=path)
    path.write_text(item(1, "gas transit tariffs"), encoding="utf-8")
    edition_replaced.connect(receiver)
    try:
        second = transcript_import(path=path)
    finally:
        edition_replaced.disconnect(receiver)
    assert heard == [(first.document.pk, second.document.pk, True)]
    # The annotations' receiver answers first (connected at start-up), with its re-anchoring report.
    assert type(second.reanchoring).__name__ == "ReanchorReport"


def test_the_importer_imports_nothing_of_the_annotations():
    for module in (
        "importing.py",
        "bulk_importing.py",
        "parse_ahead.py",
        "signals.py",
        "management/commands/import_transcripts.py",
    ):
        tree = ast.parse((ROOT / "corpus_app" / module).read_text(encoding="utf-8"))
        imported = [
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        ]
        assert not [name for name in imported if name and name.split(".")[0] == "annotations"], module


def test_new_editions_of_many_documents_replace_them_in_one_run_and_each_is_announced(tmp_path, small_batches):
    write_items(tmp_path, 8)
    run(tmp_path)
    first = dict(Document.objects.values_list("source_name", "pk"))
    for number in range(0, 8, 2):  # every other file corrected: a new edition of its document
        (tmp_path / f"item_{number:04d}.txt").write_text(item(number, "gas transit tariffs"), encoding="utf-8")
    heard = []

    def receiver(sender, *, old_document, new_document, **kwargs):
        heard.append((old_document.pk, new_document.pk, connection.in_atomic_block))

    edition_replaced.connect(receiver)
    try:
        out, _ = run(tmp_path)
    finally:
        edition_replaced.disconnect(receiver)
    assert "Imported 4 file(s) (4 new edition(s)), skipped 4 already imported." in out
    current = dict(Document.objects.filter(is_current=True).values_list("source_name", "pk"))
    assert len(current) == 8 and Document.objects.count() == 12
    for number in range(8):
        name = f"item_{number:04d}.txt"
        if number % 2:
            assert current[name] == first[name]
        else:
            new = Document.objects.get(pk=current[name])
            assert new.replaces_id == first[name] and "gas transit tariffs" in new.turns.get().text
            assert f"{tmp_path / name}: new edition of document {first[name]}" in out
    assert sorted(heard) == sorted((first[name], current[name], True) for name in first if int(name[5:9]) % 2 == 0)


def test_a_new_edition_whose_receiver_fails_is_reported_by_name_and_the_others_imported(tmp_path):
    write_items(tmp_path, 3)
    run(tmp_path)
    for number in range(3):
        (tmp_path / f"item_{number:04d}.txt").write_text(item(number, "gas transit tariffs"), encoding="utf-8")
    (tmp_path / "item_0003.txt").write_text(item(3), encoding="utf-8")  # new

    def receiver(sender, *, old_document, new_document, **kwargs):
        if new_document.source_name == "item_0001.txt":
            raise TranscriptError("simulated: its annotations cannot be moved")

    edition_replaced.connect(receiver)
    try:
        out, err, message = run_failing(tmp_path)
    finally:
        edition_replaced.disconnect(receiver)
    assert "item_0001.txt: simulated: its annotations cannot be moved" in err and "item_0001.txt" in message
    assert "Imported 3 file(s) (2 new edition(s)), 1 failed." in out
    assert Document.objects.count() == 6
    old = Document.objects.get(source_name="item_0001.txt")
    assert old.is_current and "gas transit tariffs" not in old.raw_text


def everything_imported():
    """Every document (current or replaced) with its turns, their speakers and search vectors, without ids."""
    return sorted(
        (
            document.source_name,
            document.is_current,
            document.replaces.source_name if document.replaces else None,
            document.raw_text,
            [
                (turn.position, turn.speaker.name if turn.speaker else None, turn.kind, turn.text)
                for turn in document.turns.select_related("speaker").order_by("position")
            ],
        )
        for document in Document.objects.select_related("replaces")
    )


@pytest.mark.django_db(transaction=True)  # the command's own transactions: PostgreSQL's writer thread
def test_batches_written_beside_the_next_import_what_one_batch_at_a_time_does(tmp_path, small_batches, monkeypatch):
    """Outside a caller's transaction, on PostgreSQL, batches are written by threads while the next is
    sorted out; a batch related to one being written (an identical file, a new edition, a new
    speaker) waits for them. The same files give the same documents and reports either way."""
    # Batches of 3 after the first file: [0] [1 2 3] [4 5 6] [7 8 9] [10 11 12] [13 14 15] [16 17 18].
    write_items(tmp_path, 19)
    (tmp_path / "item_0004.txt").write_bytes(b"")  # refused by the parser
    (tmp_path / "item_0008.txt").write_text(item(5), encoding="utf-8")  # identical to a file of the batch before
    (tmp_path / "item_0014.txt").write_text(item(11, "gas transit tariffs"), encoding="utf-8")  # item 11's heading
    (tmp_path / "item_0017.txt").write_text(item(17).replace("Sergey Lavrov", "Maria Zakharova"), encoding="utf-8")
    refuse_item(monkeypatch, 2)
    threads = []
    real_submit = bulk_importing._BatchWriter.submit
    monkeypatch.setattr(
        bulk_importing._BatchWriter, "submit", lambda writer, *args: threads.append(1) or real_submit(writer, *args)
    )

    before = set(Speaker.objects.values_list("pk", flat=True))
    beside, beside_err, _ = run_failing("-v", "2", tmp_path)
    imported_beside = everything_imported()
    Document.objects.filter(is_current=True).delete()  # the new edition first: it protects the one it replaces
    Document.objects.all().delete()
    Speaker.objects.exclude(pk__in=before).delete()
    monkeypatch.setattr(bulk_importing._BatchWriter, "submit", lambda *args: pytest.fail("no writer thread"))
    monkeypatch.setattr(bulk_importing._BatchWriter, "__init__", _one_batch_at_a_time)
    one_at_a_time, one_at_a_time_err, _ = run_failing("-v", "2", tmp_path)

    assert bool(threads) == (connection.vendor == "postgresql")
    assert everything_imported() == imported_beside
    assert _without_ids(beside) == _without_ids(one_at_a_time) and beside_err == one_at_a_time_err
    assert "item_0002.txt: failed, the database refused the file" in beside
    assert "item_0004.txt: failed, the file is empty" in beside
    assert "item_0008.txt: already imported as document" in beside
    assert "Imported 16 file(s) (1 new edition(s)), skipped 1 already imported, 2 failed." in beside
    documents = {name: (current, replaces, turns) for name, current, replaces, _, turns in imported_beside}
    # The file with item 11's title and date, a batch later, is its new edition.
    assert documents["item_0011.txt"][0] is False and documents["item_0014.txt"][:2] == (True, "item_0011.txt")
    assert documents["item_0017.txt"][2][0][1] == "Maria Zakharova"


def _one_batch_at_a_time(writer, *, enabled):
    writer.enabled, writer._pool, writer._writing = False, None, deque()


def _without_ids(out: str) -> str:
    """The command's lines without document ids and the run's speed."""
    return re.sub(r" \(\S+ s, \S+ files/s\)", "", re.sub(r"document \d+", "document N", out))
