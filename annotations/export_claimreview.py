"""The claims export as schema.org ClaimReview (``/claims/export/?format=claimreview``).

A JSON array with one ``ClaimReview`` per claim with a verdict (https://schema.org/ClaimReview,
with the properties Google's fact-check guidelines ask for), written as it streams.
"""

from django.conf import settings
from django.utils import timezone

from annotations.models import ClaimStatus
from annotations.similar_claims import split_sentences
from corpus_app.exports import absolute_url, document_url, json_text
from corpus_app.models import SpeakerKind

JSONLD_TYPE = "application/ld+json"

# ClaimReview ratings: one documented number-to-word table, best 4, worst 1.
#   accurate 4, misleading 2, false 1. 3 is left free for a later "mostly accurate".
#   unverifiable has no place on a true/false scale, so it gets no ratingValue (and no
#   bestRating/worstRating, which would describe a number that is not there): only its
#   alternateName, which is the rating part fact-check readers (Google's Fact Check Explorer) show.
CLAIMREVIEW_BEST_RATING = 4
CLAIMREVIEW_WORST_RATING = 1
CLAIMREVIEW_RATINGS = {
    ClaimStatus.ACCURATE: ("Accurate", 4),
    ClaimStatus.MISLEADING: ("Misleading", 2),
    ClaimStatus.FALSE: ("False", 1),
    ClaimStatus.UNVERIFIABLE: ("Unverifiable", None),
}


def claim_sentence(annotation):
    """The sentence of the turn that holds the claim's passage, or the passage when no one sentence holds it.

    A passage is often a few words ("85 percent"); a fact-check reader needs the claim as said.
    """
    for sentence in split_sentences(annotation.turn.text):
        if sentence.start <= annotation.start and annotation.end <= sentence.end:
            return " ".join(sentence.text.split())
    return " ".join(annotation.quote.split())


def claim_review(request, claim, organisation):
    """A claim with a verdict as a schema.org ClaimReview (Google's fact-check properties)."""
    annotation = claim.annotation
    turn = annotation.turn
    document = turn.document
    word, value = CLAIMREVIEW_RATINGS[claim.status]
    rating = {"@type": "Rating", "alternateName": word}
    if value is not None:
        rating.update(ratingValue=value, bestRating=CLAIMREVIEW_BEST_RATING, worstRating=CLAIMREVIEW_WORST_RATING)
    if claim.rationale:
        rating["ratingExplanation"] = claim.rationale

    item_reviewed = {"@type": "Claim"}
    if turn.speaker_id:
        kind = "Organization" if turn.speaker.kind == SpeakerKind.ORGANISATION else "Person"
        item_reviewed["author"] = {"@type": kind, "name": turn.speaker.name}
    if document.date:
        item_reviewed["datePublished"] = document.date.isoformat()
    turn_url = f"{document_url(request, turn.document_id)}#turn-{turn.position}"
    item_reviewed["appearance"] = {"@type": "CreativeWork", "url": turn_url, "headline": document.title}

    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": claim_sentence(annotation),
        "reviewRating": rating,
        "url": absolute_url(request, annotation.get_absolute_url()),
        "author": organisation,
    }
    if claim.reviewed_at:
        review["datePublished"] = timezone.localdate(claim.reviewed_at).isoformat()
    review["itemReviewed"] = item_reviewed
    if claim.evidence:
        review["citation"] = list(claim.evidence)
    return review


def claimreview_lines(request, claims):
    """``claims`` (each with a verdict) as a JSON array of ClaimReview, one line each."""
    organisation = {
        "@type": "Organization",
        "name": getattr(settings, "DESK_ORGANISATION_NAME", "Annotation desk"),
        "url": absolute_url(request, "/"),
    }
    yield "[\n"
    for index, claim in enumerate(claims):
        yield ("," if index else "") + json_text(claim_review(request, claim, organisation)) + "\n"
    yield "]\n"
