import hashlib
import math
from dataclasses import dataclass

import django_filters
from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q
from django.db.models.expressions import RawSQL

from corpus_app.models import Document, DocumentKind, Speaker, SpeakerAlias, SpeakerKind, Turn
from corpus_app.search import SEARCH_CONFIG, engine_for
from desk.choices import LabelColumnChoiceFilter
from desk.forms import DatePickerFilter, NewestFirstOrderingFilter, TextCheckedFilterSet, YesNoFilter
from desk.text import nfc

#: The documents with a word in the title (as ``title__icontains``) or in some turn (their lexemes),
#: each through its index (migration 0009, PostgreSQL only). The functions in FROM, not in the
#: select list: there PostgreSQL would fetch their rows one call at a time (six times slower). A
#: UNION of the two, where one function would do: the planner then knows its size (one function's
#: rows it takes for a couple of hundred, and looks each of thousands of documents up one by one).
DOCUMENTS_WITH_WORD = (
    "SELECT id FROM corpus_app_documents_with_title(%s) AS id "
    "UNION SELECT id FROM corpus_app_documents_with_lexemes(plainto_tsquery(%s::regconfig, %s)) AS id"
)

#: One document has a word in its title or among its lexemes (migration 0010), asked of each
#: document in turn: what the first pages of a word most documents hold read, in the listing's order.
DOCUMENT_HAS_WORD = (
    '(UPPER("corpus_app_document"."title"::text) LIKE UPPER(%s) OR '
    'corpus_app_document_has_lexemes("corpus_app_document"."id", plainto_tsquery(%s::regconfig, %s)))'
)
#: The share of documents whose turns hold a word, from the statistics ANALYZE keeps of the lexemes'
#: most common elements (0 when it is not among them; a word of several lexemes: the rarest).
WORD_SHARES = (
    "SELECT w.word, (SELECT min(coalesce(u.share, 0)) "
    "FROM unnest(tsvector_to_array(to_tsvector(%s::regconfig, w.word))) AS l(lexeme) "
    "LEFT JOIN (pg_stats CROSS JOIN "
    "unnest(most_common_elems::text::text[], most_common_elem_freqs) AS u(lexeme, share)) "
    "ON u.lexeme = l.lexeme AND schemaname = current_schema() "
    "AND tablename = 'corpus_app_document_lexemes' AND attname = 'lexemes') "
    "FROM unnest(%s::text[]) AS w(word)"
)
WORD_SHARE_SECONDS = 600  # statistics change with ANALYZE; a stale share only picks the slower way
#: How many documents the first pages may check one by one (each reads its lexemes: 10–20 µs).
CHECKED_DOCUMENTS = 500
#: A claim still to be ruled on (``annotations.models.ClaimStatus.open_values()``).
OPEN_CLAIM_STATUSES = ("unverified", "in_review")


def word_shares(words):
    """``{word: share}``: about which share of the documents have each word in their turns (PostgreSQL)."""
    keys = {word: f"document-word-share:{hashlib.sha256(word.encode()).hexdigest()}" for word in words}
    cached = cache.get_many(list(keys.values()))
    shares = {word: cached[key] for word, key in keys.items() if key in cached}
    missing = [word for word in words if word not in shares]
    if missing:
        with connection.cursor() as cursor:
            cursor.execute(WORD_SHARES, [SEARCH_CONFIG, missing])
            found = {word: share or 0.0 for word, share in cursor.fetchall()}
        cache.set_many({keys[word]: share for word, share in found.items()}, WORD_SHARE_SECONDS)
        shares.update(found)
    return shares


@dataclass(frozen=True)
class FirstRows:
    """Another form of a listing's query, with the same rows in the same order, that is cheaper
    for its first ``rows`` rows (``desk.pagination.CappedPaginator``)."""

    queryset: object
    rows: int


class SpeakerChoiceFilter(LabelColumnChoiceFilter):
    """A listing's "Speaker" choice, by name."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Speaker.objects.all())
        kwargs.setdefault("label", "Speaker")
        kwargs.setdefault("empty_label", "Any speaker")
        super().__init__(*args, label_column="name", **kwargs)


class DocumentFilter(TextCheckedFilterSet):
    q = django_filters.CharFilter(method="filter_text", label="Text", help_text="Words in the title or the turns.")
    kind = django_filters.ChoiceFilter(choices=DocumentKind.choices, empty_label="Any kind")
    date_after = DatePickerFilter(field_name="date", lookup_expr="gte", label="From")
    date_before = DatePickerFilter(field_name="date", lookup_expr="lte", label="Until")
    place = django_filters.CharFilter(lookup_expr="iexact", label="Place")
    speaker = SpeakerChoiceFilter(method="filter_speaker")
    unverified_claims = YesNoFilter(
        method="filter_unverified_claims",
        label="Has unverified claims",
        help_text="Claims still unverified or in review.",
    )
    editions = django_filters.ChoiceFilter(
        choices=[("all", "All editions, replaced ones too")],
        method="filter_editions",
        label="Editions",
        empty_label="Current editions",
    )
    ordering = NewestFirstOrderingFilter(
        [("date", "date", "Date"), ("title", "title", "Title"), ("imported_at", "imported", "Imported")]
    )

    class Meta:
        model = Document
        fields = ["q", "kind", "date_after", "date_before", "place", "speaker", "unverified_claims", "editions"]

    #: Filters besides the text that narrow the listing: the first pages are then not walked.
    NARROWING = ("kind", "date_after", "date_before", "place", "speaker", "unverified_claims", "ordering")
    first_rows = None  # a FirstRows, for the first pages of the text filter with common words

    def __init__(self, data=None, *args, **kwargs):
        # Bound even without a query string, so the default (current editions only) applies.
        super().__init__(data if data is not None else {}, *args, **kwargs)

    def filter_queryset(self, queryset):
        filtered = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("editions") != "all":  # replaced editions stay readable, but off the list
            filtered = filtered.filter(is_current=True)
            queryset = queryset.filter(is_current=True)
        self.first_rows = self._walked_first_rows(queryset)
        return filtered

    def _walked_first_rows(self, queryset):
        """For words most documents hold: the first pages by checking documents one by one, in order.

        The text filter finds every document with each word, then sorts them: for a word in most
        documents, that is most of the corpus on every page view, and it grows with it. Walking the
        documents in the listing's order (its index) and checking each one's words finds a page
        after reading about ``rows / share`` documents, whatever the size of the corpus. Only where
        that is short: for the first pages of the default order, no other filter, and words the
        statistics call common; the count and deeper pages keep finding every document.
        """
        data = self.form.cleaned_data
        words = (data.get("q") or "").split()
        narrowed = any(data.get(name) not in (None, "", [], ()) for name in self.NARROWING)  # False narrows too
        if not words or engine_for() != "postgresql" or narrowed:
            return None
        share = math.prod(word_shares(words).values())  # as if the words were independent
        rows = int(CHECKED_DOCUMENTS * share)
        if rows <= 0:
            return None
        for word in words:
            pattern = f"%{connection.ops.prep_for_like_query(word)}%"
            queryset = queryset.filter(
                RawSQL(DOCUMENT_HAS_WORD, [pattern, SEARCH_CONFIG, word], output_field=BooleanField())
            )
        return FirstRows(queryset, rows)

    def filter_editions(self, queryset, name, value):
        return queryset  # "all" lifts the default in filter_queryset

    def filter_text(self, queryset, name, value):
        # Each word in the title (a substring) or in some turn. On PostgreSQL a turn word is looked
        # up in the documents' lexemes (migration 0009: every word of a document's turns, indexed),
        # whole words in any form ("payment" finds "payments"); asking the million turns took a
        # second for a common word. Elsewhere a substring of a turn's text, one EXISTS per word.
        postgres = engine_for() == "postgresql"
        for word in nfc(value).split():  # NFC, as the turns are stored
            if postgres:
                pattern = f"%{connection.ops.prep_for_like_query(word)}%"  # as title__icontains has it
                queryset = queryset.filter(pk__in=RawSQL(DOCUMENTS_WITH_WORD, [pattern, SEARCH_CONFIG, word]))
            else:
                in_turns = Exists(Turn.objects.filter(document=OuterRef("pk"), text__icontains=word))
                queryset = queryset.filter(Q(title__icontains=word) | in_turns)
        return queryset

    def filter_unverified_claims(self, queryset, name, value):
        # Through the reverse relations the annotations app adds to turns, by their lookup names:
        # the corpus imports nothing of the apps that build on it.
        open_claims = Turn.objects.filter(document=OuterRef("pk"), annotations__claim__status__in=OPEN_CLAIM_STATUSES)
        return queryset.filter(Exists(open_claims)) if value else queryset.exclude(Exists(open_claims))

    def filter_speaker(self, queryset, name, value):
        return queryset.filter(Exists(Turn.objects.filter(document=OuterRef("pk"), speaker=value)))


class SpeakerFilter(TextCheckedFilterSet):
    name = django_filters.CharFilter(
        method="filter_name", label="Name", help_text="Part of the name, or of a label texts use (“SL”)."
    )
    kind = django_filters.ChoiceFilter(choices=SpeakerKind.choices, empty_label="Any kind")
    affiliation = django_filters.CharFilter(lookup_expr="icontains", label="Affiliation")
    spoke_from = DatePickerFilter(
        method="filter_spoke", label="Has turns from", help_text="Documents dated on or after this day."
    )
    spoke_until = DatePickerFilter(
        method="filter_spoke", label="Has turns until", help_text="Documents dated on or before this day."
    )

    class Meta:
        model = Speaker
        fields = []

    def filter_name(self, queryset, name, value):
        value = nfc(value.strip())
        aliased = SpeakerAlias.objects.filter(speaker=OuterRef("pk"), alias__icontains=value)
        return queryset.filter(Q(name__icontains=value) | Exists(aliased))

    def filter_spoke(self, queryset, name, value):
        return queryset  # both ends are applied together in filter_queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        since, until = self.form.cleaned_data.get("spoke_from"), self.form.cleaned_data.get("spoke_until")
        if since or until:
            turns = Turn.objects.filter(speaker=OuterRef("pk"))
            if since:
                turns = turns.filter(document__date__gte=since)
            if until:
                turns = turns.filter(document__date__lte=until)
            queryset = queryset.filter(Exists(turns))
        return queryset
