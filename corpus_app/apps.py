from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def corpus_changed(sender, using, **kwargs):
    from desk.cache import CORPUS, bump

    bump(CORPUS, using=using)


class CorpusAppConfig(AppConfig):
    name = "corpus_app"
    verbose_name = "Corpus"

    def ready(self):
        # Whatever saves or deletes through the ORM (the admin, services, fixtures) renews the
        # results kept for the corpus (desk.cache); the importer's COPY bumps it itself.
        for name in ("Document", "DocumentFile", "Turn", "Speaker", "SpeakerAlias"):
            model = self.get_model(name)
            post_save.connect(corpus_changed, sender=model, dispatch_uid=f"corpus-changed-save-{name}")
            post_delete.connect(corpus_changed, sender=model, dispatch_uid=f"corpus-changed-delete-{name}")
