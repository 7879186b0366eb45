"""The JSON endpoints the reading view calls.

Plain Django views: session authentication, CSRF protection from the middleware (the
reading page's script sends the token in the ``X-CSRFToken`` header), JSON in and out.
Every write goes through ``annotations.services``; this module only turns requests into
arguments and results (or refusals) into responses.

Errors are always ``{"error": "<readable reason>", "field": "<field or null>"}``.

A JSON body is checked once, here, before any field is read: nested at most
``MAX_JSON_DEPTH`` deep, and every string in it free of lone surrogates and control
characters (tab and line breaks are allowed in the multi-line fields: note, rationale, quote).
"""

import json
import re
from functools import wraps

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig, ValidationError
from django.http import HttpResponse, JsonResponse
from django.views import csrf
from django.views.decorators.csrf import ensure_csrf_cookie

from annotations import services
from annotations.models import Annotation, Claim, Target, Topic
from corpus_app.models import Document, Turn
from desk.text import text_problem

OFFSET_UNITS = ("codepoint", "utf-16")
MAX_ID = 2**63 - 1  # the largest primary key a BigAutoField holds
MAX_JSON_DEPTH = 64  # no body of this API nests deeper than 3; Python's parser recurses past ~1000
MULTILINE_FIELDS = frozenset({"note", "rationale", "quote"})
MAX_LISTED_IDS = 10  # unknown ids named in an error, at most


class ApiError(Exception):
    def __init__(self, status, message, field=None, **extra):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.extra = extra


def error_response(status, message, field=None, **extra):
    return JsonResponse({"error": message, "field": field, **extra}, status=status)


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: the API's JSON error under /api/, Django's own page elsewhere."""
    if request.path.startswith("/api/"):
        return error_response(
            403,
            f"The CSRF check failed ({reason.rstrip('.')}): send the token of the csrftoken cookie in the "
            "X-CSRFToken header, or reload the page.",
        )
    return csrf.csrf_failure(request, reason)


def api_view(*methods):
    """Log-in check (401 JSON, not a redirect), method check (405 with Allow) and error mapping."""
    allowed = ", ".join(methods)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return error_response(401, "Log in to use the API.")
            if request.method not in methods:
                response = error_response(405, f"Method {request.method} is not allowed here; use {allowed}.")
                response["Allow"] = allowed
                return response
            try:
                return view(request, *args, **kwargs)
            except ApiError as error:
                return error_response(error.status, error.message, error.field, **error.extra)
            except services.ReplacedEdition as error:
                current = error.current
                return error_response(
                    409,
                    error.message,
                    error.field,
                    current_edition={"id": current.pk, "title": current.title, "url": current.get_absolute_url()},
                )
            except services.AnnotationError as error:
                return error_response(400, error.message, error.field)
            except ValidationError as error:
                field = None
                if hasattr(error, "error_dict") and len(error.error_dict) == 1:
                    field = next(iter(error.error_dict))
                    field = None if field == NON_FIELD_ERRORS else field
                return error_response(400, " ".join(error.messages), field)
            except PermissionDenied as error:
                return error_response(403, str(error) or "Your role does not allow this.")
            except (Annotation.DoesNotExist, Claim.DoesNotExist) as error:
                return error_response(404, str(error))
            except RequestDataTooBig:
                return error_response(413, "The request body is too large.")

        return wrapper

    return decorator


# --- reading the request ---------------------------------------------------------------


def _read_json(request, *, required=True):
    """The body as a dict; an empty body is ``{}`` when not required."""
    body = request.body  # raises RequestDataTooBig past DATA_UPLOAD_MAX_MEMORY_SIZE
    if not body and not required:
        return {}
    if required and request.content_type != "application/json":
        raise ApiError(415, "Send the body as JSON, with the header Content-Type: application/json.")
    if _nesting_depth(body) > MAX_JSON_DEPTH:
        raise ApiError(400, f"The body is nested more than {MAX_JSON_DEPTH} levels deep.")
    try:
        data = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # RecursionError: a guard should the depth check miss a case
        raise ApiError(400, "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object.")
    for key, value in data.items():
        _check_strings(key, value)
    return data


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def _nesting_depth(body):
    """How deep the arrays and objects of a JSON text nest (brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in _JSON_BRACKET.findall(_JSON_STRING.sub(b"", body)):
        if bracket in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _refuse_constant(name):
    raise ValueError(f"{name} is not a JSON number")  # json.loads takes NaN and Infinity unless told


def _check_strings(field, value):
    """Refuse a top-level ``field`` whose key or any string inside holds what text must not."""
    multiline = field in MULTILINE_FIELDS
    stack = [field, value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item, multiline=multiline)
            if problem:
                named = field if text_problem(field) is None else None
                where = f"“{named}”" if named else "A field name"
                raise ApiError(400, f"{where} {problem}.", named)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _int(data, name, *, required=True):
    if name not in data:
        if required:
            raise ApiError(400, f"“{name}” is required.", name)
        return None
    value = data[name]
    if not _is_int(value):
        raise ApiError(400, f"“{name}” must be a whole number.", name)
    if value < 0:
        raise ApiError(400, f"“{name}” cannot be negative.", name)
    return value


def _id(value, field, what=None):
    if not _is_int(value) or not 0 < value <= MAX_ID:
        raise ApiError(400, f"{what or f'“{field}”'} must be an id (a positive whole number).", field)
    return value


def _str(data, name, *, required=False):
    if name not in data:
        if required:
            raise ApiError(400, f"“{name}” is required.", name)
        return None
    if not isinstance(data[name], str):
        raise ApiError(400, f"“{name}” must be a string.", name)
    return data[name]


def _bool(data, name):
    if name not in data:
        return None
    if not isinstance(data[name], bool):
        raise ApiError(400, f"“{name}” must be true or false.", name)
    return data[name]


def _query_id(request, name):
    raw = request.GET.get(name)
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise ApiError(400, f"“{name}” must be an id (a positive whole number).", name)
    return int(raw)


def _topics(data):
    """The topics named in the body (None when absent); unknown ids are refused by name."""
    if "topics" not in data:
        return None
    ids = data["topics"]
    if not isinstance(ids, list) or not all(_is_int(pk) for pk in ids):
        raise ApiError(400, "“topics” must be a list of topic ids.", "topics")
    ids = list(dict.fromkeys(_id(pk, "topics", "Each topic") for pk in ids))
    found = Topic.objects.in_bulk(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        named = ", ".join(map(str, missing[:MAX_LISTED_IDS]))
        if len(missing) > MAX_LISTED_IDS:
            named += f" and {len(missing) - MAX_LISTED_IDS:,} more ({len(missing):,} unknown in all)"
        raise ApiError(400, f"Unknown topic id{plural}: {named}.", "topics")
    return [found[pk] for pk in ids]


def _stance(data):
    """(polarity, target) from the body; None when absent; ("", None) for ``"stance": null``."""
    if "stance" not in data:
        return None
    stance = data["stance"]
    if stance is None:
        return "", None
    if not isinstance(stance, dict):
        raise ApiError(400, "“stance” must be an object {polarity, target} or null.", "stance")
    polarity = stance.get("polarity")
    if not isinstance(polarity, str) or not polarity:
        raise ApiError(400, "A stance needs a polarity.", "stance")
    target_id = stance.get("target")
    if target_id is None:
        raise ApiError(400, "A stance needs a target.", "stance")
    _id(target_id, "stance", "The stance’s target")
    target = Target.objects.filter(pk=target_id).first()
    if target is None:
        raise ApiError(400, f"Unknown target id: {target_id}.", "stance")
    return polarity, target


def _offsets(data, text, *, required):
    """start and end in code points, converting from UTF-16 code units when asked."""
    unit = data.get("offset_unit", "codepoint")
    if unit not in OFFSET_UNITS:
        raise ApiError(400, "“offset_unit” must be “codepoint” or “utf-16”.", "offset_unit")
    offsets = {name: _int(data, name, required=required) for name in ("start", "end")}
    if unit == "utf-16":
        for name, value in offsets.items():
            if value is not None:
                try:
                    offsets[name] = services.utf16_to_codepoint(text, value)
                except services.AnnotationError as error:
                    raise ApiError(400, error.message, name) from None
    return offsets["start"], offsets["end"]


# --- writing the response --------------------------------------------------------------


def _iso(moment):
    return moment.isoformat() if moment else None


def _topic_paths():
    """Every topic's path (“Sanctions & economy › Payments”) from one query, whatever the depth."""
    rows = {
        pk: (name, parent_id) for pk, name, parent_id in Topic.objects.order_by().values_list("pk", "name", "parent_id")
    }
    paths = {}

    def path(pk):
        if pk not in paths:
            names, node, seen = [], pk, set()
            while node is not None and node in rows and node not in seen:
                seen.add(node)
                name, node = rows[node]
                names.append(name)
            paths[pk] = " › ".join(reversed(names))
        return paths[pk]

    return path


def claim_json(claim):
    return {
        "id": claim.pk,
        "status": claim.status,
        "status_display": claim.get_status_display(),
        "rationale": claim.rationale,
        "evidence": list(claim.evidence or []),
        "reviewer": claim.reviewer.get_username() if claim.reviewer_id else None,
        "reviewed_at": _iso(claim.reviewed_at),
        "version": claim.version,
        "group": claim.group_id,
    }


def annotation_json(annotation, user, topic_path):
    try:
        claim = annotation.claim
    except Claim.DoesNotExist:
        claim = None
    return {
        "id": annotation.pk,
        "turn": annotation.turn_id,
        "document": annotation.turn.document_id,
        "start": annotation.start,
        "end": annotation.end,
        "quote": annotation.quote,
        "prefix": annotation.prefix,
        "suffix": annotation.suffix,
        "topics": [{"id": t.pk, "name": t.name, "path": topic_path(t.pk)} for t in annotation.topics.all()],
        "stance": (
            {"polarity": annotation.polarity, "target": {"id": annotation.target.pk, "name": annotation.target.name}}
            if annotation.polarity and annotation.target_id
            else None
        ),
        "claim": claim_json(claim) if claim is not None else None,
        "note": annotation.note,
        "author": annotation.author.get_username(),
        "created_at": _iso(annotation.created_at),
        "updated_at": _iso(annotation.updated_at),
        "version": annotation.version,
        "can_delete": services.can_delete_annotation(user, annotation),
    }


def _reader_queryset():
    return Annotation.objects.for_reader().select_related("turn", "claim__reviewer")


def _fetch(pk):
    annotation = _reader_queryset().filter(pk=pk).first()
    if annotation is None:
        raise ApiError(404, f"Annotation {pk} does not exist.")
    return annotation


def _one(pk, user, status=200):
    return JsonResponse(annotation_json(_fetch(pk), user, _topic_paths()), status=status)


def _conflict(pk, user, message):
    current = _reader_queryset().filter(pk=pk).first()
    body = annotation_json(current, user, _topic_paths()) if current else None
    return error_response(409, message, None, current=body)


def _require(user, perm, message):
    if not user.has_perm(perm):
        raise PermissionDenied(message)


# --- the endpoints -----------------------------------------------------------------------


@ensure_csrf_cookie
@api_view("GET", "POST")
def annotation_collection(request):
    if request.method == "POST":
        return _create(request)
    return _list(request)


def _list(request):
    _require(request.user, "annotations.view_annotation", "Your role cannot read annotations.")
    document_id, turn_id = _query_id(request, "document"), _query_id(request, "turn")
    if document_id is None and turn_id is None:
        raise ApiError(400, "Say which annotations: ?document=<id> or ?turn=<id>.", "document")
    annotations = _reader_queryset()
    if turn_id is not None:
        turn = Turn.objects.filter(pk=turn_id).only("pk", "document_id").first()
        if turn is None:
            raise ApiError(404, f"Turn {turn_id} does not exist.", "turn")
        if document_id is not None and turn.document_id != document_id:
            raise ApiError(400, f"Turn {turn_id} is not in document {document_id}.", "turn")
        document_id = turn.document_id
        annotations = annotations.filter(turn_id=turn_id)
    else:
        if not Document.objects.filter(pk=document_id).exists():
            raise ApiError(404, f"Document {document_id} does not exist.", "document")
        annotations = annotations.filter(turn__document_id=document_id)
    annotations = list(annotations.order_by("turn__position", "start", "end", "pk"))
    topic_path = _topic_paths() if annotations else None
    body = {
        "document": document_id,
        "count": len(annotations),
        "annotations": [annotation_json(annotation, request.user, topic_path) for annotation in annotations],
    }
    if turn_id is not None:
        body["turn"] = turn_id
    return JsonResponse(body)


def _passage(data):
    """The turn, offsets and quote of a body that names a passage; 400 when any is missing or wrong."""
    turn_id = data.get("turn")
    if turn_id is None:
        raise ApiError(400, "“turn” is required.", "turn")
    _id(turn_id, "turn")
    turn = Turn.objects.filter(pk=turn_id).first()
    if turn is None:
        raise ApiError(400, f"Unknown turn id: {turn_id}.", "turn")
    start, end = _offsets(data, turn.text, required=True)
    return turn, start, end, _str(data, "quote", required=True)


def _create(request):
    _require(request.user, "annotations.add_annotation", "Your role cannot annotate.")
    data = _read_json(request)
    turn, start, end, quote = _passage(data)
    topics = _topics(data) or []
    polarity, target = _stance(data) or ("", None)
    claim = _bool(data, "claim") or False
    note = _str(data, "note") or ""
    annotation = services.annotation_create(
        user=request.user,
        turn=turn,
        start=start,
        end=end,
        quote=quote,
        topics=topics,
        polarity=polarity,
        target=target,
        claim=claim,
        note=note,
    )
    return _one(annotation.pk, request.user, status=201)


@ensure_csrf_cookie
@api_view("GET", "PATCH", "DELETE")
def annotation_detail(request, pk):
    if request.method == "PATCH":
        return _update(request, pk)
    if request.method == "DELETE":
        return _delete(request, pk)
    _require(request.user, "annotations.view_annotation", "Your role cannot read annotations.")
    return _one(pk, request.user)


def _update(request, pk):
    _require(request.user, "annotations.change_annotation", "Your role cannot change annotations.")
    data = _read_json(request)
    if "version" not in data:
        raise ApiError(400, "“version” is required: the version of the annotation you are editing.", "version")
    version = _int(data, "version")
    annotation = Annotation.objects.select_related("turn").filter(pk=pk).first()
    if annotation is None:
        raise ApiError(404, f"Annotation {pk} does not exist.")
    changes = {}
    start, end = _offsets(data, annotation.turn.text, required=False)
    if start is not None:
        changes["start"] = start
    if end is not None:
        changes["end"] = end
    quote = _str(data, "quote")
    if quote is not None:
        changes["quote"] = quote
    topics = _topics(data)
    if topics is not None:
        changes["topics"] = topics
    stance = _stance(data)
    if stance is not None:
        changes["polarity"], changes["target"] = stance
    claim = _bool(data, "claim")
    if claim is not None:
        changes["claim"] = claim
    note = _str(data, "note")
    if note is not None:
        changes["note"] = note
    try:
        services.annotation_update(user=request.user, annotation_id=pk, version=version, **changes)
    except services.VersionConflict as conflict:
        return _conflict(pk, request.user, str(conflict))
    except services.PassageUnderVerdict as refusal:
        return _conflict(pk, request.user, refusal.message)
    return _one(pk, request.user)


def _delete(request, pk):
    _require(
        request.user,
        "annotations.delete_annotation",
        "Only the author, a reviewer or an administrator can delete this annotation.",
    )
    raw = request.GET.get("version")
    if raw is not None:
        if not raw.isascii() or not raw.isdigit():
            raise ApiError(400, "“version” must be a whole number.", "version")
        version = int(raw)
    else:
        data = _read_json(request, required=False)
        if "version" not in data:
            raise ApiError(400, "“version” is required: ?version=<the version you are deleting>.", "version")
        version = _int(data, "version")
    try:
        services.annotation_delete(user=request.user, annotation_id=pk, version=version)
    except services.VersionConflict:
        return _conflict(pk, request.user, "This annotation was changed by someone else since you opened it.")
    return HttpResponse(status=204)


@api_view("POST")
def claim_verdict(request, pk):
    if not services.can_review_claims(request.user):
        raise PermissionDenied("Only reviewers rule on claims.")
    data = _read_json(request)
    status = _str(data, "status", required=True)
    rationale = _str(data, "rationale") or ""
    evidence = data.get("evidence", [])
    if not isinstance(evidence, list):
        raise ApiError(400, "“evidence” must be a list of links.", "evidence")
    if "version" not in data:
        raise ApiError(400, "“version” is required: the version of the claim you are reviewing.", "version")
    version = _int(data, "version")
    try:
        claim = services.claim_set_status(
            user=request.user, claim_id=pk, status=status, rationale=rationale, evidence=evidence, version=version
        )
    except services.VersionConflict as conflict:
        current = Claim.objects.select_related("reviewer").get(pk=conflict.current.pk)
        return error_response(
            409,
            "This claim was changed by someone else since you opened it.",
            None,
            current={**claim_json(current), "annotation": current.annotation_id},
        )
    claim = Claim.objects.select_related("reviewer").get(pk=claim.pk)
    return JsonResponse({**claim_json(claim), "annotation": claim.annotation_id})


# --- the same claim elsewhere ---------------------------------------------------------------


def _claim_or_404(pk):
    claim = Claim.objects.select_related("annotation__turn").filter(pk=pk).first()
    if claim is None:
        raise ApiError(404, f"Claim {pk} does not exist.")
    return claim


def _document_json(document):
    return {
        "id": document.pk,
        "title": document.title,
        "date": document.date.isoformat() if document.date else None,
        "is_current": document.is_current,
        "url": document.get_absolute_url(),
    }


def _copy_json(copy):
    annotation = copy.annotation
    return {
        "claim": copy.pk,
        "annotation": annotation.pk,
        "status": copy.status,
        "document": _document_json(annotation.turn.document),
        "speaker": annotation.turn.speaker.name if annotation.turn.speaker_id else None,
        "turn": annotation.turn_id,
        "quote": annotation.quote,
        "url": annotation.get_absolute_url(),
    }


@api_view("GET")
def claim_similar(request, pk):
    """Passages elsewhere in the corpus that state the same as this claim, to link as copies."""
    _require(request.user, "annotations.view_claim", "Your role cannot read claims.")
    claim = _claim_or_404(pk)
    candidates = services.claim_similar(claim=claim)
    return JsonResponse(
        {
            "claim": claim.pk,
            "group": claim.group_id,
            "linked": [_copy_json(copy) for copy in services.claim_copies(claim)],
            "candidates": [
                {
                    "document": _document_json(c.turn.document),
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
    )


@api_view("POST")
def claim_links(request, pk):
    """Link a passage as the same claim: ``{"turn", "start", "end", "quote"}``; it shares the verdict."""
    _require(request.user, "annotations.add_claim", "Your role cannot flag claims.")
    claim = _claim_or_404(pk)
    data = _read_json(request)
    turn, start, end, quote = _passage(data)
    linked = services.claim_link(user=request.user, claim_id=claim.pk, turn=turn, start=start, end=end, quote=quote)
    source = Claim.objects.select_related("reviewer").get(pk=claim.pk)
    return JsonResponse(
        {
            "claim": {**claim_json(source), "annotation": source.annotation_id},
            "linked_claim": {**claim_json(linked), "annotation": linked.annotation_id},
            "annotation": annotation_json(_fetch(linked.annotation_id), request.user, _topic_paths()),
            "linked": [_copy_json(copy) for copy in services.claim_copies(source)],
        },
        status=201,
    )
