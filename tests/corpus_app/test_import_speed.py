"""The importer's speed-ups keep its behaviour: speakers read once per run, turns inserted by COPY,
files parsed ahead in a worker process."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from corpus_app.importing import SpeakerCache, TranscriptError, transcript_import
from corpus_app.models import Document, Speaker, SpeakerAlias, Turn
from tests.corpus_app.snapshots import corpus_snapshot

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "fixtures" / "transcripts"

pytestmark = pytest.mark.django_db


def corpus_and_speakers():
    return corpus_snapshot(), sorted(Speaker.objects.values_list("name", "kind", "role", "affiliation"))


def test_a_run_with_the_speaker_cache_imports_exactly_what_one_file_at_a_time_does():
    before = set(Speaker.objects.values_list("pk", flat=True))
    call_command("import_transcripts", str(TRANSCRIPTS), stdout=StringIO(), stderr=StringIO())
    with_cache = corpus_and_speakers()
    Document.objects.all().delete()
    Speaker.objects.exclude(pk__in=before).delete()
    for path in sorted(TRANSCRIPTS.glob("*.txt")):
        transcript_import(path=path)  # no cache: the speakers are read afresh for each file
    assert corpus_and_speakers() == with_cache
    assert len(with_cache[0]) == 5  # every fixture transcript


def test_the_speaker_cache_reads_once_and_again_only_when_invalidated():
    speaker = Speaker.objects.create(name="Sergey Lavrov", kind="person")
    SpeakerAlias.objects.create(speaker=speaker, alias="SL")
    cache = SpeakerCache()
    with CaptureQueriesContext(connection) as first:
        aliases, kinds = cache.get()
    assert aliases["sl"] == "Sergey Lavrov" and kinds["Sergey Lavrov"] == "person"
    with CaptureQueriesContext(connection) as again:
        assert cache.get() == (aliases, kinds)
    assert len(first) > 0 and len(again) == 0
    Speaker.objects.create(name="Maria Zakharova", kind="person")
    cache.invalidate()
    assert "Maria Zakharova" in cache.get()[1]


def test_a_failed_file_drops_the_cached_speakers(tmp_path):
    cache = SpeakerCache()
    cache.get()
    with pytest.raises(TranscriptError):
        transcript_import(path=tmp_path / "missing.txt", speaker_cache=cache)
    assert cache._data is None


def test_turn_text_round_trips_through_the_insert_exactly(tmp_path):
    text = 'Tabs\there, a backslash \\N and \\\\ too, "quotes", ’curly’, café — and\ttwo\\tthings.'
    path = tmp_path / "odd.txt"
    path.write_text(f"Odd characters\n\nSergey Lavrov: {text}\n\nQuestion: And a second \\. line?\n", encoding="utf-8")
    result = transcript_import(path=path, speaker_cache=SpeakerCache())
    turns = list(Turn.objects.filter(document=result.document).order_by("position"))
    assert [turn.text for turn in turns] == [turn.text for turn in result.parsed.turns]
    assert any(text in turn.text for turn in turns)
    assert [turn.source_line for turn in turns] == [turn.line for turn in result.parsed.turns]


def test_a_run_keeps_the_order_of_reports_and_failures(tmp_path):
    for name in ("a.txt", "c.txt"):
        (tmp_path / name).write_bytes((TRANSCRIPTS / "001_296888d256c771b2.txt").read_bytes() + name.encode())
    (tmp_path / "b.txt").write_bytes(b"")
    (tmp_path / "d.txt").write_text("Sergey Lavrov: no headline, only a turn.\n", encoding="utf-8")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_transcripts", "--dry-run", "--json", str(tmp_path), stdout=out, stderr=err)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["source"] for line in lines] == ["a.txt", "b.txt", "c.txt", "d.txt"]
    assert lines[1]["error"] == "the file is empty" and lines[3]["error"].startswith("no text after the title")
    assert lines[0]["turns"] == lines[2]["turns"]


def test_a_file_imported_already_is_skipped_even_if_it_no_longer_parses(monkeypatch):
    from corpus_app import importing

    path = TRANSCRIPTS / "001_296888d256c771b2.txt"
    first = transcript_import(path=path)

    def failing_parse(*args, **kwargs):
        raise importing.ParseError("the parser changed its mind")

    monkeypatch.setattr(importing, "parse_extracted", failing_parse)
    again = transcript_import(path=path)
    assert (again.created, again.document.pk) == (False, first.document.pk)
    with pytest.raises(TranscriptError, match="changed its mind"):
        transcript_import(path=TRANSCRIPTS / "000_fdb94d2577f2daed.txt")


def test_the_triggers_compute_missing_vectors_and_follow_text_changes():
    from tests.factories import make_document
    from tests.migrations import assert_run_no_sql_here

    if connection.vendor != "postgresql":  # no search vectors elsewhere
        assert_run_no_sql_here("corpus_app.migrations.0008_turn_search_vector_trigger")
        return

    def column_is_generated():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT is_generated FROM information_schema.columns "
                "WHERE table_name = 'corpus_app_turn' AND column_name = 'search_vector'"
            )
            return cursor.fetchone()[0] == "ALWAYS"

    def vector(turn):
        with connection.cursor() as cursor:
            cursor.execute("SELECT search_vector::text FROM corpus_app_turn WHERE id = %s", [turn.pk])
            return cursor.fetchone()[0]

    assert not column_is_generated()
    document = make_document(turns=[("Sergey Lavrov", "answer", "Payments in national currencies.")])
    turn = document.turns.get()
    assert vector(turn) == "'currenc':4 'nation':3 'payment':1"  # computed on insert
    turn.text = "Trade in roubles."
    turn.save()
    assert vector(turn) == "'roubl':3 'trade':1"  # and again when the text changes
    with connection.cursor() as cursor:  # a vector given with a new turn is kept
        cursor.execute(
            "INSERT INTO corpus_app_turn (document_id, position, label, kind, text, search_vector) "
            "VALUES (%s, 1, '', 'answer', 'Trade in roubles.', 'roubl:3 trade:1') RETURNING id",
            [document.pk],
        )
        given = Turn.objects.get(pk=cursor.fetchone()[0])
    assert vector(given) == "'roubl':3 'trade':1"
    Turn.objects.filter(pk=turn.pk).update(text="Sanctions.")
    assert vector(turn) == "'sanction':1"  # whatever writes it
