import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from annotations.fixture_builder import build_annotation_fixtures
from annotations.models import Annotation, Claim, Topic
from corpus_app.fixture_builder import build_corpus_fixtures
from corpus_app.models import Document, Speaker, Turn

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

pytestmark = pytest.mark.django_db


def _comparable(fixture_text):
    """Parsed fixture objects; many-to-many lists sorted, since databases order them differently."""
    objects = json.loads(fixture_text)
    for obj in objects:
        for field, value in obj["fields"].items():
            if field == "topics" and isinstance(value, list):
                obj["fields"][field] = sorted(value)
    return objects


def test_committed_fixtures_are_what_the_importer_and_seed_produce_now():
    built = build_corpus_fixtures(FIXTURES / "transcripts")
    built.update(build_annotation_fixtures())
    for name, text in built.items():
        committed = (FIXTURES / name).read_text(encoding="utf-8")
        # Compare parsed JSON so a mismatch points at the object that differs.
        assert _comparable(committed) == _comparable(text), f"fixtures/{name} is stale: run `make fixtures`"


def test_fixtures_load_on_an_empty_database():
    call_command("loaddata", "speakers", "corpus", "topics", "targets", "demo_annotations", stdout=StringIO())
    assert Document.objects.count() == 5
    assert Turn.objects.filter(document__source_name__startswith="001_").count() >= 13
    assert Speaker.objects.filter(name="Sergey Lavrov").exists()
    assert Topic.objects.filter(slug="payments", parent__slug="sanctions-economy").exists()
    assert Annotation.objects.count() >= 15
    statuses = set(Claim.objects.values_list("status", flat=True))
    assert {"unverified", "in_review", "accurate", "misleading"} <= statuses
    # Every loaded annotation still quotes its turn exactly.
    for annotation in Annotation.objects.select_related("turn"):
        assert annotation.turn.text[annotation.start : annotation.end] == annotation.quote


def test_loading_the_fixtures_twice_changes_nothing():
    call_command("loaddata", "speakers", "corpus", "topics", "targets", "demo_annotations", stdout=StringIO())
    counts = (Document.objects.count(), Turn.objects.count(), Annotation.objects.count(), Claim.objects.count())
    call_command("loaddata", "speakers", "corpus", "topics", "targets", "demo_annotations", stdout=StringIO())
    assert counts == (Document.objects.count(), Turn.objects.count(), Annotation.objects.count(), Claim.objects.count())


def test_demo_claims_cover_the_figures_an_editor_would_flag():
    call_command("loaddata", "speakers", "corpus", "topics", "targets", "demo_annotations", stdout=StringIO())
    quotes = " ".join(Claim.objects.values_list("annotation__quote", flat=True))
    for figure in ["85 percent", "4.5 percent", "$28 billion", "10 billion euros"]:
        assert figure in quotes
