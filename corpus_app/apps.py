from dataclasses import dataclass

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


@dataclass(frozen=True)
class DocumentFormat:
    """A format another app adds to the documents export (``corpus_app.exports``): ``lines`` is the
    dotted path of a function that turns the filtered documents into the lines to stream, imported
    when the format is first asked for, so that no app's export code loads with every command."""

    lines: str
    name: str
    extension: str = "jsonl"
    content_type: str = "application/x-ndjson"


def corpus_changed(sender, using, **kwargs):
    from desk.cache import CORPUS, bump

    bump(CORPUS, using=using)


class CorpusAppConfig(AppConfig):
    name = "corpus_app"
    verbose_name = "Corpus"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.document_formats: dict[str, DocumentFormat] = {}

    def add_document_format(self, fmt: str, **format_fields):
        """Offer ``?format=fmt`` on the documents export; called from another app's ``ready()``."""
        self.document_formats[fmt] = DocumentFormat(**format_fields)

    def ready(self):
        # Whatever saves or deletes through the ORM (the admin, services, fixtures) renews the
        # results kept for the corpus (desk.cache); the importer's COPY bumps it itself.
        for name in ("Document", "DocumentFile", "Turn", "Speaker", "SpeakerAlias"):
            model = self.get_model(name)
            post_save.connect(corpus_changed, sender=model, dispatch_uid=f"corpus-changed-save-{name}")
            post_delete.connect(corpus_changed, sender=model, dispatch_uid=f"corpus-changed-delete-{name}")
