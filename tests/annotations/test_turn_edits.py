"""Fixing turns and speakers (``annotations.turn_edits``): split, merge, speaker and kind, page noise,
speaker merge, each with annotations before, across and after the edit point, and their undo."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations import turn_edits
from annotations.models import Annotation
from corpus_app.models import Speaker, SpeakerAlias, Turn
from tests.factories import make_annotation, make_document, make_user

pytestmark = pytest.mark.django_db

FIRST = "Our trade grew by 85 percent. We pay in national currencies now."
SECOND = "How do you see the role of the CIS?"
THIRD = "The CIS is one of them. It has established working ties."


def make_three_turns():
    document = make_document(
        turns=[
            ("Sergey Lavrov", "remarks", FIRST),
            ("Journalist", "question", SECOND),
            ("Sergey Lavrov", "answer", THIRD),
        ]
    )
    return document, list(document.turns.order_by("position"))


def passage(turn, words):
    start = turn.text.index(words)
    return make_annotation(turn=turn, start=start, end=start + len(words))


def passages(document):
    """(turn position, quote) of every annotation of the document, as a reader sees them."""
    return sorted(
        (a.turn.position, a.quote, a.turn.text[a.start : a.end])
        for a in Annotation.objects.select_related("turn").filter(turn__document=document)
    )


def texts(document):
    return [(t.position, t.speaker.name if t.speaker else None, t.kind, t.text) for t in document.turns.all()]


def reload(turn):
    return Turn.objects.get(pk=turn.pk)


# --- split ------------------------------------------------------------------------------------------------


def test_split_moves_passages_after_the_point_and_keeps_those_before(editor):
    document, (first, second, third) = make_three_turns()
    before = passage(first, "85 percent")
    after = passage(first, "national currencies")
    later = passage(third, "working ties")
    offset = first.text.index("We pay")

    edit = turn_edits.turn_split(turn=first, offset=offset, version=1, user=editor)

    assert [t.text for t in edit.turns] == ["Our trade grew by 85 percent.", "We pay in national currencies now."]
    assert texts(document) == [
        (0, "Sergey Lavrov", "remarks", "Our trade grew by 85 percent."),
        (1, "Sergey Lavrov", "remarks", "We pay in national currencies now."),
        (2, "Journalist", "question", SECOND),
        (3, "Sergey Lavrov", "answer", THIRD),
    ]
    before, after, later = (Annotation.objects.get(pk=a.pk) for a in (before, after, later))
    assert (before.turn_id, before.quote) == (first.pk, "85 percent")
    assert after.turn_id == edit.turns[1].pk
    assert after.turn.text[after.start : after.end] == after.quote == "national currencies"
    assert after.version == 2  # moved: an editor who had it open reloads it
    assert (later.turn_id, later.start, later.quote) == (third.pk, THIRD.index("working ties"), "working ties")
    assert reload(first).version == 2


def test_a_passage_across_the_split_point_refuses_the_split_and_changes_nothing(editor):
    document, (first, *_) = make_three_turns()
    across = passage(first, "percent. We pay")
    snapshot = texts(document)

    with pytest.raises(turn_edits.PassageAcrossSplit) as refused:
        turn_edits.turn_split(turn=first, offset=first.text.index("We pay"), version=1, user=editor)

    assert refused.value.annotation.pk == across.pk
    assert "percent. We pay" in refused.value.message
    assert texts(document) == snapshot
    assert reload(first).version == 1


@pytest.mark.parametrize("offset", [0, len(FIRST), len(FIRST) + 5])
def test_splitting_at_either_end_is_refused(editor, offset):
    _, (first, *_) = make_three_turns()
    with pytest.raises(turn_edits.TurnEditError, match="nothing to split off"):
        turn_edits.turn_split(turn=first, offset=offset, version=1, user=editor)


def test_splitting_where_only_spaces_are_on_one_side_is_refused(editor):
    document = make_document(turns=[("Sergey Lavrov", "remarks", "Thank you.   ")])
    turn = document.turns.get()
    with pytest.raises(turn_edits.TurnEditError, match="Only spaces"):
        turn_edits.turn_split(turn=turn, offset=len("Thank you. "), version=1, user=editor)


def test_split_inside_spaces_trims_them_and_keeps_offsets_right(editor):
    document = make_document(turns=[("Sergey Lavrov", "remarks", "First paragraph here.\n\nSecond one with euros.")])
    turn = document.turns.get()
    euros = passage(turn, "euros")
    edit = turn_edits.turn_split(turn=turn, offset=len("First paragraph here.\n"), version=1, user=editor)
    assert [t.text for t in edit.turns] == ["First paragraph here.", "Second one with euros."]
    euros.refresh_from_db()
    assert euros.turn.text[euros.start : euros.end] == "euros"
    assert edit.undo.body["separator"] == "\n\n"


def test_split_of_a_stale_version_is_a_conflict_with_the_current_turn(editor):
    _, (first, *_) = make_three_turns()
    turn_edits.turn_update(turn=first, kind="answer", version=1, user=editor)
    with pytest.raises(turn_edits.TurnVersionConflict) as conflict:
        turn_edits.turn_split(turn=first, offset=10, version=1, user=editor)
    assert conflict.value.current.version == 2
    assert reload(first).text == FIRST


def test_split_then_undo_gives_back_the_same_text_and_passages(editor):
    document, (first, *_) = make_three_turns()
    passage(first, "85 percent")
    passage(first, "national currencies now.")
    passage(first, "Our")
    original_texts, original_passages = texts(document), passages(document)

    edit = turn_edits.turn_split(turn=first, offset=first.text.index("We pay") - 1, version=1, user=editor)
    assert edit.undo.action == "merge"
    new_turn = Turn.objects.get(pk=edit.undo.turn)
    turn_edits.turn_merge(turn=new_turn, user=editor, **edit.undo.body)

    assert texts(document) == original_texts
    assert passages(document) == original_passages


def test_split_writes_history_with_who_and_what_was_there_before(editor):
    _, (first, *_) = make_three_turns()
    edit = turn_edits.turn_split(turn=first, offset=first.text.index("We pay"), version=1, user=editor)
    change = first.history.filter(history_type="~").latest()
    assert change.history_user == editor
    assert change.text == "Our trade grew by 85 percent."
    assert change.prev_record.text == FIRST  # make_document created the turn through the ORM
    assert "Split" in change.history_change_reason
    created = Turn.history.filter(id=edit.turns[1].pk).get()
    assert (created.history_type, created.history_user) == ("+", editor)


# --- merge ------------------------------------------------------------------------------------------------


def test_merge_joins_with_a_paragraph_break_and_keeps_every_passage(editor):
    document, (first, second, third) = make_three_turns()
    mine = passage(first, "national currencies")
    theirs = passage(second, "role of the CIS")
    last = passage(third, "working ties")

    edit = turn_edits.turn_merge(turn=second, version=1, user=editor)

    assert edit.removed == [second.pk]
    assert edit.turns[0].text == FIRST + "\n\n" + SECOND
    assert texts(document) == [
        (0, "Sergey Lavrov", "remarks", FIRST + "\n\n" + SECOND),
        (1, "Sergey Lavrov", "answer", THIRD),
    ]
    for annotation, quote in ((mine, "national currencies"), (theirs, "role of the CIS"), (last, "working ties")):
        annotation.refresh_from_db()
        assert annotation.turn.text[annotation.start : annotation.end] == annotation.quote == quote
    assert theirs.turn_id == first.pk
    assert not Turn.objects.filter(pk=second.pk).exists()
    deleted = Turn.history.filter(id=second.pk, history_type="-").get()
    assert deleted.history_user == editor and deleted.text == SECOND


def test_merge_then_undo_gives_back_both_turns_with_their_speakers_and_passages(editor):
    document, (first, second, third) = make_three_turns()
    passage(first, "85 percent")
    passage(second, "How do you")
    passage(second, "CIS?")
    original_texts, original_passages = texts(document), passages(document)

    edit = turn_edits.turn_merge(turn=second, version=1, user=editor)
    assert edit.undo.action == "split"
    turn_edits.turn_split(turn=Turn.objects.get(pk=edit.undo.turn), user=editor, **edit.undo.body)

    assert texts(document) == original_texts
    assert passages(document) == original_passages


def test_the_first_turn_has_nothing_to_merge_into(editor):
    _, (first, *_) = make_three_turns()
    with pytest.raises(turn_edits.TurnEditError, match="first turn"):
        turn_edits.turn_merge(turn=first, version=1, user=editor)


def test_merge_skips_a_noise_turn_before_it(editor):
    document, (first, second, third) = make_three_turns()
    turn_edits.turn_mark_noise(turn=second, noise=True, version=1, user=editor)
    turn_edits.turn_merge(turn=third, version=1, user=editor)
    assert [(t.position, t.text, t.is_noise) for t in document.turns.all()] == [
        (0, FIRST + "\n\n" + THIRD, False),
        (1, SECOND, True),
    ]


def test_merge_refuses_a_separator_with_text(editor):
    _, (_, second, _) = make_three_turns()
    with pytest.raises(turn_edits.TurnEditError, match="spaces or line breaks"):
        turn_edits.turn_merge(turn=second, version=1, user=editor, separator=" and ")


# --- speaker and kind -------------------------------------------------------------------------------------


def test_speaker_and_kind_change_and_undo(editor):
    document, (first, second, _) = make_three_turns()
    lavrov = first.speaker
    edit = turn_edits.turn_update(turn=second, speaker=lavrov, kind="remarks", version=1, user=editor)
    second = reload(second)
    assert (second.speaker, second.kind, second.version) == (lavrov, "remarks", 2)
    assert edit.undo.body == {"version": 2, "speaker": Speaker.objects.get(name="Journalist").pk, "kind": "question"}
    turn_edits.turn_update(turn=second, user=editor, **edit.undo.body)
    second = reload(second)
    assert (second.speaker.name, second.kind, second.version) == ("Journalist", "question", 3)
    history = list(second.history.order_by("history_id"))
    assert [h.speaker_id for h in history] == [history[0].speaker_id, lavrov.pk, history[0].speaker_id]


def test_a_new_speaker_is_created_by_name_and_found_again_by_name_or_alias(editor):
    _, (first, second, third) = make_three_turns()
    turn_edits.turn_update(turn=second, speaker={"name": "  Maria   Zakharova "}, version=1, user=editor)
    created = Speaker.objects.get(name="Maria Zakharova")
    assert reload(second).speaker == created
    SpeakerAlias.objects.create(speaker=created, alias="MZ")
    turn_edits.turn_update(turn=third, speaker={"name": "mz"}, version=1, user=editor)
    assert reload(third).speaker == created
    assert Speaker.objects.filter(name__iexact="maria zakharova").count() == 1


def test_unchanged_speaker_and_kind_make_no_new_version(editor):
    _, (first, *_) = make_three_turns()
    edit = turn_edits.turn_update(turn=first, speaker=first.speaker, kind=first.kind, version=1, user=editor)
    assert edit.undo is None and reload(first).version == 1


def test_an_unknown_kind_is_refused(editor):
    _, (first, *_) = make_three_turns()
    with pytest.raises(turn_edits.TurnEditError, match="Unknown kind"):
        turn_edits.turn_update(turn=first, kind="speech", version=1, user=editor)


def test_always_needs_a_label(editor):
    _, (first, *_) = make_three_turns()
    with pytest.raises(turn_edits.TurnEditError, match="no label"):
        turn_edits.turn_update(turn=first, speaker=first.speaker, always=True, version=1, user=editor)


# --- page noise -------------------------------------------------------------------------------------------


def test_noise_is_hidden_from_readable_turns_and_restored(editor):
    document, (first, second, third) = make_three_turns()
    edit = turn_edits.turn_mark_noise(turn=second, noise=True, version=1, user=editor)
    assert list(document.turns.readable()) == [first, third]
    assert list(document.turns.for_reading()) == [first, third]
    assert reload(second).text == SECOND  # kept
    turn_edits.turn_mark_noise(turn=second, user=editor, **edit.undo.body)
    assert list(document.turns.readable()) == [first, second, third]
    assert [h.history_change_reason for h in second.history.filter(history_type="~").order_by("history_id")] == [
        "Marked as page noise",
        "Restored from page noise",
    ]


def test_an_annotated_turn_is_not_noise(editor):
    _, (first, *_) = make_three_turns()
    passage(first, "85 percent")
    with pytest.raises(turn_edits.TurnEditError, match="85 percent"):
        turn_edits.turn_mark_noise(turn=first, noise=True, version=1, user=editor)
    assert not reload(first).is_noise


# --- speakers ---------------------------------------------------------------------------------------------


def test_speaker_merge_moves_turns_aliases_and_stances_and_keeps_the_name_as_alias(editor):
    document, (first, second, third) = make_three_turns()
    stance = passage(first, "85 percent")
    lavrov = first.speaker
    duplicate = Speaker.objects.create(name="S. Lavrov", role="Minister")
    SpeakerAlias.objects.create(speaker=duplicate, alias="SL")
    Turn.objects.filter(pk=third.pk).update(speaker=duplicate)
    lavrov.role = ""
    lavrov.save()

    merged = turn_edits.speaker_merge(source=duplicate, target=lavrov, user=editor)

    assert (merged.turns_moved, merged.aliases_moved) == (1, 2)
    assert not Speaker.objects.filter(pk=duplicate.pk).exists()
    assert reload(third).speaker == lavrov and reload(third).version == 2
    assert set(lavrov.aliases.values_list("alias", flat=True)) >= {"SL", "S. Lavrov"}
    assert Speaker.objects.alias_map()["s. lavrov"] == "Sergey Lavrov"
    assert Speaker.objects.get(pk=lavrov.pk).role == "Minister"  # a blank filled from the merged one
    assert Annotation.objects.filter(turn__speaker=lavrov, pk=stance.pk).exists()
    gone = Speaker.history.filter(id=duplicate.pk, history_type="-").get()
    assert gone.history_user == editor and "Merged into" in gone.history_change_reason


def test_a_speaker_cannot_be_merged_into_itself(editor):
    _, (first, *_) = make_three_turns()
    with pytest.raises(turn_edits.TurnEditError, match="itself"):
        turn_edits.speaker_merge(source=first.speaker, target=first.speaker, user=editor)


# --- who may ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda turn, user: turn_edits.turn_split(turn=turn, offset=5, version=1, user=user),
        lambda turn, user: turn_edits.turn_update(turn=turn, kind="answer", version=1, user=user),
        lambda turn, user: turn_edits.turn_mark_noise(turn=turn, noise=True, version=1, user=user),
        lambda turn, user: turn_edits.speaker_merge(
            source=turn.speaker, target=Speaker.objects.create(name="X"), user=user
        ),
    ],
)
def test_viewers_cannot_fix_turns(change):
    _, (first, *_) = make_three_turns()
    with pytest.raises(PermissionDenied):
        change(first, make_user("Viewer"))
    assert reload(first).version == 1


# --- what a label means for the next import -------------------------------------------------------------


def labelled_turn(label):
    document = make_document(turns=[(None, "remarks", "We do not comment on that.")])
    turn = document.turns.get()
    Turn.objects.filter(pk=turn.pk).update(label=label)
    return reload(turn)


def test_always_makes_the_label_an_alias_and_undo_forgets_it(editor):
    turn = labelled_turn("THE SPOKESMAN")
    peskov = Speaker.objects.create(name="Dmitry Peskov")
    edit = turn_edits.turn_update(turn=turn, speaker=peskov, always=True, version=1, user=editor)
    assert Speaker.objects.alias_map()["the spokesman"] == "Dmitry Peskov"
    assert edit.undo.body == {"version": 2, "speaker": None, "kind": "remarks", "label_means": None}
    assert "“THE SPOKESMAN” now means Dmitry Peskov" in reload(turn).history.latest().history_change_reason

    turn_edits.turn_update(turn=turn, user=editor, **edit.undo.body)

    assert "the spokesman" not in Speaker.objects.alias_map()
    assert reload(turn).speaker is None


def test_undo_of_always_gives_the_label_back_to_the_speaker_it_meant_before(editor):
    turn = labelled_turn("SL")
    lebedev = Speaker.objects.create(name="Sergey Lebedev")
    lavrov = Speaker.objects.create(name="Sergey Lavrov")
    SpeakerAlias.objects.create(speaker=lebedev, alias="SL")
    edit = turn_edits.turn_update(turn=turn, speaker=lavrov, always=True, version=1, user=editor)
    assert SpeakerAlias.objects.get(alias="SL").speaker == lavrov
    turn_edits.turn_update(turn=turn, user=editor, **edit.undo.body)
    assert SpeakerAlias.objects.get(alias="SL").speaker == lebedev


def test_a_label_that_is_the_speakers_name_needs_no_alias_and_wins_over_a_stale_one(editor):
    turn = labelled_turn("Sergey Lavrov")
    lavrov = Speaker.objects.create(name="Sergey Lavrov")
    other = Speaker.objects.create(name="Someone Else")
    SpeakerAlias.objects.create(speaker=other, alias="sergey lavrov")
    turn_edits.turn_update(turn=turn, speaker=lavrov, always=True, version=1, user=editor)
    assert not SpeakerAlias.objects.filter(alias__iexact="sergey lavrov").exists()
    assert Speaker.objects.alias_map()["sergey lavrov"] == "Sergey Lavrov"


# --- cost -------------------------------------------------------------------------------------------------


def long_document(turn_count):
    return make_document(
        turns=[("Sergey Lavrov", "remarks", f"Sentence one of {n}. Sentence two.") for n in range(turn_count)]
    )


def test_split_and_merge_cost_the_same_queries_however_many_turns_follow(editor):
    def cost(document):
        turn = document.turns.get(position=0)
        with CaptureQueriesContext(connection) as split:
            edit = turn_edits.turn_split(turn=turn, offset=turn.text.index("Sentence two"), version=1, user=editor)
        with CaptureQueriesContext(connection) as merge:
            turn_edits.turn_merge(turn=Turn.objects.get(pk=edit.undo.turn), user=editor, **edit.undo.body)
        return len(split), len(merge)

    short, long = long_document(3), long_document(60)
    cost(long_document(2))  # the editor's permissions are read once, then kept on the user
    assert cost(short) == cost(long)
    assert [t.position for t in long.turns.all()] == list(range(60))
    assert long.turns.get(position=59).text == "Sentence one of 59. Sentence two."
