import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from corpus_app.models import Document, Speaker, Turn
from tests.factories import make_document

pytestmark = pytest.mark.django_db


def test_pages_need_login(client):
    document = make_document()
    for url in [reverse("dashboard"), reverse("corpus:document-list"), document.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_document_list_shows_documents_with_turn_counts(client, viewer):
    make_document(title="Minsk news conference", place="Minsk")
    client.force_login(viewer)
    response = client.get(reverse("corpus:document-list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Minsk news conference" in content
    assert response.context["object_list"][0].turn_count == 3


def test_document_list_query_count_does_not_grow_with_rows(client, viewer):
    client.force_login(viewer)
    url = reverse("corpus:document-list")
    make_document()
    cache.clear()  # each view renders everything: its filter form and counts too
    with CaptureQueriesContext(connection) as one_document:
        client.get(url)
    for _ in range(59):
        make_document()
    cache.clear()  # each view renders everything: its filter form and counts too
    with CaptureQueriesContext(connection) as many_documents:
        response = client.get(url)
    assert len(response.context["object_list"]) == 50  # paginated
    assert len(many_documents) == len(one_document)


def test_document_list_filters_by_kind_and_text(client, viewer):
    make_document(title="A transcript", kind="transcript")
    make_document(title="An article", kind="article", turns=[(None, "narration", "Trade with China nearly doubled.")])
    client.force_login(viewer)
    response = client.get(reverse("corpus:document-list"), {"kind": "article"})
    assert [d.title for d in response.context["object_list"]] == ["An article"]
    response = client.get(reverse("corpus:document-list"), {"q": "doubled"})
    assert [d.title for d in response.context["object_list"]] == ["An article"]
    response = client.get(reverse("corpus:document-list"), {"q": "nothing-matches-this"})
    assert "No document matches these filters." in response.content.decode()


def test_reading_view_shows_each_turn_with_speaker_and_kind(client, viewer):
    document = make_document(
        turns=[
            ("Sergey Lavrov", "remarks", "Good afternoon."),
            ("Journalist", "question", "How do you see the CIS?"),
            (None, "editorial_note", "(RPA: EU growth was about 1% in 2024)"),
        ]
    )
    client.force_login(viewer)
    response = client.get(document.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    for text in ["Sergey Lavrov", "Good afternoon.", "Journalist", "Question", "Editorial note", "(RPA: EU growth"]:
        assert text in content
    assert content.index("Good afternoon.") < content.index("How do you see the CIS?")


def test_reading_view_escapes_transcript_text(client, viewer):
    document = make_document(turns=[("Sergey Lavrov", "remarks", "<script>alert('x')</script> said nothing")])
    client.force_login(viewer)
    content = client.get(document.get_absolute_url()).content.decode()
    assert "<script>alert('x')</script>" not in content
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in content


def test_unknown_document_is_404(client, viewer):
    client.force_login(viewer)
    assert client.get(reverse("annotations:document-detail", args=[999999])).status_code == 404


def test_admin_pages_render(admin_client):
    document = make_document()
    turn = document.turns.first()
    for url in [
        reverse("admin:corpus_app_document_changelist"),
        reverse("admin:corpus_app_document_change", args=[document.pk]),
        reverse("admin:corpus_app_turn_changelist") + f"?kind__exact=remarks&document__id__exact={document.pk}",
        reverse("admin:corpus_app_speaker_changelist"),
        reverse("admin:corpus_app_speaker_change", args=[turn.speaker_id]),
        reverse("admin:annotations_annotation_changelist"),
        reverse("admin:annotations_claim_changelist"),
        reverse("admin:annotations_topic_changelist"),
        reverse("admin:annotations_target_changelist"),
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_admin_document_shows_import_warnings(admin_client):
    document = make_document(import_warnings=[{"line": 3, "code": "truncated_line", "message": "ends with “from”"}])
    content = admin_client.get(reverse("admin:corpus_app_document_change", args=[document.pk])).content.decode()
    assert "truncated_line" in content and "ends with “from”" in content


def test_document_list_filters_documents_with_unverified_claims(client, viewer, reviewer):
    from annotations.services import claim_set_status
    from tests.factories import make_annotation

    with_open_claim = make_document(title="Open claim here")
    with_reviewed_claim = make_document(title="Reviewed claim here")
    make_document(title="No claim here")
    make_annotation(turn=with_open_claim.turns.first(), claim=True)
    reviewed = make_annotation(turn=with_reviewed_claim.turns.first(), claim=True)
    claim_set_status(user=reviewer, claim_id=reviewed.claim.pk, status="accurate", rationale="Checked.")
    client.force_login(viewer)
    url = reverse("corpus:document-list")
    assert [d.title for d in client.get(url, {"unverified_claims": "true"}).context["object_list"]] == [
        "Open claim here"
    ]
    others = {d.title for d in client.get(url, {"unverified_claims": "false"}).context["object_list"]}
    assert others == {"Reviewed claim here", "No claim here"}


def test_document_text_filter_needs_every_word_in_the_title_or_a_turn(client, viewer):
    make_document(title="Sanctions briefing", turns=[("Sergey Lavrov", "answer", "Payments in national currencies.")])
    make_document(title="Other", turns=[("Sergey Lavrov", "answer", "Sanctions and payments were discussed.")])
    make_document(title="Third", turns=[("Sergey Lavrov", "answer", "Nothing of the kind.")])
    client.force_login(viewer)

    def titles(**params):
        response = client.get(reverse("corpus:document-list"), params)
        return sorted(d.title for d in response.context["object_list"])

    assert titles(q="sanctions payments") == ["Other", "Sanctions briefing"]  # title + turn, or two words in turns
    assert titles(q="currencies") == ["Sanctions briefing"]
    assert titles(q="sanctions currencies kind") == []
    lavrov = Speaker.objects.get(name="Sergey Lavrov")
    assert titles(speaker=lavrov.pk) == ["Other", "Sanctions briefing", "Third"]  # once each, not once per turn


def test_speaker_list_counts_turns_and_documents_and_follows_new_imports(client, viewer):
    make_document()  # Lavrov: two turns; Journalist: one
    client.force_login(viewer)

    def rows():
        response = client.get(reverse("corpus:speaker-list"))
        return [(s.name, s.turn_count, s.document_count) for s in response.context["object_list"]]

    assert rows() == [("Sergey Lavrov", 2, 1), ("Journalist", 1, 1)]
    make_document(turns=[("Journalist", "question", "One?"), ("Journalist", "question", "Two?")] * 2)
    assert rows() == [("Journalist", 5, 2), ("Sergey Lavrov", 2, 1)]  # the cached counts followed
    Speaker.objects.create(name="Maria Zakharova")
    assert rows()[-1] == ("Maria Zakharova", 0, 0)
    Document.objects.filter(title__startswith="Document").order_by("-pk").first().delete()
    assert rows() == [("Sergey Lavrov", 2, 1), ("Journalist", 1, 1), ("Maria Zakharova", 0, 0)]


def test_speaker_profile_follows_new_annotations(client, viewer):
    from tests.factories import make_annotation, make_topic

    document = make_document()
    turn = document.turns.get(position=0)
    client.force_login(viewer)
    url = reverse("annotations:speaker-detail", args=[turn.speaker_id])
    assert client.get(url).context["annotation_count"] == 0
    make_annotation(turn=turn, topics=[make_topic("Payments")])
    page = client.get(url)
    assert page.context["annotation_count"] == 1
    assert [row["topics__name"] for row in page.context["topic_counts"]] == ["Payments"]


def test_document_words_follow_their_turns_as_they_are_added_changed_and_deleted(client, viewer):
    """On PostgreSQL the text filter reads each document's lexemes, kept by triggers (migration 0009)."""
    document = make_document(title="Briefing", turns=[("Sergey Lavrov", "answer", "Payments in national currencies.")])
    other = make_document(title="Other", turns=[("Sergey Lavrov", "answer", "Nothing of the sort.")])
    client.force_login(viewer)

    def titles(q):
        return [d.title for d in client.get(reverse("corpus:document-list"), {"q": q}).context["object_list"]]

    assert titles("payment") == ["Briefing"]  # any form of the word on PostgreSQL, a substring elsewhere
    Turn.objects.create(document=other, position=5, kind="answer", text="Payments were made.")  # one more turn
    assert sorted(titles("payment")) == ["Briefing", "Other"] and titles("sort") == ["Other"]
    turn = document.turns.get()
    turn.text = "Trade in roubles."
    turn.save()
    assert titles("payment") == ["Other"] and titles("rouble") == ["Briefing"]
    Turn.objects.filter(document=other, position=5).delete()
    assert titles("payment") == [] and titles("sort") == ["Other"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT document_id, lexemes::text FROM corpus_app_document_lexemes ORDER BY document_id")
            assert cursor.fetchall() == [(document.pk, "'roubl' 'trade'"), (other.pk, "'noth' 'sort'")]
            other.delete()
            cursor.execute("SELECT document_id FROM corpus_app_document_lexemes")
            assert cursor.fetchall() == [(document.pk,)]  # a document's words go with it


def test_the_document_words_migration_fills_them_in_and_reverses():
    import importlib

    from django.apps import apps

    from tests.migrations import assert_run_no_sql_here

    name = "corpus_app.migrations.0009_document_lexemes"
    if connection.vendor != "postgresql":  # nothing to keep elsewhere
        assert_run_no_sql_here(name)
        return
    migration = importlib.import_module(name)
    document = make_document(turns=[("Sergey Lavrov", "answer", "Sanctions and payments.")])

    def stored():
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('corpus_app_document_lexemes') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return None
            cursor.execute("SELECT document_id, lexemes::text FROM corpus_app_document_lexemes")
            return cursor.fetchall()

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks left before the DDL
    assert stored() == [(document.pk, "'payment' 'sanction'")]
    with connection.schema_editor() as editor:
        migration.drop(apps, editor)
        assert stored() is None
        migration.create(apps, editor)  # fills in the documents already there
        migration.create(apps, editor)  # idempotent
    assert stored() == [(document.pk, "'payment' 'sanction'")]


def test_document_text_filter_takes_like_wildcards_in_a_word_literally(client, viewer):
    make_document(title="Growth of 100% expected")
    make_document(title="Growth of 1000 expected")
    client.force_login(viewer)

    def titles(q):
        return sorted(d.title for d in client.get(reverse("corpus:document-list"), {"q": q}).context["object_list"])

    assert titles("100%") == ["Growth of 100% expected"]
    assert titles("f_1") == []  # "_" is no wildcard: "of 1000" does not match
    assert titles("GROWTH") == ["Growth of 100% expected", "Growth of 1000 expected"]  # any case


def test_reading_view_sums_up_import_warnings_per_kind(client, viewer):
    document = make_document()
    document.import_warnings = [
        {"line": line, "code": "truncated_line", "message": f"line ends mid-sentence: “…cut {line}”"}
        for line in range(40, 10, -1)
    ] + [{"line": 3, "code": "dropped_noise", "message": "dropped page noise: “Syndicate content”"}]
    document.save()
    client.force_login(viewer)
    content = " ".join(client.get(document.get_absolute_url()).content.decode().split())
    assert "31 import warnings: 1 <code>dropped_noise</code>, 30 <code>truncated_line</code>" in content
    # Every warning is still there to read, each kind's rows in line order.
    assert "Syndicate content" in content
    assert content.index("…cut 11”") < content.index("…cut 12”") < content.index("…cut 40”")


def test_speaker_list_filters_by_name_or_alias_kind_and_affiliation(client, viewer):
    from corpus_app.models import SpeakerAlias

    lavrov = Speaker.objects.create(name="Sergey Lavrov", affiliation="Russian Federation")
    SpeakerAlias.objects.create(speaker=lavrov, alias="SL")
    Speaker.objects.create(name="Maria Zakharova", affiliation="Russian Federation")
    Speaker.objects.create(name="Reuters", kind="organisation", affiliation="Thomson Reuters")
    client.force_login(viewer)

    def names(**params):
        response = client.get(reverse("corpus:speaker-list"), params)
        assert response.status_code == 200
        return sorted(speaker.name for speaker in response.context["object_list"])

    assert names(name="lavrov") == ["Sergey Lavrov"]
    assert names(name="sl") == ["Sergey Lavrov"]  # an alias texts use
    assert names(kind="organisation") == ["Reuters"]
    assert names(affiliation="russian") == ["Maria Zakharova", "Sergey Lavrov"]
    assert names(affiliation="russian", name="maria") == ["Maria Zakharova"]
    content = client.get(reverse("corpus:speaker-list"), {"name": "nobody"}).content.decode()
    assert "No speaker matches these filters." in content
    assert 'aria-label="Filter speakers"' in content


def test_speaker_list_filters_speakers_heard_in_a_date_range(client, viewer):
    import datetime

    make_document(date=datetime.date(2024, 3, 1), turns=[("Early Bird", "remarks", "Hello.")])
    make_document(date=datetime.date(2025, 4, 11), turns=[("Late Comer", "remarks", "Hi.")])
    make_document(date=None, turns=[("Undated Voice", "remarks", "Hm.")])
    client.force_login(viewer)

    def names(**params):
        return sorted(s.name for s in client.get(reverse("corpus:speaker-list"), params).context["object_list"])

    assert names(spoke_from="2025-01-01") == ["Late Comer"]
    assert names(spoke_until="2024-12-31") == ["Early Bird"]
    assert names(spoke_from="2024-03-01", spoke_until="2025-04-11") == ["Early Bird", "Late Comer"]
    assert names(spoke_from="2024-03-02", spoke_until="2025-04-10") == []
    response = client.get(reverse("corpus:speaker-list"), {"spoke_from": "not a date"})
    assert list(response.context["object_list"]) == [] and "Enter a valid date." in response.content.decode()


def test_speaker_list_pages_keep_the_filters_and_the_query_count_does_not_grow(client, viewer):
    client.force_login(viewer)
    url = reverse("corpus:speaker-list")
    Speaker.objects.create(name="Speaker 0", affiliation="Ministry")
    cache.clear()  # each view renders everything: its filter form and counts too
    with CaptureQueriesContext(connection) as one:
        client.get(url, {"affiliation": "ministry"})
    Speaker.objects.bulk_create(Speaker(name=f"Speaker {n:03d}", affiliation="Ministry") for n in range(1, 120))
    cache.clear()  # each view renders everything: its filter form and counts too
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"affiliation": "ministry"})
    assert len(many) == len(one)
    assert len(response.context["object_list"]) == 100 and response.context["paginator"].count == 120
    assert "affiliation=ministry&amp;page=2" in response.content.decode()
    second = client.get(url, {"affiliation": "ministry", "page": 2})
    assert len(second.context["object_list"]) == 20


def test_yes_no_filters_offer_any_and_sort_by_names_its_default(client, viewer):
    client.force_login(viewer)
    content = client.get(reverse("corpus:document-list")).content.decode()
    assert '<option value="unknown" selected>Any</option>' in content
    assert "Unknown" not in content and "---------" not in content
    assert '<option value="" selected>Newest first</option>' in content
