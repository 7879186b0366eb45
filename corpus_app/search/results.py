"""A search's results on whichever database: the turns matching a query and filters, best first;
the ranked ids a page needs, kept until the corpus changes; a page's turns with their excerpts;
and the paginator that puts them together. PostgreSQL's full-text search is in ``postgres``, the
substring search of other databases in ``fallback``; in both, the turn text is HTML-escaped
before ``<mark>`` tags are added around matches.
"""

import hashlib
import json

from django.core.paginator import EmptyPage, Paginator
from django.db import connection
from django.db.models import F
from django.utils.functional import cached_property

from corpus_app.models import Turn
from corpus_app.search import fallback, postgres
from corpus_app.search.query import highlight, parse_query
from desk.cache import CORPUS, cached
from desk.pagination import CappedPage, CappedPaginator


def engine_for(conn=None):
    """``"postgresql"`` for full-text search, ``"fallback"`` for the portable substring search."""
    return "postgresql" if (conn or connection).vendor == "postgresql" else "fallback"


def result_turns():
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
    if engine_for(conn) == "postgresql":
        # The filters go into the candidate subquery (ids only, joins only for filters).
        queryset = postgres.matching(_filtered(Turn.objects.all(), **filters), result_turns(), query_text)
    else:
        queryset = fallback.matching(_filtered(result_turns(), **filters), parsed)
    return queryset.order_by(F("rank").desc(), F("document__date").desc(nulls_last=True), "-document_id", "position")


def ranked_turn_ids(query_text, limit, *, conn=None, **filters):
    """The ids of :func:`search_turns`, in its order, at most ``limit``: what a page of results needs."""
    turns = search_turns(query_text, conn=conn, **filters)
    if turns is None:
        return None
    if engine_for(conn) != "postgresql":
        return list(turns.values_list("pk", flat=True)[:limit])
    return postgres.ranked_ids(_filtered(Turn.objects.all(), **filters), query_text, limit, conn=conn)


#: How long a search's ranked ids are kept at most (they go as soon as the corpus changes).
RESULTS_CACHE_SECONDS = 300


def kept_ranked_turn_ids(query_text, limit, **filters):
    """:func:`ranked_turn_ids`, kept until the corpus changes (``desk.cache``).

    Going to the next page of results, or searching again, repeats the same search: finding and
    ranking the candidates is most of a search's time, and grows with the number of turns that
    match. The ranked ids (at most ``limit``) are kept until documents, turns or speakers change.
    """
    described = json.dumps(
        [query_text, limit, sorted((name, str(getattr(value, "pk", value))) for name, value in filters.items())]
    )
    digest = hashlib.sha256(described.encode()).hexdigest()
    return cached(
        f"search-ids:{engine_for()}:{digest}",
        lambda: ranked_turn_ids(query_text, limit, **filters),
        kinds=(CORPUS,),
        timeout=RESULTS_CACHE_SECONDS,
    )


def page_turns(ids, query_text, conn=None):
    """The turns of a result page, by id, with ``rank`` (and ``headline`` on PostgreSQL): one query."""
    queryset = result_turns().filter(pk__in=ids)
    if engine_for(conn) == "postgresql":
        return queryset.annotate(**postgres.annotations_for(query_text))
    return queryset.annotate(rank=fallback.rank(parse_query(query_text)))


def attach_excerpts(turns, query_text, conn=None):
    """Set ``turn.excerpt`` (its pieces, ``query.piece``) on each turn of a result page; no queries."""
    excerpt = postgres.excerpt if engine_for(conn) == "postgresql" else lambda turn, terms: highlight(turn.text, terms)
    terms = parse_query(query_text).required_terms
    for turn in turns:
        turn.excerpt = excerpt(turn, terms)
    return turns


class SearchPaginator(CappedPaginator):
    """Pages of a search in two queries: the ranked ids (at most the cap, one more to say "more
    than 1,000 results"), then the page's turns by id, with their headlines, from ``rows(ids)``.
    The candidate search runs at most once per request (its ranked ids are kept until the corpus
    changes: :func:`kept_ranked_turn_ids`); pages past the cap do not exist.
    """

    cap = postgres.CANDIDATES

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
