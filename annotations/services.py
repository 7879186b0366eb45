"""Every write to annotations and claims goes through here.

The JSON API, the no-JavaScript form and the admin call these functions, so the
rules (the quote must be the text at its offsets, a stance needs a target, a version
check before every change, only reviewers give verdicts) live in one place.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from annotations.models import Annotation, Claim, ClaimStatus, Polarity, Target
from corpus_app.models import Turn

CONTEXT_CHARS = 32  # prefix/suffix kept to find a passage again after the text is corrected
MAX_NOTE_CHARS = 5000
MAX_RATIONALE_CHARS = 10000
MAX_EVIDENCE_LINKS = 20


class AnnotationError(ValueError):
    """Input that cannot become an annotation; ``field`` names what is wrong."""

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class VersionConflict(Exception):
    """Someone saved in between: ``current`` is the row as it is now (None if deleted)."""

    def __init__(self, current):
        super().__init__("This annotation was changed by someone else since you opened it.")
        self.current = current


@dataclass(frozen=True)
class Stance:
    polarity: str
    target: Target


def utf16_to_codepoint(text: str, offset: int) -> int:
    """Browsers count UTF-16 code units; Python indexes count code points."""
    if offset < 0:
        raise AnnotationError("Offsets cannot be negative.", field="start")
    units = 0
    for index, char in enumerate(text):
        if units >= offset:
            if units > offset:
                raise AnnotationError("The offset falls inside a character.", field="start")
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    if units == offset:
        return len(text)
    if offset < units:  # inside the last character, when that one is astral
        raise AnnotationError("The offset falls inside a character.", field="start")
    raise AnnotationError("The offset is past the end of the turn's text.", field="end")


def can_edit_annotations(user):
    return user.is_authenticated and user.has_perm("annotations.change_annotation")


def can_review_claims(user):
    return user.is_authenticated and user.has_perm("annotations.review_claim")


def can_delete_annotation(user, annotation):
    """Editors share the work, but only its author, a reviewer or an administrator deletes it."""
    if not user.has_perm("annotations.delete_annotation"):
        return False
    return annotation.author_id == user.pk or user.is_superuser or can_review_claims(user)


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


def _check_tagging(*, topics, stance, claim):
    if not topics and stance is None and not claim:
        raise AnnotationError("Nothing is tagged: choose a topic, a stance or flag the passage as a claim.")


def _check_stance(polarity, target):
    if not polarity and target is None:
        return None
    if polarity not in Polarity.values:
        raise AnnotationError(
            f"Unknown polarity “{polarity}”; use one of {', '.join(Polarity.values)}.", field="stance"
        )
    if target is None:
        raise AnnotationError("A stance needs a target.", field="stance")
    return Stance(polarity=polarity, target=target)


def _check_note(note):
    if len(note) > MAX_NOTE_CHARS:
        raise AnnotationError(f"The note is longer than {MAX_NOTE_CHARS} characters.", field="note")
    return note


def passage_context(text, start, end):
    return text[max(0, start - CONTEXT_CHARS) : start], text[end : end + CONTEXT_CHARS]


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
    _check_passage(turn, start, end, quote)
    stance = _check_stance(polarity, target)
    topics = list(topics)
    _check_tagging(topics=topics, stance=stance, claim=claim)
    prefix, suffix = passage_context(turn.text, start, end)
    annotation = Annotation(
        turn=turn,
        start=start,
        end=end,
        quote=quote,
        prefix=prefix,
        suffix=suffix,
        polarity=stance.polarity if stance else "",
        target=stance.target if stance else None,
        note=_check_note(note),
        author=user,
    )
    annotation._history_user = user
    annotation.full_clean()
    annotation.save()
    if topics:
        annotation.topics.set(topics)
    if claim:
        claim_row = Claim(annotation=annotation)
        claim_row._history_user = user
        claim_row.save()
    return annotation


def _locked(annotation_id):
    return Annotation.objects.select_for_update().filter(pk=annotation_id).first()


_UNSET = object()


@transaction.atomic
def annotation_update(
    *,
    user,
    annotation_id: int,
    version: int,
    topics=_UNSET,
    polarity=_UNSET,
    target=_UNSET,
    claim=_UNSET,
    note=_UNSET,
    start=_UNSET,
    end=_UNSET,
    quote=_UNSET,
) -> Annotation:
    """Change the fields given; raises VersionConflict when ``version`` is not the stored one."""
    if not user.has_perm("annotations.change_annotation"):
        raise PermissionDenied("Your role cannot change annotations.")
    annotation = _locked(annotation_id)
    if annotation is None:
        raise Annotation.DoesNotExist(f"Annotation {annotation_id} does not exist.")
    if annotation.version != version:
        raise VersionConflict(annotation)

    if start is not _UNSET or end is not _UNSET or quote is not _UNSET:
        new_start = annotation.start if start is _UNSET else start
        new_end = annotation.end if end is _UNSET else end
        new_quote = annotation.quote if quote is _UNSET else quote
        _check_passage(annotation.turn, new_start, new_end, new_quote)
        annotation.start, annotation.end, annotation.quote = new_start, new_end, new_quote
        annotation.prefix, annotation.suffix = passage_context(annotation.turn.text, new_start, new_end)
    if polarity is not _UNSET or target is not _UNSET:
        stance = _check_stance(
            annotation.polarity if polarity is _UNSET else polarity,
            annotation.target if target is _UNSET else target,
        )
        annotation.polarity = stance.polarity if stance else ""
        annotation.target = stance.target if stance else None
    if note is not _UNSET:
        annotation.note = _check_note(note)
    new_topics = list(annotation.topics.all()) if topics is _UNSET else list(topics)
    has_claim = Claim.objects.filter(annotation=annotation).exists()
    wants_claim = has_claim if claim is _UNSET else bool(claim)
    _check_tagging(topics=new_topics, stance=annotation.polarity or None, claim=wants_claim)
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
    if topics is not _UNSET:
        annotation.topics.set(new_topics)
    if wants_claim and not has_claim:
        claim_row = Claim(annotation=annotation)
        claim_row._history_user = user
        claim_row.save()
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


@transaction.atomic
def claim_set_status(
    *, user, claim_id: int, status: str, rationale: str = "", evidence=(), version: int | None = None
) -> Claim:
    """A reviewer moves a claim to review or gives a verdict; every change lands in its history."""
    if not can_review_claims(user):
        raise PermissionDenied("Only reviewers rule on claims.")
    claim = Claim.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None:
        raise Claim.DoesNotExist(f"Claim {claim_id} does not exist.")
    if version is not None and claim.version != version:
        raise VersionConflict(claim)
    if status not in ClaimStatus.values:
        raise AnnotationError(f"Unknown status “{status}”; use one of {', '.join(ClaimStatus.values)}.", field="status")
    if len(rationale) > MAX_RATIONALE_CHARS:
        raise AnnotationError(f"The rationale is longer than {MAX_RATIONALE_CHARS} characters.", field="rationale")
    evidence = _clean_evidence(evidence)
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
    claim.version += 1
    claim._history_user = user
    claim.full_clean()
    claim.save()
    return claim


def _clean_evidence(evidence):
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
            raise AnnotationError(f"“{link[:100]}” is not an http(s) link.", field="evidence") from None
        cleaned.append(link)
    return cleaned
