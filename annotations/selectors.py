"""Reads about claims that pages and the API share: the same claim elsewhere in the corpus, its linked copies."""

from dataclasses import dataclass

from django.db.models import Q

from annotations import similar_claims
from annotations.models import Annotation, Claim
from corpus_app.models import Turn

SIMILAR_LIMIT = 10


@dataclass
class SimilarPassage:
    turn: Turn
    start: int
    end: int
    quote: str
    sentence: str
    score: float
    annotation: Annotation | None  # an annotation already on exactly this passage
    linked: bool  # that annotation's claim is already in this claim's group


def claim_similar(*, claim: Claim, limit: int = SIMILAR_LIMIT) -> list[SimilarPassage]:
    """Sentences elsewhere in the corpus (other turns, editions, documents) stating the same as ``claim``."""
    annotation = claim.annotation
    terms = similar_claims.key_terms(annotation.quote)
    if not terms:
        return []
    condition = Q()
    for term in terms:
        condition |= Q(text__icontains=term)
    # A cheap screen in the database: turns sharing one of the quote's rarest words or figures.
    turns = {
        turn.pk: turn
        for turn in Turn.objects.filter(condition)
        .select_related("document", "speaker")
        .order_by("document", "position")
    }
    candidates = similar_claims.find_similar(
        annotation.quote, ((pk, turn.text) for pk, turn in turns.items()), limit=limit * 3
    )
    # Already annotated passages, to say which are linked (one query).
    existing = {}
    for other in Annotation.objects.select_related("claim").filter(turn_id__in={c.key for c in candidates}):
        existing[(other.turn_id, other.start, other.end)] = other
    results = []
    for candidate in candidates:
        if (
            candidate.key == annotation.turn_id
            and candidate.start < annotation.end
            and annotation.start < candidate.end
        ):
            continue  # the claim itself
        turn = turns[candidate.key]
        other = existing.get((turn.pk, candidate.start, candidate.end))
        other_claim = getattr(other, "claim", None) if other is not None else None
        linked = bool(other_claim and claim.group_id and other_claim.group_id == claim.group_id)
        results.append(
            SimilarPassage(
                turn=turn,
                start=candidate.start,
                end=candidate.end,
                quote=turn.text[candidate.start : candidate.end],
                sentence=candidate.sentence.text,
                score=candidate.score,
                annotation=other,
                linked=linked,
            )
        )
    return results[:limit]


def claim_copies(claim: Claim):
    """The other claims of ``claim``'s group."""
    if claim.group_id is None:
        return Claim.objects.none()
    return (
        Claim.objects.filter(group_id=claim.group_id)
        .exclude(pk=claim.pk)
        .select_related("annotation__turn__document", "annotation__turn__speaker")
        .order_by("pk")
    )
