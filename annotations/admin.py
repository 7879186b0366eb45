from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils.html import format_html

from annotations.exceptions import AnnotationError, VersionConflict
from annotations.models import Annotation, Claim, ClaimStatus, Target, Topic
from annotations.permissions import can_review_claims
from annotations.services import claim_set_evidence, claim_set_status, clean_evidence
from corpus_app.admin import ChosenDocumentFilter, DeskHistoryAdmin, TurnListMixin
from desk.text import truncate_chars


class AnnotationDocumentFilter(ChosenDocumentFilter):
    document_path = "turn__document"


class TopicListFilter(admin.RelatedFieldListFilter):
    """Every topic by its path, whatever its depth, in one query."""

    def field_choices(self, field, request, model_admin):
        return sorted(Topic.objects.paths().items(), key=lambda choice: choice[1].casefold())


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["indented_name", "slug", "parent", "annotation_count"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]

    class Media:
        css = {"all": ["desk/admin.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent__parent").annotate(n=Count("annotations"))

    def get_ordering(self, request):
        return ["parent__parent__name", "parent__name", "name"]

    @admin.display(description="topic", ordering="name")
    def indented_name(self, topic):
        depth, node = 0, topic.parent
        while node is not None and depth < 5:
            depth, node = depth + 1, node.parent
        return format_html('<span class="topic-depth-{}">{}{}</span>', depth, "› " if depth else "", topic.name)

    @admin.display(description="annotations", ordering="n")
    def annotation_count(self, topic):
        return topic.n


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


class VersionCheckedForm(forms.ModelForm):
    """Refuses to save over a change someone else made after this form was opened.

    The admin wraps the whole change view in one transaction, so the row locked here stays
    locked until ``save_model`` has written it: no one can slip a change in between.
    """

    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["opened_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        opened = cleaned.get("opened_version")
        if opened is None:
            raise forms.ValidationError(
                "This form does not say which version you opened; reload the page and make your change again."
            )
        locked = type(self.instance).objects.select_for_update().filter(pk=self.instance.pk)
        stored = locked.values_list("version", flat=True).first()
        if stored != opened:
            raise forms.ValidationError(
                "Someone else changed this record since you opened it (version %(stored)s, you opened "
                "%(opened)s). Reload the page to see their change; your edits were not saved.",
                params={"stored": stored, "opened": opened},
            )
        return cleaned


@admin.display(description="evidence")
def evidence_links(claim):
    return render_to_string("admin/annotations/evidence_links.html", {"links": claim.evidence or []})


class ClaimInline(admin.StackedInline):
    model = Claim
    extra = 0
    can_delete = False
    fields = ["status", "rationale", evidence_links, "reviewer", "reviewed_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ClaimStatusFilter(admin.SimpleListFilter):
    title = "claim status"
    parameter_name = "claim_status"

    def lookups(self, request, model_admin):
        return [("none", "Not a claim"), *ClaimStatus.choices]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(claim__isnull=True)
        if self.value():
            return queryset.filter(claim__status=self.value())
        return queryset


@admin.register(Annotation)
class AnnotationAdmin(TurnListMixin, DeskHistoryAdmin):
    turn_path = "turn"
    form = VersionCheckedForm
    list_display = [
        "quote_excerpt",
        "speaker",
        "document",
        "polarity",
        "target",
        "claim_status",
        "author",
        "created_at",
    ]
    # Filters from the small tables (topics, targets, users), never a scan of every annotation;
    # a document is chosen by a link from its admin page, not from a list of the whole corpus.
    list_filter = [
        ("topics", TopicListFilter),
        "polarity",
        "target",
        ClaimStatusFilter,
        "author",
        AnnotationDocumentFilter,
    ]
    list_select_related = ["turn__document", "turn__speaker", "target", "author", "claim"]
    show_full_result_count = False
    search_fields = ["quote", "note", "turn__document__title", "turn__speaker__name"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["topics", "target"]
    readonly_fields = [
        "passage",
        "turn",
        "start",
        "end",
        "quote",
        "prefix",
        "suffix",
        "author",
        "version",
        "created_at",
    ]
    fields = [
        "passage",
        ("turn", "start", "end"),
        "topics",
        ("polarity", "target"),
        "note",
        ("author", "version", "created_at"),
        "opened_version",
    ]
    inlines = [ClaimInline]

    @admin.display(description="quote")
    def quote_excerpt(self, annotation):
        return truncate_chars(annotation.quote, 90)

    @admin.display(description="speaker", ordering="turn__speaker__name")
    def speaker(self, annotation):
        return annotation.turn.speaker

    @admin.display(description="document", ordering="turn__document__title")
    def document(self, annotation):
        return annotation.turn.document

    @admin.display(description="claim")
    def claim_status(self, annotation):
        claim = getattr(annotation, "claim", None)
        return claim.get_status_display() if claim else "—"

    @admin.display(description="passage in its turn")
    def passage(self, annotation):
        text = annotation.turn.text
        return format_html(
            "<div class='admin-passage'><strong>{}</strong> (turn {} of “{}”)<br>{}<mark>{}</mark>{}</div>",
            annotation.turn.speaker or annotation.turn.get_kind_display(),
            annotation.turn.position,
            annotation.turn.document,
            text[max(0, annotation.start - 200) : annotation.start],
            annotation.quote,
            text[annotation.end : annotation.end + 200],
        )

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            if change:
                obj.version += 1
            obj._history_user = request.user
            super().save_model(request, obj, form, change)

    def has_add_permission(self, request):
        return False  # passages are chosen in the reading view, where the offsets are exact


class ClaimForm(VersionCheckedForm):
    """The claim's evidence as one link per line; the rest of a verdict is given in the review queue."""

    evidence = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One http(s) link per line. Linked copies of this claim get the same links.",
    )

    class Meta:
        model = Claim
        fields = ["evidence", "group"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_evidence = list(self.instance.evidence or [])
        self.initial["evidence"] = "\n".join(self.stored_evidence)

    def clean_evidence(self):
        try:
            return clean_evidence(self.cleaned_data["evidence"])
        except AnnotationError as error:
            raise forms.ValidationError(error.message) from None


@admin.register(Claim)
class ClaimAdmin(DeskHistoryAdmin):
    form = ClaimForm
    list_display = ["__str__", "quote_excerpt", "status", "reviewer", "reviewed_at", "created_at"]
    list_filter = ["status", ("reviewer", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["annotation", "reviewer"]
    search_fields = ["annotation__quote", "rationale"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    raw_id_fields = ["group"]
    # Newest first by id, the order they were created in: the primary key's index serves it, without
    # sorting every claim for each page as the model's order (created_at, id) would.
    ordering = ["-pk"]
    readonly_fields = ["annotation", "status", "rationale", evidence_links, "reviewer", "reviewed_at", "version"]
    actions = ["move_to_review", "move_to_unverified"]

    def get_fields(self, request, obj=None):
        evidence = ["evidence"] if can_review_claims(request.user) else []
        return [*self.readonly_fields, *evidence, "group", "opened_version"]

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = ClaimForm if can_review_claims(request.user) else VersionCheckedForm
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        if isinstance(form, ClaimForm) and obj.evidence != form.stored_evidence:
            # Through the service, so that the claim's linked copies get the same links.
            claim_set_evidence(user=request.user, claim_id=obj.pk, evidence=obj.evidence)
            obj.refresh_from_db(fields=["evidence", "version"])
        if "group" in form.changed_data:
            obj.version += 1
            obj._history_user = request.user
            super().save_model(request, obj, form, change)

    @admin.display(description="quote")
    def quote_excerpt(self, claim):
        return truncate_chars(claim.annotation.quote, 90)

    def has_add_permission(self, request):
        return False

    def _move(self, request, queryset, status):
        if not can_review_claims(request.user):
            self.message_user(request, "Only reviewers move claims.", messages.ERROR)
            return
        moved = 0
        for claim in queryset:
            if not claim.is_open:
                continue  # a verdict is changed in the review queue, with a rationale
            try:
                claim_set_status(user=request.user, claim_id=claim.pk, status=status, version=claim.version)
                moved += 1
            except (AnnotationError, VersionConflict) as error:
                self.message_user(request, f"Claim {claim.pk}: {error}", messages.WARNING)
        self.message_user(request, f"{moved} claim(s) now “{ClaimStatus(status).label}”.", messages.SUCCESS)

    @admin.action(description="Move selected open claims to “In review”")
    def move_to_review(self, request, queryset):
        self._move(request, queryset, ClaimStatus.IN_REVIEW)

    @admin.action(description="Move selected open claims back to “Unverified”")
    def move_to_unverified(self, request, queryset):
        self._move(request, queryset, ClaimStatus.UNVERIFIED)
