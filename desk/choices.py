"""Model choices for filter forms, read as (id, label) pairs rather than model instances.

A listing's filter form offers every speaker (a few hundred) and every editor: building a
model instance per ``<option>`` cost more than the rows of the page. These fields read the
primary key and one label column with ``values_list``; validating a submitted value is
Django's own (``queryset.get``), so nothing changes but the rendering cost.
"""

import django_filters
from django import forms
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue


class LabelColumnChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if getattr(self.field, "null_label", None) is not None:  # django-filter's "None" choice
            yield (self.field.null_value, self.field.null_label)
        for pk, label in self.queryset.values_list("pk", self.field.label_column):
            yield (ModelChoiceIteratorValue(pk, None), label)


class LabelColumnMixin:
    iterator = LabelColumnChoiceIterator

    def __init__(self, *args, label_column, **kwargs):
        self.label_column = label_column
        super().__init__(*args, **kwargs)


class LabelColumnChoiceField(LabelColumnMixin, forms.ModelChoiceField):
    """``ModelChoiceField`` whose options show ``label_column`` (what the model's ``__str__`` gives)."""


class LabelColumnFilterField(LabelColumnMixin, django_filters.fields.ModelChoiceField):
    """The same, for django-filter (its field adds the "None" choice)."""


class LabelColumnChoiceFilter(django_filters.ModelChoiceFilter):
    """``ModelChoiceFilter`` with options from ``label_column`` (e.g. ``label_column="name"``)."""

    field_class = LabelColumnFilterField
