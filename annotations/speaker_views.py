"""The speaker merge page: an editor merges a duplicate speaker into the one that stays
(``annotations.turn_edits.speaker_merge``; the JSON API has the same at /api/speakers/<id>/merge/)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render

from annotations import turn_edits
from corpus_app.models import Speaker


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
