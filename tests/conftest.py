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
    # The dashboard is cached by a fingerprint of ids; a rolled-back test can leave ids to be reused.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
