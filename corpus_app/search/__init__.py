"""Full-text search over turns: ``/search/?q=…``.

- ``query``: the query language (PostgreSQL's ``websearch_to_tsquery``, on every database), and
  the marking of matches in Python;
- ``postgres``: the full-text search of PostgreSQL, on the turns' stored vectors;
- ``fallback``: the substring search of other databases (SQLite in development);
- ``results``: the search on whichever database, its cache and its paginator;
- ``views``: the page (its form is ``corpus_app.forms.SearchForm``).
"""

from corpus_app.models import SEARCH_CONFIG
from corpus_app.search.postgres import VECTOR_COLUMN, VECTOR_EXPRESSION_OF
from corpus_app.search.query import ParsedQuery, highlight, parse_query
from corpus_app.search.results import (
    SearchPaginator,
    attach_excerpts,
    engine_for,
    kept_ranked_turn_ids,
    page_turns,
    ranked_turn_ids,
    search_turns,
)

__all__ = [
    "SEARCH_CONFIG",
    "VECTOR_COLUMN",
    "VECTOR_EXPRESSION_OF",
    "ParsedQuery",
    "SearchPaginator",
    "attach_excerpts",
    "engine_for",
    "highlight",
    "kept_ranked_turn_ids",
    "page_turns",
    "parse_query",
    "ranked_turn_ids",
    "search_turns",
]
