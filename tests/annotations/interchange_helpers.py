"""Helpers for the import tests: write a file, run ``import_documents``, read the desk back."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from annotations.models import Annotation, Claim, Target, Topic
from corpus_app.models import Document, Speaker


def write_jsonl(path, items):
    path.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items), encoding="utf-8")
    return path


def write_json(path, value):
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def run_import(*args, fails=False, verbosity=1):
    """(stdout, stderr) of ``import_documents``; ``fails``: it must exit non-zero."""
    out, err = io.StringIO(), io.StringIO()
    if fails:
        with pytest.raises(CommandError):
            call_command("import_documents", *map(str, args), stdout=out, stderr=err, verbosity=verbosity)
    else:
        call_command("import_documents", *map(str, args), stdout=out, stderr=err, verbosity=verbosity)
    return out.getvalue(), err.getvalue()


def empty_the_desk():
    """Every document, speaker, annotation, topic and target gone (the accounts stay)."""
    Claim.objects.all().delete()
    Annotation.objects.all().delete()
    Document.objects.all().delete()
    Speaker.objects.all().delete()
    while Topic.objects.exists():
        Topic.objects.filter(children__isnull=True).delete()
    Target.objects.all().delete()


def snapshot():
    """Every field a user sees of the documents, speakers, annotations and claims, keyed by what stays."""
    documents = {}
    for document in Document.objects.prefetch_related("turns__speaker"):
        documents[document.content_hash] = {
            "fields": [
                document.title,
                document.kind,
                document.date,
                document.place,
                document.publisher,
                document.author,
                document.source_name,
                document.source_url,
                document.raw_text,
                document.import_warnings,
            ],
            "turns": [
                (t.position, t.speaker.name if t.speaker else None, t.label, t.kind, t.text, t.source_line, t.is_noise)
                for t in document.turns.all()
            ],
        }
    speakers = {
        speaker.name: (speaker.kind, speaker.role, speaker.affiliation, sorted(a.alias for a in speaker.aliases.all()))
        for speaker in Speaker.objects.prefetch_related("aliases")
    }
    annotations = {}
    for annotation in Annotation.objects.select_related("turn__document", "target", "author").prefetch_related(
        "topics"
    ):
        claim = Claim.objects.filter(annotation=annotation).select_related("reviewer").first()
        annotations[str(annotation.uuid)] = {
            "where": (annotation.turn.document.content_hash, annotation.turn.position),
            "passage": (annotation.start, annotation.end, annotation.quote, annotation.prefix, annotation.suffix),
            "topics": sorted(topic.path for topic in annotation.topics.all()),
            "stance": (annotation.polarity, annotation.target.name if annotation.target else None),
            "target_kind": annotation.target.kind if annotation.target else None,
            "note": annotation.note,
            "author": annotation.author.username,
            "times": (annotation.created_at, annotation.updated_at),
            "version": annotation.version,
            "anchor": (annotation.anchor_status, annotation.anchor_score),
            "claim": None
            if claim is None
            else (
                claim.status,
                claim.rationale,
                claim.evidence,
                claim.reviewer.username if claim.reviewer else None,
                claim.reviewed_at,
                claim.created_at,
                claim.updated_at,
                claim.version,
            ),
        }
    return {"documents": documents, "speakers": speakers, "annotations": annotations}
