"""The documents export (``/documents/export/``) and the CSV writing every export shares."""

import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from corpus_app.exports import csv_cell
from tests.factories import make_document, make_press_conference, make_user

pytestmark = pytest.mark.django_db

DOCUMENTS = "corpus:document-export"


def export(client, **params):
    response = client.get(reverse(DOCUMENTS), params)
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    return response, body


@pytest.fixture
def documents():
    conference = make_press_conference(
        remarks="National currencies now account for 85 percent of payments.",
        answer="Trade grew by a third, and it is paid for in national currencies.",
    )
    article = make_document(title="News article", kind="article", date=datetime.date(2025, 5, 2))
    return conference, article


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse(DOCUMENTS), {"format": "csv"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["Viewer", "Editor", "Reviewer"])
def test_every_role_may_export(client, role):
    client.force_login(make_user(role))
    assert export(client, format="jsonl")[0].status_code == 200


@pytest.mark.parametrize("fmt", [None, "", "xlsx", "w3c"])
def test_an_unknown_or_missing_format_is_a_400_listing_the_formats(client, viewer, fmt):
    client.force_login(viewer)
    response = client.get(reverse(DOCUMENTS), {} if fmt is None else {"format": fmt})
    assert response.status_code == 400
    assert "csv, jsonl, desk" in response.content.decode()  # desk: added by the annotations app


def test_invalid_filters_are_a_400_with_the_errors(client, viewer):
    client.force_login(viewer)
    response = client.get(reverse(DOCUMENTS), {"format": "csv", "kind": "poem"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain") and "kind" in response.content.decode()


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [("csv", "text/csv; charset=utf-8", "csv"), ("jsonl", "application/x-ndjson", "jsonl")],
)
def test_content_type_filename_and_streaming(client, viewer, documents, fmt, content_type, extension):
    client.force_login(viewer)
    response = client.get(reverse(DOCUMENTS), {"format": fmt})
    assert response.status_code == 200 and response.streaming is True
    assert response["Content-Type"] == content_type
    filename = f"documents-{timezone.localdate().isoformat()}.{extension}"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert len(list(response.streaming_content)) >= 2, "written a row at a time, not as one block"


def test_documents_csv_and_jsonl(client, viewer, documents):
    conference, _ = documents
    client.force_login(viewer)
    _, body = export(client, format="csv")
    assert body.splitlines()[0] == "id,title,kind,date,place,publisher,author,source_name,turns,url"
    rows = list(csv.DictReader(io.StringIO(body)))
    by_title = {row["title"]: row for row in rows}
    row = by_title["Press conference, Almaty"]
    assert (row["kind"], row["date"], row["place"], row["publisher"]) == ("transcript", "2025-04-11", "Almaty", "MFA")
    assert row["turns"] == "4"
    assert row["url"] == f"http://testserver/documents/{conference.pk}/"

    _, body = export(client, format="jsonl")
    lines = {line["title"]: line for line in map(json.loads, body.splitlines())}
    assert lines["News article"]["kind"] == "article"
    assert lines["Press conference, Almaty"] == {**row, "id": conference.pk, "turns": 4}


def test_filters_apply_and_the_text_filter_does_not_inflate_the_turn_count(client, viewer, documents):
    client.force_login(viewer)
    _, body = export(client, format="jsonl", kind="article")
    assert [json.loads(line)["title"] for line in body.splitlines()] == ["News article"]
    _, body = export(client, format="jsonl", q="sanctions currencies")
    assert [(line["title"], line["turns"]) for line in map(json.loads, body.splitlines())] == [
        ("Press conference, Almaty", 4)
    ]


def count_queries(client, fmt):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(DOCUMENTS), {"format": fmt})
        content = b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries), content


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_the_same_queries_for_5_and_60_documents(client, viewer, fmt):
    client.force_login(viewer)
    for _ in range(5):
        make_document()
    few, _ = count_queries(client, fmt)
    for _ in range(55):
        make_document()
    many, many_content = count_queries(client, fmt)
    assert many_content.count(b"\n") == 60 + (fmt == "csv")
    assert few == many, f"{fmt}: {few} queries for 5 rows, {many} for 60"


@pytest.mark.parametrize(
    "value",
    # Spreadsheets skip leading spaces before a formula (issue 15: " =1+2" went through as it was).
    ["=1+2", "+1", "-2", "@A1", "\tx", "\rx", " =1+2", "   @SUM(A1)", " \t-1", "\n=cmd", "\u00a0+1", " \rx"],
)
def test_csv_cells_starting_like_a_formula_get_an_apostrophe(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["plain", "1 = 1", "", 5, "a-b", "   ", " x = 1"])
def test_other_csv_cells_are_unchanged(value):
    assert csv_cell(value) == value
