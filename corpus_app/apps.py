from django.apps import AppConfig


class CorpusAppConfig(AppConfig):
    name = "corpus_app"
    verbose_name = "Corpus"
