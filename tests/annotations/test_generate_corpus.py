import io

import pytest
from django.core.management import CommandError, call_command

from annotations.models import Annotation, Claim, ClaimStatus, Topic
from annotations.seed import TOPICS
from corpus_app import synthetic
from corpus_app.models import Document, Turn
from tests.factories import make_document

NOW = "2025-06-30T12:00:00+00:00"


def generate(**options):
    out = io.StringIO()
    call_command("generate_corpus", "--documents=20", "--seed=7", f"--now={NOW}", stdout=out, **options)
    return out.getvalue()


def snapshot():
    documents = list(Document.objects.order_by("source_name").values_list("title", "date", "place", "raw_text"))
    turns = list(
        Turn.objects.order_by("document__source_name", "position").values_list("speaker__name", "kind", "text")
    )
    annotations = list(
        Annotation.objects.order_by("uuid").values_list(
            "uuid", "turn__document__source_name", "turn__position", "start", "end", "polarity", "target__slug"
        )
    )
    claims = list(Claim.objects.order_by("annotation__uuid").values_list("annotation__uuid", "status"))
    return documents, turns, annotations, claims


@pytest.mark.django_db
def test_generates_a_marked_corpus_whose_counts_it_reports():
    output = generate()

    documents = Document.objects.all()
    assert documents.count() == 20
    assert set(documents.values_list("publisher", flat=True)) == {synthetic.SYNTHETIC_PUBLISHER}
    turns, annotations, claims = Turn.objects.count(), Annotation.objects.count(), Claim.objects.count()
    assert 20 * 20 <= turns <= 20 * 120  # about 50 per document
    assert 20 * 5 <= annotations <= 20 * 25  # about 12.5 per document
    assert 0 < claims < annotations
    assert f"Generated 20 documents, {turns} turns, {annotations} annotations, {claims} claims" in output
    assert Topic.objects.filter(slug__in=[topic["slug"] for topic in TOPICS]).count() == len(TOPICS)
    authors = Annotation.objects.values_list("author__groups__name", flat=True).distinct()
    assert set(authors) == {"Editor"}
    assert Claim.objects.exclude(status__in=ClaimStatus.open_values()).filter(reviewer__isnull=True).count() == 0
    lengths = [len(text) for text in Turn.objects.values_list("text", flat=True)]
    assert 350 <= sum(lengths) / len(lengths) <= 900  # realistic turn lengths, about 600 characters


@pytest.mark.django_db
def test_every_quote_is_the_turn_text_at_its_offsets():
    generate()
    for annotation in Annotation.objects.select_related("turn"):
        text = annotation.turn.text
        assert text[annotation.start : annotation.end] == annotation.quote
        assert annotation.quote.strip()
        assert text[: annotation.start].endswith(annotation.prefix)
        assert text[annotation.end :].startswith(annotation.suffix)


@pytest.mark.django_db
def test_same_seed_same_data():
    generate()
    first = snapshot()
    generate(replace=True)
    assert snapshot() == first
    call_command("generate_corpus", "--documents=20", "--seed=8", f"--now={NOW}", replace=True, stdout=io.StringIO())
    assert snapshot() != first


@pytest.mark.django_db
def test_refuses_a_database_with_real_documents():
    make_document(title="A real press conference")
    with pytest.raises(CommandError, match="real"):
        generate()
    assert not Document.objects.filter(publisher=synthetic.SYNTHETIC_PUBLISHER).exists()

    generate(allow_real_data=True)
    assert Document.objects.filter(publisher=synthetic.SYNTHETIC_PUBLISHER).count() == 20


@pytest.mark.django_db
def test_refuses_to_generate_twice_without_replace():
    generate()
    with pytest.raises(CommandError, match="--replace"):
        generate()


@pytest.mark.django_db
def test_the_dashboards_kept_counts_are_one_row_each_after_generating():
    from django.db import connection

    from dashboard.counts import TableCounts, counts
    from dashboard.models import DashboardTally

    generate()
    generate(replace=True)  # the generated rows deleted, then written again
    shown, counted = counts(), TableCounts()
    assert (shown.documents(), shown.turns(), shown.annotations(), shown.claims()) == (
        20,
        counted.turns(),
        counted.annotations(),
        counted.claims(),
    )
    rows = DashboardTally.objects.values_list("kind", "key")
    if connection.vendor == "postgresql":
        assert rows.count() == rows.distinct().count() > 0
    else:
        assert not rows.exists()  # counted from the tables there
