"""Calling the JSON API as a logged-in user, and checking its refusals' shape."""

import json

from django.test import Client


def client_for(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


def post_json(client, path, body, **extra):
    return client.post(path, body if isinstance(body, str | bytes) else json.dumps(body), "application/json", **extra)


def patch_json(client, path, body):
    return client.patch(path, json.dumps(body), "application/json")


def assert_error(response, status, field=None, contains=None):
    """The response is the API's error: ``{"error": "<reason>", "field": …}`` with this status."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    assert body["field"] == field
    if contains:
        assert contains.lower() in body["error"].lower(), body["error"]
    return body
