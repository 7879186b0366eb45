"""Kept results follow the data: a generation per kind of data, moved on when a write commits, on
the configured cache (the local memory by default, Redis with REDIS_URL)."""

import os

import pytest
from django.core.cache import cache
from django.db import transaction

from desk.cache import ANNOTATIONS, CORPUS, bump, cached, generations
from tests.factories import make_document, make_topic
from tests.test_backup_and_settings import _run_manage

#: The Redis database the tests may use (and empty): 1 on the local server, unless told otherwise.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@pytest.mark.django_db
def test_a_kept_value_is_computed_again_once_its_data_changes():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert cached("figure", compute, kinds=(CORPUS,)) == 1
    assert cached("figure", compute, kinds=(CORPUS,)) == 1  # kept
    bump(ANNOTATIONS)  # other data: still kept
    assert cached("figure", compute, kinds=(CORPUS,)) == 1
    bump(CORPUS)
    assert cached("figure", compute, kinds=(CORPUS,)) == 2


def test_a_forgotten_generation_never_comes_back_as_an_old_one():
    before = generations(CORPUS)
    cache.clear()  # a restarted cache server
    assert generations(CORPUS) != before


@pytest.mark.django_db
def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        bump("corpse")


@pytest.mark.django_db(transaction=True)
def test_a_write_moves_the_generation_on_when_it_commits_and_never_when_rolled_back():
    start = generations(CORPUS, ANNOTATIONS)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_document(title="Rolled back")
        assert generations(CORPUS, ANNOTATIONS) == start  # not before the commit
        raise RuntimeError
    assert generations(CORPUS, ANNOTATIONS) == start
    with transaction.atomic():
        make_document(title="Kept")  # a document and its turns: many rows, one move
        make_topic("Economy")
        assert generations(CORPUS, ANNOTATIONS) == start
    corpus, annotations = generations(CORPUS, ANNOTATIONS)
    assert (corpus, annotations) == (start[0] + 1, start[1] + 1)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_does_not_lose_the_move_of_what_committed():
    start = generations(CORPUS)[0]
    with transaction.atomic():
        try:
            with transaction.atomic():
                make_document(title="Inner, rolled back")
                raise RuntimeError
        except RuntimeError:
            pass
        make_document(title="Outer, committed")
    assert generations(CORPUS)[0] == start + 1


@pytest.fixture
def redis_cache(settings):
    """The cache on the local Redis (database 1). In CI (CI=true) a missing Redis fails the test."""
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis is not answering at {TEST_REDIS_URL}: CI runs the Redis tests")
        pytest.skip(f"no Redis at {TEST_REDIS_URL}")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": TEST_REDIS_URL}
    }
    cache.clear()
    yield redis.Redis.from_url(TEST_REDIS_URL)
    cache.clear()


@pytest.mark.django_db
def test_on_redis_every_server_sees_the_same_generations_and_kept_pages(redis_cache, client, viewer):
    from django.core.cache.backends.redis import RedisCache

    first = generations(CORPUS)[0]
    bump(CORPUS)
    assert generations(CORPUS)[0] == first + 1
    # Another process's client reads the same number from Redis itself.
    other = RedisCache(TEST_REDIS_URL, {})
    assert other.get("generation:corpus") == first + 1
    # The dashboard is kept there: shown again without counting, renewed after a write.
    client.force_login(viewer)
    make_document(title="Briefing")
    assert client.get("/").context["counts"]["documents"] == 1
    assert any(key.startswith(b":1:dashboard:") for key in redis_cache.keys("*"))
    make_document(title="Another briefing")
    assert client.get("/").context["counts"]["documents"] == 2


def test_the_cache_is_redis_when_redis_url_is_set_and_local_memory_otherwise():
    show = "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])"
    assert _run_manage("shell", "-c", show, env_overrides={"REDIS_URL": ""}).stdout.split()[-1].endswith("LocMemCache")
    on_redis = _run_manage("shell", "-c", show, env_overrides={"REDIS_URL": TEST_REDIS_URL})
    assert on_redis.stdout.split()[-1] == "django.core.cache.backends.redis.RedisCache"


@pytest.mark.django_db
def test_rows_the_importers_write_around_the_orm_move_the_generation_on():
    from corpus_app.models import Speaker
    from corpus_app.rows import insert

    before = generations(CORPUS)
    insert(Speaker, ["name", "kind", "role", "affiliation"], [("Maria Zakharova", "person", "", "")])
    assert generations(CORPUS) != before


@pytest.mark.django_db
def test_an_imported_transcript_shows_on_the_kept_dashboard(client, viewer, settings):
    from pathlib import Path

    from corpus_app.importing import transcript_import

    client.force_login(viewer)
    assert client.get("/").context["counts"]["documents"] == 0
    path = sorted((Path(settings.BASE_DIR) / "fixtures" / "transcripts").glob("*.txt"))[0]
    turns = transcript_import(path=path).document.turns.count()
    counts = client.get("/").context["counts"]
    assert (counts["documents"], counts["turns"]) == (1, turns)
