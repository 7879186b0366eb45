"""Editors fix the importer's turns where they read them: split, merge, speaker and kind, page
noise, and merging two speakers. Every write of a turn's shape goes through here (the JSON API,
``annotations.api_turns``, and the speaker merge page call these functions).

The rules, in one place:
- each change names the ``version`` of the turn it was made from and is refused
  (``TurnVersionConflict``, a 409) when someone changed the turn in between; the turns involved
  are locked for the transaction, and the document's row serialises edits of its turn order;
- every annotation is kept: a passage moves with its text (offsets re-based, quote unchanged),
  a passage across a split point refuses the split (``PassageAcrossSplit``), a merge keeps the
  passages of both turns;
- each change records who made it and what was there before (the turns' and speakers' history,
  django-simple-history), and returns how to undo it through the same endpoints (``Undo``);
- offsets count code points, as the annotations' do (``annotations.offsets.utf16_to_codepoint``
  converts a browser's UTF-16 offsets).

Caches need no call here: every write of turns moves the corpus version (``corpus_app``
migration 0010), under which the listings, the search, the speaker pages and the dashboard keep
what they computed.

Over 400 lines because each edit and its undo must see the same rules, which live only here.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Max

from annotations.exceptions import FieldError
from annotations.models import Annotation
from annotations.permissions import can_edit_annotations as can_edit_turns  # the people who annotate fix turns
from annotations.services import passage_context
from corpus_app.models import Document, Speaker, SpeakerAlias, SpeakerKind, Turn, TurnKind
from desk.text import excerpt, truncate_chars

PARAGRAPH_BREAK = "\n\n"  # how the importer joins a turn's paragraphs (``corpus_app.parsing.turns``)
MAX_REASON_CHARS = 100  # the history's change_reason column
MAX_NAMED = 3  # passages named in a refusal, at most


class TurnEditError(FieldError):
    """An edit that cannot be made as asked."""


class PassageAcrossSplit(TurnEditError):
    """An annotated passage runs across the split point: splitting would cut it in two."""

    def __init__(self, annotation):
        self.annotation = annotation
        passage = f"“{excerpt(annotation.quote, 60)}” (annotation {annotation.pk})"
        refusal = "split before or after it, or change the passage first."
        super().__init__(f"The annotated passage {passage} runs across this point: {refusal}", field="offset")


class TurnVersionConflict(Exception):
    """Someone changed the turn since the editor read it: ``current`` is the turn as stored now."""

    def __init__(self, current):
        super().__init__("This turn was changed by someone else since you opened it; reload it and try again.")
        self.current = current


@dataclass(frozen=True)
class Undo:
    """The edit that takes a change back, through the same endpoints: ``action`` on ``turn``, with ``body``."""

    action: str  # "split", "merge", "update" or "noise"
    turn: int
    body: dict


@dataclass
class TurnEdit:
    turns: list[Turn]  # the turns the change wrote, as stored now, in position order
    removed: list[int] = field(default_factory=list)  # ids of turns that no longer exist
    undo: Undo | None = None


@dataclass
class SpeakerMerge:
    target: Speaker
    source_id: int
    source_name: str
    turns_moved: int
    aliases_moved: int


def _reason(text):
    return truncate_chars(text, MAX_REASON_CHARS)


def _require_editor(user):
    if not can_edit_turns(user):
        raise PermissionDenied("Only editors can fix turns and speakers.")


def _lock(turn) -> Turn:
    """The turn locked for the transaction, after its document's row (edits of one document's
    turn order wait for each other, so positions are shifted by one writer at a time)."""
    document_id = Turn.objects.filter(pk=turn.pk).values_list("document_id", flat=True).first()
    if document_id is None:
        raise Turn.DoesNotExist(f"Turn {turn.pk} does not exist.")
    Document.objects.select_for_update().filter(pk=document_id).only("pk").order_by().first()
    locked = (
        Turn.objects.select_for_update(of=("self",)).select_related("speaker").filter(pk=turn.pk).order_by().first()
    )
    if locked is None:
        raise Turn.DoesNotExist(f"Turn {turn.pk} does not exist.")
    return locked


def _check_version(turn, version):
    if turn.version != version:
        raise TurnVersionConflict(turn)


def _save(turn, user, reason):
    turn.version += 1
    turn._history_user = user
    turn._change_reason = _reason(reason)
    turn.full_clean(validate_unique=False, validate_constraints=False)  # the database holds both
    turn.save()


def _shift_positions(document_id, *, after, by):
    """Move the turns after position ``after`` by ``by`` (+1 or -1) in two statements: first past
    every position in use, then to their places, so that no row lands on a position still taken
    (the unique (document, position) constraint is checked row by row, on SQLite and PostgreSQL)."""
    later = Turn.objects.filter(document_id=document_id, position__gt=after)
    top = later.aggregate(top=Max("position"))["top"]
    if top is None:
        return
    clear = top + 1 + abs(by)
    later.update(position=F("position") + clear)
    Turn.objects.filter(document_id=document_id, position__gt=top).update(position=F("position") - clear + by)


def _place(annotation, turn, start, end, user, reason):
    """Put a passage at [start, end) of ``turn`` (its quote is the text there), if anything changed."""
    quote = turn.text[start:end]
    prefix, suffix = passage_context(turn.text, start, end)
    before = (annotation.turn_id, annotation.start, annotation.end, annotation.quote, annotation.prefix)
    if before == (turn.pk, start, end, quote, prefix) and annotation.suffix == suffix:
        return
    annotation.turn = turn
    annotation.start, annotation.end, annotation.quote = start, end, quote
    annotation.prefix, annotation.suffix = prefix, suffix
    annotation.version += 1  # an editor who has it open reloads instead of writing old offsets back
    annotation._history_user = user
    annotation._change_reason = _reason(reason)
    annotation.save()


def _annotations(turn):
    return list(Annotation.objects.select_for_update().filter(turn=turn).order_by("start", "end", "pk"))


def _speaker_or_none(speaker_id):
    if speaker_id is None:
        return None
    speaker = Speaker.objects.filter(pk=speaker_id).first()
    if speaker is None:
        raise TurnEditError(f"Unknown speaker id: {speaker_id}.", field="speaker")
    return speaker


def _check_kind(kind):
    if kind not in TurnKind.values:
        raise TurnEditError(f"Unknown kind “{kind}”; use one of {', '.join(TurnKind.values)}.", field="kind")
    return kind


_UNSET = object()


# --- split and merge --------------------------------------------------------------------------------------


@transaction.atomic
def turn_split(*, turn: Turn, offset: int, version: int, user, speaker=_UNSET, kind=None, label=None) -> TurnEdit:
    """Split ``turn`` at ``offset`` (code points into its text) into two turns, the second right after it.

    The whitespace at the split point is dropped (the first part ends, the second starts, at a
    word). The second part has the turn's speaker, kind and label unless given (``speaker`` a
    Speaker, its id, or None for no speaker; an undone merge gives back the merged turn's).
    Passages before the point stay, passages after it move to the new turn with their offsets
    re-based; one across the point refuses the split.
    """
    _require_editor(user)
    turn = _lock(turn)
    _check_version(turn, version)
    text = turn.text
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise TurnEditError("The offset must be a whole number, 0 or more.", field="offset")
    if offset == 0 or offset >= len(text):
        where = "start" if offset == 0 else "end"
        raise TurnEditError(
            f"There is nothing to split off at the {where} of the turn: choose a point inside its text.",
            field="offset",
        )
    left_end = len(text[:offset].rstrip())
    right_start = len(text) - len(text[offset:].lstrip())
    if left_end == 0 or right_start == len(text):
        raise TurnEditError(
            "Only spaces are on one side of this point: the turn would keep an empty part.", field="offset"
        )

    staying, moving = [], []
    for annotation in _annotations(turn):
        if annotation.start < left_end and annotation.end > right_start:
            raise PassageAcrossSplit(annotation)
        if annotation.start < left_end:
            staying.append(annotation)
        elif annotation.end > right_start:
            moving.append(annotation)
        else:  # nothing but the spaces at the split point, which go
            raise PassageAcrossSplit(annotation)

    if speaker is _UNSET:
        new_speaker = turn.speaker
    elif speaker is None or isinstance(speaker, Speaker):
        new_speaker = speaker
    else:
        new_speaker = _speaker_or_none(speaker)
    separator = text[left_end:right_start]
    _shift_positions(turn.document_id, after=turn.position, by=1)
    new_turn = Turn(
        document_id=turn.document_id,
        position=turn.position + 1,
        speaker=new_speaker,
        label=turn.label if label is None else label,
        kind=turn.kind if kind is None else _check_kind(kind),
        text=text[right_start:],
    )
    new_turn._history_user = user
    new_turn._change_reason = _reason(f"Split off turn {turn.pk} at {offset}")
    new_turn.full_clean(validate_unique=False, validate_constraints=False)
    new_turn.save()
    turn.text = text[:left_end]
    _save(turn, user, f"Split at {offset}: the rest is now turn {new_turn.pk}")

    reason = f"Turn {turn.pk} split at {offset}"
    for annotation in staying:
        _place(annotation, turn, annotation.start, min(annotation.end, left_end), user, reason)
    for annotation in moving:
        start = max(annotation.start, right_start) - right_start
        _place(annotation, new_turn, start, annotation.end - right_start, user, reason)
    return TurnEdit(
        turns=[turn, new_turn],
        undo=Undo("merge", new_turn.pk, {"version": new_turn.version, "separator": separator}),
    )


@transaction.atomic
def turn_merge(*, turn: Turn, version: int, user, separator: str = PARAGRAPH_BREAK) -> TurnEdit:
    """Merge ``turn`` into the turn before it (the previous one a reader sees), joined by ``separator``
    (a paragraph break, as the importer joins paragraphs, unless given: spaces or line breaks only).

    The passages of both turns are kept: those of ``turn`` move onto the previous turn, their
    offsets re-based. The later turns move up one position. The first turn has nothing to merge into.
    """
    _require_editor(user)
    if not isinstance(separator, str) or (separator and not separator.isspace()):
        raise TurnEditError("The separator can only be spaces or line breaks.", field="separator")
    turn = _lock(turn)
    _check_version(turn, version)
    if turn.is_noise:
        raise TurnEditError("This turn is marked as page noise: restore it before merging it.")
    previous = (
        Turn.objects.readable()
        .select_for_update(of=("self",))
        .select_related("speaker")
        .filter(document_id=turn.document_id, position__lt=turn.position)
        .order_by("-position")
        .first()
    )
    if previous is None:
        raise TurnEditError("This is the first turn of the document: there is no turn before it to merge into.")

    shift = len(previous.text) + len(separator)
    split_back = {"offset": len(previous.text), "speaker": turn.speaker_id, "kind": turn.kind, "label": turn.label}
    previous_annotations = _annotations(previous)
    moving = _annotations(turn)
    previous.text = previous.text + separator + turn.text
    _save(previous, user, f"Merged turn {turn.pk} into this one")
    reason = f"Turn {turn.pk} merged into turn {previous.pk}"
    for annotation in previous_annotations:  # the same offsets; the text after them is longer
        _place(annotation, previous, annotation.start, annotation.end, user, reason)
    for annotation in moving:
        _place(annotation, previous, annotation.start + shift, annotation.end + shift, user, reason)

    removed = turn.pk
    turn._history_user = user
    turn._change_reason = _reason(f"Merged into turn {previous.pk}")
    turn.delete()
    _shift_positions(previous.document_id, after=turn.position, by=-1)
    return TurnEdit(
        turns=[previous],
        removed=[removed],
        undo=Undo("split", previous.pk, {**split_back, "version": previous.version}),
    )


# --- speaker, kind and noise ------------------------------------------------------------------------------


def _speaker_named(name, kind, user):
    name = " ".join(name.split())
    if not name:
        raise TurnEditError("A new speaker needs a name.", field="speaker")
    if len(name) > Speaker._meta.get_field("name").max_length:
        raise TurnEditError("The speaker's name is too long.", field="speaker")
    existing = Speaker.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing, False
    alias = SpeakerAlias.objects.select_related("speaker").filter(alias__iexact=name).first()
    if alias is not None:
        return alias.speaker, False
    speaker = Speaker(name=name, kind=kind if kind in SpeakerKind.values else SpeakerKind.PERSON)
    speaker.full_clean()
    speaker._history_user = user
    speaker._change_reason = "Created while fixing a turn"
    speaker.save()
    return speaker, True


def _set_label_meaning(label, speaker):
    """Make the importer read ``label`` as ``speaker`` from now on (None: as no stored speaker);
    returns the id of the speaker it meant before (None: none), and whether that changed.

    A label is read through the speakers' names and their aliases, an alias first (ignoring case,
    ``SpeakerQuerySet.alias_map``): a label that is the speaker's own name needs no alias, and an
    alias of that text pointing elsewhere goes.
    """
    alias = SpeakerAlias.objects.select_for_update().filter(alias__iexact=label).order_by().first()
    before = alias.speaker_id if alias is not None else None
    wanted = speaker.pk if speaker is not None and speaker.name.lower() != label.lower() else None
    if wanted is None:
        if alias is not None:
            alias.delete()
    elif alias is None:
        SpeakerAlias.objects.create(speaker=speaker, alias=label[: SpeakerAlias._meta.get_field("alias").max_length])
    elif alias.speaker_id != wanted:
        alias.speaker = speaker
        alias.save(update_fields=["speaker"])
    return before, before != wanted


@transaction.atomic
def turn_update(
    *, turn: Turn, version: int, user, speaker=_UNSET, kind=None, always=False, label_means=_UNSET
) -> TurnEdit:
    """Change a turn's speaker and/or kind.

    ``speaker``: a Speaker, its id, None (no speaker), or ``{"name": …, "kind": …}`` (that speaker,
    found by name or alias ignoring case, or a new one). With ``always`` the turn's label becomes an
    alias of the speaker: the next import reads that label as this speaker. ``label_means`` sets
    what the label means for the importer directly (a Speaker, its id, or None to forget it): the
    undo of ``always`` gives back what it meant before.
    """
    _require_editor(user)
    turn = _lock(turn)
    _check_version(turn, version)
    old_speaker, old_kind = turn.speaker, turn.kind
    created = False
    if isinstance(speaker, dict):
        speaker, created = _speaker_named(speaker.get("name") or "", speaker.get("kind"), user)
    elif speaker is not _UNSET and speaker is not None and not isinstance(speaker, Speaker):
        speaker = _speaker_or_none(speaker)
    new_speaker = old_speaker if speaker is _UNSET else speaker
    new_kind = old_kind if kind is None else _check_kind(kind)
    if always:
        if new_speaker is None:
            raise TurnEditError("Choose a speaker for the label to mean.", field="always")
        label_means = new_speaker
    undo = {}
    changes = []
    if label_means is not _UNSET:
        label = turn.label.strip()
        if not label:
            raise TurnEditError("This turn has no label to remember for the speaker.", field="always")
        if label_means is not None and not isinstance(label_means, Speaker):
            label_means = _speaker_or_none(label_means)
        meant_before, changed = _set_label_meaning(label, label_means)
        if changed:
            undo["label_means"] = meant_before
            meaning = f"now means {label_means}" if label_means else "no longer names a stored speaker"
            changes.append(f"“{label}” {meaning}")
    if (new_speaker.pk if new_speaker else None) != turn.speaker_id:
        changes.append(f"speaker {old_speaker or '(none)'} → {new_speaker or '(none)'}")
    if new_kind != old_kind:
        changes.append(f"kind {old_kind} → {new_kind}")
    if not changes:
        return TurnEdit(turns=[turn])  # nothing to change: no new version, nothing to undo
    turn.speaker, turn.kind = new_speaker, new_kind
    _save(turn, user, ("Created speaker; " if created else "") + "; ".join(changes))
    undo = {"version": turn.version, "speaker": old_speaker.pk if old_speaker else None, "kind": old_kind, **undo}
    return TurnEdit(turns=[turn], undo=Undo("update", turn.pk, undo))


@transaction.atomic
def turn_mark_noise(*, turn: Turn, noise: bool, version: int, user) -> TurnEdit:
    """Mark a turn as page noise (hidden from readers, kept in the raw text), or restore it.

    A turn that carries annotations is not hidden: its passages would vanish from the reading view.
    """
    _require_editor(user)
    turn = _lock(turn)
    _check_version(turn, version)
    if not isinstance(noise, bool):
        raise TurnEditError("“noise” must be true or false.", field="noise")
    if noise == turn.is_noise:
        return TurnEdit(turns=[turn])
    if noise:
        annotated = list(Annotation.objects.filter(turn=turn).order_by("start", "pk")[: MAX_NAMED + 1])
        if annotated:
            named = ", ".join(f"“{excerpt(a.quote, 40)}” (annotation {a.pk})" for a in annotated[:MAX_NAMED])
            more = " and more" if len(annotated) > MAX_NAMED else ""
            raise TurnEditError(
                f"This turn carries annotated passages ({named}{more}): it is speech someone annotated, "
                "not page noise. Delete or move the passages first.",
                field="noise",
            )
    turn.is_noise = noise
    _save(turn, user, "Marked as page noise" if noise else "Restored from page noise")
    return TurnEdit(turns=[turn], undo=Undo("noise", turn.pk, {"version": turn.version, "noise": not noise}))


# --- two speakers into one --------------------------------------------------------------------------------


@transaction.atomic
def speaker_merge(*, source: Speaker, target: Speaker, user) -> SpeakerMerge:
    """Merge ``source`` into ``target``: its turns (with their annotations: the stance data) and
    aliases move, its name stays as an alias of ``target``, blank details of ``target`` are filled
    from it, and it is deleted. Both speakers' history records the merge."""
    _require_editor(user)
    if source.pk == target.pk:
        raise TurnEditError("A speaker cannot be merged into itself.", field="into")
    # NO KEY: a turn edit pointing a turn at either speaker meanwhile waits on the turns, not on these rows.
    speakers = Speaker.objects.select_for_update(no_key=True).filter(pk__in=[source.pk, target.pk]).order_by("pk")
    locked = {s.pk: s for s in speakers}
    if source.pk not in locked:
        raise Speaker.DoesNotExist(f"Speaker {source.pk} does not exist.")
    if target.pk not in locked:
        raise TurnEditError(f"Unknown speaker id: {target.pk}.", field="into")
    source, target = locked[source.pk], locked[target.pk]

    # One statement for the turns, however many: each moved turn's version goes up, so an editor
    # who has one open reloads it; the speakers' history says what moved.
    turns_moved = Turn.objects.filter(speaker=source).update(speaker=target, version=F("version") + 1)
    aliases = SpeakerAlias.objects.filter(speaker=source)
    aliases_moved = aliases.update(speaker=target)
    if source.name.lower() != target.name.lower() and not SpeakerAlias.objects.filter(alias__iexact=source.name):
        SpeakerAlias.objects.create(speaker=target, alias=source.name)
        aliases_moved += 1

    filled = [name for name in ("role", "affiliation") if not getattr(target, name) and getattr(source, name)]
    for name in filled:
        setattr(target, name, getattr(source, name))
    target._history_user = user
    target._change_reason = _reason(f"Merged speaker {source.pk} “{source.name}”: {turns_moved} turns")
    target.save()
    merged = SpeakerMerge(target, source.pk, source.name, turns_moved=turns_moved, aliases_moved=aliases_moved)
    source._history_user = user
    source._change_reason = _reason(f"Merged into speaker {target.pk} “{target.name}”")
    source.delete()
    return merged
