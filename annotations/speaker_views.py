"""A speaker's page, with what was annotated in their turns, and the speaker merge page: an editor
merges a duplicate speaker into the one that stays (``annotations.turn_edits.speaker_merge``; the
JSON API has the same at /api/speakers/<id>/merge/)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import DetailView

from annotations import turn_edits
from annotations.models import Annotation, Polarity
from corpus_app.models import Speaker
from desk.cache import ANNOTATIONS, CORPUS, cached
from desk.pagination import CappedPaginator


class SpeakerMergeForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=Speaker.objects.none(),
        label="Merge into",
        empty_label="Choose the speaker that stays…",
        help_text="The speaker that stays: it gets this speaker's turns, aliases and name (as an alias).",
    )
    confirm = forms.BooleanField(
        label="I checked that both are the same speaker",
        help_text="This speaker is deleted; its turns and their annotations move to the other one.",
    )

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = Speaker.objects.exclude(pk=source.pk).order_by("name")


@login_required
def speaker_merge(request, pk):
    source = get_object_or_404(Speaker, pk=pk)
    if not turn_edits.can_edit_turns(request.user):
        raise PermissionDenied("Only editors can merge speakers.")
    form = SpeakerMergeForm(request.POST or None, source=source)
    if request.method == "POST" and form.is_valid():
        try:
            merged = turn_edits.speaker_merge(source=source, target=form.cleaned_data["into"], user=request.user)
        except turn_edits.TurnEditError as refusal:
            form.add_error("into", refusal.message)
        else:
            messages.success(
                request,
                f"“{merged.source_name}” was merged into “{merged.target.name}”: "
                f"{merged.turns_moved} turn{'s' if merged.turns_moved != 1 else ''} moved, "
                f"and “{merged.source_name}” is now one of its aliases.",
            )
            return redirect(merged.target)
    counts = Speaker.objects.filter(pk=source.pk).aggregate(
        turns=Count("turns", distinct=True), aliases=Count("aliases", distinct=True)
    )
    return render(request, "annotations/speaker_merge.html", {"speaker": source, "form": form, **counts})


def speaker_profile(speaker):
    """The speaker page's figures: annotation count, topics and stance profile.

    They aggregate every annotation of the speaker's turns (seconds for a minister heard in a
    third of a large corpus), so they are kept until annotations or the corpus change: a change
    shows on the next view.
    """
    return cached(f"speaker-profile:{speaker.pk}", lambda: _speaker_profile(speaker), kinds=(ANNOTATIONS, CORPUS))


def _speaker_profile(speaker):
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
    return {
        "topic_counts": topics,
        "stance_profile": [
            {**entry, "counts": [entry.get(value, 0) for value in Polarity.values]}
            for entry in sorted(stance_rows.values(), key=lambda e: -e["total"])
        ],
        "annotation_count": annotations.count(),
    }


class SpeakerDetailView(LoginRequiredMixin, DetailView):
    model = Speaker
    template_name = "annotations/speaker_detail.html"
    turns_per_page = 25

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        speaker = self.object
        turns = (
            speaker.turns.readable()
            .select_related("document")
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
