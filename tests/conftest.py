import signal

import pytest


@pytest.fixture
def editor(db):
    from tests.factories import make_user

    return make_user("Editor", username="editor-a")


@pytest.fixture
def viewer(db):
    from tests.factories import make_user

    return make_user("Viewer", username="viewer-a")


@pytest.fixture
def reviewer(db):
    from tests.factories import make_user

    return make_user("Reviewer", username="reviewer-a")


@pytest.fixture(autouse=True)
def fast_password_hashing(request):
    # The default PBKDF2 costs ~0.3 s per user; tests create hundreds of users. The parser's
    # tests also run without Django (-p no:django), where there are no settings to change.
    if not request.config.pluginmanager.hasplugin("django"):
        return
    settings = request.getfixturevalue("settings")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _flushes_the_database(item):
    marker = item.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    return transactional or item.get_closest_marker("browser") is not None or "live_server" in item.fixturenames


def pytest_collection_modifyitems(config, items):
    # Transactional and live-server (browser) tests flush every table when they finish,
    # data-migration rows (the role groups) included; running them last keeps the other
    # tests' database as the migrations left it.
    items.sort(key=_flushes_the_database)


@pytest.fixture(autouse=True)
def clear_cache():
    # Kept results are keyed by generations that rolled-back tests never moved on (desk.cache).
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def commit_callbacks_run_at_commit_points(request):
    """Run ``transaction.on_commit`` callbacks where the code under test would commit.

    A test runs inside a transaction that is rolled back, so Django keeps such callbacks (the
    cache's generation bumps, ``desk.cache``) and never runs them. Here they run when the
    outermost block the code opened itself ends without an error, or at once when registered
    outside any, as they would in production. Transactional tests commit for real."""
    if not request.config.pluginmanager.hasplugin("django"):
        yield
        return
    from django.db import connections
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.transaction import Atomic

    def only_the_tests_blocks(connection):
        return all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)

    def run_pending(connection):
        pending, connection.run_on_commit = connection.run_on_commit, []
        for _, callback, _ in pending:
            callback()

    original_exit, original_on_commit = Atomic.__exit__, BaseDatabaseWrapper.on_commit

    def exit_and_commit(self, exc_type, exc_value, traceback):
        result = original_exit(self, exc_type, exc_value, traceback)
        connection = connections[self.using or "default"]
        if exc_type is None and connection.in_atomic_block and only_the_tests_blocks(connection):
            run_pending(connection)
        return result

    def on_commit(self, func, robust=False):
        if self.in_atomic_block and only_the_tests_blocks(self):
            func()
        else:
            original_on_commit(self, func, robust)

    Atomic.__exit__, BaseDatabaseWrapper.on_commit = exit_and_commit, on_commit
    try:
        yield
    finally:
        Atomic.__exit__, BaseDatabaseWrapper.on_commit = original_exit, original_on_commit


@pytest.fixture
def no_waiting():
    """A test that would wait for ever (a named pipe opened to be read) fails after ten seconds instead."""

    def waited(signum, frame):
        raise TimeoutError("waited ten seconds")

    previous = signal.signal(signal.SIGALRM, waited)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)
