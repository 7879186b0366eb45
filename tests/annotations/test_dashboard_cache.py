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
    with django_assert_max_num_queries(12):  # cached: the session, the user and the fingerprint only
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
