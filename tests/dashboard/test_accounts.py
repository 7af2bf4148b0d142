from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dashboard.models import Profile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("use_redis")]


def signup(client: Client, **overrides: str) -> Any:
    data = {"username": "carol", "password1": "correct horse battery", "password2": "correct horse battery"}
    data.update(overrides)
    return client.post("/signup/", data)


def test_signup_creates_the_user_with_the_roles_they_chose_and_logs_them_in(client: Client) -> None:
    reply = signup(client, is_miner="on", is_validator="on")
    assert reply.status_code == 302
    assert reply["Location"] == "/wallet/"
    profile = Profile.objects.get(user__username="carol")
    assert (profile.is_publisher, profile.is_miner, profile.is_validator) == (False, True, True)
    assert client.session["_auth_user_id"] == str(profile.user_id)


def test_signup_without_a_role_says_so_and_creates_nothing(client: Client) -> None:
    reply = signup(client)
    assert reply.status_code == 200
    assert "Choose at least one role." in reply.content.decode()
    assert not User.objects.filter(username="carol").exists()


def test_signup_with_mismatched_passwords_shows_the_error_at_the_field(client: Client) -> None:
    reply = signup(client, password2="something else", is_publisher="on")
    html = reply.content.decode()
    assert "The two password fields didn" in html
    assert 'class="field has-error"' in html


def test_the_navigation_shows_the_pages_of_the_chosen_roles(client: Client) -> None:
    signup(client, is_miner="on")
    html = client.get("/account/").content.decode()
    assert 'href="/tasks/new/"' not in html
    client.post("/account/", {"is_publisher": "on", "is_miner": "on"})
    html = client.get("/account/").content.decode()
    assert 'href="/tasks/new/"' in html


def test_roles_cannot_all_be_turned_off(client: Client) -> None:
    signup(client, is_publisher="on")
    reply = client.post("/account/", {})
    assert "Choose at least one role." in reply.content.decode()
    assert Profile.objects.get(user__username="carol").is_publisher is True


def test_a_user_changes_their_password(client: Client) -> None:
    signup(client, is_publisher="on")
    reply = client.post(
        "/account/password/",
        {
            "old_password": "correct horse battery",
            "new_password1": "an even longer passphrase",
            "new_password2": "an even longer passphrase",
        },
    )
    assert reply.status_code == 302
    assert User.objects.get(username="carol").check_password("an even longer passphrase")


def test_login_is_refused_after_five_failures_even_with_the_right_password(client: Client) -> None:
    User.objects.create_user("dave", password="the right passphrase")
    for _ in range(5):
        assert client.post("/login/", {"username": "dave", "password": "wrong"}).status_code == 200
    reply = client.post("/login/", {"username": "dave", "password": "the right passphrase"})
    assert reply.status_code == 429
    assert "Too many login attempts. Try again in" in reply.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_for_one_account_do_not_lock_out_another(client: Client) -> None:
    User.objects.create_user("dave", password="the right passphrase")
    User.objects.create_user("erin", password="erins passphrase")
    for _ in range(5):
        client.post("/login/", {"username": "dave", "password": "wrong"})
    reply = client.post("/login/", {"username": "erin", "password": "erins passphrase"})
    assert reply.status_code == 302


def test_login_works_when_redis_is_down(client: Client, settings) -> None:
    from tests.support.devnode import free_port

    url = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    User.objects.create_user("dave", password="the right passphrase")
    reply = client.post("/login/", {"username": "dave", "password": "the right passphrase"})
    assert reply.status_code == 302
