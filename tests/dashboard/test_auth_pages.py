from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_login_page_renders_a_labelled_form_with_a_csrf_token(client: Client) -> None:
    reply = client.get("/login/")
    assert reply.status_code == 200
    html = reply.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html


def test_the_home_page_shows_anonymous_visitors_the_public_network_page(client: Client) -> None:
    reply = client.get("/")
    assert reply.status_code == 302
    assert reply["Location"] == "/network/"


def test_a_user_logs_in_and_sees_their_name(client: Client) -> None:
    User.objects.create_user("alice", password="a-long-passphrase")
    reply = client.post("/login/", {"username": "alice", "password": "a-long-passphrase"}, follow=True)
    assert reply.status_code == 200
    assert "Welcome, alice" in reply.content.decode()


def test_a_wrong_password_shows_an_error_and_no_session(client: Client) -> None:
    User.objects.create_user("alice", password="a-long-passphrase")
    reply = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert reply.status_code == 200
    assert "Please enter a correct username and password" in reply.content.decode()
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2() -> None:
    user = User.objects.create_user("alice", password="a-long-passphrase")
    assert user.password.startswith("argon2$")


def test_a_get_on_logout_asks_first_and_a_post_logs_out(client: Client) -> None:
    client.force_login(User.objects.create_user("alice", password="a-long-passphrase"))

    asked = client.get("/logout/")

    assert asked.status_code == 200
    assert "Log out?" in asked.content.decode()
    assert "_auth_user_id" in client.session
    assert client.post("/logout/")["Location"] == "/login/"
    assert "_auth_user_id" not in client.session
    assert client.get("/logout/")["Location"] == "/login/"


def test_the_sign_up_page_says_what_each_role_is_for_as_the_account_page_does(client: Client) -> None:
    signup = client.get("/signup/").content.decode()
    client.force_login(User.objects.create_user("alice", password="a-long-passphrase"))
    account = client.get("/account/").content.decode()

    for words in ("Post paid tasks", "Stake on tasks and submit solutions", "Score other miners"):
        assert words in signup
        assert words in account


def test_logged_out_the_navigation_offers_the_public_pages(client: Client) -> None:
    html = client.get("/login/").content.decode()

    nav = html.split('<nav aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    assert '<a href="/network/">At a glance</a>' in nav
    assert '<a href="/tasks/">All tasks</a>' in nav
    assert '<a href="/leaderboard/">Leaderboards</a>' in nav
    assert client.get("/leaderboard/").status_code == 200
