"""Every write to annotations and claims goes through here.

The JSON API, the no-JavaScript form and the admin call these functions, so the
rules (the quote must be the text at its offsets, a stance needs a target, a version
check before every change, only reviewers give verdicts) live in one place. Reads live in
``annotations.selectors``, who may do what in ``annotations.permissions``. Over 400 lines
because every write is here, so that each rule has one home.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from annotations import anchoring
from annotations.exceptions import AnnotationError, PassageUnderVerdict, ReplacedEdition, VersionConflict
from annotations.models import AnchorStatus, Annotation, Claim, ClaimGroup, ClaimStatus, Polarity, Target
from annotations.permissions import can_delete_annotation, can_edit_annotations, can_review_claims
from corpus_app.models import Document, Turn
from desk.text import excerpt, truncate_chars

CONTEXT_CHARS = 32  # prefix/suffix kept to find a passage again after the text is corrected
MAX_NOTE_CHARS = 5000
MAX_RATIONALE_CHARS = 10000
MAX_EVIDENCE_LINKS = 20


def _check_passage(turn: Turn, start: int, end: int, quote: str):
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool) or isinstance(end, bool):
        raise AnnotationError("start and end must be whole numbers.", field="start")
    if start < 0 or end < 0:
        raise AnnotationError("Offsets cannot be negative.", field="start")
    if start >= end:
        raise AnnotationError("The passage is empty: start must be before end.", field="end")
    if end > len(turn.text):
        raise AnnotationError(
            f"The passage ends at {end}, past the end of the turn's text ({len(turn.text)} characters).", field="end"
        )
    if turn.text[start:end] != quote:
        raise AnnotationError(
            "The quote is not the text at these offsets; reload the page, the text may have changed.", field="quote"
        )


def _check_tagging(*, topics, polarity, claim):
    if not topics and not polarity and not claim:
        raise AnnotationError("Nothing is tagged: choose a topic, a stance or flag the passage as a claim.")


def _check_stance(polarity, target):
    """(polarity, target), or ("", None) for no stance."""
    if not polarity and target is None:
        return "", None
    if polarity not in Polarity.values:
        raise AnnotationError(
            f"Unknown polarity “{polarity}”; use one of {', '.join(Polarity.values)}.", field="stance"
        )
    if target is None:
        raise AnnotationError("A stance needs a target.", field="stance")
    return polarity, target


def _check_note(note):
    if len(note) > MAX_NOTE_CHARS:
        raise AnnotationError(f"The note is longer than {MAX_NOTE_CHARS} characters.", field="note")
    return note


def passage_context(text, start, end):
    return text[max(0, start - CONTEXT_CHARS) : start], text[end : end + CONTEXT_CHARS]


def _place(annotation, turn, start, end, quote):
    """Put the passage at [start, end) of ``turn``, with the context that finds it again after a correction."""
    annotation.turn, annotation.start, annotation.end, annotation.quote = turn, start, end, quote
    annotation.prefix, annotation.suffix = passage_context(turn.text, start, end)


def _add_claim(annotation, user):
    claim = Claim(annotation=annotation)
    claim._history_user = user
    claim.save()
    return claim


@transaction.atomic
def annotation_create(
    *,
    user,
    turn: Turn,
    start: int,
    end: int,
    quote: str,
    topics=(),
    polarity: str = "",
    target: Target | None = None,
    claim: bool = False,
    note: str = "",
) -> Annotation:
    if not user.has_perm("annotations.add_annotation"):
        raise PermissionDenied("Your role cannot annotate.")
    if claim and not user.has_perm("annotations.add_claim"):
        raise PermissionDenied("Your role cannot flag claims.")
    if not turn.document.is_current:
        raise ReplacedEdition(turn.document)
    _check_passage(turn, start, end, quote)
    polarity, target = _check_stance(polarity, target)
    topics = list(topics)
    _check_tagging(topics=topics, polarity=polarity, claim=claim)
    annotation = Annotation(polarity=polarity, target=target, note=_check_note(note), author=user)
    _place(annotation, turn, start, end, quote)
    annotation._history_user = user
    annotation.full_clean()
    annotation.save()
    if topics:
        annotation.topics.set(topics)
    if claim:
        _add_claim(annotation, user)
    return annotation


def _locked(annotation_id):
    return Annotation.objects.select_for_update().filter(pk=annotation_id).first()


CHANGEABLE = frozenset({"topics", "polarity", "target", "claim", "note", "start", "end", "quote"})


@transaction.atomic
def annotation_update(*, user, annotation_id: int, version: int, **changes) -> Annotation:
    """Change the fields given (of ``CHANGEABLE``); raises VersionConflict when ``version`` is not the stored one."""
    if unknown := changes.keys() - CHANGEABLE:
        raise TypeError(f"annotation_update() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
    if not can_edit_annotations(user):
        raise PermissionDenied("Your role cannot change annotations.")
    annotation = _locked(annotation_id)
    if annotation is None:
        raise Annotation.DoesNotExist(f"Annotation {annotation_id} does not exist.")
    if annotation.version != version:
        raise VersionConflict(annotation)

    if changes.keys() & {"start", "end", "quote"}:
        old = {"start": annotation.start, "end": annotation.end, "quote": annotation.quote}
        new = {name: changes.get(name, value) for name, value in old.items()}
        _check_passage(annotation.turn, **new)
        if new != old and not can_review_claims(user):
            claim_row = Claim.objects.filter(annotation=annotation).first()
            if claim_row is not None and not claim_row.is_open:
                raise PassageUnderVerdict(claim_row)
        _place(annotation, annotation.turn, **new)
    if changes.keys() & {"polarity", "target"}:
        annotation.polarity, annotation.target = _check_stance(
            changes.get("polarity", annotation.polarity), changes.get("target", annotation.target)
        )
    if "note" in changes:
        annotation.note = _check_note(changes["note"])
    new_topics = list(changes["topics"] if "topics" in changes else annotation.topics.all())
    has_claim = Claim.objects.filter(annotation=annotation).exists()
    wants_claim = bool(changes.get("claim", has_claim))
    _check_tagging(topics=new_topics, polarity=annotation.polarity, claim=wants_claim)
    if wants_claim and not has_claim and not user.has_perm("annotations.add_claim"):
        raise PermissionDenied("Your role cannot flag claims.")
    if has_claim and not wants_claim:
        existing = Claim.objects.get(annotation=annotation)
        if not existing.is_open:
            raise AnnotationError("This claim already has a verdict; it cannot be unflagged.", field="claim")
        existing._history_user = user
        existing.delete()

    annotation.version += 1
    annotation._history_user = user
    annotation.full_clean()
    annotation.save()
    if "topics" in changes:
        annotation.topics.set(new_topics)
    if wants_claim and not has_claim:
        _add_claim(annotation, user)
    return annotation


@transaction.atomic
def annotation_delete(*, user, annotation_id: int, version: int) -> None:
    annotation = _locked(annotation_id)
    if annotation is None:
        raise Annotation.DoesNotExist(f"Annotation {annotation_id} does not exist.")
    if not can_delete_annotation(user, annotation):
        raise PermissionDenied("Only the author, a reviewer or an administrator can delete this annotation.")
    if annotation.version != version:
        raise VersionConflict(annotation)
    claim = Claim.objects.filter(annotation=annotation).first()
    if claim is not None and not claim.is_open:
        raise AnnotationError("This passage carries a reviewed claim; it cannot be deleted.", field="claim")
    annotation._history_user = user
    if claim is not None:
        claim._history_user = user
        claim.delete()
    annotation.delete()


def _lock_claim_and_copies(claim_id):
    """The claim and every claim of its group, locked in primary-key order (no deadlock between reviewers)."""
    for _ in range(3):
        row = Claim.objects.filter(pk=claim_id).values("group_id").first()
        if row is None:
            return None, []
        if row["group_id"] is None:
            locked = list(Claim.objects.select_for_update().filter(pk=claim_id))
        else:
            locked = list(
                Claim.objects.select_for_update().filter(Q(group_id=row["group_id"]) | Q(pk=claim_id)).order_by("pk")
            )
        claim = next((c for c in locked if c.pk == claim_id), None)
        if claim is None:
            return None, []
        if claim.group_id == row["group_id"]:  # nobody regrouped it between the read and the lock
            return claim, [c for c in locked if c.pk != claim_id]
    raise VersionConflict(claim)


def _claim_for_review(*, user, claim_id, version, refusal):
    """The claim and its linked copies, locked, once ``user`` may review and ``version`` is still the stored one."""
    if not can_review_claims(user):
        raise PermissionDenied(refusal)
    claim, copies = _lock_claim_and_copies(claim_id)
    if claim is None:
        raise Claim.DoesNotExist(f"Claim {claim_id} does not exist.")
    if version is not None and claim.version != version:
        raise VersionConflict(claim)
    return claim, copies


@transaction.atomic
def claim_set_status(
    *, user, claim_id: int, status: str, rationale: str = "", evidence=(), version: int | None = None
) -> Claim:
    """A reviewer moves a claim to review or gives a verdict; every change lands in its history.

    Linked copies of the claim (its group) get the same status, rationale and evidence in
    the same transaction, each with its own history entry.
    """
    refusal = "Only reviewers rule on claims."
    claim, copies = _claim_for_review(user=user, claim_id=claim_id, version=version, refusal=refusal)
    if status not in ClaimStatus.values:
        raise AnnotationError(f"Unknown status “{status}”; use one of {', '.join(ClaimStatus.values)}.", field="status")
    if len(rationale) > MAX_RATIONALE_CHARS:
        raise AnnotationError(f"The rationale is longer than {MAX_RATIONALE_CHARS} characters.", field="rationale")
    evidence = clean_evidence(evidence)
    if status in ClaimStatus.verdict_values() and not rationale.strip():
        raise AnnotationError("A verdict needs a rationale.", field="rationale")
    claim.status = status
    claim.rationale = rationale
    claim.evidence = evidence
    if status in ClaimStatus.verdict_values():
        claim.reviewer = user
        claim.reviewed_at = timezone.now()
    else:
        claim.reviewer = user if status == ClaimStatus.IN_REVIEW else None
        claim.reviewed_at = None
    _save_claim(claim, user)
    for copy in copies:
        _copy_verdict(source=claim, claim=copy, user=user)
    return claim


@transaction.atomic
def claim_set_evidence(*, user, claim_id: int, evidence, version: int | None = None) -> Claim:
    """A reviewer corrects a claim's evidence links, its status unchanged; linked copies get the same links."""
    refusal = "Only reviewers change a claim's evidence."
    claim, copies = _claim_for_review(user=user, claim_id=claim_id, version=version, refusal=refusal)
    claim.evidence = clean_evidence(evidence)
    _save_claim(claim, user)
    for copy in copies:
        copy.evidence = list(claim.evidence)
        _save_claim(copy, user, reason=f"Shared evidence of linked claim {claim.pk}")
    return claim


def _save_claim(claim, user, reason=None):
    claim.version += 1
    claim._history_user = user
    if reason:
        claim._change_reason = reason
    claim.full_clean()
    claim.save()


def _copy_verdict(*, source, claim, user):
    claim.status, claim.rationale, claim.evidence = source.status, source.rationale, list(source.evidence)
    claim.reviewer_id, claim.reviewed_at = source.reviewer_id, source.reviewed_at
    _save_claim(claim, user, reason=f"Shared verdict of linked claim {source.pk}")


def clean_evidence(evidence):
    if isinstance(evidence, str):
        evidence = [line for line in evidence.split() if line]
    if not isinstance(evidence, list | tuple):
        raise AnnotationError("Evidence must be a list of links.", field="evidence")
    if len(evidence) > MAX_EVIDENCE_LINKS:
        raise AnnotationError(f"At most {MAX_EVIDENCE_LINKS} evidence links.", field="evidence")
    validate = URLValidator(schemes=["http", "https"])
    cleaned = []
    for link in evidence:
        if not isinstance(link, str):
            raise AnnotationError("Each evidence link must be a string.", field="evidence")
        try:
            validate(link)
        except ValidationError:
            raise AnnotationError(f"“{truncate_chars(link, 100)}” is not an http(s) link.", field="evidence") from None
        cleaned.append(link)
    return cleaned


# --- new editions: moving annotations onto the new text ---------------------------------------


@dataclass
class ReanchorReport:
    exact: int = 0
    fuzzy: int = 0
    orphaned: int = 0

    @property
    def total(self):
        return self.exact + self.fuzzy + self.orphaned

    def __str__(self):
        return f"{self.exact} moved exactly, {self.fuzzy} moved fuzzily, {self.orphaned} orphaned"


def annotations_reanchor(*, old_document: Document, new_document: Document, user=None) -> ReanchorReport:
    """Move every annotation of ``old_document`` onto the text of ``new_document``.

    Each passage is found again from its quote, prefix and suffix (``annotations.anchoring``);
    offsets, quote, context and turn are updated, the old values stay in its history, the
    version goes up so an editor who had it open gets a conflict instead of overwriting.
    A passage that cannot be placed with confidence stays on the old edition's turn, as
    orphaned. Its claim (a one-to-one row) moves with it. Runs in the caller's transaction,
    or its own.
    """
    with transaction.atomic():
        report = ReanchorReport()
        annotations = list(
            Annotation.objects.select_for_update(of=("self",))
            .select_related("turn")
            .filter(turn__document=old_document)
            .order_by("pk")
        )
        if not annotations:  # most new editions: nothing to move, no need to read the new turns
            return report
        new_turns = list(new_document.turns.order_by("position"))
        texts = [turn.text for turn in new_turns]
        reason = f"Re-anchored on import of a new edition (document {new_document.pk})"
        for annotation in annotations:
            found = anchoring.anchor(
                quote=annotation.quote,
                prefix=annotation.prefix,
                suffix=annotation.suffix,
                texts=texts,
                turn_hint=annotation.turn.position,
                offset_hint=annotation.start,
            )
            if found is None:
                annotation.anchor_status = AnchorStatus.ORPHANED
                annotation.anchor_score = None
                annotation._change_reason = f"Orphaned: not found in the new edition (document {new_document.pk})"
                report.orphaned += 1
            else:
                turn = new_turns[found.turn_index]
                _place(annotation, turn, found.start, found.end, turn.text[found.start : found.end])
                exact = found.method == anchoring.EXACT
                annotation.anchor_status = AnchorStatus.ANCHORED if exact else AnchorStatus.FUZZY
                annotation.anchor_score = found.score
                annotation._change_reason = reason
                if exact:
                    report.exact += 1
                else:
                    report.fuzzy += 1
            annotation.version += 1
            annotation._history_user = user
            annotation.full_clean()
            annotation.save()
        return report


@transaction.atomic
def claim_link(*, user, claim_id: int, turn: Turn, start: int, end: int, quote: str) -> Claim:
    """Link the passage [start, end) of ``turn`` to a claim as the same claim; returns that passage's claim.

    The passage becomes (or already is) a claim annotation; both claims join one group and
    the passage's claim takes the group's verdict. Two claims that already have different
    verdicts are not merged: a reviewer settles that first.
    """
    if not user.has_perm("annotations.add_claim"):
        raise PermissionDenied("Your role cannot flag claims.")
    source = Claim.objects.select_for_update().select_related("annotation").filter(pk=claim_id).first()
    if source is None:
        raise Claim.DoesNotExist(f"Claim {claim_id} does not exist.")
    _check_passage(turn, start, end, quote)
    if turn.pk == source.annotation.turn_id and start < source.annotation.end and source.annotation.start < end:
        raise AnnotationError("This is the claim's own passage.", field="start")

    target = Annotation.objects.select_for_update().filter(turn=turn, start=start, end=end).order_by("pk").first()
    if target is None:
        note = f"Same claim as “{excerpt(source.annotation.quote, 80)}” (claim {source.pk})."
        target = annotation_create(user=user, turn=turn, start=start, end=end, quote=quote, claim=True, note=note)
        other = Claim.objects.select_for_update().get(annotation=target)
    else:
        other = Claim.objects.select_for_update().filter(annotation=target).first()
        if other is None:
            other = _add_claim(target, user)
            target.version += 1
            target._history_user = user
            target.save()

    if other.group_id is not None and other.group_id == source.group_id:
        return other  # already linked
    # Every claim of both groups, locked in primary-key order.
    group_ids = {g for g in (source.group_id, other.group_id) if g}
    members = list(
        Claim.objects.select_for_update()
        .filter(Q(group_id__in=group_ids) | Q(pk__in=[source.pk, other.pk]))
        .order_by("pk")
    )
    verdicts = {(c.status, c.rationale) for c in members if not c.is_open}
    if len(verdicts) > 1:
        raise AnnotationError(
            "These claims already have different verdicts; a reviewer should settle them before they are linked.",
            field="claim",
        )
    reference = next((c for c in members if not c.is_open), source)
    group = ClaimGroup.objects.filter(pk=min(group_ids)).first() if group_ids else ClaimGroup.objects.create()
    for member in members:
        member.group = group
        if member.pk != reference.pk and (
            member.status != reference.status
            or member.rationale != reference.rationale
            or member.evidence != reference.evidence
        ):
            _copy_verdict(source=reference, claim=member, user=user)
        else:
            _save_claim(member, user, reason=f"Linked as the same claim (group {group.pk})")
    ClaimGroup.objects.filter(pk__in=group_ids - {group.pk}).delete()
    return Claim.objects.get(pk=other.pk)
