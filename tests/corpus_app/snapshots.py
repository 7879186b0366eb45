"""What the importer wrote, to compare two ways of importing the same files."""

from corpus_app.models import Document


def corpus_snapshot():
    """Every document as the importer wrote it, by file name, without ids."""
    return {
        document.source_name: (
            document.title,
            document.date,
            document.place,
            document.kind,
            document.raw_text,
            document.import_warnings,
            [
                (turn.position, turn.speaker.name if turn.speaker else None, turn.label, turn.kind, turn.text)
                for turn in document.turns.select_related("speaker").order_by("position")
            ],
        )
        for document in Document.objects.all()
    }
