"""Importing a new edition moves the annotations onto its text (issue 6, part 1)."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotations.models import AnchorStatus, Annotation, Claim
from annotations.services import annotation_create
from corpus_app.models import Document
from tests.annotations.editions import FILE_000, FILE_001, corrected_001, intended_quote
from tests.factories import make_topic

pytestmark = pytest.mark.django_db

FIXTURES = ["speakers", "corpus", "topics", "targets", "demo_annotations"]


def load_fixtures():
    call_command("loaddata", *FIXTURES, stdout=StringIO())


def import_file(*args):
    out = StringIO()
    call_command("import_transcripts", *[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue()


def annotate_many_passages(document, user):
    """Besides the demo annotations: each paragraph's first sentence and a phrase from its middle."""
    topic = make_topic("Reading")
    made = []
    for turn in document.turns.order_by("position"):
        for paragraph in re.finditer(r"[^\n]+", turn.text):
            text = paragraph.group()
            sentence = re.match(r".+?[.?!](?=\s|$)|.+", text).group()
            if len(sentence) > 150:
                sentence = sentence[:150].rsplit(" ", 1)[0]
            spans = [(paragraph.start(), paragraph.start() + len(sentence))]
            words = list(re.finditer(r"\S+", text))
            if len(words) > 30:
                middle = len(words) // 2
                spans.append((paragraph.start() + words[middle].start(), paragraph.start() + words[middle + 7].end()))
            for start, end in spans:
                if Annotation.objects.filter(turn=turn, start=start, end=end).exists():
                    continue
                made.append(
                    annotation_create(
                        user=user, turn=turn, start=start, end=end, quote=turn.text[start:end], topics=[topic]
                    )
                )
    return made


@pytest.fixture
def corrected_file(tmp_path):
    path = tmp_path / FILE_001.name  # the same file name: a new edition of the same document
    path.write_text(corrected_001(), encoding="utf-8")
    return path


def test_a_corrected_edition_keeps_every_annotation_and_places_95_percent_exactly_right(editor, corrected_file):
    load_fixtures()
    old = Document.objects.get(source_name=FILE_001.name)
    annotate_many_passages(old, editor)
    before = {
        a.pk: (a.turn.text, a.start, a.end, a.quote)
        for a in Annotation.objects.select_related("turn").filter(turn__document=old)
    }
    claims_before = dict(Claim.objects.filter(annotation__turn__document=old).values_list("pk", "annotation_id"))
    total_before = Annotation.objects.count()
    assert len(before) >= 40

    output = import_file(corrected_file)

    new = Document.objects.get(replaces=old)
    old.refresh_from_db()
    assert new.is_current and not old.is_current
    assert Annotation.objects.count() == total_before  # none deleted
    right, wrong, orphaned = [], [], []
    for annotation in Annotation.objects.select_related("turn__document").filter(pk__in=before):
        old_text, start, end, quote = before[annotation.pk]
        if annotation.anchor_status == AnchorStatus.ORPHANED:
            assert annotation.turn.document == old and annotation.quote == quote  # kept where it was
            orphaned.append(annotation)
            continue
        assert annotation.turn.document == new
        assert annotation.turn.text[annotation.start : annotation.end] == annotation.quote
        expected = intended_quote(old_text, start, end)
        (right if annotation.quote == expected else wrong).append((annotation.quote, expected))
    assert not wrong, f"placed on the wrong passage: {wrong}"
    share = len(right) / len(before)
    assert share >= 0.95, f"{len(right)}/{len(before)} re-anchored correctly, {len(orphaned)} orphaned"
    # The claims moved with their annotations.
    for claim_pk, annotation_pk in claims_before.items():
        assert Claim.objects.get(pk=claim_pk).annotation_id == annotation_pk
    exact = Annotation.objects.filter(pk__in=before, anchor_status=AnchorStatus.ANCHORED).count()
    fuzzy = Annotation.objects.filter(pk__in=before, anchor_status=AnchorStatus.FUZZY).count()
    assert fuzzy >= 5  # the edits inside annotated passages
    assert f"{exact} moved exactly, {fuzzy} moved fuzzily, {len(orphaned)} orphaned" in output
    print(f"\nre-anchoring 001: {exact} exact, {fuzzy} fuzzy, {len(orphaned)} orphaned of {len(before)}; {share:.1%}")


def test_a_moved_annotation_keeps_its_old_quote_in_its_history(editor, corrected_file):
    load_fixtures()
    annotation = Annotation.objects.get(quote__startswith="National currencies now account for 85 percent")
    version = annotation.version
    import_file(corrected_file)
    annotation.refresh_from_db()
    assert (
        annotation.quote
        == "National currencies now account for almost 85 percent of payments in trade with the CIS countries."
    )
    assert annotation.anchor_status == AnchorStatus.FUZZY and annotation.version == version + 1
    quotes = [row.quote for row in annotation.history.order_by("history_date")]
    assert "National currencies now account for 85 percent of payments in trade with the CIS countries." in quotes
    assert annotation.history.latest().history_change_reason.startswith("Re-anchored")


def test_orphaned_annotations_are_listed_with_their_old_context(client, editor, corrected_file):
    load_fixtures()
    old = Document.objects.get(source_name=FILE_001.name)
    turn = old.turns.get(text__contains="He hates them all.")
    start = turn.text.index("He hates them all.")
    doomed = annotation_create(
        user=editor, turn=turn, start=start, end=start + 18, quote="He hates them all.", topics=[make_topic()]
    )
    import_file(corrected_file)
    doomed.refresh_from_db()
    assert doomed.anchor_status == AnchorStatus.ORPHANED and doomed.turn == turn

    client.force_login(editor)
    response = client.get(reverse("annotations:annotation-list"), {"anchor_status": "orphaned"})
    assert list(response.context["object_list"]) == [doomed]
    page = response.content.decode()
    assert "Orphaned" in page and doomed.prefix.strip()[-20:].replace("’", "&#x27;")[:5] in page
    assert old.get_absolute_url() in page  # its old context is viewable
    assert Document.objects.get(replaces=old).get_absolute_url() in page  # and the edition it was lost in


def test_reimporting_the_same_bytes_changes_nothing(editor):
    load_fixtures()
    output = import_file(FILE_001)
    assert "already imported" in output
    assert not Document.objects.filter(replaces__isnull=False).exists()


def test_annotations_on_000_are_found_again_in_001(editor):
    """The cross-edition case: 000 is an edited excerpt of 001 (“85%” there, “85 percent” here)."""
    call_command("loaddata", "speakers", "topics", "targets", stdout=StringIO())
    import_file(FILE_000)
    excerpt = Document.objects.get(source_name=FILE_000.name)
    topic = make_topic()
    passages = {
        "National currencies now account for 85% of payments in trade with the CIS countries.": (
            "National currencies now account for 85 percent of payments in trade with the CIS countries."
        ),
        "no one has yet seen the €10 billion promised by those whom the EU wants to bring onboard": (
            "no one has seen the 10 billion euros promised by those whom the EU wants to bring onboard"
        ),
        "Despite the sanctions, Russia’s trade within the CIS increased by nearly 4.5% last year": (
            "Despite the sanctions, trade within the CIS increased by nearly 4.5 percent last year"
        ),
        "The CIS is one of them.": "The CIS is one of them.",
        "I would suggest they patiently endure Kallas’s tenure.": (
            "I would suggest they patiently endure Kallas’s tenure."
        ),
        "The North-South International Transport Corridor is a much more advanced project.": (
            "The North-South International Transport Corridor is a much more advanced project."
        ),
    }
    made = {}
    for quote in passages:
        turn = excerpt.turns.get(text__contains=quote)
        start = turn.text.index(quote)
        made[quote] = annotation_create(
            user=editor, turn=turn, start=start, end=start + len(quote), quote=quote, topics=[topic]
        )

    output = import_file("--replaces", excerpt.pk, FILE_001)

    edition = Document.objects.get(replaces=excerpt)
    assert edition.source_name == FILE_001.name
    for quote, expected in passages.items():
        annotation = Annotation.objects.get(pk=made[quote].pk)
        assert annotation.turn.document == edition, quote
        assert annotation.quote == expected
        assert annotation.anchor_status == (AnchorStatus.ANCHORED if quote == expected else AnchorStatus.FUZZY)
    assert "3 moved exactly, 3 moved fuzzily, 0 orphaned" in output


def test_replacing_an_edition_that_was_already_replaced_is_refused(editor, corrected_file, tmp_path):
    load_fixtures()
    old = Document.objects.get(source_name=FILE_001.name)
    import_file(corrected_file)
    third = tmp_path / "third.txt"
    third.write_text(corrected_001() + "\nOne more line.\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_transcripts", "--replaces", old.pk, str(third), stdout=StringIO(), stderr=err)
    assert "already replaced by a newer edition" in err.getvalue()
    assert not Document.objects.filter(source_name="third.txt").exists()


def test_a_new_edition_is_found_by_title_date_and_place(editor, tmp_path):
    load_fixtures()
    old = Document.objects.get(source_name=FILE_001.name)
    renamed = tmp_path / "almaty-corrected.txt"
    renamed.write_text(corrected_001(), encoding="utf-8")
    import_file(renamed)
    assert Document.objects.get(source_name="almaty-corrected.txt").replaces == old


@pytest.fixture
def two_editions(client, editor, corrected_file):
    """(old, new): the sample corpus's 001 and its corrected edition, imported; ``client`` logged in."""
    load_fixtures()
    old = Document.objects.get(source_name=FILE_001.name)
    import_file(corrected_file)
    client.force_login(editor)
    return old, Document.objects.get(replaces=old)


def test_the_document_list_shows_current_editions_unless_asked_for_all(client, two_editions):
    old, new = two_editions
    listed = list(client.get(reverse("corpus:document-list")).context["object_list"])
    assert new in listed and old not in listed
    listed = list(client.get(reverse("corpus:document-list"), {"editions": "all"}).context["object_list"])
    assert new in listed and old in listed


def test_an_old_edition_says_it_was_replaced_and_the_new_one_lists_it(client, two_editions):
    old, new = two_editions
    page = client.get(old.get_absolute_url()).content.decode()
    assert "This edition was replaced by" in page and new.get_absolute_url() in page
    page = client.get(new.get_absolute_url()).content.decode()
    assert "Earlier editions" in page and old.get_absolute_url() in page
