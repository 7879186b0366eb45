"""Signals the corpus sends, for the apps that build on it (corpus_app imports none of them)."""

import django.dispatch

#: Sent after rows were written in batches around the ORM (``corpus_app.synthetic``): whoever keeps
#: figures of the data makes them again. Arguments: ``connection``.
corpus_bulk_loaded = django.dispatch.Signal()
