"""Why a write to annotations or claims was refused: raised by the services, answered by the API and pages."""


class FieldError(ValueError):
    """A refused request; ``field`` names the request field at fault."""

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class AnnotationError(FieldError):
    """Input that cannot become an annotation."""


class ReplacedEdition(AnnotationError):
    """The turn belongs to an edition a newer one replaced: ``current`` is the newest edition."""

    def __init__(self, document):
        self.current = document.current_edition()
        super().__init__(
            f"“{document.title}” was replaced by a newer edition (document {self.current.pk}); "
            "annotate the current edition instead.",
            field="turn",
        )


class PassageUnderVerdict(AnnotationError):
    """An editor tried to move the passage of a claim that has a verdict: only a reviewer may."""

    def __init__(self, claim):
        self.claim = claim
        super().__init__(
            f"This passage carries a claim with the verdict “{claim.get_status_display()}”: its text cannot be "
            "changed by an editor, or the verdict would speak about other words. Ask a reviewer, or flag the "
            "new passage as a claim of its own.",
            field="start",
        )


class VersionConflict(Exception):
    """Someone saved in between: ``current`` is the row as it is now (None if deleted)."""

    def __init__(self, current):
        super().__init__("This annotation was changed by someone else since you opened it.")
        self.current = current
