"""The JSON endpoints the reading view calls, on django-ninja: /api/annotations/,
/api/annotations/<id>/, /api/claims/<id>/verdict/, similar/ and links/, described at /api/schema/.

The edge (session and permission, CSRF, reading and checking the body, the error shape) is
``annotations.api_base``; the schemas are ``annotations.api_schemas``. Every write goes through
``annotations.services``; this module only turns requests into arguments and results (or
refusals) into responses.
"""

from django.contrib.auth.decorators import login_required
from django.middleware.csrf import get_token
from ninja import Path, Query, Status

from annotations import api_turns, selectors, services
from annotations.api_base import (
    REFUSALS,
    WRITE_REFUSALS,
    ApiError,
    CheckedJsonParser,
    DeskAPI,
    SessionRole,
    error_response,
    install_error_handlers,
    read_json,
    with_json_405,
)
from annotations.api_json import copy_json, document_json
from annotations.api_schemas import (
    AnnotationConflictOut,
    AnnotationCreateIn,
    AnnotationListOut,
    AnnotationOut,
    AnnotationUpdateIn,
    ClaimConflictOut,
    ClaimWithAnnotationOut,
    LinkOut,
    PassageIn,
    PathId,
    QueryId,
    QueryVersion,
    ReplacedEditionOut,
    SimilarOut,
    VerdictIn,
    VersionIn,
)
from annotations.models import Annotation, Claim, Target, Topic
from annotations.offsets import offset_in
from annotations.serializers import annotation_json, annotations_json, claim_json
from corpus_app.models import Document, Turn

MAX_LISTED_IDS = 10  # unknown ids named in an error, at most

api = DeskAPI(
    title="Annotation desk API",
    version="1",
    description="The JSON API of the reading view: annotations on passages of turns, claims and verdicts. "
    "Session authentication; writes send the CSRF token in the X-CSRFToken header. "
    'Every error is {"error": "<reason>", "field": "<field or null>"}.',
    parser=CheckedJsonParser(),
    openapi_url="/schema/",
    docs_decorator=login_required,  # nothing is visible without logging in, the API's description included
    docs_url=None,  # the interactive docs load scripts from a CDN; the schema is what clients need
    urls_namespace="annotations",  # its URLs are included in the annotations app's
)
install_error_handlers(api)
api.add_router("", api_turns.router)  # /api/turns/… and /api/speakers/<id>/merge/: fixing turns and speakers

READ = SessionRole("annotations.view_annotation", "Your role cannot read annotations.")
ANNOTATE = SessionRole("annotations.add_annotation", "Your role cannot annotate.")
CHANGE = SessionRole("annotations.change_annotation", "Your role cannot change annotations.")
DELETE = SessionRole(
    "annotations.delete_annotation", "Only the author, a reviewer or an administrator can delete this annotation."
)
REVIEW = SessionRole("annotations.review_claim", "Only reviewers rule on claims.")
READ_CLAIMS = SessionRole("annotations.view_claim", "Your role cannot read claims.")
LINK = SessionRole("annotations.add_claim", "Your role cannot flag claims.")


def urlpatterns():
    """The API's URL patterns, to include under /api/ (names: ``api-annotations`` and so on)."""
    patterns = api.urls[0]
    for pattern in patterns:
        pattern.callback = with_json_405(pattern.callback)
    return patterns


# --- reading the request ---------------------------------------------------------------------------------


def _topics(ids):
    """Topic rows for the ids, in order, without repeats; unknown ids are refused by name."""
    ids = list(dict.fromkeys(ids))
    found = Topic.objects.in_bulk(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        named = ", ".join(map(str, missing[:MAX_LISTED_IDS]))
        if len(missing) > MAX_LISTED_IDS:
            named += f" and {len(missing) - MAX_LISTED_IDS:,} more ({len(missing):,} unknown in all)"
        raise ApiError(400, f"Unknown topic id{plural}: {named}.", "topics")
    return [found[pk] for pk in ids]


def _stance(stance):
    """(polarity, target) of a validated stance; ("", None) for none."""
    if stance is None:
        return "", None
    target = Target.objects.filter(pk=stance.target).first()
    if target is None:
        raise ApiError(400, f"Unknown target id: {stance.target}.", "stance")
    return stance.polarity, target


def _offsets(payload, text):
    """start and end in code points (None when not given)."""
    unit = payload.offset_unit
    return offset_in(text, payload.start, unit, field="start"), offset_in(text, payload.end, unit, field="end")


def _turn(turn_id):
    turn = Turn.objects.select_related("document").filter(pk=turn_id).first()
    if turn is None:
        raise ApiError(400, f"Unknown turn id: {turn_id}.", "turn")
    return turn


# --- writing the response --------------------------------------------------------------------------------


def _fetch(pk, user):
    body = annotation_json(pk, user)
    if body is None:
        raise ApiError(404, f"Annotation {pk} does not exist.")
    return body


def _conflict(pk, user, message):
    return error_response(409, message, None, current=annotation_json(pk, user))


# A change to a stored annotation may also be refused because someone saved it in between.
CHANGE_REFUSALS = {409: AnnotationConflictOut, **WRITE_REFUSALS}
ONE_ANNOTATION = "/annotations/{int:pk}/"  # read, changed and deleted at the same URL
VERDICT_ANSWERS = {200: ClaimWithAnnotationOut, 409: ClaimConflictOut, **WRITE_REFUSALS}
LINK_ANSWERS = {201: LinkOut, 409: ReplacedEditionOut, **WRITE_REFUSALS}


# --- the endpoints -----------------------------------------------------------------------------------------


@api.get(
    "/annotations/",
    auth=READ,
    url_name="api-annotations",
    response={200: AnnotationListOut, **REFUSALS},
    exclude_unset=True,  # "turn" only when the list is of one turn
)
def annotation_list(request, document: Query[QueryId | None] = None, turn: Query[QueryId | None] = None):
    """The annotations of a document (``?document=<id>``) or of one of its turns (``?turn=<id>``)."""
    get_token(request)  # the reading page's script writes with this cookie's token
    document_id, turn_id = document, turn
    if document_id is None and turn_id is None:
        raise ApiError(400, "Say which annotations: ?document=<id> or ?turn=<id>.", "document")
    annotations = Annotation.objects.all()
    if turn_id is not None:
        turn_row = Turn.objects.filter(pk=turn_id).only("pk", "document_id").first()
        if turn_row is None:
            raise ApiError(404, f"Turn {turn_id} does not exist.", "turn")
        if document_id is not None and turn_row.document_id != document_id:
            raise ApiError(400, f"Turn {turn_id} is not in document {document_id}.", "turn")
        document_id = turn_row.document_id
        annotations = annotations.filter(turn_id=turn_id)
    else:
        if not Document.objects.filter(pk=document_id).exists():
            raise ApiError(404, f"Document {document_id} does not exist.", "document")
        annotations = annotations.filter(turn__document_id=document_id)
    annotations = annotations_json(annotations.order_by("turn__position", "start", "end", "pk"), request.user)
    body = {"document": document_id, "count": len(annotations), "annotations": annotations}
    if turn_id is not None:
        body["turn"] = turn_id
    return body


@api.post(
    "/annotations/",
    auth=ANNOTATE,
    url_name="api-annotations",
    response={201: AnnotationOut, 409: ReplacedEditionOut, **WRITE_REFUSALS},
)
def annotation_create(request, payload: AnnotationCreateIn):
    """Annotate a passage: topics, a stance, a claim to check, a note (at least one of the first three)."""
    get_token(request)
    turn = _turn(payload.turn)
    start, end = _offsets(payload, turn.text)
    polarity, target = _stance(payload.stance)
    annotation = services.annotation_create(
        user=request.user,
        turn=turn,
        start=start,
        end=end,
        quote=payload.quote,
        topics=_topics(payload.topics),
        polarity=polarity,
        target=target,
        claim=payload.claim,
        note=payload.note,
    )
    return Status(201, _fetch(annotation.pk, request.user))


@api.get(ONE_ANNOTATION, auth=READ, url_name="api-annotation", response={200: AnnotationOut, **REFUSALS})
def annotation_detail(request, pk: Path[PathId]):
    get_token(request)
    return _fetch(pk, request.user)


@api.patch(ONE_ANNOTATION, auth=CHANGE, url_name="api-annotation", response={200: AnnotationOut, **CHANGE_REFUSALS})
def annotation_update(request, pk: Path[PathId], payload: AnnotationUpdateIn):
    """Change the fields given, from ``version``: a 409 with the stored annotation when someone saved in between,
    or when an editor moves the passage of a claim that has a verdict."""
    annotation = Annotation.objects.select_related("turn").filter(pk=pk).first()
    if annotation is None:
        raise ApiError(404, f"Annotation {pk} does not exist.")
    given = payload.model_fields_set
    changes = {}
    start, end = _offsets(payload, annotation.turn.text)
    for name, value in (("start", start), ("end", end), ("quote", payload.quote)):
        if value is not None:
            changes[name] = value
    if "topics" in given and payload.topics is not None:
        changes["topics"] = _topics(payload.topics)
    if "stance" in given:
        changes["polarity"], changes["target"] = _stance(payload.stance)
    if payload.claim is not None:
        changes["claim"] = payload.claim
    if payload.note is not None:
        changes["note"] = payload.note
    try:
        services.annotation_update(user=request.user, annotation_id=pk, version=payload.version, **changes)
    except services.VersionConflict as conflict:
        return _conflict(pk, request.user, str(conflict))
    except services.PassageUnderVerdict as refusal:
        return _conflict(pk, request.user, refusal.message)
    return _fetch(pk, request.user)


@api.delete(ONE_ANNOTATION, auth=DELETE, url_name="api-annotation", response={204: None, **CHANGE_REFUSALS})
def annotation_delete(request, pk: Path[PathId], version: Query[QueryVersion | None] = None):
    """Delete from ``?version=`` (or a JSON body ``{"version": …}``); the author, a reviewer or an administrator."""
    if version is None:
        if not request.body:
            raise ApiError(400, "“version” is required: ?version=<the version you are deleting>.", "version")
        version = VersionIn.model_validate(read_json(request)).version
    try:
        services.annotation_delete(user=request.user, annotation_id=pk, version=version)
    except services.VersionConflict:
        return _conflict(pk, request.user, "This annotation was changed by someone else since you opened it.")
    return Status(204, None)


@api.post("/claims/{int:pk}/verdict/", auth=REVIEW, url_name="api-claim-verdict", response=VERDICT_ANSWERS)
def claim_verdict(request, pk: Path[PathId], payload: VerdictIn):
    """A reviewer's ruling, from the claim's ``version``; linked copies of the claim get it too."""
    try:
        claim = services.claim_set_status(user=request.user, claim_id=pk, **payload.model_dump())
    except services.VersionConflict as conflict:
        current = Claim.objects.select_related("reviewer").get(pk=conflict.current.pk)
        return error_response(
            409,
            "This claim was changed by someone else since you opened it.",
            None,
            current={**claim_json(current), "annotation": current.annotation_id},
        )
    claim = Claim.objects.select_related("reviewer").get(pk=claim.pk)
    return {**claim_json(claim), "annotation": claim.annotation_id}


# --- the same claim elsewhere ---------------------------------------------------------------------------------
def _claim_or_404(pk):
    claim = Claim.objects.select_related("annotation__turn").filter(pk=pk).first()
    if claim is None:
        raise ApiError(404, f"Claim {pk} does not exist.")
    return claim


@api.get(
    "/claims/{int:pk}/similar/", auth=READ_CLAIMS, url_name="api-claim-similar", response={200: SimilarOut, **REFUSALS}
)
def claim_similar(request, pk: Path[PathId]):
    """Passages elsewhere in the corpus that state the same as this claim, to link as copies."""
    claim = _claim_or_404(pk)
    candidates = selectors.claim_similar(claim=claim)
    return {
        "claim": claim.pk,
        "group": claim.group_id,
        "linked": [copy_json(copy) for copy in selectors.claim_copies(claim)],
        "candidates": [
            {
                "document": document_json(c.turn.document),
                "turn": c.turn.pk,
                "turn_position": c.turn.position,
                "speaker": c.turn.speaker.name if c.turn.speaker_id else None,
                "sentence": c.sentence,
                "start": c.start,
                "end": c.end,
                "quote": c.quote,
                "score": c.score,
                "annotation": c.annotation.pk if c.annotation else None,
                "linked": c.linked,
            }
            for c in candidates
        ],
    }


@api.post("/claims/{int:pk}/links/", auth=LINK, url_name="api-claim-links", response=LINK_ANSWERS)
def claim_links(request, pk: Path[PathId], payload: PassageIn):
    """Link a passage as the same claim: it shares the claim's verdict."""
    claim = _claim_or_404(pk)
    turn = _turn(payload.turn)
    start, end = _offsets(payload, turn.text)
    linked = services.claim_link(
        user=request.user, claim_id=claim.pk, turn=turn, start=start, end=end, quote=payload.quote
    )
    source = Claim.objects.select_related("reviewer").get(pk=claim.pk)
    return Status(
        201,
        {
            "claim": {**claim_json(source), "annotation": source.annotation_id},
            "linked_claim": {**claim_json(linked), "annotation": linked.annotation_id},
            "annotation": _fetch(linked.annotation_id, request.user),
            "linked": [copy_json(copy) for copy in selectors.claim_copies(source)],
        },
    )
