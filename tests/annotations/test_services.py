"""annotations.services directly: the rules every write path (API, form, admin) shares, and the DB backstops."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from annotations import services
from annotations.exceptions import AnnotationError, VersionConflict
from annotations.models import Annotation, Claim, ClaimStatus
from annotations.offsets import utf16_to_codepoint
from annotations.permissions import can_delete_annotation, can_review_claims
from annotations.services import annotation_create, annotation_delete, annotation_update, claim_set_status
from tests.factories import make_annotation, make_document, make_target, make_topic, make_user

TEXT = "National currencies now account for 85 percent of payments."


@pytest.fixture
def world(db):
    document = make_document(turns=[("Sergey Lavrov", "remarks", TEXT)])
    return SimpleNamespace(turn=document.turns.get(), topic=make_topic("Payments"), target=make_target("EU"))


def create(world, user, **fields):
    """annotation_create on “85 percent” with a topic, unless told otherwise."""
    start = TEXT.index("85 percent")
    arguments = {
        "user": user,
        "turn": world.turn,
        "start": start,
        "end": start + 10,
        "quote": "85 percent",
        "topics": [world.topic],
    }
    arguments.update(fields)
    return annotation_create(**arguments)


# --- utf16_to_codepoint ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "offset", "expected"),
    [
        ("plain ascii", 0, 0),
        ("plain ascii", 5, 5),
        ("plain ascii", 11, 11),  # the end of the text is a valid offset
        ("", 0, 0),
        ("é and 中文", 7, 7),  # characters of the Basic Multilingual Plane are one code unit each
        ("😀 after", 2, 1),  # an emoji is two code units, one code point
        ("😀 after", 3, 2),
        ("a😀b😀c", 1, 1),
        ("a😀b😀c", 3, 2),
        ("a😀b😀c", 6, 4),
        ("a😀b😀c", 7, 5),
        ("🇷🇺 flag", 4, 2),  # a flag is two regional-indicator code points, four code units
        ("𝔘𝔫𝔦", 6, 3),  # mathematical letters are astral too
    ],
)
def test_utf16_to_codepoint(text, offset, expected):
    assert utf16_to_codepoint(text, offset) == expected


def test_utf16_to_codepoint_agrees_with_python_utf16_encoding():
    text = "We 🤝 the CIS 🇷🇺 and 中文 é 𝔘."
    for index in range(len(text) + 1):
        units = len(text[:index].encode("utf-16-le")) // 2
        assert utf16_to_codepoint(text, units) == index


@pytest.mark.parametrize(("text", "offset"), [("😀 after", 1), ("a😀b😀c", 2), ("a😀b😀c", 5), ("🇷🇺", 3), ("end😀", 4)])
def test_utf16_offset_inside_a_surrogate_pair_is_refused(text, offset):
    with pytest.raises(AnnotationError, match="inside a character"):
        utf16_to_codepoint(text, offset)


@pytest.mark.parametrize(("text", "offset"), [("abc", 4), ("😀", 3), ("", 1)])
def test_utf16_offset_past_the_end_is_refused(text, offset):
    with pytest.raises(AnnotationError, match="past the end") as raised:
        utf16_to_codepoint(text, offset)
    assert raised.value.field == "end"


def test_utf16_negative_offset_is_refused():
    with pytest.raises(AnnotationError, match="negative") as raised:
        utf16_to_codepoint("abc", -1)
    assert raised.value.field == "start"


# --- annotation_create: passage checks -------------------------------------------------------


def test_create_stores_the_passage_with_its_context(world, editor):
    annotation = create(world, editor, polarity="supports", target=world.target, claim=True, note="Check it.")

    annotation.refresh_from_db()
    assert (annotation.start, annotation.end, annotation.quote) == (36, 46, "85 percent")
    assert annotation.prefix == TEXT[36 - services.CONTEXT_CHARS : 36]
    assert annotation.suffix == " of payments."
    assert (annotation.polarity, annotation.target, annotation.note) == ("supports", world.target, "Check it.")
    assert list(annotation.topics.all()) == [world.topic]
    assert annotation.author == editor and annotation.version == 1
    assert annotation.claim.status == ClaimStatus.UNVERIFIED
    assert {record.history_user for record in annotation.history.all()} == {editor}
    assert annotation.claim.history.get().history_user == editor


@pytest.mark.parametrize(
    ("start", "end", "quote", "field", "message"),
    [
        (36, 46, "86 percent", "quote", "not the text"),
        (36, 36, "", "end", "empty"),
        (46, 36, "", "end", "empty"),
        (50, 99, TEXT[50:], "end", "past the end"),
        (-1, 5, TEXT[:5], "start", "negative"),
        ("36", 46, "85 percent", "start", "whole numbers"),
        (36, 46.0, "85 percent", "start", "whole numbers"),
        (True, 5, TEXT[1:5], "start", "whole numbers"),
    ],
)
def test_create_refuses_a_passage_that_is_not_in_the_text(world, editor, start, end, quote, field, message):
    with pytest.raises(AnnotationError, match=message) as raised:
        create(world, editor, start=start, end=end, quote=quote)

    assert raised.value.field == field
    assert not Annotation.objects.exists()


def test_create_refuses_an_untagged_passage(world, editor):
    with pytest.raises(AnnotationError, match="Nothing is tagged"):
        create(world, editor, topics=[])
    assert not Annotation.objects.exists()


def test_create_with_only_a_claim_is_tagged(world, editor):
    annotation = create(world, editor, topics=[], claim=True)
    assert annotation.claim.status == ClaimStatus.UNVERIFIED


def test_create_refuses_a_stance_without_target(world, editor):
    with pytest.raises(AnnotationError, match="needs a target") as raised:
        create(world, editor, polarity="opposes")
    assert raised.value.field == "stance"


def test_create_refuses_an_unknown_polarity(world, editor):
    with pytest.raises(AnnotationError, match="Unknown polarity") as raised:
        create(world, editor, polarity="hostile", target=world.target)
    assert raised.value.field == "stance"


def test_create_refuses_a_target_without_polarity(world, editor):
    with pytest.raises(AnnotationError):
        create(world, editor, polarity="", target=world.target)
    assert not Annotation.objects.exists()


def test_create_refuses_a_note_that_is_too_long(world, editor):
    with pytest.raises(AnnotationError, match="longer than") as raised:
        create(world, editor, note="x" * (services.MAX_NOTE_CHARS + 1))
    assert raised.value.field == "note"


@pytest.mark.parametrize("role", ["Viewer", None])
def test_create_needs_the_editor_role(world, role):
    with pytest.raises(PermissionDenied):
        create(world, make_user(role))
    assert not Annotation.objects.exists()


# --- annotation_update: version check --------------------------------------------------------


def test_update_raises_the_version_and_records_who(world, editor):
    annotation = create(world, editor)
    other = make_user("Editor")

    updated = annotation_update(user=other, annotation_id=annotation.pk, version=1, note="Second look.")

    assert updated.version == 2
    annotation.refresh_from_db()
    assert (annotation.version, annotation.note) == (2, "Second look.")
    latest = annotation.history.first()
    assert (latest.history_user, latest.version, latest.note) == (other, 2, "Second look.")


def test_update_with_a_stale_version_raises_conflict_and_changes_nothing(world, editor):
    annotation = create(world, editor)
    annotation_update(user=editor, annotation_id=annotation.pk, version=1, note="First.")
    history = annotation.history.count()

    with pytest.raises(VersionConflict) as raised:
        annotation_update(user=editor, annotation_id=annotation.pk, version=1, note="Second.")

    assert raised.value.current.pk == annotation.pk
    assert (raised.value.current.version, raised.value.current.note) == (2, "First.")
    annotation.refresh_from_db()
    assert (annotation.version, annotation.note) == (2, "First.")
    assert annotation.history.count() == history


def test_update_of_a_missing_annotation_raises_does_not_exist(world, editor):
    with pytest.raises(Annotation.DoesNotExist):
        annotation_update(user=editor, annotation_id=987654, version=1, note="x")


def test_update_checks_the_new_passage(world, editor):
    annotation = create(world, editor)

    with pytest.raises(AnnotationError) as raised:
        annotation_update(user=editor, annotation_id=annotation.pk, version=1, start=0, end=8, quote="national")

    assert raised.value.field == "quote"
    annotation.refresh_from_db()
    assert (annotation.start, annotation.version) == (36, 1)


def test_update_moves_the_passage_and_its_context(world, editor):
    annotation = create(world, editor)

    updated = annotation_update(user=editor, annotation_id=annotation.pk, version=1, start=0, end=8, quote="National")

    assert (updated.start, updated.end, updated.prefix, updated.suffix) == (0, 8, "", TEXT[8:40])


def test_update_clears_and_sets_a_stance(world, editor):
    annotation = create(world, editor, polarity="opposes", target=world.target)

    cleared = annotation_update(user=editor, annotation_id=annotation.pk, version=1, polarity="", target=None)
    assert (cleared.polarity, cleared.target) == ("", None)

    other = make_target("NATO")
    changed = annotation_update(user=editor, annotation_id=annotation.pk, version=2, polarity="mixed", target=other)
    assert (changed.polarity, changed.target) == ("mixed", other)


def test_update_refuses_to_leave_nothing_tagged(world, editor):
    annotation = create(world, editor)

    with pytest.raises(AnnotationError, match="Nothing is tagged"):
        annotation_update(user=editor, annotation_id=annotation.pk, version=1, topics=[])

    assert list(annotation.topics.all()) == [world.topic]


def test_update_by_a_viewer_is_refused(world, editor, viewer):
    annotation = create(world, editor)

    with pytest.raises(PermissionDenied):
        annotation_update(user=viewer, annotation_id=annotation.pk, version=1, note="x")

    annotation.refresh_from_db()
    assert annotation.version == 1


def test_update_flags_and_unflags_an_open_claim(world, editor):
    annotation = create(world, editor)

    annotation_update(user=editor, annotation_id=annotation.pk, version=1, claim=True)
    assert Claim.objects.get(annotation=annotation).status == ClaimStatus.UNVERIFIED

    annotation_update(user=editor, annotation_id=annotation.pk, version=2, claim=False)
    assert not Claim.objects.exists()
    assert Claim.history.filter(history_type="-").get().history_user == editor


# --- claims: verdicts ------------------------------------------------------------------------


def test_a_verdict_records_reviewer_time_rationale_and_history(world, editor, reviewer):
    claim = create(world, editor, claim=True).claim

    ruled = claim_set_status(
        user=reviewer,
        claim_id=claim.pk,
        status=ClaimStatus.MISLEADING,
        rationale="The share is of trade with Russia, not of all payments.",
        evidence=["https://example.org/report"],
        version=1,
    )

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.MISLEADING
    assert claim.reviewer == reviewer
    assert claim.reviewed_at is not None
    assert claim.evidence == ["https://example.org/report"]
    assert claim.version == ruled.version == 2
    latest = claim.history.first()
    assert (latest.history_user, latest.status, latest.reviewer_id) == (reviewer, "misleading", reviewer.pk)


def test_in_review_records_the_reviewer_but_no_verdict_time(world, editor, reviewer):
    claim = create(world, editor, claim=True).claim

    claim_set_status(user=reviewer, claim_id=claim.pk, status=ClaimStatus.IN_REVIEW)

    claim.refresh_from_db()
    assert (claim.status, claim.reviewer, claim.reviewed_at) == ("in_review", reviewer, None)


def test_reopening_a_claim_clears_the_verdict(world, editor, reviewer):
    claim = create(world, editor, claim=True).claim
    claim_set_status(user=reviewer, claim_id=claim.pk, status=ClaimStatus.FALSE, rationale="Wrong.")

    claim_set_status(user=reviewer, claim_id=claim.pk, status=ClaimStatus.UNVERIFIED)

    claim.refresh_from_db()
    assert (claim.status, claim.reviewer, claim.reviewed_at) == ("unverified", None, None)


def test_evidence_as_text_is_split_into_links(world, editor, reviewer):
    claim = create(world, editor, claim=True).claim

    links = "https://example.org/a\nhttp://example.org/b\n"  # as typed into the verdict form's text area

    ruled = claim_set_status(user=reviewer, claim_id=claim.pk, status="accurate", rationale="Ok.", evidence=links)

    assert ruled.evidence == ["https://example.org/a", "http://example.org/b"]


@pytest.mark.parametrize(
    ("status", "rationale", "evidence", "field"),
    [
        ("true", "x", [], "status"),
        (ClaimStatus.ACCURATE, "", [], "rationale"),
        (ClaimStatus.FALSE, "  \n ", [], "rationale"),
        (ClaimStatus.ACCURATE, "x" * (services.MAX_RATIONALE_CHARS + 1), [], "rationale"),
        (ClaimStatus.ACCURATE, "x", ["ftp://example.org/file"], "evidence"),
        (ClaimStatus.ACCURATE, "x", ["javascript:alert(1)"], "evidence"),
        (ClaimStatus.ACCURATE, "x", [42], "evidence"),
        (ClaimStatus.ACCURATE, "x", {"url": "https://example.org"}, "evidence"),
        (ClaimStatus.ACCURATE, "x", ["https://example.org"] * (services.MAX_EVIDENCE_LINKS + 1), "evidence"),
    ],
)
def test_invalid_verdicts_are_refused(world, editor, reviewer, status, rationale, evidence, field):
    claim = create(world, editor, claim=True).claim

    with pytest.raises(AnnotationError) as raised:
        claim_set_status(user=reviewer, claim_id=claim.pk, status=status, rationale=rationale, evidence=evidence)

    assert raised.value.field == field
    claim.refresh_from_db()
    assert (claim.status, claim.version, claim.reviewer) == ("unverified", 1, None)


@pytest.mark.parametrize("role", ["Editor", "Viewer"])
def test_only_reviewers_give_verdicts(world, editor, role):
    claim = create(world, editor, claim=True).claim

    with pytest.raises(PermissionDenied):
        claim_set_status(user=make_user(role), claim_id=claim.pk, status=ClaimStatus.ACCURATE, rationale="x")

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.UNVERIFIED


def test_a_superuser_gives_verdicts(world, editor):
    claim = create(world, editor, claim=True).claim
    admin = make_user(None, superuser=True)

    claim_set_status(user=admin, claim_id=claim.pk, status=ClaimStatus.ACCURATE, rationale="x")

    claim.refresh_from_db()
    assert claim.reviewer == admin


def test_a_verdict_with_a_stale_version_raises_conflict(world, editor, reviewer):
    claim = create(world, editor, claim=True).claim
    claim_set_status(user=reviewer, claim_id=claim.pk, status=ClaimStatus.IN_REVIEW, version=1)

    with pytest.raises(VersionConflict) as raised:
        claim_set_status(user=reviewer, claim_id=claim.pk, status=ClaimStatus.ACCURATE, rationale="x", version=1)

    assert raised.value.current.status == ClaimStatus.IN_REVIEW
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("in_review", 2)


def test_a_verdict_on_a_missing_claim_raises_does_not_exist(world, reviewer):
    with pytest.raises(Claim.DoesNotExist):
        claim_set_status(user=reviewer, claim_id=987654, status=ClaimStatus.ACCURATE, rationale="x")


def test_a_claim_with_a_verdict_cannot_be_unflagged(world, editor, reviewer):
    annotation = create(world, editor, claim=True)
    claim_set_status(user=reviewer, claim_id=annotation.claim.pk, status=ClaimStatus.FALSE, rationale="Wrong.")

    with pytest.raises(AnnotationError, match="cannot be unflagged") as raised:
        annotation_update(user=reviewer, annotation_id=annotation.pk, version=1, claim=False)

    assert raised.value.field == "claim"
    assert Claim.objects.get().status == ClaimStatus.FALSE
    assert Annotation.objects.get().version == 1


def test_a_passage_with_a_verdict_cannot_be_deleted(world, editor, reviewer):
    annotation = create(world, editor, claim=True)
    claim_set_status(user=reviewer, claim_id=annotation.claim.pk, status=ClaimStatus.ACCURATE, rationale="Right.")

    with pytest.raises(AnnotationError, match="reviewed claim"):
        annotation_delete(user=reviewer, annotation_id=annotation.pk, version=1)

    assert Annotation.objects.filter(pk=annotation.pk).exists()
    assert Claim.objects.get().status == ClaimStatus.ACCURATE


# --- annotation_delete -----------------------------------------------------------------------


def test_the_author_deletes_with_the_current_version(world, editor):
    annotation = create(world, editor, claim=True)

    annotation_delete(user=editor, annotation_id=annotation.pk, version=1)

    assert not Annotation.objects.exists() and not Claim.objects.exists()
    assert Annotation.history.filter(history_type="-").get().history_user == editor
    assert Claim.history.filter(history_type="-").get().history_user == editor


def test_delete_with_a_stale_version_raises_conflict(world, editor):
    annotation = create(world, editor)
    annotation_update(user=editor, annotation_id=annotation.pk, version=1, note="Changed.")

    with pytest.raises(VersionConflict) as raised:
        annotation_delete(user=editor, annotation_id=annotation.pk, version=1)

    assert raised.value.current.version == 2
    assert Annotation.objects.filter(pk=annotation.pk).exists()


def test_another_editor_cannot_delete(world, editor):
    annotation = create(world, editor)

    with pytest.raises(PermissionDenied):
        annotation_delete(user=make_user("Editor"), annotation_id=annotation.pk, version=1)

    assert Annotation.objects.filter(pk=annotation.pk).exists()


def test_delete_of_a_missing_annotation_raises_does_not_exist(world, editor):
    with pytest.raises(Annotation.DoesNotExist):
        annotation_delete(user=editor, annotation_id=987654, version=1)


# --- roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "superuser", "own", "expected"),
    [
        ("Editor", False, True, True),
        ("Editor", False, False, False),
        ("Reviewer", False, False, True),
        ("Viewer", False, False, False),
        (None, False, True, False),  # an author who lost the editor role no longer deletes
        (None, True, False, True),
    ],
)
def test_can_delete_annotation(world, role, superuser, own, expected):
    user = make_user(role, superuser=superuser)
    annotation = make_annotation(turn=world.turn, author=user if own else make_user("Editor"), topics=[world.topic])

    assert can_delete_annotation(user, annotation) is expected


def test_can_review_claims_is_for_reviewers_and_superusers(db):
    from django.contrib.auth.models import AnonymousUser

    assert can_review_claims(make_user("Reviewer"))
    assert can_review_claims(make_user(None, superuser=True))
    assert not can_review_claims(make_user("Editor"))
    assert not can_review_claims(make_user("Viewer"))
    assert not can_review_claims(AnonymousUser())


# --- the database's own checks, when services are bypassed -----------------------------------


def _raw_annotation(world, **fields):
    values = {"turn": world.turn, "start": 0, "end": 8, "quote": "National", "author": make_user("Editor")}
    values.update(fields)
    return Annotation(**values)


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"start": 8, "end": 8}, "start_before_end"),
        ({"start": 9, "end": 3}, "start_before_end"),
        ({"polarity": "opposes"}, "stance_complete"),
        ({"target": "TARGET"}, "stance_complete"),
        ({"polarity": "hostile", "target": "TARGET"}, "polarity_valid"),
        ({"version": 0}, "version_positive"),
    ],
    ids=str,
)
def test_annotation_check_constraints_hold_in_the_database(world, fields, constraint):
    fields = {key: world.target if value == "TARGET" else value for key, value in fields.items()}
    annotation = _raw_annotation(world, **fields)

    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        annotation.save()

    assert constraint in str(raised.value) or "CHECK" in str(raised.value).upper()
    assert not Annotation.objects.exists()  # the database is still usable after the failed write


def test_a_claim_verdict_without_reviewer_is_refused_by_the_database(world, editor):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.topic])

    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        Claim.objects.create(annotation=annotation, status=ClaimStatus.ACCURATE, rationale="x")

    assert "claim_verdict_has_reviewer" in str(raised.value) or "CHECK" in str(raised.value).upper()
    assert not Claim.objects.exists()


def test_an_existing_verdict_cannot_lose_its_reviewer_in_the_database(world, editor, reviewer):
    claim = create(world, editor, claim=True).claim
    claim_set_status(user=reviewer, claim_id=claim.pk, status=ClaimStatus.FALSE, rationale="Wrong.")

    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(reviewer=None)

    claim.refresh_from_db()
    assert claim.reviewer == reviewer


def test_an_open_claim_without_reviewer_is_fine_in_the_database(world, editor):
    annotation = make_annotation(turn=world.turn, author=editor, topics=[world.topic])

    Claim.objects.create(annotation=annotation, status=ClaimStatus.UNVERIFIED)

    assert Claim.objects.get().reviewer is None
