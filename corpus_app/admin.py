from django.contrib import admin
from django.utils.html import format_html, format_html_join

from corpus_app.models import Document, Speaker, SpeakerAlias, Turn


class SpeakerAliasInline(admin.TabularInline):
    model = SpeakerAlias
    extra = 1


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "role", "affiliation", "alias_list"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__alias", "role", "affiliation"]
    inlines = [SpeakerAliasInline]

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
    readonly_fields = ["content_hash", "imported_at", "source_name", "warnings_table"]
    fieldsets = [
        (None, {"fields": ["title", "kind", ("date", "place"), ("publisher", "author")]}),
        ("Import", {"fields": ["source_name", "imported_at", "content_hash", "warnings_table"]}),
        ("Raw text", {"classes": ["collapse"], "fields": ["raw_text"]}),
    ]
    inlines = [TurnInline]

    def get_queryset(self, request):
        return super().get_queryset(request).for_list()

    @admin.display(description="turns", ordering="turn_count")
    def turn_count(self, document):
        return document.turn_count

    @admin.display(description="warnings")
    def warning_count(self, document):
        return len(document.import_warnings or [])

    @admin.display(description="import warnings")
    def warnings_table(self, document):
        warnings = document.import_warnings or []
        if not warnings:
            return "None"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            ((w.get("line"), w.get("code"), w.get("message")) for w in warnings),
        )
        return format_html(
            "<table><thead><tr><th>line</th><th>code</th><th>message</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )


@admin.register(Turn)
class TurnAdmin(admin.ModelAdmin):
    list_display = ["__str__", "document", "position", "speaker", "label", "kind", "excerpt"]
    list_filter = [
        "kind",
        ("speaker", admin.RelatedOnlyFieldListFilter),
        ("document", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["document", "speaker"]
    search_fields = ["text", "label", "speaker__name", "document__title"]
    autocomplete_fields = ["speaker", "document"]
    ordering = ["document", "position"]

    @admin.display(description="text")
    def excerpt(self, turn):
        return turn.text[:120] + ("…" if len(turn.text) > 120 else "")
