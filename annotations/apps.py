from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


def annotations_changed(sender, using, **kwargs):
    from desk.cache import ANNOTATIONS, bump

    bump(ANNOTATIONS, using=using)


class AnnotationsConfig(AppConfig):
    name = "annotations"

    def ready(self):
        from annotations import receivers  # noqa: F401  (connects them)

        # Whole documents with their annotations, on the corpus app's documents export.
        self.apps.get_app_config("corpus_app").add_document_format(
            "desk", lines="annotations.exports.desk_export_lines", name="documents-desk"
        )

        # Whatever saves or deletes through the ORM (the services, the admin, fixtures) renews the
        # results kept for the annotations (desk.cache).
        for name in ("Topic", "Target", "Annotation", "ClaimGroup", "Claim"):
            model = self.get_model(name)
            post_save.connect(annotations_changed, sender=model, dispatch_uid=f"annotations-changed-save-{name}")
            post_delete.connect(annotations_changed, sender=model, dispatch_uid=f"annotations-changed-delete-{name}")
        tags = self.get_model("Annotation").topics.through
        m2m_changed.connect(annotations_changed, sender=tags, dispatch_uid="annotations-changed-topics")
