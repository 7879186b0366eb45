"""The importer's speed-ups keep its behaviour: speakers read once per run, turns inserted by COPY."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from corpus_app.importing import SpeakerCache, TranscriptError, transcript_import
from corpus_app.models import Document, Speaker, SpeakerAlias, Turn

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "fixtures" / "transcripts"

pytestmark = pytest.mark.django_db


def corpus_snapshot():
    return [
        (
            document.source_name,
            document.title,
            document.date,
            document.import_warnings,
            [
                (turn.position, turn.speaker.name if turn.speaker else None, turn.label, turn.kind, turn.text)
                for turn in document.turns.select_related("speaker").order_by("position")
            ],
        )
        for document in Document.objects.order_by("source_name")
    ] + [sorted(Speaker.objects.values_list("name", "kind", "role", "affiliation"))]


def test_a_run_with_the_speaker_cache_imports_exactly_what_one_file_at_a_time_does():
    before = set(Speaker.objects.values_list("pk", flat=True))
    call_command("import_transcripts", str(TRANSCRIPTS), stdout=StringIO(), stderr=StringIO())
    with_cache = corpus_snapshot()
    Document.objects.all().delete()
    Speaker.objects.exclude(pk__in=before).delete()
    for path in sorted(TRANSCRIPTS.glob("*.txt")):
        transcript_import(path=path)  # no cache: the speakers are read afresh for each file
    assert corpus_snapshot() == with_cache
    assert len(with_cache) == 6


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
