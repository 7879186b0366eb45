"""Full-text search over turns: ``/search/?q=…``.

One query syntax on every database, the one of PostgreSQL's ``websearch_to_tsquery``:

- several words: all must occur (``sanctions payments``);
- ``"a phrase"`` in double quotes: the words in that order;
- ``-word`` or ``-"a phrase"``: must not occur;
- ``or`` between terms: either side may match (``"sad cat" or "fat rat"``).

On PostgreSQL the search is real full-text search ("english" configuration: stemming, stop
words, ranking with ``ts_rank``, excerpts from ``ts_headline``). It reads the stored column
``corpus_app_turn.search_vector`` (``to_tsvector('english'::regconfig, text)``, migration
``0004_turn_search_vector``; kept by a trigger, or given by the importer, which has the same server
compute it ahead: migration ``0008_turn_search_vector_trigger``), so no search recomputes a vector.
To stay fast on a million turns it ranks a capped candidate set: the first :data:`CANDIDATES`
matching turns (after the filters) from the newest slices of turn ids (:data:`ID_SLICE` turns
each; the GIN index leads with the slice, migration ``0012_turn_search_by_id_slices``, so a slice
costs what its own matches cost), ranked with ``ts_rank``; the page shows "more than 1,000
results" past that, and narrowing the query or the filters brings the rest into reach.
Excerpts (``ts_headline``) are made for the 25 turns of the page only. The ranked ids are kept
until the corpus changes, so the next page, or the same search again, does not search again.

On any other database (SQLite in development) a simpler fallback parses the same syntax:
each word or phrase must occur as a case-insensitive substring (no stemming), excluded ones
must not; results are ranked by how often the terms occur, then by document date; excerpts
and highlighting are done in Python.

In both cases the turn text is HTML-escaped before ``<mark>`` tags are added around matches.
"""

import datetime
import hashlib
import html
import json
import re
from dataclasses import dataclass, field

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVectorField
from django.core.cache import cache
from django.core.paginator import EmptyPage, Paginator
from django.db import connection
from django.db.models import BooleanField, Expression, F, Func, Q, Value
from django.db.models.expressions import Col, RawSQL
from django.db.models.functions import Length, Lower, Replace
from django.shortcuts import render
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe

from corpus_app.models import DocumentKind, Speaker, Turn
from corpus_app.version import corpus_version
from desk.choices import LabelColumnChoiceField
from desk.forms import TextCheckedForm
from desk.pagination import CappedPage, CappedPaginator
from desk.text import nfc

PAGE_SIZE = 25
SEARCH_CONFIG = "english"
#: The stored vector column and its GIN index, created by migration 0004 (PostgreSQL only).
VECTOR_COLUMN = "search_vector"
INDEX_NAME = "turn_slice_search_idx"  # led by the id slice since migration 0012
#: The index's slices of turn ids: candidates are taken from the newest slice first (migration 0012).
ID_SLICE = 100_000
VECTOR_EXPRESSION_OF = f"to_tsvector('{SEARCH_CONFIG}'::regconfig, %s)"  # of a text, in SQL
VECTOR_EXPRESSION = VECTOR_EXPRESSION_OF % "text"
#: On PostgreSQL, how many matching turns are ranked at most; more are reported as "more than".
CANDIDATES = 1_000
#: Roughly how many characters of a turn an excerpt shows.
EXCERPT_CHARS = 300

MARK_START = "<mark>"
MARK_END = "</mark>"
ELLIPSIS = "…"


def engine_for(conn=None):
    """``"postgresql"`` for full-text search, ``"fallback"`` for the portable substring search."""
    return "postgresql" if (conn or connection).vendor == "postgresql" else "fallback"


# --- PostgreSQL -----------------------------------------------------------------------------


class TurnSearchVector(Func):
    """``to_tsvector('english'::regconfig, "corpus_app_turn"."text")``: what the stored column holds."""

    function = "to_tsvector"
    template = f"%(function)s('{SEARCH_CONFIG}'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()

    def __init__(self, expression="text", **extra):
        super().__init__(F(expression) if isinstance(expression, str) else expression, **extra)


def _vector_field():
    field = SearchVectorField()
    field.set_attributes_from_name(VECTOR_COLUMN)
    return field


class StoredSearchVector(Expression):
    """``"corpus_app_turn"."search_vector"``: the column the database keeps, which the model does not declare.

    Resolves to a plain column of the query's base table (whatever alias it gets in a
    subquery), so the lookup ``@@`` reads the GIN index and ``ts_rank`` reads the stored vector.
    """

    output_field = SearchVectorField()

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        field = _vector_field()
        return Col(query.get_initial_alias(), field, output_field=field)


def escaped_text(expression="text"):
    """SQL that HTML-escapes a text column exactly like ``django.utils.html.escape``."""
    result = F(expression)
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;")):
        result = Replace(result, Value(char), Value(entity))
    return result


def _postgres_annotations(query_text):
    """``rank`` (``ts_rank`` on the stored vector) and ``headline`` (``ts_headline``) of a turn."""
    query = SearchQuery(query_text, config=SEARCH_CONFIG, search_type="websearch")
    return {
        "rank": SearchRank(StoredSearchVector(), query),
        # ts_headline over the *escaped* text: its output holds no markup but our <mark>s.
        # (Over the raw text it would silently drop anything that looks like a tag.)
        "headline": SearchHeadline(
            escaped_text(),
            query,
            config=SEARCH_CONFIG,
            start_sel=MARK_START,
            stop_sel=MARK_END,
            min_words=20,
            max_words=50,
        ),
    }


def _newest_slices_first(matching, *columns):
    """SQL (and its parameters) of ``columns`` of the ``matching`` turns, one slice of ids after the
    other, the newest first; the caller adds a ``LIMIT``.

    Each slice is read from the search index (migration 0012, led by the slice) only as long as
    rows are still wanted: the index then reads the matches of those slices, where asked for the
    query alone it reads every match in the corpus, tens of thousands of turns for a common phrase.
    """
    in_slice = (
        matching.filter(
            RawSQL(f'("corpus_app_turn"."id" / {ID_SLICE}) = slices.slice', [], output_field=BooleanField())
        )
        .order_by()
        .values_list(*columns)
    )
    sql, params = in_slice.query.sql_with_params()
    slices = f'generate_series((SELECT max(id) FROM "corpus_app_turn") / {ID_SLICE}, 0, -1) AS slices(slice)'
    # OFFSET 0 keeps the subquery apart: merged into the outer query, it became one join of every
    # match with the slices, read from the index all at once, in no order of slices.
    return f"SELECT found.* FROM {slices} CROSS JOIN LATERAL ({sql} OFFSET 0) AS found", params


def _postgres_queryset(queryset, query_text):
    """The capped candidate set (newest slices first, filters applied), ranked, with headlines for a page."""
    query = SearchQuery(query_text, config=SEARCH_CONFIG, search_type="websearch")
    sql, params = _newest_slices_first(
        queryset.alias(search_vector=StoredSearchVector()).filter(search_vector=query), "pk"
    )
    # One more than the cap: the count can say "more than".
    candidates = RawSQL(f"{sql} LIMIT %s", [*params, CANDIDATES + 1])
    return _result_turns().filter(pk__in=candidates).annotate(**_postgres_annotations(query_text))


def _postgres_excerpt(turn, terms):
    """The headline, marked safe, with ellipses where it cuts the (escaped) turn text."""
    headline = (turn.headline or "").strip()
    plain = headline.replace(MARK_START, "").replace(MARK_END, "")
    if "<" in plain or ">" in plain:  # cannot happen with escaped input; never risk it
        return highlight(turn.text, terms)
    whole = html.escape(turn.text).strip()
    if plain and not whole.startswith(plain):
        headline = f"{ELLIPSIS} {headline}"
    if plain and not whole.endswith(plain):
        headline = f"{headline} {ELLIPSIS}"
    # Built from the escaped text by ts_headline, plus our own <mark> tags: nothing else.
    return mark_safe(headline)


# --- Fallback (SQLite and others) ---------------------------------------------------------


@dataclass
class ParsedQuery:
    """A websearch-style query: alternatives (``or``) of groups of required and excluded terms."""

    groups: list = field(default_factory=list)  # [(required terms, excluded terms), …]

    @property
    def required_terms(self):
        return [term for required, _ in self.groups for term in required]

    def __bool__(self):
        return any(required or excluded for required, excluded in self.groups)


_TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|([^\s"]+)')
_EDGE_PUNCTUATION_RE = re.compile(r"^[^\w]+|[^\w]+$")


def parse_query(text):
    """Split a query into ``or``-separated groups of required and excluded words and phrases.

    >>> parse_query('"national currencies" payments -dollar').groups
    [(['national currencies', 'payments'], ['dollar'])]
    """
    groups = [([], [])]
    for match in _TOKEN_RE.finditer(text or ""):
        minus, phrase, word = match.groups()
        if phrase is not None:
            term, excluded = " ".join(phrase.split()), bool(minus)
        else:
            excluded = word.startswith("-")
            term = _EDGE_PUNCTUATION_RE.sub("", word)
            if not excluded and term.lower() == "or":
                if groups[-1][0] or groups[-1][1]:
                    groups.append(([], []))
                continue
        if term:
            groups[-1][1 if excluded else 0].append(term)
    return ParsedQuery([group for group in groups if group[0] or group[1]])


def _occurrences(term):
    """SQL: how many times ``term`` occurs in the turn text, ignoring case."""
    lowered = Lower("text")
    removed = Length(lowered) - Length(Replace(lowered, Value(term.lower()), Value("")))
    return removed / Value(len(term))


def _fallback_rank(parsed):
    rank = Value(0)
    for term in dict.fromkeys(term.lower() for term in parsed.required_terms):
        rank = rank + _occurrences(term)
    return rank


def _fallback_queryset(queryset, parsed):
    condition = Q()
    for required, excluded in parsed.groups:
        group = Q()
        for term in required:
            group &= Q(text__icontains=term)
        for term in excluded:
            group &= ~Q(text__icontains=term)
        condition |= group
    return queryset.filter(condition).annotate(rank=_fallback_rank(parsed))


def highlight(text, terms, *, size=EXCERPT_CHARS):
    """An excerpt of ``text`` around the first match, HTML-escaped, matches wrapped in ``<mark>``."""
    spans = []
    for term in terms:
        spans.extend(match.span() for match in re.finditer(re.escape(term), text, re.IGNORECASE))
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])

    begin, finish = 0, len(text)
    if len(text) > size:
        first = merged[0][0] if merged else 0
        begin = max(0, first - size // 3)
        if begin:  # start at a word boundary, never after the match
            space = text.find(" ", begin, first)
            begin = space + 1 if space != -1 else begin
        finish = min(len(text), begin + size)
        if finish < len(text):  # end at a word boundary, never inside the first match
            floor = merged[0][1] if merged else begin
            space = text.rfind(" ", floor, finish)
            finish = space if space != -1 else finish

    parts = [f"{ELLIPSIS} "] if begin > 0 else []
    position = begin
    for start, end in merged:
        start, end = max(start, begin), min(end, finish)
        if start >= end:
            continue
        parts.append(html.escape(text[position:start]))
        parts.append(f"{MARK_START}{html.escape(text[start:end])}{MARK_END}")
        position = end
    parts.append(html.escape(text[position:finish]))
    if finish < len(text):
        parts.append(f" {ELLIPSIS}")
    return mark_safe("".join(parts).strip())  # every piece of the turn text is escaped above


# --- Shared ---------------------------------------------------------------------------------


def _result_turns():
    # The document's raw text can be long and is not shown: leave it in the database.
    return Turn.objects.select_related("document", "speaker").defer("document__raw_text", "document__import_warnings")


def _filtered(queryset, *, speaker=None, kind=None, date_from=None, date_until=None):
    queryset = queryset.readable()  # page noise is found by no search
    if speaker is not None:
        queryset = queryset.filter(speaker=speaker)
    if kind:
        queryset = queryset.filter(document__kind=kind)
    if date_from:
        queryset = queryset.filter(document__date__gte=date_from)
    if date_until:
        queryset = queryset.filter(document__date__lte=date_until)
    return queryset


def search_turns(query_text, *, conn=None, **filters):
    """Turns matching the query and filters (``speaker``, ``kind``, ``date_from``, ``date_until``),
    best first, each annotated with ``rank``.

    Returns ``None`` for a query with no terms in it. Fetch excerpts with :func:`attach_excerpts`.
    """
    query_text = (query_text or "").strip()
    parsed = parse_query(query_text)
    if not parsed:
        return None
    postgres = engine_for(conn) == "postgresql"
    # On PostgreSQL the filters go into the candidate subquery (ids only, joins only for filters).
    queryset = _filtered(Turn.objects.all() if postgres else _result_turns(), **filters)
    queryset = _postgres_queryset(queryset, query_text) if postgres else _fallback_queryset(queryset, parsed)
    return queryset.order_by(F("rank").desc(), F("document__date").desc(nulls_last=True), "-document_id", "position")


def ranked_turn_ids(query_text, limit, *, conn=None, **filters):
    """The ids of :func:`search_turns`, in its order, at most ``limit``: what a page of results needs.

    On PostgreSQL in one pass over the candidates: each matching turn is read once, with its rank
    and sort keys, and the (at most ``limit``) candidates are sorted here. Ranking them in SQL
    read every candidate turn a second time by its key, to compute ``ts_rank`` in the outer query.
    """
    turns = search_turns(query_text, conn=conn, **filters)
    if turns is None:
        return None
    if engine_for(conn) != "postgresql":
        return list(turns.values_list("pk", flat=True)[:limit])
    query = SearchQuery(query_text.strip(), config=SEARCH_CONFIG, search_type="websearch")
    matching = (
        _filtered(Turn.objects.all(), **filters)
        .alias(search_vector=StoredSearchVector())
        .filter(search_vector=query)
        .annotate(rank=SearchRank(StoredSearchVector(), query))
    )
    sql, params = _newest_slices_first(matching, "pk", "rank", "document__date", "document_id", "position")
    with (conn or connection).cursor() as cursor:
        cursor.execute(f"{sql} LIMIT %s", [*params, limit])
        candidates = cursor.fetchall()
    ordinal = datetime.date.toordinal

    def order(row):  # rank descending, then date descending with undated last, document, position
        pk, rank, date, document_id, position = row
        return (-rank, date is None, -ordinal(date) if date else 0, -document_id, position)

    return [row[0] for row in sorted(candidates, key=order)]


#: How long a search's ranked ids are kept at most (they go as soon as the corpus changes).
RESULTS_CACHE_SECONDS = 300


def kept_ranked_turn_ids(query_text, limit, **filters):
    """:func:`ranked_turn_ids`, kept until the corpus changes (its version, ``corpus_app.version``).

    Going to the next page of results, or searching again, repeats the same search: finding and
    ranking the candidates is most of a search's time, and grows with the number of turns that
    match. The ranked ids (at most ``limit``) are kept under the corpus version, which moves on
    with every write of documents or turns; what a search reads besides them (the speakers it
    filters on by id) can only change through the turns.
    """
    described = json.dumps(
        [query_text, limit, sorted((name, str(getattr(value, "pk", value))) for name, value in filters.items())]
    )
    digest = hashlib.sha256(f"{corpus_version()}\n{described}".encode()).hexdigest()
    key = f"search-ids:{engine_for()}:{digest}"
    ids = cache.get(key)
    if ids is None:
        ids = ranked_turn_ids(query_text, limit, **filters)
        cache.set(key, ids, RESULTS_CACHE_SECONDS)
    return ids


def page_turns(ids, query_text, conn=None):
    """The turns of a result page, by id, with ``rank`` (and ``headline`` on PostgreSQL): one query."""
    queryset = _result_turns().filter(pk__in=ids)
    if engine_for(conn) == "postgresql":
        return queryset.annotate(**_postgres_annotations(query_text))
    return queryset.annotate(rank=_fallback_rank(parse_query(query_text)))


def attach_excerpts(turns, query_text, conn=None):
    """Set ``turn.excerpt`` (safe HTML) on each turn of a result page; no queries."""
    postgres = engine_for(conn) == "postgresql"
    terms = parse_query(query_text).required_terms
    for turn in turns:
        turn.excerpt = _postgres_excerpt(turn, terms) if postgres else highlight(turn.text, terms)
    return turns


class SearchPaginator(CappedPaginator):
    """Pages of a search in two queries: the ranked ids (at most the cap, one more to say "more
    than 1,000 results"), then the page's turns by id, with their headlines, from ``rows(ids)``.
    The candidate search runs at most once per request (its ranked ids are kept until the corpus
    changes: :func:`kept_ranked_turn_ids`); pages past the cap do not exist.
    """

    cap = CANDIDATES

    def __init__(self, object_list, per_page, *, rows, ranked_ids, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.rows = rows
        self.rank = ranked_ids

    def validate_number(self, number):
        return Paginator.validate_number(self, number)  # counted or capped, pages end at the cap

    @cached_property
    def ranked_ids(self):
        return self.rank(self.cap + 1)

    @cached_property
    def _counted(self):
        return len(self.ranked_ids)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = self.ranked_ids[: self.cap]
        page_ids = ids[bottom : bottom + self.per_page]
        if not page_ids and number > 1:
            raise EmptyPage("That page contains no results")
        by_id = {row.pk: row for row in self.rows(page_ids).order_by()} if page_ids else {}
        page = CappedPage([by_id[pk] for pk in page_ids if pk in by_id], number, self)
        page.more = len(ids) > bottom + self.per_page
        return page


class SearchForm(TextCheckedForm):
    q = forms.CharField(
        label="Search the turns",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": 'e.g. "national currencies" -dollar'}),
    )
    speaker = LabelColumnChoiceField(
        # A few hundred speakers: (id, name) pairs, and <option>s without a template each.
        queryset=Speaker.objects.order_by("name"),
        label_column="name",
        required=False,
        empty_label="Any speaker",
    )
    kind = forms.ChoiceField(label="Document kind", choices=[("", "Any kind"), *DocumentKind.choices], required=False)
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_until = forms.DateField(label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"}))


@login_required
def search_view(request):
    form = SearchForm(request.GET or None)
    form.is_valid()  # invalid filters are reported next to their field and ignored
    data = getattr(form, "cleaned_data", {})
    # NFC, as the turns are stored: a decomposed accent (e + U+0301) finds “é”.
    query_text = nfc(data.get("q") or "").strip()
    filters = {name: data.get(name) for name in ("speaker", "kind", "date_from", "date_until")}
    turns = search_turns(query_text, **filters)
    context = {
        "form": form,
        "query": query_text,
        "searched": turns is not None,
        "search_engine": engine_for(),
        "filtered": any(data.get(name) for name in ("speaker", "kind", "date_from", "date_until")),
        "page_obj": None,
        "paginator": None,
        "is_paginated": False,
        "results": [],
    }
    if turns is not None:
        paginator = SearchPaginator(
            turns,
            PAGE_SIZE,
            rows=lambda ids: page_turns(ids, query_text),
            ranked_ids=lambda limit: kept_ranked_turn_ids(query_text, limit, **filters),
        )
        page_obj = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            paginator=paginator,
            page_obj=page_obj,
            is_paginated=page_obj.has_other_pages(),
            results=attach_excerpts(list(page_obj.object_list), query_text),
            query_without_page=query.urlencode(),
        )
    return render(request, "corpus_app/search.html", context)
