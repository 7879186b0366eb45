from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django_filters.views import FilterView

from corpus_app.filters import DocumentFilter, SpeakerFilter
from corpus_app.models import Document, DocumentFile, SourceFormat, Speaker, Turn
from desk.cache import ANNOTATIONS, CORPUS, cached, generations_key
from desk.pagination import CappedPaginator, query_without_page


class DocumentListView(LoginRequiredMixin, FilterView):
    filterset_class = DocumentFilter
    # Turn counts are added for the page only (below): counting the turns of every document
    # to sort and page them would read the whole turn table on each view.
    # raw_text is the whole imported file: the listing never shows it.
    queryset = Document.objects.defer("raw_text").order_by("-date", "title", "pk")
    paginate_by = 50
    template_name = "corpus_app/document_list.html"

    def get_paginator(self, queryset, per_page, **kwargs):
        return CappedPaginator.for_request(
            self.request,
            queryset,
            per_page,
            count_version=self.count_version(),
            unfiltered=self.get_queryset(),
            # The first pages of a text filter with common words: see DocumentFilter._walked_first_rows.
            first_rows=self.filterset.first_rows,
            **kwargs,
        )

    def count_version(self):
        """Filtered counts are kept until the data they count changes (the claims filter follows the
        annotations too); the unfiltered count, cheaper than a lookup, is not kept."""
        filterset = self.filterset
        if not filterset.narrows():
            return None
        if filterset.form.cleaned_data.get("unverified_claims") is not None:
            return generations_key(CORPUS, ANNOTATIONS)
        return generations_key(CORPUS)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        documents = context["object_list"]
        counts = dict(
            Turn.objects.readable()
            .filter(document__in=[d.pk for d in documents])
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


def speaker_counts():
    """``{speaker id: (turns, documents)}`` over the whole corpus, kept until the corpus changes.

    Counting them is a GROUP BY over every turn (more than a second on a million turns).
    """

    def count():
        rows = (
            Turn.objects.readable()
            .filter(speaker__isnull=False)
            .values_list("speaker")
            .annotate(turns=Count("pk"), documents=Count("document", distinct=True))
            .order_by()
        )
        return {speaker_id: (turns, documents) for speaker_id, turns, documents in rows}

    return cached("speaker-counts", count, kinds=(CORPUS,))


class SpeakerListView(LoginRequiredMixin, FilterView):
    """Speakers, the most heard first (a few hundred rows: sorted here, from cached counts)."""

    filterset_class = SpeakerFilter
    queryset = Speaker.objects.order_by()
    template_name = "corpus_app/speaker_list.html"
    paginate_by = 100

    def paginate_queryset(self, queryset, page_size):
        counts = speaker_counts()
        speakers = list(queryset)
        for speaker in speakers:
            speaker.turn_count, speaker.document_count = counts.get(speaker.pk, (0, 0))
        speakers.sort(key=lambda speaker: (-speaker.turn_count, speaker.name))
        return super().paginate_queryset(speakers, page_size)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["query_without_page"] = query_without_page(self.request)
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
