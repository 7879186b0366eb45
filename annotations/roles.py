"""The three roles, as Django groups with permissions behind them.

Used by the data migration that creates them and by anything that must restore them
(a test database flushed by a live-server test loses its groups).
"""

VIEW = [
    "corpus_app.view_document",
    "corpus_app.view_turn",
    "corpus_app.view_speaker",
    "corpus_app.view_speakeralias",
    "annotations.view_topic",
    "annotations.view_target",
    "annotations.view_annotation",
    "annotations.view_claim",
]
EDIT = [
    "annotations.add_annotation",
    "annotations.change_annotation",
    "annotations.delete_annotation",
    "annotations.add_claim",
]
REVIEW = ["annotations.change_claim", "annotations.review_claim"]

ROLES = {
    "Viewer": VIEW,
    "Editor": VIEW + EDIT,
    "Reviewer": VIEW + EDIT + REVIEW,
}


def ensure_roles(group_model, permission_model):
    """Create the role groups that are missing and give every role exactly its permissions."""
    wanted = {code for codes in ROLES.values() for code in codes}
    by_code = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in permission_model.objects.values_list("pk", "content_type__app_label", "codename")
        if f"{app_label}.{codename}" in wanted
    }
    missing = wanted - by_code.keys()
    if missing:
        raise LookupError(f"permissions not created yet: {', '.join(sorted(missing))}")
    for role, codes in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.set([by_code[code] for code in codes])
