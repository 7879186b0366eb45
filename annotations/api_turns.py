"""The JSON endpoints that fix turns and speakers: split, merge, speaker and kind, page noise, and
merging two speakers, for the reading view's script and for scripts. Registered on the desk's API
(``annotations.api``), described with it at /api/schema/, with its edge (``annotations.api_base``).

Every write goes through ``annotations.turn_edits``. A change answers the turns it wrote (``turns``),
the ids of turns that are gone (``removed``) and how to take it back (``undo``: a request to send
as it is, to these same endpoints). A stale ``version`` is a 409 whose ``current`` is the turn as
stored; a split across an annotated passage is a 400 naming it (``annotation``).

Offsets count code points (Python's string indexes, as the annotations' ``start`` and ``end``), or
UTF-16 code units (a browser's) with ``"offset_unit": "utf-16"``.
"""

from typing import Annotated, Literal

from django.urls import reverse
from ninja import Path, Router
from pydantic import Field, StrictBool, StrictStr

from annotations import turn_edits
from annotations.api_base import REFUSALS, WRITE_REFUSALS, ApiError, SessionRole, error_response
from annotations.api_schemas import ErrorOut, Id, Input, Offset, OffsetUnit, Output, PathId, Version
from annotations.offsets import offset_in
from corpus_app.models import Speaker, SpeakerKind, Turn, TurnKind

router = Router(tags=["turns"])

READ_TURNS = SessionRole("corpus_app.view_turn", "Your role cannot read turns.")
EDIT_TURNS = SessionRole("annotations.change_annotation", "Only editors can fix turns and speakers.")

TurnKindName = Literal[tuple(TurnKind.values)]
SpeakerKindName = Literal[tuple(SpeakerKind.values)]
Separator = Annotated[StrictStr, Field(max_length=20)]
Label = Annotated[StrictStr, Field(max_length=200)]


# --- schemas ------------------------------------------------------------------------------------------------


class NewSpeakerIn(Input):
    name: StrictStr = Field(max_length=200, description="A speaker's name: that speaker (or alias), or a new one.")
    kind: SpeakerKindName = Field("person", description="The kind of a new speaker.")


class TurnSplitIn(Input):
    offset: Offset = Field(description="Where the second turn starts, in the turn's text.")
    version: Version
    offset_unit: OffsetUnit = Field(
        "codepoint", description="How offset counts: code points (Python) or UTF-16 code units (browsers)."
    )
    speaker: Id | None = Field(
        None, description="The second turn's speaker (null: none); left out, the turn's. An undone merge sends it."
    )
    kind: TurnKindName = Field(None, description="The second turn's kind; left out, the turn's.")
    label: Label = Field(None, description="The second turn's label; left out, the turn's.")


class TurnMergeIn(Input):
    version: Version
    separator: Separator = Field(
        turn_edits.PARAGRAPH_BREAK,
        description="What joins the two texts: spaces or line breaks only; a paragraph break unless given.",
    )


class TurnUpdateIn(Input):
    version: Version
    speaker: Id | NewSpeakerIn | None = Field(
        None, description='A speaker id, {"name": …} (found by name or alias, or created), or null (no speaker).'
    )
    kind: TurnKindName = None
    always: StrictBool = Field(
        False, description="The turn's label always means this speaker: the next import reads it so."
    )
    label_means: Id | None = Field(
        None,
        description="What the turn's label means for the importer from now on: a speaker id, or null to forget "
        "it; left out, unchanged. An undone “always” sends it.",
    )


class TurnNoiseIn(Input):
    noise: StrictBool = Field(description="true: hide the turn as page noise; false: restore it.")
    version: Version


class SpeakerMergeIn(Input):
    into: Id = Field(description="The speaker that stays.")


class SpeakerRefOut(Output):
    id: int
    name: str


class TurnOut(Output):
    id: int
    document: int
    position: int
    speaker: SpeakerRefOut | None
    label: str
    kind: TurnKindName
    text: str
    version: int
    noise: bool
    url: str


class UndoOut(Output):
    method: Literal["POST", "PATCH"]
    url: str
    body: dict = Field(description="The request body to send as it is.")


class TurnEditOut(Output):
    turns: list[TurnOut]
    removed: list[int] = Field(description="Ids of turns that no longer exist (merged into another).")
    undo: UndoOut | None = Field(description="The request that takes this change back; null when nothing changed.")


class TurnConflictOut(ErrorOut):
    current: TurnOut | None = Field(description="The turn as it is stored now (null: merged away).")


class SplitRefusedOut(ErrorOut):
    annotation: int | None = Field(None, description="The annotation whose passage runs across the split point.")


TURN_EDIT_ANSWERS = {200: TurnEditOut, 409: TurnConflictOut, **WRITE_REFUSALS}  # what every turn fix may answer


class SpeakerOut(Output):
    id: int
    name: str
    kind: str
    role: str
    affiliation: str
    aliases: list[str]
    url: str


class SpeakerMergeOut(Output):
    speaker: SpeakerOut = Field(description="The speaker that stays, with its aliases now.")
    merged: int = Field(description="The id of the speaker merged into it (deleted).")
    turns_moved: int
    aliases_moved: int


# --- answers --------------------------------------------------------------------------------------------


def turn_json(turn):
    return {
        "id": turn.pk,
        "document": turn.document_id,
        "position": turn.position,
        "speaker": {"id": turn.speaker.pk, "name": turn.speaker.name} if turn.speaker_id else None,
        "label": turn.label,
        "kind": turn.kind,
        "text": turn.text,
        "version": turn.version,
        "noise": turn.is_noise,
        "url": turn.get_absolute_url(),
    }


UNDO_ROUTES = {
    "split": ("POST", "annotations:api-turn-split"),
    "merge": ("POST", "annotations:api-turn-merge"),
    "update": ("PATCH", "annotations:api-turn"),
    "noise": ("POST", "annotations:api-turn-noise"),
}


def edit_json(edit):
    undo = None
    if edit.undo is not None:
        method, name = UNDO_ROUTES[edit.undo.action]
        undo = {"method": method, "url": reverse(name, args=[edit.undo.turn]), "body": edit.undo.body}
    turns = Turn.objects.select_related("speaker").filter(pk__in=[t.pk for t in edit.turns]).order_by("position")
    return {"turns": [turn_json(turn) for turn in turns], "removed": edit.removed, "undo": undo}


def _turn(pk):
    turn = Turn.objects.select_related("speaker").filter(pk=pk).first()
    if turn is None:
        raise ApiError(404, f"Turn {pk} does not exist.")
    return turn


def _conflict(conflict):
    current = Turn.objects.select_related("speaker").filter(pk=conflict.current.pk).first()
    return error_response(409, str(conflict), "version", current=turn_json(current) if current else None)


def _edit(change, request, turn, payload, **arguments):
    """Run the service ``change`` on ``turn`` from the payload's ``version``, and answer its result or refusal."""
    try:
        return edit_json(change(turn=turn, version=payload.version, user=request.user, **arguments))
    except turn_edits.TurnVersionConflict as conflict:
        return _conflict(conflict)
    except turn_edits.PassageAcrossSplit as refusal:
        return error_response(400, refusal.message, refusal.field, annotation=refusal.annotation.pk)
    except Turn.DoesNotExist as missing:
        return error_response(404, str(missing))


# --- the endpoints -----------------------------------------------------------------------------------------


@router.get("/turns/{int:pk}/", auth=READ_TURNS, url_name="api-turn", response={200: TurnOut, **REFUSALS})
def turn_detail(request, pk: Path[PathId]):
    """One turn as stored now, with its ``version`` (a page marks it as page noise or not)."""
    return turn_json(_turn(pk))


@router.post(
    "/turns/{int:pk}/split/",
    auth=EDIT_TURNS,
    url_name="api-turn-split",
    response={**TURN_EDIT_ANSWERS, 400: SplitRefusedOut},
)
def turn_split(request, pk: Path[PathId], payload: TurnSplitIn):
    """Split the turn at ``offset`` into two (the second right after it, the later turns one position
    down). Passages after the point move to the new turn; a passage across it refuses the split (400
    naming the ``annotation``). Undo: ``merge`` the new turn."""
    turn = _turn(pk)
    offset = offset_in(turn.text, payload.offset, payload.offset_unit, field="offset")
    second = {}
    given = payload.model_fields_set
    if "speaker" in given:
        second["speaker"] = payload.speaker
    if payload.kind is not None:
        second["kind"] = payload.kind
    if payload.label is not None:
        second["label"] = payload.label
    return _edit(turn_edits.turn_split, request, turn, payload, offset=offset, **second)


@router.post("/turns/{int:pk}/merge/", auth=EDIT_TURNS, url_name="api-turn-merge", response=TURN_EDIT_ANSWERS)
def turn_merge(request, pk: Path[PathId], payload: TurnMergeIn):
    """Merge the turn into the one before it: its text joined after a paragraph break, its passages
    kept (offsets re-based), the later turns one position up. Undo: ``split`` the merged turn."""
    return _edit(turn_edits.turn_merge, request, _turn(pk), payload, separator=payload.separator)


@router.patch("/turns/{int:pk}/", auth=EDIT_TURNS, url_name="api-turn", response=TURN_EDIT_ANSWERS)
def turn_update(request, pk: Path[PathId], payload: TurnUpdateIn):
    """Change the turn's speaker and/or kind (fields left out are not changed). ``always``: the turn's
    label becomes an alias of the speaker, so the next import gets it right. Undo: change them back."""
    changes = {}
    given = payload.model_fields_set
    if "speaker" in given:
        speaker = payload.speaker
        changes["speaker"] = speaker.model_dump() if isinstance(speaker, NewSpeakerIn) else speaker
    if payload.kind is not None:
        changes["kind"] = payload.kind
    if "label_means" in given:
        changes["label_means"] = payload.label_means
    return _edit(turn_edits.turn_update, request, _turn(pk), payload, always=payload.always, **changes)


@router.post("/turns/{int:pk}/noise/", auth=EDIT_TURNS, url_name="api-turn-noise", response=TURN_EDIT_ANSWERS)
def turn_noise(request, pk: Path[PathId], payload: TurnNoiseIn):
    """Mark the turn as page noise (``"noise": true``: hidden from reading, listings, exports, search
    and counts, kept in the raw text) or restore it. Undo: the opposite."""
    return _edit(turn_edits.turn_mark_noise, request, _turn(pk), payload, noise=payload.noise)


def speaker_json(speaker):
    return {
        "id": speaker.pk,
        "name": speaker.name,
        "kind": speaker.kind,
        "role": speaker.role,
        "affiliation": speaker.affiliation,
        "aliases": list(speaker.aliases.order_by("alias").values_list("alias", flat=True)),
        "url": speaker.get_absolute_url(),
    }


@router.post(
    "/speakers/{int:pk}/merge/",
    auth=EDIT_TURNS,
    url_name="api-speaker-merge",
    response={200: SpeakerMergeOut, **WRITE_REFUSALS},
)
def speaker_merge(request, pk: Path[PathId], payload: SpeakerMergeIn):
    """Merge this speaker ``into`` another: its turns (and so their passages' stances), its aliases and
    its name (as an alias) go to the other speaker, and it is deleted."""
    source = Speaker.objects.filter(pk=pk).first()
    if source is None:
        raise ApiError(404, f"Speaker {pk} does not exist.")
    target = Speaker.objects.filter(pk=payload.into).first()
    if target is None:
        raise ApiError(400, f"Unknown speaker id: {payload.into}.", "into")
    try:
        merged = turn_edits.speaker_merge(source=source, target=target, user=request.user)
    except Speaker.DoesNotExist as missing:  # merged or deleted by someone else meanwhile
        return error_response(404, str(missing))
    counts = {"turns_moved": merged.turns_moved, "aliases_moved": merged.aliases_moved}
    return {"speaker": speaker_json(merged.target), "merged": merged.source_id, **counts}
