"""Two editors fixing turns of one document at the same moment: on PostgreSQL each edit waits for
the other (the document's row is locked), so both land and the positions stay one per turn. SQLite
has one writer at a time: there the edits run one after the other, and the outcome is the same."""

import threading

import pytest
from django.db import connection, connections

from annotations import turn_edits
from tests.factories import make_document, make_user

POSTGRES = connection.vendor == "postgresql"


def run_at_once(*edits):
    """Run the edits in threads started together (PostgreSQL), or in turn (SQLite); their errors."""
    errors = []
    if not POSTGRES:
        for edit in edits:
            edit()
        return errors
    start = threading.Barrier(len(edits))

    def run(edit):
        try:
            start.wait(timeout=10)
            edit()
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=run, args=(edit,)) for edit in edits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_editors_splitting_and_merging_turns_of_one_document_at_once_both_succeed():
    first_editor, second_editor = make_user("Editor"), make_user("Editor")
    document = make_document(
        turns=[("Sergey Lavrov", "remarks", f"Part one of {n}. Part two of {n}.") for n in range(8)]
    )
    turns = list(document.turns.order_by("position"))

    def split(turn, user):
        return lambda: turn_edits.turn_split(turn=turn, offset=turn.text.index("Part two"), version=1, user=user)

    errors = run_at_once(
        split(turns[2], first_editor),
        split(turns[5], second_editor),
        lambda: turn_edits.turn_merge(turn=turns[7], version=1, user=first_editor),
    )

    assert errors == []
    stored = list(document.turns.order_by("position").values_list("position", "text"))
    assert [position for position, _ in stored] == list(range(9))
    assert [text for _, text in stored] == [
        "Part one of 0. Part two of 0.",
        "Part one of 1. Part two of 1.",
        "Part one of 2.",
        "Part two of 2.",
        "Part one of 3. Part two of 3.",
        "Part one of 4. Part two of 4.",
        "Part one of 5.",
        "Part two of 5.",
        "Part one of 6. Part two of 6.\n\nPart one of 7. Part two of 7.",
    ]
