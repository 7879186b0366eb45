import pytest
from django import forms

from annotations.filters import AnnotationFilter
from corpus_app.filters import DocumentFilter
from corpus_app.forms import SearchForm
from desk.choices import LabelColumnChoiceField
from tests.factories import make_speaker


@pytest.mark.django_db
def test_label_column_choices_render_like_model_choices():
    for name in ["Sergey Lavrov", "Maria Zakharova", "A <b>bold</b> name"]:
        make_speaker(name)
    from corpus_app.models import Speaker

    quick = LabelColumnChoiceField(Speaker.objects.order_by("name"), label_column="name", empty_label="Any")
    plain = forms.ModelChoiceField(Speaker.objects.order_by("name"), empty_label="Any")
    assert [(str(value), label) for value, label in quick.choices] == [
        (str(value), label) for value, label in plain.choices
    ]
    assert quick.widget.render("speaker", None) == plain.widget.render("speaker", None)


@pytest.mark.django_db
def test_speaker_filters_still_validate_and_filter():
    lavrov = make_speaker("Sergey Lavrov")
    search = SearchForm({"q": "x", "speaker": lavrov.pk})
    assert search.is_valid() and search.cleaned_data["speaker"] == lavrov
    unknown = SearchForm({"q": "x", "speaker": lavrov.pk + 1000})
    assert not unknown.is_valid() and "speaker" in unknown.errors

    documents = DocumentFilter({"speaker": lavrov.pk})
    assert documents.is_valid()
    html = str(AnnotationFilter({"speaker": lavrov.pk}).form["speaker"])
    assert f'<option value="{lavrov.pk}" selected>Sergey Lavrov</option>' in html
    assert not AnnotationFilter({"speaker": "nope"}).is_valid()


def test_truncate_chars_matches_the_template_filter():
    from django.template.defaultfilters import truncatechars

    from desk.text import truncate_chars

    samples = ["", "a", "abcdef", "x" * 200, "Lavrov’s “remarks” — 85 %", "é" * 10, "e\u0301" * 10, "e\u0301x" * 90]
    for text in samples:
        for limit in (-1, 0, 1, 2, 5, 11, 12, 160):
            assert truncate_chars(text, limit) == truncatechars(text, limit), (text, limit)
