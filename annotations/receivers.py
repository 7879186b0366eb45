"""What the annotations do when the corpus changes (connected in ``AnnotationsConfig.ready``)."""

from django.dispatch import receiver

from annotations.services import annotations_reanchor
from corpus_app.signals import edition_replaced


@receiver(edition_replaced, dispatch_uid="annotations_reanchor_on_new_edition")
def reanchor_on_new_edition(sender, *, old_document, new_document, **kwargs):
    """Move the old edition's annotations onto the new one; the report goes back to the importer."""
    return annotations_reanchor(old_document=old_document, new_document=new_document)
