"""Builds fixtures/speakers.json and fixtures/corpus.json from the importer.

The fixtures are never edited by hand: ``make fixtures`` runs ``build_fixtures`` on an
empty database and this module writes what the importer produced. A test rebuilds them
in its own database and compares, so a parser change that alters the corpus shows up.
"""

import datetime
from pathlib import Path

from django.core import serializers

from corpus_app.importing import transcript_import
from corpus_app.known_speakers import seed_known_speakers
from corpus_app.models import Document, Speaker, SpeakerAlias, Turn

# Fixed so that rebuilding the fixtures gives the same bytes when nothing else changed.
FIXTURE_IMPORTED_AT = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def dump_fixture(objects):
    """``objects`` as fixture JSON, with natural keys, so that loading it twice changes nothing."""
    text = serializers.serialize(
        "json", objects, indent=2, use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    return text + "\n"


def build_corpus_fixtures(transcripts_dir: Path) -> dict[str, str]:
    """Import every transcript of the folder and return {file name: fixture JSON}."""
    seed_known_speakers()
    for path in sorted(Path(transcripts_dir).glob("*.txt")):
        transcript_import(path=path)
    Document.objects.update(imported_at=FIXTURE_IMPORTED_AT)
    return {
        "speakers.json": dump_fixture(
            [*Speaker.objects.order_by("name"), *SpeakerAlias.objects.select_related("speaker").order_by("alias")]
        ),
        "corpus.json": dump_fixture(
            [
                *Document.objects.order_by("source_name"),
                *Turn.objects.select_related("document", "speaker").order_by("document__source_name", "position"),
            ]
        ),
    }
