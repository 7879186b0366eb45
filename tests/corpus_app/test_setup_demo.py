from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def test_demo_accounts_are_created_with_their_roles_and_printed(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("setup_demo", "--url", "http://127.0.0.1:8123/", stdout=out)
    printed = out.getvalue()
    assert "log in at http://127.0.0.1:8123/" in printed
    for username, password, role in [
        ("viewer", "desk-viewer-demo", "Viewer"),
        ("editor", "desk-editor-demo", "Editor"),
        ("reviewer", "desk-reviewer-demo", "Reviewer"),
    ]:
        # A login as the login page makes it: the throttling (django-axes) needs its request.
        user = authenticate(RequestFactory().post("/accounts/login/"), username=username, password=password)
        assert user is not None and list(user.groups.values_list("name", flat=True)) == [role]
        assert f"{username}" in printed and password in printed
    admin = authenticate(RequestFactory().post("/accounts/login/"), username="admin", password="desk-admin-demo")
    assert admin.is_superuser and admin.is_staff


def test_demo_accounts_are_refused_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("setup_demo", stdout=StringIO())
