import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery
from django.db.models import Exists, OuterRef, Q

from annotations.models import Claim
from corpus_app.models import Document, DocumentKind, Speaker, Turn
from corpus_app.search import SEARCH_CONFIG, StoredSearchVector, engine_for
from desk.choices import LabelColumnChoiceFilter


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
        # EXISTS per word rather than a join: no DISTINCT over the listing. On PostgreSQL the turns
        # are matched through the search index (whole words, any form: "payment" finds
        # "payments"); a substring scan read all the turns' text (seconds on a million turns).
        postgres = engine_for() == "postgresql"
        for word in value.split():
            turns = Turn.objects.filter(document=OuterRef("pk"))
            if postgres:
                query = SearchQuery(word, config=SEARCH_CONFIG, search_type="plain")
                turns = turns.alias(search_vector=StoredSearchVector()).filter(search_vector=query)
            else:
                turns = turns.filter(text__icontains=word)
            queryset = queryset.filter(Q(title__icontains=word) | Exists(turns))
        return queryset

    def filter_unverified_claims(self, queryset, name, value):
        open_claims = Claim.objects.open().filter(annotation__turn__document=OuterRef("pk"))
        return queryset.filter(Exists(open_claims)) if value else queryset.exclude(Exists(open_claims))

    def filter_speaker(self, queryset, name, value):
        return queryset.filter(Exists(Turn.objects.filter(document=OuterRef("pk"), speaker=value)))
