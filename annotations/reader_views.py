"""The reading view of a document (``/documents/<id>/``), where editors annotate, and its
no-JavaScript form. What the page shows is read in ``annotations.reading``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.generic import DetailView

from annotations import services
from annotations.reading import annotate_form_for, reader_context, reading_page, tagging_choices
from corpus_app.models import Document

TEMPLATE = "annotations/document_detail.html"

# Where an AnnotationError from the services belongs in the no-JavaScript form.
ERROR_FIELDS = {
    "start": "passage",
    "end": "passage",
    "quote": "passage",
    "stance": "target",
    "note": "note",
    "claim": "claim",
}


class DocumentDetailView(LoginRequiredMixin, DetailView):
    """A document's turns with their highlights, the annotations and the tagging panel; a long
    document a page of turns at a time (``?page=N``, or ``?turn=<position>`` / ``?annotation=<id>``
    for the page that holds it: reader.js follows a link to ``#turn-…`` or ``#annotation-…`` there);
    for an editor, the turn tools, and ``?noise=1`` shows the turns marked as page noise."""

    model = Document
    template_name = TEMPLATE

    def get_queryset(self):
        return super().get_queryset().defer("raw_text")  # the page shows the turns, not the file

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET
        page = reading_page(
            self.object, page=query.get("page"), turn=query.get("turn"), annotation=query.get("annotation")
        )
        context.update(reader_context(self.object, self.request.user, page=page, show_noise=query.get("noise") == "1"))
        return context


@login_required
@require_POST
def annotate_form(request, pk):
    """The no-JavaScript form: find the pasted passage in the chosen turn and annotate it."""
    document = get_object_or_404(Document.objects.defer("raw_text"), pk=pk)
    if not services.can_edit_annotations(request.user):
        raise PermissionDenied("Your role cannot annotate.")
    turns = list(document.turns.for_reading())
    topic_pairs, _, targets = tagging_choices()
    form = annotate_form_for(turns, topic_pairs, targets, data=request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            annotation = services.annotation_create(
                user=request.user,
                turn=data["turn_obj"],
                start=data["start"],
                end=data["end"],
                quote=data["passage"],
                topics=data["topic_objs"],
                polarity=data.get("polarity") or "",
                target=data["target_obj"] if data.get("polarity") else None,
                claim=bool(data.get("claim")),
                note=data.get("note") or "",
            )
        except services.AnnotationError as error:
            form.add_error(ERROR_FIELDS.get(error.field), error.message)
        else:
            message = "Annotation saved."
            if form.occurrences > 1:
                message += (
                    f" The passage occurs {form.occurrences} times in this turn; the first occurrence was annotated."
                )
            messages.success(request, message)
            page = reading_page(document, annotation=annotation.pk)
            query = f"?page={page.number}" if page is not None and page.number > 1 else ""
            return redirect(f"{document.get_absolute_url()}{query}#annotation-{annotation.pk}")
    messages.error(request, "The annotation was not saved: see “Annotate without JavaScript” below.")
    turn = form.cleaned_data.get("turn_obj") if hasattr(form, "cleaned_data") else None
    page = reading_page(document, page=None if turn else request.GET.get("page"), turn=turn.position if turn else None)
    return render(request, TEMPLATE, reader_context(document, request.user, annotate_form=form, page=page))
