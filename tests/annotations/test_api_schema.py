"""The API described (/api/schema/, OpenAPI from the code) and fuzzed against that description with
schemathesis: as an editor and as a reviewer, every endpoint, generated requests; no 500, every
response as described (status, content type, body).

``SCHEMATHESIS_MAX_EXAMPLES`` sets the requests per endpoint and role: a few dozen in ``make test``,
several hundred in a long run (``SCHEMATHESIS_MAX_EXAMPLES=500 .venv/bin/pytest tests/annotations/test_api_schema.py``).
"""

import os
import secrets

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from annotations.api import api
from annotations.services import annotation_create, claim_set_status
from tests.factories import make_document, make_target, make_topic, make_user

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "30"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ENDPOINTS = {
    ("GET", "/api/annotations/"),
    ("POST", "/api/annotations/"),
    ("GET", "/api/annotations/{pk}/"),
    ("PATCH", "/api/annotations/{pk}/"),
    ("DELETE", "/api/annotations/{pk}/"),
    ("POST", "/api/claims/{pk}/verdict/"),
    ("GET", "/api/claims/{pk}/similar/"),
    ("POST", "/api/claims/{pk}/links/"),
    ("GET", "/api/turns/{pk}/"),
    ("PATCH", "/api/turns/{pk}/"),
    ("POST", "/api/turns/{pk}/split/"),
    ("POST", "/api/turns/{pk}/merge/"),
    ("POST", "/api/turns/{pk}/noise/"),
    ("POST", "/api/speakers/{pk}/merge/"),
}

SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema(path_params={}))
SCHEMA.app = get_wsgi_application()


def test_the_schema_describes_every_endpoint_to_a_logged_in_user(client, viewer):
    assert client.get("/api/schema/").status_code == 302  # to the login page, like every page
    client.force_login(viewer)

    response = client.get("/api/schema/")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    described = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    assert described == ENDPOINTS
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert {"400", "401", "403", "404"} <= set(operation["responses"]), (method, path)
    assert schema["components"]["schemas"]["ErrorOut"]["required"] == ["error", "field"]


@pytest.fixture
def requests_keep_the_test_connection():
    """The WSGI app closes the database connection after each request; inside a test's transaction it must
    not (PostgreSQL would lose the test's rows), so, as Django's test client does, that step is left out."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(requests_keep_the_test_connection):
    """Rows for generated ids to land on: a document, topics, a target, annotations, a reviewed claim."""
    editor = make_user("Editor")
    reviewer = make_user("Reviewer")
    document = make_document()
    topic = make_topic("CIS")
    make_target("EU")
    turn = document.turns.get(position=0)
    start = turn.text.index("85 percent")
    annotation = annotation_create(user=editor, turn=turn, start=start, end=start + 10, quote="85 percent", claim=True)
    claim_set_status(user=reviewer, claim_id=annotation.claim.pk, status="accurate", rationale="Checked.", version=1)
    annotation_create(user=editor, turn=document.turns.get(position=1), start=0, end=3, quote="How", topics=[topic])
    document.topic_ids = [topic.pk]
    return document


def browser_of(user):
    """What a browser logged in as ``user`` sends: the session cookie, and the CSRF token as cookie and header."""
    client = Client()
    client.force_login(user)
    token = secrets.token_hex(16)  # a 32-character secret, as Django's csrftoken cookie holds
    return {
        "headers": {"X-CSRFToken": token},
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": token},
    }


def aim_at_rows(case, world):
    """Point some generated ids at stored rows, so that requests reach past the 404s."""
    ids = {
        "pk": list(world.turns.values_list("annotations__pk", flat=True)) + [1, 2],
        "turn": list(world.turns.values_list("pk", flat=True)),
    }
    params = case.path_parameters or {}
    if "pk" in params and params["pk"] % 2 == 0:
        params["pk"] = ids["pk"][params["pk"] % len(ids["pk"])] or 1
    body = case.body if isinstance(case.body, dict) else {}
    if isinstance(body.get("turn"), int) and body["turn"] % 2 == 0:
        body["turn"] = ids["turn"][body["turn"] % len(ids["turn"])]
        text = world.turns.get(pk=body["turn"]).text
        start, end = body.get("start"), body.get("end")
        if body.get("offset_unit", "codepoint") == "codepoint" and isinstance(start, int) and isinstance(end, int):
            # A passage inside the turn, with its own words as the quote: the request can succeed.
            body["start"] = start % len(text)
            body["end"] = body["start"] + 1 + end % (len(text) - body["start"])
            body["quote"] = text[body["start"] : body["end"]]
            if body.get("topics"):
                body["topics"] = [world.topic_ids[0]]
    query = case.query or {}
    for name in ("document", "turn"):
        if isinstance(query.get(name), int) and query[name] % 2 == 0:
            query[name] = world.pk


@pytest.mark.parametrize("role", ["Editor", "Reviewer"])
@pytest.mark.parametrize(("method", "path"), sorted(ENDPOINTS), ids=lambda value: value)
def test_generated_requests_get_no_500_and_answers_as_described(world, role, method, path):
    operation = SCHEMA[path][method]
    browser = browser_of(make_user(role))
    statuses = set()

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy())
    def request_as_described(case):
        aim_at_rows(case, world)
        response = case.call_and_validate(checks=CHECKS, **browser)
        statuses.add(response.status_code)

    request_as_described()
    assert 401 not in statuses  # the session held: the requests were judged on what they asked
    if role == "Editor" and path.endswith("/verdict/"):
        assert statuses == {403}  # only reviewers rule on claims
    else:
        assert statuses - {403}, statuses  # the CSRF token held too
