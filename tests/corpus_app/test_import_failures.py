"""import_transcripts: every failure of one file is that file's alone, and the limits of a run."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from corpus_app import bulk_importing, importing, parse_ahead
from corpus_app.importing import TranscriptError, transcript_decode
from corpus_app.models import Document, Speaker, Turn

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "fixtures" / "transcripts"
GOOD_FILES = sorted(TRANSCRIPTS.glob("*.txt"))[:2]

pytestmark = pytest.mark.django_db

# A legend whose description the parser takes as a speaker's name: 299 characters, the field holds 200.
LONG_NAME = " ".join(["Extraordinary"] * 10 + ["Plenipotentiary"] * 10)
LONG_LEGEND = f"""Press briefing by the spokesman, Moscow, March 3, 2024

Questions from the media are prefixed Q. {LONG_NAME} is marked XY.

XY: We do not comment on that.

Q: Will the talks continue?

XY: Yes.
"""


def run_failing(*args):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_transcripts", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), str(failure.value)


def folder_with_a_bad_file_between_good_ones(tmp_path, bad_text):
    (tmp_path / "a_good.txt").write_bytes(GOOD_FILES[0].read_bytes())
    (tmp_path / "b_bad.txt").write_text(bad_text, encoding="utf-8")
    (tmp_path / "c_good.txt").write_bytes(GOOD_FILES[1].read_bytes())
    return tmp_path


def test_a_speaker_name_too_long_for_the_database_fails_that_file_only(tmp_path):
    folder = folder_with_a_bad_file_between_good_ones(tmp_path, LONG_LEGEND)
    out, err, message = run_failing(folder)
    assert "b_bad.txt" in err and "speaker name is 299 characters" in err and "200" in err
    assert "Imported 2 file(s), 1 failed." in out  # the summary is printed
    assert "1 file(s) could not be imported" in message
    assert sorted(Document.objects.values_list("source_name", flat=True)) == ["a_good.txt", "c_good.txt"]
    assert not Speaker.objects.filter(name__startswith="Extraordinary").exists()


def test_dry_run_reports_the_name_too_long_too(tmp_path):
    (tmp_path / "long.txt").write_text(LONG_LEGEND, encoding="utf-8")
    _, err, _ = run_failing("--dry-run", tmp_path)
    assert "long.txt" in err and "speaker name is 299 characters" in err


def test_a_validation_error_the_checks_missed_is_reported_and_the_run_goes_on(tmp_path, monkeypatch):
    # Without the check before writing, the speaker's own validation refuses the name, as in issue 15.
    monkeypatch.setattr(parse_ahead, "transcript_check", lambda *, parsed: None)
    folder = folder_with_a_bad_file_between_good_ones(tmp_path, LONG_LEGEND)
    out, err, _ = run_failing(folder)
    assert "b_bad.txt" in err and "does not fit the database" in err and "at most 200 characters" in err
    assert "Imported 2 file(s), 1 failed." in out
    assert Document.objects.count() == 2
    assert not Speaker.objects.filter(name__startswith="Extraordinary").exists()


@pytest.mark.parametrize(
    ("error", "reported"),
    [
        (IntegrityError("duplicate key value violates unique constraint"), "the database refused the file"),
        (RuntimeError("a bug"), "an unexpected error while importing it (RuntimeError: a bug)"),
    ],
)
def test_any_exception_while_writing_a_file_is_reported_with_its_name(tmp_path, monkeypatch, error, reported):
    real_insert = importing.insert_turns

    def insert_failing_for_the_bad_file(rows, **options):
        rows = list(rows)
        if Document.objects.filter(pk__in={row[0] for row in rows}, source_name="b_bad.txt").exists():
            raise error
        return real_insert(rows, **options)

    # The batch's turns are written together, then each file's alone once the batch failed.
    monkeypatch.setattr(bulk_importing, "insert_turns", insert_failing_for_the_bad_file)
    monkeypatch.setattr(importing, "insert_turns", insert_failing_for_the_bad_file)
    folder = folder_with_a_bad_file_between_good_ones(tmp_path, GOOD_FILES[1].read_text(encoding="utf-8") + "\nX\n")
    out, err, _ = run_failing(folder)
    assert "b_bad.txt" in err and reported in err
    assert "Imported 2 file(s), 1 failed." in out
    assert sorted(Document.objects.values_list("source_name", flat=True)) == ["a_good.txt", "c_good.txt"]
    assert set(Turn.objects.values_list("document__source_name", flat=True)) == {"a_good.txt", "c_good.txt"}


def test_a_file_over_the_size_limit_is_refused_by_name_and_nothing_of_it_written(tmp_path, settings):
    settings.IMPORT_MAX_FILE_BYTES = 20_000
    small = min(GOOD_FILES, key=lambda path: path.stat().st_size)
    assert small.stat().st_size <= 20_000
    (tmp_path / "small.txt").write_bytes(small.read_bytes())
    (tmp_path / "large.txt").write_bytes(b"Q: more words here.\n\n" * 1_000)  # 21,000 bytes
    out, err, _ = run_failing(tmp_path)
    assert "large.txt: the file is 21,000 bytes, larger than the 20,000 bytes allowed (IMPORT_MAX_FILE_BYTES)" in err
    assert "Imported 1 file(s), 1 failed." in out
    assert list(Document.objects.values_list("source_name", flat=True)) == ["small.txt"]


def test_the_default_file_limit_is_ten_megabytes(settings):
    assert settings.IMPORT_MAX_FILE_BYTES == 10 * 1024 * 1024
    with pytest.raises(TranscriptError, match=r"the file is 10\.0 MB, larger than the 10\.0 MB allowed"):
        transcript_decode(name="big.txt", raw_bytes=b"Q: a\n" * (2 * 1024 * 1024 + 1))


def test_a_turn_over_the_limit_is_refused_by_name_and_position(tmp_path, settings):
    settings.IMPORT_MAX_TURN_CHARS = 1_000
    text = "Briefing, Moscow, March 3, 2024\n\nQuestion: Short?\n\nDmitry Peskov: " + "word " * 300 + "\n"
    (tmp_path / "long_turn.txt").write_text(text, encoding="utf-8")
    _, err, _ = run_failing(tmp_path)
    assert "long_turn.txt: turn 2 (line 5) is 1,499 characters long" in err and "more than the 1,000 allowed" in err
    assert Document.objects.count() == 0 and Turn.objects.count() == 0
    assert not Speaker.objects.filter(name="Dmitry Peskov").exists()


def test_a_run_of_more_files_than_the_batch_limit_is_refused_before_writing(tmp_path, settings):
    settings.IMPORT_MAX_FILES = 2
    for index, path in enumerate([*GOOD_FILES, GOOD_FILES[0]]):
        (tmp_path / f"{index}.txt").write_bytes(path.read_bytes() + f"\n{index}\n".encode())
    _, _, message = run_failing(tmp_path)
    assert "3 files given, more than the 2 one run imports (IMPORT_MAX_FILES): nothing was imported" in message
    assert Document.objects.count() == 0
