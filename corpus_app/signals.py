"""Signals of the corpus, so that apps built on it can act on its changes without the corpus importing them."""

from django.dispatch import Signal

# Sent by the importer inside its transaction when a new edition replaces a document, with
# ``old_document`` and ``new_document``. A receiver that raises rolls the import back; what the
# receivers return (e.g. the annotations' re-anchoring report) is kept in ``ImportResult.reanchoring``.
edition_replaced = Signal()

# Sent after rows were written in batches around the ORM (``annotations.synthetic``): whoever keeps
# figures of the data makes them again. Arguments: ``connection``.
corpus_bulk_loaded = Signal()
