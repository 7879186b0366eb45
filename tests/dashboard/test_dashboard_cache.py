import pytest
from django.urls import reverse

from annotations import services
from tests.factories import make_document, make_topic


@pytest.mark.django_db
def test_a_write_through_the_services_changes_the_cached_dashboard(client, editor, django_assert_max_num_queries):
    client.force_login(editor)
    topic = make_topic("Payments")
    turn = make_document().turns.first()
    url = reverse("dashboard")

    assert client.get(url).context["counts"]["annotations"] == 0
    with django_assert_max_num_queries(4):  # cached: the session, the user and its permissions (the nav) only
        assert client.get(url).context["counts"]["annotations"] == 0

    annotation = services.annotation_create(
        user=editor, turn=turn, start=0, end=8, quote=turn.text[:8], topics=[topic], claim=True
    )
    after_create = client.get(url).context
    assert after_create["counts"]["annotations"] == 1
    assert after_create["counts"]["open_claims"] == 1

    services.annotation_delete(user=editor, annotation_id=annotation.pk, version=annotation.version)
    after_delete = client.get(url).context
    assert after_delete["counts"]["annotations"] == 0
    assert after_delete["counts"]["open_claims"] == 0


@pytest.mark.django_db
def test_the_corpus_figures_are_counted_again_for_the_corpus_only(client, editor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from corpus_app.models import Turn

    client.force_login(editor)
    document = make_document(title="Briefing")
    url = reverse("dashboard")

    def view():
        with CaptureQueriesContext(connection) as queries:
            context = client.get(url).context
        # The latest imports are read with the corpus's counts, and only then.
        counted_turns = any('ORDER BY "corpus_app_document"."imported_at" DESC' in q["sql"] for q in queries)
        return context, counted_turns

    context, counted_turns = view()
    assert context["counts"]["turns"] == 3 and counted_turns
    turn = document.turns.first()
    services.annotation_create(user=editor, turn=turn, start=0, end=8, quote=turn.text[:8], claim=True)
    context, counted_turns = view()
    assert context["counts"]["annotations"] == 1 and context["counts"]["turns"] == 3
    assert not counted_turns  # an annotation leaves the corpus figures as they were
    Turn.objects.create(document=document, position=9, kind="answer", text="One more.")
    context, counted_turns = view()
    assert context["counts"]["turns"] == 4 and counted_turns
    document.title = "Briefing, corrected"
    document.save()  # as the admin does
    context, _ = view()
    assert [d.title for d in context["recent_documents"]] == ["Briefing, corrected"]
