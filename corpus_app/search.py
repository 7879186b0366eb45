"""Full-text search over turns: ``/search/?q=…``.

One query syntax on every database, the one of PostgreSQL's ``websearch_to_tsquery``:

- several words: all must occur (``sanctions payments``);
- ``"a phrase"`` in double quotes: the words in that order;
- ``-word`` or ``-"a phrase"``: must not occur;
- ``or`` between terms: either side may match (``"sad cat" or "fat rat"``).

On PostgreSQL the search is real full-text search ("english" configuration: stemming, stop
words, ranking with ``ts_rank``, excerpts from ``ts_headline``). The GIN index that makes it
fast is created by migration ``0002_turn_search_index`` on the expression
``to_tsvector('english'::regconfig, text)``; :class:`TurnSearchVector` writes exactly that
expression so the planner can use the index (Django's ``SearchVector`` would wrap the column
in ``COALESCE(…, '')`` and miss it).

On any other database (SQLite in development) a simpler fallback parses the same syntax:
each word or phrase must occur as a case-insensitive substring (no stemming), excluded ones
must not; results are ranked by how often the terms occur, then by document date; excerpts
and highlighting are done in Python.

In both cases the turn text is HTML-escaped before ``<mark>`` tags are added around matches.
"""

import html
import re
from dataclasses import dataclass, field

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Length, Lower, Replace
from django.shortcuts import render
from django.utils.safestring import mark_safe

from corpus_app.models import DocumentKind, Speaker, Turn
from desk.pagination import CappedPaginator

PAGE_SIZE = 25
SEARCH_CONFIG = "english"
#: The name and expression of the GIN index created by migration 0002 (PostgreSQL only).
INDEX_NAME = "turn_text_search_idx"
INDEX_EXPRESSION = f"to_tsvector('{SEARCH_CONFIG}'::regconfig, text)"
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
    """``to_tsvector('english'::regconfig, "corpus_app_turn"."text")``: the indexed expression, verbatim."""

    function = "to_tsvector"
    template = f"%(function)s('{SEARCH_CONFIG}'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()

    def __init__(self, expression="text", **extra):
        super().__init__(F(expression) if isinstance(expression, str) else expression, **extra)


def escaped_text(expression="text"):
    """SQL that HTML-escapes a text column exactly like ``django.utils.html.escape``."""
    result = F(expression)
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;")):
        result = Replace(result, Value(char), Value(entity))
    return result


def _postgres_queryset(queryset, query_text):
    query = SearchQuery(query_text, config=SEARCH_CONFIG, search_type="websearch")
    return (
        queryset.alias(search_vector=TurnSearchVector())
        .filter(search_vector=query)
        .annotate(
            rank=SearchRank(TurnSearchVector(), query),
            # ts_headline over the *escaped* text: its output holds no markup but our <mark>s.
            # (Over the raw text it would silently drop anything that looks like a tag.)
            headline=SearchHeadline(
                escaped_text(),
                query,
                config=SEARCH_CONFIG,
                start_sel=MARK_START,
                stop_sel=MARK_END,
                min_words=20,
                max_words=50,
            ),
        )
    )


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


def _fallback_queryset(queryset, parsed):
    condition = Q()
    for required, excluded in parsed.groups:
        group = Q()
        for term in required:
            group &= Q(text__icontains=term)
        for term in excluded:
            group &= ~Q(text__icontains=term)
        condition |= group
    rank = Value(0)
    for term in dict.fromkeys(term.lower() for term in parsed.required_terms):
        rank = rank + _occurrences(term)
    return queryset.filter(condition).annotate(rank=rank)


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


def search_turns(query_text, *, speaker=None, kind=None, date_from=None, date_until=None, conn=None):
    """Turns matching the query and filters, best first, each annotated with ``rank``.

    Returns ``None`` for a query with no terms in it. Fetch excerpts with :func:`attach_excerpts`.
    """
    query_text = (query_text or "").strip()
    parsed = parse_query(query_text)
    if not parsed:
        return None
    # The document's raw text can be long and is not shown: leave it in the database.
    queryset = Turn.objects.select_related("document", "speaker").defer(
        "document__raw_text", "document__import_warnings"
    )
    if speaker is not None:
        queryset = queryset.filter(speaker=speaker)
    if kind:
        queryset = queryset.filter(document__kind=kind)
    if date_from:
        queryset = queryset.filter(document__date__gte=date_from)
    if date_until:
        queryset = queryset.filter(document__date__lte=date_until)
    if engine_for(conn) == "postgresql":
        queryset = _postgres_queryset(queryset, query_text)
    else:
        queryset = _fallback_queryset(queryset, parsed)
    return queryset.order_by(F("rank").desc(), F("document__date").desc(nulls_last=True), "-document_id", "position")


def attach_excerpts(turns, query_text, conn=None):
    """Set ``turn.excerpt`` (safe HTML) on each turn of a result page; no queries."""
    postgres = engine_for(conn) == "postgresql"
    terms = parse_query(query_text).required_terms
    for turn in turns:
        turn.excerpt = _postgres_excerpt(turn, terms) if postgres else highlight(turn.text, terms)
    return turns


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search the turns",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": 'e.g. "national currencies" -dollar'}),
    )
    speaker = forms.ModelChoiceField(
        queryset=Speaker.objects.order_by("name"), required=False, empty_label="Any speaker"
    )
    kind = forms.ChoiceField(label="Document kind", choices=[("", "Any kind"), *DocumentKind.choices], required=False)
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_until = forms.DateField(label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"}))


@login_required
def search_view(request):
    form = SearchForm(request.GET or None)
    form.is_valid()  # invalid filters are reported next to their field and ignored
    data = getattr(form, "cleaned_data", {})
    query_text = (data.get("q") or "").strip()
    turns = search_turns(
        query_text,
        speaker=data.get("speaker"),
        kind=data.get("kind"),
        date_from=data.get("date_from"),
        date_until=data.get("date_until"),
    )
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
        paginator = CappedPaginator(turns, PAGE_SIZE)
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
