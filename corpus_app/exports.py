"""The documents export (``/documents/export/``), and the streaming every export of the desk shares.

Every export applies the same filter parameters as its listing (``?kind=…&date_after=…``) and
picks its format with ``?format=``: here ``csv`` and ``jsonl``, one row per document, plus the
formats other apps add with ``CorpusAppConfig.add_document_format`` (the annotations app adds ``desk``,
whole documents with their annotations, since this app knows nothing of annotations).

Responses stream: rows are read with ``.iterator(chunk_size=…)`` and written one at a time, so
memory stays flat however many rows there are, and the number of SQL queries does not grow with
the rows.
"""

import csv
import json
import re
from datetime import UTC

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Subquery
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET

from corpus_app.filters import DocumentFilter
from corpus_app.models import Document, Turn

CHUNK_SIZE = 2000  # rows per database round trip (and per prefetch query)

CSV_TYPE = "text/csv; charset=utf-8"
JSONL_TYPE = "application/x-ndjson"

# Cells a spreadsheet would read as a formula (or that hide one behind a tab or carriage return),
# also after leading spaces, which spreadsheets skip, get a leading apostrophe: OWASP's advice
# against CSV injection.
CSV_FORMULA = re.compile(r"[^\S\t\r]*[=+\-@\t\r]")

# How a list is written in one CSV cell.
CSV_JOINERS = {"topics": "; ", "evidence": " "}

TABLE_FORMATS = ("csv", "jsonl")  # one row a line, the same columns in either
DOCUMENT_COLUMNS = ["id", "title", "kind", "date", "place", "publisher", "author", "source_name", "turns", "url"]


# --- writing rows --------------------------------------------------------------------------------------------------


def iso_datetime(value):
    """ISO 8601 / RFC 3339 in UTC (``2026-11-23T09:30:00.123456Z``), or None."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iso_date(value):
    return value.isoformat() if value is not None else None


def absolute_url(request, path):
    """An absolute, ASCII-only URL: rfc3987 (and RDF tools) reject relative and non-ASCII IRIs."""
    return iri_to_uri(request.build_absolute_uri(path))


def document_url(request, document_id):
    return absolute_url(request, reverse("annotations:document-detail", args=[document_id]))


def document_url_maker(request):
    """``document_url(request, pk)`` for many pks: one ``reverse()`` and one absolute URL."""
    head, tail = document_url(request, 0).rsplit("/0/", 1)
    return lambda pk: f"{head}/{pk}/{tail}"


def json_text(value):
    """Compact JSON, UTF-8 kept readable; <, > and & escaped so that no export can carry live markup."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and CSV_FORMULA.match(value):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write() returns what it was given, for csv.writer in a generator."""

    def write(self, value):
        return value


def csv_lines(columns, rows):
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            if isinstance(value, list):
                value = CSV_JOINERS.get(column, "; ").join(value)
            cells.append(csv_cell(value))
        yield writer.writerow(cells)


def jsonl_lines(rows):
    for row in rows:
        yield json_text(row) + "\n"


# --- answering -----------------------------------------------------------------------------------------------------


def bad_format(fmt, allowed):
    shown = f"“{fmt}”" if fmt else "no format"
    return HttpResponseBadRequest(
        f"Unknown export format: {shown}. Use ?format= with one of: {', '.join(allowed)}.\n",
        content_type="text/plain; charset=utf-8",
    )


def stream(lines, *, content_type, name, extension):
    response = StreamingHttpResponse(lines, content_type=content_type)
    filename = f"{name}-{timezone.localdate().isoformat()}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def table_stream(fmt, columns, rows, *, name):
    """The rows as a CSV file with ``columns``, or as JSON lines."""
    if fmt == "csv":
        return stream(csv_lines(columns, rows), content_type=CSV_TYPE, name=name, extension="csv")
    return stream(jsonl_lines(rows), content_type=JSONL_TYPE, name=name, extension="jsonl")


def filtered_export(request, formats, filterset_class, queryset):
    """(format, filtered queryset, None), or (…, an error response) for an unknown format or bad filters."""
    fmt = request.GET.get("format", "")
    if fmt not in formats:
        return fmt, None, bad_format(fmt, formats)
    queryset, error = filtered(filterset_class, request, queryset)
    return fmt, queryset, error


def filtered(filterset_class, request, queryset):
    """The listing's filterset over ``queryset``; (queryset, None) or (None, 400 response)."""
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    if not filterset.is_valid():
        return None, HttpResponseBadRequest(
            "Invalid filter parameters:\n" + filterset.errors.as_text() + "\n",
            content_type="text/plain; charset=utf-8",
        )
    return filterset.qs, None


# --- documents -----------------------------------------------------------------------------------------------------


def _document_row(request, document):
    return {
        "id": document.pk,
        "title": document.title,
        "kind": document.kind,
        "date": iso_date(document.date),
        "place": document.place,
        "publisher": document.publisher,
        "author": document.author,
        "source_name": document.source_name,
        "turns": document.turn_count,
        "url": document_url(request, document.pk),
    }


@login_required
@require_GET
def document_export(request):
    other_formats = apps.get_app_config("corpus_app").document_formats
    formats = (*TABLE_FORMATS, *other_formats)
    fmt, queryset, error = filtered_export(request, formats, DocumentFilter, Document.objects.all())
    if error:
        return error
    if fmt in other_formats:
        other = other_formats[fmt]
        lines = import_string(other.lines)(queryset)
        return stream(lines, content_type=other.content_type, name=other.name, extension=other.extension)
    # A subquery, not Count("turns"): the text filter joins turns too and would inflate a JOIN count.
    turns = Turn.objects.readable().filter(document=OuterRef("pk"))
    turn_count = turns.order_by().values("document").annotate(n=Count("pk"))
    queryset = queryset.defer("raw_text", "import_warnings").annotate(turn_count=Subquery(turn_count.values("n")))
    rows = (_document_row(request, document) for document in queryset.iterator(chunk_size=CHUNK_SIZE))
    return table_stream(fmt, DOCUMENT_COLUMNS, rows, name="documents")
