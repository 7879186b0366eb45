"""What every form of the site does with the text it receives."""

import django_filters
from django import forms

from desk.text import TextValidator


def check_text_fields(form):
    """Give each text field of ``form`` the check for lone surrogates and control characters.

    Text areas may hold tabs and line breaks; one-line fields may not. The refusal is a form
    error on the field, like any other. Returns the form.
    """
    for field in form.fields.values():
        if isinstance(field, forms.CharField):
            multiline = isinstance(field.widget, forms.Textarea)
            field.validators.append(TextValidator(multiline=multiline))
    return form


class TextCheckedForm(forms.Form):
    """A form whose text fields are checked (``check_text_fields``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        check_text_fields(self)


class AnyYesNoSelect(forms.NullBooleanSelect):
    """A yes/no filter's choices: "Any" (the filter is off), "Yes", "No"; Django's own says "Unknown"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "Any"), ("true", "Yes"), ("false", "No")]


class YesNoFilter(django_filters.BooleanFilter):
    """A boolean filter offered as "Any" / "Yes" / "No"."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", AnyYesNoSelect)
        super().__init__(*args, **kwargs)


class DatePickerFilter(django_filters.DateFilter):
    """A date filter offered as the browser's date picker."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(*args, **kwargs)


class NewestFirstOrderingFilter(django_filters.OrderingFilter):
    """A listing's "Sort by" choice of (field, URL parameter, label) ``sorts``; left empty, the listing keeps
    its own order, the newest first."""

    def __init__(self, sorts, **kwargs):
        fields = [(field, parameter) for field, parameter, _ in sorts]
        labels = {field: label for field, _, label in sorts}
        super().__init__(fields=fields, field_labels=labels, label="Sort by", empty_label="Newest first", **kwargs)


class TextCheckedFilterSet(django_filters.FilterSet):
    """A filter set whose form's text fields are checked (``check_text_fields``), for the lists and exports."""

    def narrows(self, ignore=("ordering",)):
        """Whether the valid, bound form narrows the listing (sorting does not)."""
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        return any(value not in (None, "", [], ()) for name, value in data.items() if name not in ignore)

    @property
    def form(self):
        if not hasattr(self, "_form"):
            check_text_fields(super().form)  # builds and keeps self._form
        return self._form
