from django import forms

from corpus_app.models import DocumentKind, Speaker
from desk.choices import LabelColumnChoiceField
from desk.forms import TextCheckedForm


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
