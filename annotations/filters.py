import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue

from annotations.models import AnchorStatus, Annotation, Claim, ClaimStatus, Polarity, Target, Topic
from corpus_app.filters import SpeakerChoiceFilter
from corpus_app.models import Document, TurnKind
from desk.choices import LabelColumnChoiceFilter
from desk.forms import DatePickerFilter, NewestFirstOrderingFilter, TextCheckedFilterSet
from desk.text import nfc


def _id_widget():
    # An id, not a <select>: a list of every document costs more than the page itself at 20,000 documents.
    # The reading view and the documents list link here with ?document=<id>.
    return forms.NumberInput(attrs={"min": 1, "placeholder": "Any"})


class NormalizedCharFilter(django_filters.CharFilter):
    """Text compared in NFC, as the turns are stored: “e” + U+0301 finds “é”."""

    def filter(self, qs, value):
        return super().filter(qs, nfc(value) if value else value)


class TopicPathChoiceIterator(ModelChoiceIterator):
    """Every topic as its full path (“Sanctions & economy › Payments”), sorted by path: one query."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        paths = Topic.objects.paths()
        for pk, path in sorted(paths.items(), key=lambda item: item[1].casefold()):
            yield (ModelChoiceIteratorValue(pk, None), path)


class TopicPathChoiceField(django_filters.fields.ModelChoiceField):
    iterator = TopicPathChoiceIterator


class TopicTreeFilter(django_filters.ModelChoiceFilter):
    """A topic includes its subtopics: “Sanctions & economy” also finds “Payments”."""

    field_class = TopicPathChoiceField

    def __init__(self, *args, field_name, **kwargs):
        kwargs.setdefault("queryset", Topic.objects.all())
        super().__init__(*args, field_name=field_name, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        # EXISTS rather than a join: no duplicate rows, so no DISTINCT over the whole listing,
        # and PostgreSQL can walk the listing's order index and stop at a page.
        annotation_ref = "pk" if self.field_name == "topics" else self.field_name.removesuffix("__topics") + "_id"
        tagged = Annotation.topics.through.objects.filter(
            annotation_id=OuterRef(annotation_ref), topic_id__in=Topic.subtree_ids([value.pk])
        )
        return qs.filter(Exists(tagged))


class AnnotationFilter(TextCheckedFilterSet):
    q = NormalizedCharFilter(field_name="quote", lookup_expr="icontains", label="Text in the quote")
    topic = TopicTreeFilter(field_name="topics", label="Topic", empty_label="Any topic")
    polarity = django_filters.ChoiceFilter(choices=Polarity.choices, label="Stance", empty_label="Any stance")
    target = LabelColumnChoiceFilter(queryset=Target.objects.all(), label_column="name", empty_label="Any target")
    speaker = SpeakerChoiceFilter(field_name="turn__speaker")
    turn_kind = django_filters.ChoiceFilter(
        field_name="turn__kind", choices=TurnKind.choices, label="Turn kind", empty_label="Any kind"
    )
    document = django_filters.ModelChoiceFilter(
        field_name="turn__document", queryset=Document.objects.all(), label="Document id", widget=_id_widget()
    )
    date_after = DatePickerFilter(field_name="turn__document__date", lookup_expr="gte", label="Said from")
    date_before = DatePickerFilter(field_name="turn__document__date", lookup_expr="lte", label="Said until")
    author = LabelColumnChoiceFilter(
        label_column="username",
        queryset=get_user_model()
        .objects.filter(Q(groups__name__in=["Editor", "Reviewer"]) | Q(is_superuser=True))
        .distinct(),
        empty_label="Anyone",
    )
    claim_status = django_filters.ChoiceFilter(
        field_name="claim__status", choices=ClaimStatus.choices, label="Claim status", empty_label="Any"
    )
    anchor_status = django_filters.ChoiceFilter(
        choices=AnchorStatus.choices,
        label="Anchoring",
        empty_label="Any",
        help_text="Orphaned: not found again in a new edition of its document.",
    )
    ordering = NewestFirstOrderingFilter(
        [
            ("created_at", "created", "Created"),
            ("turn__document__date", "date", "Date said"),
            ("quote", "quote", "Quote"),
        ]
    )

    class Meta:
        model = Annotation
        fields = []


class ClaimFilter(TextCheckedFilterSet):
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices, empty_label="Any status")
    speaker = SpeakerChoiceFilter(field_name="annotation__turn__speaker")
    topic = TopicTreeFilter(field_name="annotation__topics", label="Topic", empty_label="Any topic")
    document = django_filters.ModelChoiceFilter(
        field_name="annotation__turn__document",
        queryset=Document.objects.all(),
        label="Document id",
        widget=_id_widget(),
    )
    date_after = DatePickerFilter(field_name="annotation__turn__document__date", lookup_expr="gte", label="Said from")
    date_before = DatePickerFilter(field_name="annotation__turn__document__date", lookup_expr="lte", label="Said until")
    reviewer = LabelColumnChoiceFilter(
        label_column="username",
        queryset=get_user_model().objects.filter(Q(groups__name="Reviewer") | Q(is_superuser=True)).distinct(),
        empty_label="Anyone",
    )

    class Meta:
        model = Claim
        fields = []

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("status"):
            # One status: the queue's rank is the same on every row, so the order is the newest first,
            # which the (status, created) index gives without reading the other statuses' claims.
            queryset = queryset.order_by("-created_at", "-pk")
        return queryset
