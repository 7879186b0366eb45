"""The annotations app's forms.

``AnnotateForm``: the reading view's form for annotating without JavaScript. The person picks a
turn and pastes the passage; the form finds the passage in the turn's text (exact match, first
occurrence) and hands offsets to ``services.annotation_create`` like the JSON API does. Choices
are built from lists the view already loaded, so rendering the form costs no queries.

``ClaimReviewForm``: a reviewer's verdict on a claim, in the claim queue.
"""

from django import forms

from annotations.models import ClaimStatus, Polarity
from annotations.services import MAX_NOTE_CHARS
from desk.forms import TextCheckedForm
from desk.text import nfc

TURN_PREVIEW_WORDS = 8


def turn_choice_label(turn):
    """``#3 Lavrov: the first eight words…`` (what ``Truncator.words(8, truncate="…")`` gives)."""
    who = turn.speaker.name if turn.speaker_id else turn.get_kind_display()
    words = turn.text.split()
    preview = " ".join(words[:TURN_PREVIEW_WORDS])
    if len(words) > TURN_PREVIEW_WORDS and not preview.endswith("…"):
        preview += "…"
    return f"#{turn.position + 1} {who}: {preview}"


class LongSelectMixin:
    """A ``<select>`` of many options (a long document's turns): Django's markup, its options listed
    in one loop of the widget's own template rather than each included in its own group (several
    times faster). No option groups."""

    template_name = "annotations/widgets/select.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["options"] = [option for _, group, _ in context["widget"]["optgroups"] for option in group]
        return context


class LongSelect(LongSelectMixin, forms.Select):
    pass


class LongSelectMultiple(LongSelectMixin, forms.SelectMultiple):
    pass


class AnnotateForm(TextCheckedForm):
    turn = forms.TypedChoiceField(coerce=int, label="Turn", help_text="Where the passage is.", widget=LongSelect)
    passage = forms.CharField(
        label="Passage",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Copy the words from the turn exactly, punctuation included.",
    )
    topics = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Topics",
        widget=LongSelectMultiple(attrs={"size": 6}),
        help_text="Hold Ctrl (⌘ on a Mac) to choose several.",
    )
    polarity = forms.ChoiceField(
        choices=[("", "No stance"), *Polarity.choices], required=False, label="Stance (polarity)"
    )
    target = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Stance target")
    claim = forms.BooleanField(required=False, label="Flag as a claim to check")
    note = forms.CharField(
        required=False, max_length=MAX_NOTE_CHARS, label="Note", widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, turns, topics, targets, **kwargs):
        """``turns``: the document's turns; ``topics``: (topic, path) pairs; ``targets``: Target rows."""
        kwargs.setdefault("auto_id", "nojs-%s")
        super().__init__(*args, **kwargs)
        self._turns = {turn.pk: turn for turn in turns}
        self._topics = {topic.pk: topic for topic, _ in topics}
        self._targets = {target.pk: target for target in targets}
        self.fields["turn"].choices = [("", "Choose a turn…")] + [(t.pk, turn_choice_label(t)) for t in turns]
        self.fields["topics"].choices = [(topic.pk, path) for topic, path in topics]
        self.fields["target"].choices = [("", "No target")] + [(t.pk, t.name) for t in targets]
        self.occurrences = 0

    def clean_passage(self):
        # Browsers send a textarea's line breaks as CRLF; the turn text uses LF.
        # NFC: a passage pasted with decomposed accents (e + U+0301) is found in the (NFC) turn text.
        passage = nfc(self.cleaned_data["passage"].replace("\r\n", "\n")).strip()
        if not passage:
            raise forms.ValidationError("Paste the passage you want to annotate.")
        return passage

    def clean(self):
        data = super().clean()
        turn = self._turns.get(data.get("turn"))
        if "turn" in data and turn is None:
            self.add_error("turn", "Choose a turn of this document.")
        passage = data.get("passage")
        if turn is not None and passage:
            start = turn.text.find(passage)
            if start < 0:
                self.add_error(
                    "passage",
                    f"This passage is not in turn #{turn.position + 1}. Paste it exactly as it is written there "
                    "(same punctuation and quotation marks), or choose the turn it comes from.",
                )
            else:
                self.occurrences = turn.text.count(passage)
                data["start"], data["end"] = start, start + len(passage)
        data["turn_obj"] = turn
        data["topic_objs"] = [self._topics[pk] for pk in data.get("topics") or [] if pk in self._topics]
        data["target_obj"] = self._targets.get(data.get("target"))
        polarity = data.get("polarity")
        if polarity and data["target_obj"] is None:
            self.add_error("target", "A stance needs a target: choose who or what the speaker takes a stance on.")
        if data["target_obj"] is not None and not polarity:
            self.add_error("polarity", "Choose a polarity for the stance, or no target.")
        if not data["topic_objs"] and not polarity and not data.get("claim") and not self.has_error("target"):
            raise forms.ValidationError("Nothing is tagged: choose a topic, a stance or flag the passage as a claim.")
        return data


class ClaimReviewForm(TextCheckedForm):
    status = forms.ChoiceField(choices=ClaimStatus.choices)
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Why: one or two sentences. Needed for a verdict.",
    )
    evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Links to sources, one per line.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, claim, **kwargs):
        kwargs.setdefault("auto_id", f"claim-{claim.pk}-%s")  # one form per card on the queue page
        if not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "status": claim.status,
                "rationale": claim.rationale,
                "evidence": "\n".join(claim.evidence or []),
                "version": claim.version,
            }
        super().__init__(*args, **kwargs)

    def clean_evidence(self):
        return [line.strip() for line in self.cleaned_data["evidence"].splitlines() if line.strip()]
