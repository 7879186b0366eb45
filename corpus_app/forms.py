from django import forms
from django.conf import settings

from corpus_app.models import DocumentKind, Speaker, TurnKind
from desk.choices import LabelColumnChoiceField
from desk.forms import TextCheckedForm


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one ``<input type="file" multiple>`` (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        clean_one = super().clean
        files = data if isinstance(data, (list, tuple)) else [data]
        return [cleaned for cleaned in (clean_one(file, initial) for file in files if file) if cleaned]


class ImportUploadForm(forms.Form):
    files = MultipleFileField(
        required=False,
        allow_empty_file=True,  # an empty file is listed with the importer's reason, the others go in
        label="Files",
        help_text="Text, Markdown, HTML, DOCX or PDF; several at once, or a .zip of them (folders in it are fine).",
    )
    pasted_text = forms.CharField(
        required=False,
        label="Or paste a transcript",
        widget=forms.Textarea(attrs={"rows": 8}),
        strip=False,
    )
    pasted_name = forms.CharField(
        required=False,
        max_length=200,
        label="Name for the pasted text",
        help_text="e.g. “briefing-2025-04-11.txt”: a later text pasted under the same name is imported as its new "
        "edition.",
    )
    publisher = forms.CharField(required=False, max_length=200, help_text="Recorded on every document imported.")
    background = forms.BooleanField(
        required=False,
        label="Import in the background, without a preview",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["background"].help_text = (
            f"Always so for more than {settings.IMPORT_PREVIEW_MAX_FILES} files: a worker imports them while "
            "you follow the progress."
        )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("files") and not (cleaned.get("pasted_text") or "").strip():
            raise forms.ValidationError("Choose one or more files, or paste a transcript.", code="empty")
        return cleaned


class PreviewDocumentForm(forms.Form):
    include = forms.BooleanField(required=False, initial=True, label="Import this file")
    title = forms.CharField(max_length=500)
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    place = forms.CharField(max_length=200, required=False)
    kind = forms.ChoiceField(choices=DocumentKind.choices)


class PreviewTurnForm(forms.Form):
    speaker = forms.CharField(
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"list": "speaker-names", "autocomplete": "off"}),
        help_text="A stored speaker's name, or a new one; empty for narration and notes.",
    )
    kind = forms.ChoiceField(choices=TurnKind.choices)


PreviewTurnFormSet = forms.formset_factory(PreviewTurnForm, extra=0)


class SearchForm(TextCheckedForm):
    q = forms.CharField(
        label="Search the turns",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": 'e.g. "national currencies" -dollar'}),
    )
    speaker = LabelColumnChoiceField(
        # A few hundred speakers: (id, name) pairs, and <option>s without a template each.
        queryset=Speaker.objects.order_by("name"),
        label_column="name",
        required=False,
        empty_label="Any speaker",
    )
    kind = forms.ChoiceField(label="Document kind", choices=[("", "Any kind"), *DocumentKind.choices], required=False)
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_until = forms.DateField(label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"}))
