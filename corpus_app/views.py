import re
import secrets

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.views.generic import DetailView, ListView
from django_filters.views import FilterView

from annotations.forms import quicken_widgets
from annotations.views import FilteredCountMixin
from corpus_app.filters import DocumentFilter
from corpus_app.models import Document, DocumentFile, SourceFormat, Speaker, Turn
from desk.cache import ANNOTATIONS, CORPUS, cached
from desk.pagination import CappedPaginator, CursorPaginationMixin, query_without_page


class DocumentListView(LoginRequiredMixin, FilteredCountMixin, CursorPaginationMixin, FilterView):
    filterset_class = DocumentFilter
    # Turn counts are added for the page only (below): counting the turns of every document
    # to sort and page them would read the whole turn table on each view.
    # raw_text is the whole imported file: the listing never shows it.
    queryset = Document.objects.defer("raw_text").order_by("-date", "title", "pk")
    paginate_by = 50
    paginator_class = CappedPaginator
    template_name = "corpus_app/document_list.html"

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        quicken_widgets(filterset.form)  # the filter form's selects without a template per option
        return filterset

    def get_paginator(self, *args, **kwargs):
        # The first pages of a text filter with common words: see DocumentFilter._walked_first_rows.
        return super().get_paginator(*args, first_rows=getattr(self.filterset, "first_rows", None), **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        documents = context["object_list"]
        counts = dict(
            Turn.objects.filter(document__in=[d.pk for d in documents])
            .values_list("document")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for document in documents:
            document.turn_count = counts.get(document.pk, 0)
        context["query_without_page"] = context["export_query"] = query_without_page(self.request)
        context["export_formats"] = [
            ("csv", "CSV"),
            ("jsonl", "JSON Lines"),
            ("desk", "whole documents (import_documents)"),
        ]
        return context


class DocumentDetailView(LoginRequiredMixin, DetailView):
    model = Document
    template_name = "corpus_app/document_detail.html"

    def get_queryset(self):
        return super().get_queryset().defer("raw_text")  # the page shows the turns, not the file

    def get_context_data(self, **kwargs):
        from annotations.reader_views import reader_context, reading_page

        context = super().get_context_data(**kwargs)
        # A long document a page of turns at a time; ?turn=<position> and ?annotation=<id> open
        # the page that holds it (reader.js follows a link to #turn-… or #annotation-… there).
        query = self.request.GET
        page = reading_page(
            self.object, page=query.get("page"), turn=query.get("turn"), annotation=query.get("annotation")
        )
        # Turns with server-rendered highlights, the annotations as JSON, the panel's topics
        # and targets, and what the user may do: a fixed number of queries.
        context.update(reader_context(self.object, self.request.user, page=page))
        document = self.object
        context["current_edition"] = None if document.is_current else document.current_edition()
        context["earlier_editions"] = document.earlier_editions() if document.replaces_id else []
        return context

    # The three large pieces of the page (the highlighted turns, the annotation list and its
    # JSON: megabytes for a long, much-annotated document). The template engine would copy each
    # several times while joining the nested blocks' output; the page is rendered around a
    # marker for each instead, and the pieces are put in place once, as bytes.
    LARGE_PARTS = ("turns_html", "reader_list_html", "annotations_json")

    def render_to_response(self, context, **response_kwargs):
        marker = f"\x00{secrets.token_hex(8)}:"  # NUL: never in an escaped page; random: never guessed
        large = {}
        for name in self.LARGE_PARTS:
            if name in context:
                large[f"{marker}{name}\x00"] = context[name]
                context[name] = mark_safe(f"{marker}{name}\x00")
        page = render_to_string(self.get_template_names(), context, request=self.request)
        chunks = re.split(f"({re.escape(marker)}[a-z_]+\x00)", page)
        return HttpResponse(b"".join(large.get(chunk, chunk).encode() for chunk in chunks), **response_kwargs)


def speaker_counts():
    """``{speaker id: (turns, documents)}`` over the whole corpus, kept until the corpus changes.

    Counting them is a GROUP BY over every turn (more than a second on a million turns).
    """

    def count():
        rows = (
            Turn.objects.filter(speaker__isnull=False)
            .values_list("speaker")
            .annotate(turns=Count("pk"), documents=Count("document", distinct=True))
            .order_by()
        )
        return {speaker_id: (turns, documents) for speaker_id, turns, documents in rows}

    return cached("speaker-counts", count, kinds=(CORPUS,))


class SpeakerListView(LoginRequiredMixin, ListView):
    """Every speaker, the most heard first (a few hundred rows: sorted here, from cached counts)."""

    template_name = "corpus_app/speaker_list.html"
    paginate_by = 100

    def get_queryset(self):
        counts = speaker_counts()
        speakers = list(Speaker.objects.all())
        for speaker in speakers:
            speaker.turn_count, speaker.document_count = counts.get(speaker.pk, (0, 0))
        return sorted(speakers, key=lambda speaker: (-speaker.turn_count, speaker.name))


def speaker_profile(speaker):
    """The speaker page's figures: annotation count, topics and stance profile.

    They aggregate every annotation of the speaker's turns (seconds for a minister heard in a
    third of a large corpus), so they are kept until annotations or the corpus change: a change
    shows on the next view.
    """
    return cached(f"speaker-profile:{speaker.pk}", lambda: _speaker_profile(speaker), kinds=(ANNOTATIONS, CORPUS))


def _speaker_profile(speaker):
    from annotations.models import Annotation, Polarity

    annotations = Annotation.objects.filter(turn__speaker=speaker)
    topics = list(
        annotations.values("topics__pk", "topics__name")
        .exclude(topics__pk=None)
        .annotate(n=Count("pk"))
        .order_by("-n", "topics__name")
    )
    stance_rows = {}
    for row in (
        annotations.exclude(polarity="")
        .values("target__pk", "target__name", "polarity")
        .annotate(n=Count("pk"))
        .order_by("target__name")
    ):
        entry = stance_rows.setdefault(
            row["target__pk"], {"target": row["target__name"], "target_id": row["target__pk"], "total": 0}
        )
        entry[row["polarity"]] = row["n"]
        entry["total"] += row["n"]
    profile = {
        "topic_counts": topics,
        "stance_profile": [
            {**entry, "counts": [entry.get(value, 0) for value in Polarity.values]}
            for entry in sorted(stance_rows.values(), key=lambda e: -e["total"])
        ],
        "annotation_count": annotations.count(),
    }
    return profile


class SpeakerDetailView(LoginRequiredMixin, DetailView):
    model = Speaker
    template_name = "corpus_app/speaker_detail.html"
    turns_per_page = 25

    def get_context_data(self, **kwargs):
        from annotations.models import Polarity

        context = super().get_context_data(**kwargs)
        speaker = self.object
        turns = (
            speaker.turns.select_related("document")
            .defer("document__raw_text", "document__import_warnings")
            .order_by("-document__date", "document_id", "position")
        )
        # A capped count: a minister can have hundreds of thousands of turns.
        page = CappedPaginator(turns, self.turns_per_page).get_page(self.request.GET.get("page"))
        context.update(
            page_obj=page,
            turns=page.object_list,
            is_paginated=page.has_other_pages(),
            paginator=page.paginator,
            query_without_page="",
            polarities=Polarity.choices,
            **speaker_profile(speaker),
        )
        return context


# The content type a browser needs to open each format's file as it was imported.
FILE_CONTENT_TYPES = {
    SourceFormat.TEXT: "text/plain; charset=utf-8",
    SourceFormat.MARKDOWN: "text/markdown; charset=utf-8",
    SourceFormat.HTML: "text/html; charset=utf-8",
    SourceFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    SourceFormat.PDF: "application/pdf",
}


@login_required
def document_file(request, pk):
    """The file a document was imported from, byte for byte, as a download (never shown inline:
    a saved web page must not run in the desk's origin). A document without a stored file was
    UTF-8 text that is its raw text: that text is the file."""
    document = get_object_or_404(Document.objects.only("source_name"), pk=pk)
    stored = DocumentFile.objects.filter(document=document).first()
    if stored is not None:
        data, file_format = bytes(stored.data), stored.format
    else:
        data, file_format = Document.objects.values_list("raw_text", flat=True).get(pk=pk).encode(), SourceFormat.TEXT
    response = HttpResponse(data, content_type=FILE_CONTENT_TYPES.get(file_format, "application/octet-stream"))
    response["Content-Disposition"] = content_disposition_header(True, document.source_name or f"document-{pk}.txt")
    response["X-Content-Type-Options"] = "nosniff"
    return response
