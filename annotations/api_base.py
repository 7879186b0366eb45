"""The JSON API's edge, shared by its endpoints (``annotations.api``): who may call, how a body is
read, and how every refusal becomes ``{"error": "<readable reason>", "field": "<field or null>"}``.

- Authentication is Django's session (the reading view's script), with Django's CSRF check on
  writes (the token in the ``X-CSRFToken`` header); each endpoint names the permission it needs,
  checked once, before its body is read: 401 without a session, 403 without the permission.
- A body is JSON (415 otherwise), nested at most ``MAX_JSON_DEPTH`` deep, without NaN or
  Infinity, and no string in it holds a lone surrogate or a control character (tab and line
  breaks are allowed in the multi-line fields: note, rationale, quote); then the endpoint's
  pydantic schema (``annotations.api_schemas``) validates it. Each refusal is a 400 naming the field.
- A wrong method is a 405 with ``Allow``; errors of the services map to 400, 403, 404 and 409.
"""

import json
import re
from functools import wraps

import pydantic
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig, ValidationError
from django.http import HttpResponseNotAllowed, JsonResponse
from django.views import csrf
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.parser import Parser
from ninja.security import APIKeyCookie
from ninja.utils import check_csrf

from annotations import services
from annotations.api_schemas import ErrorOut
from annotations.exceptions import FieldError
from annotations.models import Annotation, Claim
from desk.text import text_problem

MAX_JSON_DEPTH = 64  # no body of this API nests deeper than 3; Python's parser recurses past ~1000
MULTILINE_FIELDS = frozenset({"note", "rationale", "quote", "separator"})
METHOD_ORDER = ("GET", "POST", "PATCH", "DELETE")

# The refusals every endpoint may answer (for its ``response=`` in the schema), and a write's too.
REFUSALS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_REFUSALS = {**REFUSALS, 413: ErrorOut, 415: ErrorOut}


class ApiError(Exception):
    def __init__(self, status, message, field=None, **extra):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.extra = extra


class Refused(Exception):
    """A refusal whose response is already made (the CSRF failure view's)."""

    def __init__(self, response):
        super().__init__(response.status_code)
        self.response = response


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


# --- who may call ------------------------------------------------------------------------------------------


class SessionRole(APIKeyCookie):
    """A logged-in session (401 without), Django's CSRF check on writes, and one permission (403 without)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, permission=None, refusal="Your role does not allow this."):
        super().__init__(csrf=False)  # checked below, answering with the API's error
        self.permission = permission
        self.refusal = refusal

    def __call__(self, request):
        refused = check_csrf(request)  # safe methods pass; the failure view made the JSON answer
        if refused is not None:
            raise Refused(refused)
        return self.authenticate(request, None)

    def authenticate(self, request, key):
        if not request.user.is_authenticated:
            return None
        if self.permission and not request.user.has_perm(self.permission):
            raise PermissionDenied(self.refusal)
        return request.user


# --- reading a body -----------------------------------------------------------------------------------------

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def nesting_depth(body):
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


def check_strings(field, value):
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


def read_json(request):
    """The body as a checked dict (see the module's docstring); raises ApiError."""
    body = request.body  # raises RequestDataTooBig past DATA_UPLOAD_MAX_MEMORY_SIZE
    if request.content_type != "application/json":
        raise ApiError(415, "Send the body as JSON, with the header Content-Type: application/json.")
    if nesting_depth(body) > MAX_JSON_DEPTH:
        raise ApiError(400, f"The body is nested more than {MAX_JSON_DEPTH} levels deep.")
    try:
        data = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # RecursionError: a guard should the depth check miss a case
        raise ApiError(400, "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object.")
    for key, value in data.items():
        check_strings(key, value)
    return data


class CheckedJsonParser(Parser):
    def parse_body(self, request):
        return read_json(request)


# --- validation errors in words ---------------------------------------------------------------------------


def _field_and_message(error):
    """The top-level field and a sentence for one pydantic error of a body or a query."""
    source, *path = error["loc"]
    if source == "body":
        path = path[1:]  # the endpoint's parameter name
    path = [part for part in path if not isinstance(part, int)]
    field = str(path[0]) if path else None
    name = f"“{'.'.join(map(str, path))}”" if field else "The body"
    kind, context = error["type"], error.get("ctx") or {}
    given = error.get("given")
    if kind == "missing" or (len(path) > 1 and "given" in error and given is None):
        if field is None:
            return None, "The body is not valid JSON."
        if len(path) > 1:
            return field, f"“{field}” needs a {path[-1]}."
        return field, f"{name} is required."
    if kind in {"int_type", "int_parsing", "int_from_float", "digits"}:
        return field, f"{name} must be a whole number."
    if kind in {"greater_than", "greater_than_equal", "less_than_equal"}:
        if context.get("ge") == 0:
            return field, f"{name} cannot be negative (or is too large)."
        return field, f"{name} must be an id (a positive whole number)."
    if kind == "string_type":
        return field, f"{name} must be a string."
    if kind == "bool_type":
        return field, f"{name} must be true or false."
    if kind == "list_type":
        return field, f"{name} must be a list."
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return field, f"{name} must be an object: {{polarity, target}}, or null."
    if kind == "literal_error":
        expected = context.get("expected", "")
        if not isinstance(given, str):
            return field, f"{name} must be a string: one of {expected}."
        shown = f"“{given}”" if len(given) <= 100 else "value"
        return field, f"Unknown {path[-1]} {shown}; use one of {expected}."
    if kind == "string_too_long":
        return field, f"{name} is longer than {context.get('max_length')} characters."
    if kind == "too_long":
        return field, f"{name} has more than {context.get('max_length')} items."
    return field, f"{name}: {error.get('msg', 'invalid')}."


class DeskAPI(NinjaAPI):
    def get_content_type(self):
        return "application/json"  # JSON is UTF-8 by definition (RFC 8259): no charset parameter

    def validation_error_from_error_contexts(self, error_contexts):
        # Ninja drops what the client sent from each error; an unknown status or polarity is named back.
        given = [
            error.get("input") for context in error_contexts for error in context.pydantic_validation_error.errors()
        ]
        errors = super().validation_error_from_error_contexts(error_contexts)
        for error, value in zip(errors.errors, given, strict=False):
            error["given"] = value
        return errors


def install_error_handlers(api):
    """Every refusal of the API in its one JSON shape."""

    @api.exception_handler(ApiError)
    def api_error(request, error):
        return error_response(error.status, error.message, error.field, **error.extra)

    @api.exception_handler(Refused)
    def refused(request, error):
        return error.response

    @api.exception_handler(SchemaError)
    def schema_error(request, error):
        field, message = _field_and_message(error.errors[0])
        if field is None and not request.body and request.content_type != "application/json":
            return error_response(415, "Send the body as JSON, with the header Content-Type: application/json.")
        return error_response(400, message, field)

    @api.exception_handler(pydantic.ValidationError)
    def body_read_by_hand(request, error):  # a schema validated in an endpoint (DELETE's JSON body)
        first = error.errors()[0]
        field, message = _field_and_message({**first, "loc": ("json", *first["loc"]), "given": first.get("input")})
        return error_response(400, message, field)

    @api.exception_handler(AuthenticationError)
    def not_logged_in(request, error):
        return error_response(401, "Log in to use the API.")

    @api.exception_handler(HttpError)
    def http_error(request, error):
        if isinstance(error.__cause__, ApiError):  # raised while ninja read the body
            return api_error(request, error.__cause__)
        return error_response(error.status_code, error.message)

    @api.exception_handler(services.ReplacedEdition)
    def replaced_edition(request, error):
        current = error.current
        return error_response(
            409,
            error.message,
            error.field,
            current_edition={"id": current.pk, "title": current.title, "url": current.get_absolute_url()},
        )

    @api.exception_handler(FieldError)  # the services' refusals of annotations and of turn edits
    def refused_input(request, error):
        return error_response(400, error.message, error.field)

    @api.exception_handler(ValidationError)
    def model_validation_error(request, error):
        field = None
        if hasattr(error, "error_dict") and len(error.error_dict) == 1:
            field = next(iter(error.error_dict))
            field = None if field == NON_FIELD_ERRORS else field
        return error_response(400, " ".join(error.messages), field)

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, error):
        return error_response(403, str(error) or "Your role does not allow this.")

    @api.exception_handler(Annotation.DoesNotExist)
    @api.exception_handler(Claim.DoesNotExist)
    def does_not_exist(request, error):
        return error_response(404, str(error))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, error):
        return error_response(413, "The request body is too large.")


def with_json_405(view):
    """Ninja answers a wrong method with a plain-text 405; the API answers it in its JSON shape."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = {method.strip() for method in response["Allow"].split(",")}
            allow = ", ".join(method for method in METHOD_ORDER if method in allowed)
            response = error_response(405, f"Method {request.method} is not allowed here; use {allow}.")
            response["Allow"] = allow
        return response

    return wrapper
