"""Who may do what with annotations and claims, on top of the role groups (``annotations.roles``)."""


def can_edit_annotations(user):
    return user.is_authenticated and user.has_perm("annotations.change_annotation")


def can_review_claims(user):
    return user.is_authenticated and user.has_perm("annotations.review_claim")


def can_delete_annotation(user, annotation):
    """Editors share the work, but only its author, a reviewer or an administrator deletes it."""
    if not user.has_perm("annotations.delete_annotation"):
        return False
    return annotation.author_id == user.pk or user.is_superuser or can_review_claims(user)
