from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"

    def ready(self):
        from annotations.exports import desk_export_lines
        from corpus_app.exports import JSONL_TYPE, DocumentFormat, add_document_format

        # Whole documents with their annotations, on the corpus app's documents export.
        desk = DocumentFormat(
            lines=desk_export_lines, content_type=JSONL_TYPE, name="documents-desk", extension="jsonl"
        )
        add_document_format("desk", desk)
