"""The corpus in the admin, kept fast on a large corpus (issue 15): list queries never read a
document's raw text or a turn's whole text, no list sorts through a join to the documents, no
list counts the whole table, and a document's change page shows the start of its raw text only."""

from django.contrib import admin, messages
from django.contrib.admin.utils import NestedObjects
from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce, Length, Substr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from corpus_app.import_batches import import_batch_enqueue
from corpus_app.import_views import user_may_import
from corpus_app.models import Document, ImportBatch, ImportBatchStatus, ImportFile, Speaker, SpeakerAlias, Turn

# Columns of a document no admin list or link label needs: the whole file and its warnings.
DOCUMENT_LONG_FIELDS = ("raw_text", "import_warnings")
RAW_TEXT_PREVIEW_CHARS = 4096
TURN_EXCERPT_CHARS = 120
# A document with more turns than this lists them on the turns page, not inline on its own page.
TURN_INLINE_MAX = 50
# What a deletion takes with it is named one by one up to this many; past it, counted.
DELETION_NAMED_MAX = 20


def documents_without_long_fields():
    return Document.objects.defer(*DOCUMENT_LONG_FIELDS)


class TurnListMixin:
    """A list of rows on a turn (``turn_path`` to it; "" for the turns themselves) that reads neither the
    turn's text nor its document's long fields for a row or a link label."""

    turn_path = ""

    def get_queryset(self, request):
        prefix = f"{self.turn_path}__" if self.turn_path else ""
        return (
            super()
            .get_queryset(request)
            .select_related(*self.list_select_related)  # the changelist adds none once there are some
            .defer(f"{prefix}text", *(f"{prefix}document__{field}" for field in DOCUMENT_LONG_FIELDS))
        )


class ChosenDocumentFilter(admin.SimpleListFilter):
    """Narrows a list to one document, chosen by a link (``?document=<id>``) rather than from a
    list of every document in the corpus; shown only while it applies, to clear it."""

    title = "document"
    parameter_name = "document"
    document_path = "document"  # the lookup from the listed model to its document

    def lookups(self, request, model_admin):
        value = self.value()
        if not value or not value.isdigit():
            return []
        title = documents_without_long_fields().filter(pk=value).values_list("title", flat=True).first()
        return [(value, title or f"document {value}")]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(**{f"{self.document_path}__pk": value if value.isdigit() else 0})


class HistoryWithoutDeletedNobody(HistoricalRecordContextHelper):
    """An empty reference (no reviewer, no target) reads "—" in a history, not "Deleted user (pk=None)"."""

    def prepare_delta_change_value(self, change, value):
        if isinstance(value, DeletedObject) and value.pk is None:
            return "—"
        return super().prepare_delta_change_value(change, value)


class DeskHistoryAdmin(SimpleHistoryAdmin):
    class Media:
        css = {"all": ["desk/admin.css"]}  # the project's classes (no inline styles under the CSP)

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryWithoutDeletedNobody(self.model, historical_record)


class SpeakerAliasInline(admin.TabularInline):
    model = SpeakerAlias
    extra = 1


@admin.register(Speaker)
class SpeakerAdmin(DeskHistoryAdmin):
    list_display = ["name", "kind", "role", "affiliation", "alias_list"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__alias", "role", "affiliation"]
    inlines = [SpeakerAliasInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description="aliases")
    def alias_list(self, speaker):
        return ", ".join(alias.alias for alias in speaker.aliases.all())


class TurnInline(admin.StackedInline):
    model = Turn
    extra = 0
    ordering = ["position"]
    fields = [("position", "speaker", "label", "kind"), "text"]
    autocomplete_fields = ["speaker"]
    show_change_link = True


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "date", "place", "turn_count", "warning_count", "source_name"]
    list_filter = ["kind", ("date", admin.DateFieldListFilter), "place"]
    date_hierarchy = "date"
    search_fields = ["title", "place", "publisher", "author", "source_name"]
    show_full_result_count = False
    readonly_fields = [
        "content_hash",
        "imported_at",
        "source_name",
        "warnings_table",
        "raw_text_preview",
        "turns_link",
        "earlier_edition",
        "is_current",
    ]
    fieldsets = [
        (None, {"fields": ["title", "kind", ("date", "place"), ("publisher", "author")]}),
        ("Import", {"fields": ["source_name", "imported_at", "content_hash", "warnings_table"]}),
        ("Editions", {"fields": ["earlier_edition", "is_current"]}),
        # The raw text is the file as imported: shown, never edited (a new edition replaces it).
        ("Raw text", {"fields": ["turns_link", "raw_text_preview"]}),
    ]
    inlines = [TurnInline]

    def get_queryset(self, request):
        turns = Turn.objects.filter(document=OuterRef("pk")).order_by().values("document").annotate(n=Count("*"))
        return (
            super()
            .get_queryset(request)
            .defer("raw_text")
            # A count per listed row (its index), not a GROUP BY of the whole table of turns.
            .annotate(turn_count=Coalesce(Subquery(turns.values("n"), output_field=IntegerField()), 0))
        )

    def get_object(self, request, object_id, from_field=None):
        # The change page's document: its raw text's length and start, not the whole file.
        queryset = self.get_queryset(request).annotate(
            raw_text_length=Length("raw_text"), raw_text_start=Substr("raw_text", 1, RAW_TEXT_PREVIEW_CHARS)
        )
        field = Document._meta.pk if from_field is None else Document._meta.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (Document.DoesNotExist, ValidationError, ValueError):
            return None

    def get_deleted_objects(self, objs, request):
        """What deleting these documents takes with it, as the confirmation page shows it: Django's
        own list names every turn (reading its speaker for each), thousands of lines for one long
        transcript; here the turns are counted, and only the first few objects that block the
        deletion (annotations of its turns) are named."""
        documents = list(objs)
        if not documents:
            return [], {}, set(), []
        collector = NestedObjects(using=router.db_for_write(Document), origin=documents)
        collector.collect(documents)
        model_count = {model._meta.verbose_name_plural: len(rows) for model, rows in collector.model_objs.items()}
        perms_needed = {
            model._meta.verbose_name
            for model in collector.model_objs
            if self.admin_site.is_registered(model)
            and not self.admin_site.get_model_admin(model).has_delete_permission(request)
        }
        to_delete = []
        for document in documents:
            url = reverse("admin:corpus_app_document_change", args=[document.pk])
            to_delete.append(format_html('Document: <a href="{}">{}</a>', url, document))
        taken = [
            f"{count:,} {name}" for name, count in model_count.items() if name != Document._meta.verbose_name_plural
        ]
        if taken:
            to_delete.append(taken)
        protected = [self._deletion_blocker(obj) for obj in list(collector.protected)[:DELETION_NAMED_MAX]]
        if len(collector.protected) > DELETION_NAMED_MAX:
            protected.append(f"… and {len(collector.protected) - DELETION_NAMED_MAX:,} more")
        return to_delete, model_count, perms_needed, protected

    def _deletion_blocker(self, obj):
        opts = obj._meta
        if not self.admin_site.is_registered(type(obj)):
            return f"{opts.verbose_name.capitalize()}: {obj}"
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        return format_html('{}: <a href="{}">{}</a>', opts.verbose_name.capitalize(), url, obj)

    def get_inlines(self, request, obj):
        # A transcript of thousands of turns would make a page of megabytes: those are listed on the turns page.
        if obj is None or obj.turn_count > TURN_INLINE_MAX:
            return []
        return self.inlines

    def has_add_permission(self, request):
        return False  # documents come from import_transcripts, which parses them into turns

    @admin.display(description="turns", ordering="turn_count")
    def turn_count(self, document):
        return document.turn_count

    @admin.display(description="warnings")
    def warning_count(self, document):
        return len(document.import_warnings or [])

    @admin.display(description="turns")
    def turns_link(self, document):
        url = reverse("admin:corpus_app_turn_changelist") + f"?{ChosenDocumentFilter.parameter_name}={document.pk}"
        return format_html(
            '<a href="{}">{} turn(s)</a> · <a href="{}">reading view</a>',
            url,
            document.turn_count,
            document.get_absolute_url(),
        )

    @admin.display(description="earlier edition")
    def earlier_edition(self, document):
        if document.replaces_id is None:
            return "—"
        url = reverse("admin:corpus_app_document_change", args=[document.replaces_id])
        return format_html('<a href="{}">document {}</a>', url, document.replaces_id)

    @admin.display(description="raw text")
    def raw_text_preview(self, document):
        shown = document.raw_text_start
        size = len(shown) if document.raw_text_length is None else document.raw_text_length
        context = {"shown": shown, "size": size, "shown_all": size <= len(shown)}
        return render_to_string("admin/corpus_app/document/raw_text_preview.html", context)

    @admin.display(description="import warnings")
    def warnings_table(self, document):
        warnings = document.import_warnings or []
        if not warnings:
            return "None"
        return render_to_string("admin/corpus_app/document/warnings_table.html", {"warnings": warnings})


@admin.register(Turn)
class TurnAdmin(TurnListMixin, DeskHistoryAdmin):
    list_display = ["__str__", "document_title", "position", "speaker", "label", "kind", "excerpt"]
    list_filter = ["kind", "speaker__kind", ChosenDocumentFilter]
    list_select_related = ["document", "speaker"]
    search_fields = ["text", "label", "speaker__name", "document__title"]
    autocomplete_fields = ["speaker", "document"]
    show_full_result_count = False
    # The document's id, not the document: its ordering (date, title) would sort every turn through a join.
    ordering = ["document__id", "position", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(text_start=Substr("text", 1, TURN_EXCERPT_CHARS + 1))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "document":  # the chosen document's title, not its whole file
            kwargs["queryset"] = documents_without_long_fields()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="document", ordering="document__id")
    def document_title(self, turn):
        return turn.document.title

    @admin.display(description="text")
    def excerpt(self, turn):
        text = turn.text_start
        return text[:TURN_EXCERPT_CHARS] + ("…" if len(text) > TURN_EXCERPT_CHARS else "")


class ImportFileInline(admin.TabularInline):
    """A batch's files and their outcomes; their bytes stay out of the page."""

    model = ImportFile
    fields = ["position", "name", "size", "outcome", "message", "document"]
    readonly_fields = fields
    ordering = ["position"]
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("data", "edits", "document__raw_text", "document__import_warnings")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Import batches (the import page's and ``import_transcripts --background``'s), read only: a batch
    is changed by importing it. A batch whose worker was stopped stays "Importing" with files still
    waiting; the action queues it again, and the worker goes on with those files."""

    list_display = ["__str__", "status", "background", "created_by", "created_at", "finished_at"]
    list_filter = ["status", "background"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in ImportBatch._meta.fields]
    inlines = [ImportFileInline]
    actions = ["queue_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return user_may_import(request.user)

    @admin.action(
        description="Queue the waiting files again (for a batch whose worker stopped)", permissions=["import"]
    )
    def queue_again(self, request, queryset):
        stalled = queryset.filter(status__in=[ImportBatchStatus.QUEUED, ImportBatchStatus.RUNNING])
        for batch in stalled:
            import_batch_enqueue(batch=batch)
        left = queryset.count() - len(stalled)
        self.message_user(request, f"{len(stalled)} batch(es) queued again.")
        if left:
            self.message_user(
                request,
                f"{left} batch(es) left alone: only a queued or importing batch is queued again.",
                messages.WARNING,
            )
