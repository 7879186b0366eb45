import django_filters
from django import forms
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL

from annotations.models import Claim
from corpus_app.models import Document, DocumentKind, Speaker, Turn
from corpus_app.search import SEARCH_CONFIG, engine_for
from desk.choices import LabelColumnChoiceFilter

#: The documents with a word in the title (as ``title__icontains``) or in some turn (their lexemes),
#: each through its index (migration 0009, PostgreSQL only). The functions in FROM, not in the
#: select list: there PostgreSQL would fetch their rows one call at a time (six times slower). A
#: UNION of the two, where one function would do: the planner then knows its size (one function's
#: rows it takes for a couple of hundred, and looks each of thousands of documents up one by one).
DOCUMENTS_WITH_WORD = (
    "SELECT id FROM corpus_app_documents_with_title(%s) AS id "
    "UNION SELECT id FROM corpus_app_documents_with_lexemes(plainto_tsquery(%s::regconfig, %s)) AS id"
)


class DocumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label="Text", help_text="Words in the title or the turns.")
    kind = django_filters.ChoiceFilter(choices=DocumentKind.choices, empty_label="Any kind")
    date_after = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_before = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label="Until", widget=forms.DateInput(attrs={"type": "date"})
    )
    place = django_filters.CharFilter(lookup_expr="iexact", label="Place")
    speaker = LabelColumnChoiceFilter(
        label_column="name",
        queryset=Speaker.objects.all(),
        method="filter_speaker",
        label="Speaker",
        empty_label="Any speaker",
    )
    unverified_claims = django_filters.BooleanFilter(
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
    ordering = django_filters.OrderingFilter(
        fields=[("date", "date"), ("title", "title"), ("imported_at", "imported")],
        field_labels={"date": "Date", "title": "Title", "imported_at": "Imported"},
        label="Sort by",
    )

    class Meta:
        model = Document
        fields = ["q", "kind", "date_after", "date_before", "place", "speaker", "unverified_claims", "editions"]

    def __init__(self, data=None, *args, **kwargs):
        # Bound even without a query string, so the default (current editions only) applies.
        super().__init__(data if data is not None else {}, *args, **kwargs)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("editions") != "all":  # replaced editions stay readable, but off the list
            queryset = queryset.filter(is_current=True)
        return queryset

    def filter_editions(self, queryset, name, value):
        return queryset  # "all" lifts the default in filter_queryset

    def filter_text(self, queryset, name, value):
        # Each word in the title (a substring) or in some turn. On PostgreSQL a turn word is looked
        # up in the documents' lexemes (migration 0009: every word of a document's turns, indexed),
        # whole words in any form ("payment" finds "payments"); asking the million turns took a
        # second for a common word. Elsewhere a substring of a turn's text, one EXISTS per word.
        postgres = engine_for() == "postgresql"
        for word in value.split():
            if postgres:
                pattern = f"%{connection.ops.prep_for_like_query(word)}%"  # as title__icontains has it
                queryset = queryset.filter(pk__in=RawSQL(DOCUMENTS_WITH_WORD, [pattern, SEARCH_CONFIG, word]))
            else:
                in_turns = Exists(Turn.objects.filter(document=OuterRef("pk"), text__icontains=word))
                queryset = queryset.filter(Q(title__icontains=word) | in_turns)
        return queryset

    def filter_unverified_claims(self, queryset, name, value):
        open_claims = Claim.objects.open().filter(annotation__turn__document=OuterRef("pk"))
        return queryset.filter(Exists(open_claims)) if value else queryset.exclude(Exists(open_claims))

    def filter_speaker(self, queryset, name, value):
        return queryset.filter(Exists(Turn.objects.filter(document=OuterRef("pk"), speaker=value)))
