from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


def annotations_changed(sender, using, **kwargs):
    from desk.cache import ANNOTATIONS, bump

    bump(ANNOTATIONS, using=using)


class AnnotationsConfig(AppConfig):
    name = "annotations"

    def ready(self):
        from annotations import receivers  # noqa: F401  (connects them)
        from annotations.exports import desk_export_lines
        from corpus_app.exports import JSONL_TYPE, DocumentFormat, add_document_format

        # Whole documents with their annotations, on the corpus app's documents export.
        desk = DocumentFormat(
            lines=desk_export_lines, content_type=JSONL_TYPE, name="documents-desk", extension="jsonl"
        )
        add_document_format("desk", desk)

        # Whatever saves or deletes through the ORM (the services, the admin, fixtures) renews the
        # results kept for the annotations (desk.cache).
        for name in ("Topic", "Target", "Annotation", "ClaimGroup", "Claim"):
            model = self.get_model(name)
            post_save.connect(annotations_changed, sender=model, dispatch_uid=f"annotations-changed-save-{name}")
            post_delete.connect(annotations_changed, sender=model, dispatch_uid=f"annotations-changed-delete-{name}")
        tags = self.get_model("Annotation").topics.through
        m2m_changed.connect(annotations_changed, sender=tags, dispatch_uid="annotations-changed-topics")
