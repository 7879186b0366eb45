"""The importers change Python's garbage collector for their run only: a process that goes on after
them (the task worker, a shell, the test run itself) gets its own settings back, failure or not."""

import gc
import json

import pytest
from django.core.management import CommandError, call_command

from desk.collector import YOUNG_OBJECTS_COLLECTED, collected_for_bulk_work


def test_the_collector_is_set_for_the_work_and_restored_after_it_even_when_it_fails():
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    with pytest.raises(RuntimeError), collected_for_bulk_work():
        assert gc.get_threshold()[0] == YOUNG_OBJECTS_COLLECTED
        assert gc.get_freeze_count() > frozen  # what lived before is out of the collector's walks
        raise RuntimeError("a batch failed")
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == frozen


@pytest.mark.django_db
def test_both_import_commands_leave_the_collector_as_they_found_it(tmp_path):
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    transcripts = tmp_path / "transcripts"
    transcripts.mkdir()
    (transcripts / "briefing.txt").write_text(
        "Press briefing on trade\n10 April 2025\nMaria Zakharova: Good afternoon. We begin with trade.\n",
        encoding="utf-8",
    )
    (transcripts / "empty.txt").write_text("", encoding="utf-8")  # fails: the command ends in an error
    with pytest.raises(CommandError):
        call_command("import_transcripts", str(transcripts), verbosity=0)
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == frozen

    lines = tmp_path / "documents.jsonl"
    document = {"title": "Statement", "date": "2025-04-11", "turns": [{"speaker": "Sergey Lavrov", "text": "Hello."}]}
    lines.write_text(json.dumps(document) + "\n", encoding="utf-8")
    call_command("import_documents", str(lines), verbosity=0)
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == frozen
