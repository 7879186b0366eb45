"""Full-text search on PostgreSQL ("english" configuration: stemming, stop words, ranking with
``ts_rank``, excerpts from ``ts_headline``).

It reads the turns' stored vectors (``Turn.search_vector``, kept by its declared triggers or given
by the importer), so no search computes a vector again. To stay fast on a million turns it ranks a
capped candidate set: the first :data:`CANDIDATES` matching turns (after the filters) from the
newest slices of turn ids (``TURN_ID_SLICE`` turns each; the GIN index ``turn_slice_search_idx``
leads with the slice, so a slice costs what its own matches cost); the page shows "more than
1,000 results" past that, and narrowing the query or the filters brings the rest into reach.
Excerpts (``ts_headline``) are made for the turns of the page only, over the HTML-escaped text.
Their matches come back between ``<mark>`` and ``</mark>``, which the escaped text cannot hold, and
are read back as the excerpt's pieces (``query.piece``) for the template.
"""

import datetime
import html

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import BooleanField, F, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Replace

from corpus_app.models import SEARCH_CONFIG, TURN_ID_SLICE
from corpus_app.search.query import ELLIPSIS, highlight, piece, trimmed

HEADLINE_START, HEADLINE_STOP = "<mark>", "</mark>"  # around the matches ts_headline finds
VECTOR_COLUMN = "search_vector"
INDEX_NAME = "turn_slice_search_idx"
#: The index's slices of turn ids: candidates are taken from the newest slice first.
ID_SLICE = TURN_ID_SLICE
VECTOR_EXPRESSION_OF = f"to_tsvector('{SEARCH_CONFIG}'::regconfig, %s)"  # of a text, in SQL: as the triggers
#: How many matching turns are ranked at most; more are reported as "more than".
CANDIDATES = 1_000


def websearch(query_text):
    return SearchQuery(query_text.strip(), config=SEARCH_CONFIG, search_type="websearch")


def escaped_text(expression="text"):
    """SQL that HTML-escapes a text column exactly like ``django.utils.html.escape``."""
    result = F(expression)
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;")):
        result = Replace(result, Value(char), Value(entity))
    return result


def annotations_for(query_text):
    """``rank`` (``ts_rank`` on the stored vector) and ``headline`` (``ts_headline``) of a turn."""
    query = websearch(query_text)
    return {
        "rank": SearchRank(F("search_vector"), query),
        # ts_headline over the *escaped* text: its output holds no markup but our delimiters.
        # (Over the raw text it would silently drop anything that looks like a tag.)
        "headline": SearchHeadline(
            escaped_text(),
            query,
            config=SEARCH_CONFIG,
            start_sel=HEADLINE_START,
            stop_sel=HEADLINE_STOP,
            min_words=20,
            max_words=50,
        ),
    }


def newest_slices_first(matching, *columns):
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


def matching(queryset, result_turns, query_text):
    """The capped candidate set (newest slices first, filters applied on ``queryset``), as
    ``result_turns``, ranked, with headlines for a page."""
    sql, params = newest_slices_first(queryset.filter(search_vector=websearch(query_text)), "pk")
    # One more than the cap: the count can say "more than".
    candidates = RawSQL(f"{sql} LIMIT %s", [*params, CANDIDATES + 1])
    return result_turns.filter(pk__in=candidates).annotate(**annotations_for(query_text))


def ranked_ids(filtered, query_text, limit, conn=None):
    """The ids of the ``filtered`` turns matching the query, best first, at most ``limit``.

    In one pass over the candidates: each matching turn is read once, with its rank and sort keys,
    and the (at most ``limit``) candidates are sorted here. Ranking them in SQL read every candidate
    turn a second time by its key, to compute ``ts_rank`` in the outer query.
    """
    query = websearch(query_text)
    matched = filtered.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
    sql, params = newest_slices_first(matched, "pk", "rank", "document__date", "document_id", "position")
    with (conn or connection).cursor() as cursor:
        cursor.execute(f"{sql} LIMIT %s", [*params, limit])
        candidates = cursor.fetchall()
    ordinal = datetime.date.toordinal

    def order(row):  # rank descending, then date descending with undated last, document, position
        pk, rank, date, document_id, position = row
        return (-rank, date is None, -ordinal(date) if date else 0, -document_id, position)

    return [row[0] for row in sorted(candidates, key=order)]


def excerpt(turn, terms):
    """The turn's headline as an excerpt's pieces (``query.piece``), with ellipses where it cuts the
    turn's text."""
    headline = (turn.headline or "").strip()
    plain = headline.replace(HEADLINE_START, "").replace(HEADLINE_STOP, "")
    if "<" in plain or ">" in plain:  # cannot happen with escaped input; never risk it
        return highlight(turn.text, terms)
    whole = html.escape(turn.text).strip()
    before, *matches = headline.split(HEADLINE_START)
    pieces = [piece(f"{ELLIPSIS} ")] if plain and not whole.startswith(plain) else []
    pieces.append(piece(html.unescape(before)))
    for match in matches:
        marked, _, after = match.partition(HEADLINE_STOP)
        pieces += [piece(html.unescape(marked), marked=True), piece(html.unescape(after))]
    if plain and not whole.endswith(plain):
        pieces.append(piece(f" {ELLIPSIS}"))
    return trimmed(pieces)
