"""Logins are throttled (django-axes) and a forgotten password is reset by email (issue 15, problem 7)."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"
LOGIN = "/accounts/login/"


def log_in(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client):
    return "_auth_user_id" in client.session


def test_after_five_wrong_passwords_even_the_right_one_is_refused_with_a_clear_message(client, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    user = make_user("Editor")
    for _ in range(4):
        assert log_in(client, user.username, "wrong").status_code == 200  # the form again, with its error
    assert log_in(client, user.username, "wrong").status_code == 429  # the fifth locks
    response = log_in(client, user.username, PASSWORD)
    assert response.status_code == 429 and not logged_in(client)
    page = response.content.decode()
    assert "Too many failed logins for this username from your address" in page and "60 minutes" in page
    assert 'name="password"' in page and reverse("password_reset") in page  # still the login page


def test_thirty_wrong_passwords_then_the_right_one_does_not_log_in(client):
    user = make_user("Editor")
    for _ in range(30):
        log_in(client, user.username, "wrong")
    assert log_in(client, user.username, PASSWORD).status_code == 429 and not logged_in(client)


def test_the_lockout_is_per_username_and_address(client):
    user, other = make_user("Editor"), make_user("Editor")
    for _ in range(5):
        log_in(client, user.username, "wrong", ip="10.0.0.1")
    assert log_in(client, other.username, PASSWORD, ip="10.0.0.1").status_code == 302  # another user, same address
    client.logout()
    assert log_in(client, user.username, PASSWORD, ip="10.0.0.2").status_code == 302  # the user, elsewhere


def test_a_successful_login_resets_the_count(client):
    user = make_user("Editor")
    for _ in range(4):
        log_in(client, user.username, "wrong")
    assert log_in(client, user.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        log_in(client, user.username, "wrong")
    assert log_in(client, user.username, PASSWORD).status_code == 302


def test_an_administrator_unlocks_a_user_in_the_admin(client):
    user = make_user("Editor")
    for _ in range(5):
        log_in(client, user.username, "wrong")
    attempt = AccessAttempt.objects.get(username=user.username)
    admin = make_user(None, superuser=True)
    client.force_login(admin)
    listing = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert user.username in listing
    response = client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert response.status_code == 302
    client.logout()
    assert log_in(client, user.username, PASSWORD).status_code == 302 and logged_in(client)


def test_the_login_page_links_to_the_password_reset(client):
    page = client.get(LOGIN).content.decode()
    assert f'href="{reverse("password_reset")}">Forgot your password?</a>' in page


def test_a_password_reset_mail_is_sent_and_its_link_sets_a_new_password(client):
    user = make_user("Editor")
    user.email = "editor@example.org"
    user.save()
    response = client.post(reverse("password_reset"), {"email": "editor@example.org"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["editor@example.org"]
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and "new_password1" in form_page.content.decode()
    new_password = "a-new-Passw0rd-for-the-desk"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert log_in(client, user.username, new_password).status_code == 302 and logged_in(client)


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_the_default_mail_backend_prints_to_the_console():
    from desk import settings as project_settings

    assert project_settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
