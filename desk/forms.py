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


class TextCheckedFilterSet(django_filters.FilterSet):
    """A filter set whose form's text fields are checked (``check_text_fields``), for the lists and exports."""

    @property
    def form(self):
        if not hasattr(self, "_form"):
            check_text_fields(super().form)  # builds and keeps self._form
        return self._form
