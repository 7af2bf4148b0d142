from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

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


RIGHT = {"username": "dave", "password": "the right passphrase"}
WRONG = {"username": "dave", "password": "wrong"}
STRANGER, OWNER = "203.0.113.66", "198.51.100.7"


@pytest.fixture
def quick_hashing(settings: Any) -> None:
    """The limits, not the hashing, are under test: these tests try dozens of passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def guess(client: Client, times: int, address: str = "127.0.0.1", **data: str) -> None:
    for _ in range(times):
        reply = client.post("/login/", data or WRONG, REMOTE_ADDR=address)
        assert reply.status_code in (200, 429), reply.status_code


def test_a_client_that_failed_five_times_is_refused_even_with_the_right_password(client: Client) -> None:
    User.objects.create_user("dave", password="the right passphrase")
    guess(client, 5, STRANGER)
    reply = client.post("/login/", RIGHT, REMOTE_ADDR=STRANGER)
    assert reply.status_code == 429
    assert 0 < int(reply["Retry-After"]) <= 15 * 60
    assert "Too many failed logins to this account from here. Try again in" in reply.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.usefixtures("quick_hashing")
def test_a_strangers_failures_do_not_lock_the_owner_out_from_another_address(client: Client) -> None:
    User.objects.create_user("dave", password="the right passphrase")
    guess(Client(), 20, STRANGER)
    assert client.post("/login/", RIGHT, REMOTE_ADDR=OWNER).status_code == 302


@pytest.mark.usefixtures("quick_hashing")
def test_a_strangers_failures_from_the_owners_address_do_not_lock_out_the_owners_browser(
    client: Client,
) -> None:
    # Behind a proxy that is not configured as trusted, everyone shares one address: the owner's browser,
    # which logged in before, carries a device cookie and is counted on its own.
    User.objects.create_user("dave", password="the right passphrase")
    assert client.post("/login/", RIGHT, REMOTE_ADDR=OWNER).status_code == 302
    client.post("/logout/")
    guess(Client(), 20, OWNER)
    assert Client().post("/login/", RIGHT, REMOTE_ADDR=OWNER).status_code == 429  # a new browser there waits
    assert client.post("/login/", RIGHT, REMOTE_ADDR=OWNER).status_code == 302


def test_a_known_browser_that_guesses_is_locked_out_on_its_own(client: Client) -> None:
    User.objects.create_user("dave", password="the right passphrase")
    client.post("/login/", RIGHT)
    client.post("/logout/")
    guess(client, 5)
    assert client.post("/login/", RIGHT).status_code == 429
    assert Client().post("/login/", RIGHT).status_code == 302  # the address is not locked out


def test_a_forged_device_cookie_counts_as_an_unknown_browser(client: Client) -> None:
    User.objects.create_user("dave", password="the right passphrase")
    guess(Client(), 5, STRANGER)
    client.cookies["tos_device"] = "forged"
    assert client.post("/login/", RIGHT, REMOTE_ADDR=STRANGER).status_code == 429


@pytest.mark.usefixtures("quick_hashing")
def test_another_users_login_from_a_guessers_address_is_not_refused(client: Client) -> None:
    User.objects.create_user("dave", password="the right passphrase")
    User.objects.create_user("erin", password="erins passphrase")
    guess(Client(), 5, STRANGER)
    for name in ("frank", "grace", "heidi", "ivan", "judy", "mallory"):
        guess(Client(), 5, STRANGER, username=name, password="wrong")
    reply = client.post("/login/", {"username": "erin", "password": "erins passphrase"}, REMOTE_ADDR=STRANGER)
    assert reply.status_code == 302


def test_behind_a_trusted_proxy_each_client_is_counted_apart(client: Client, settings: Any) -> None:
    from tosweb.clientaddr import parse_networks

    settings.TRUSTED_PROXIES = parse_networks("TOS_TRUSTED_PROXIES", ["10.0.0.5"])
    User.objects.create_user("dave", password="the right passphrase")
    stranger = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=STRANGER)
    for _ in range(5):
        stranger.post("/login/", WRONG)
    assert stranger.post("/login/", RIGHT).status_code == 429
    owner = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=f"{STRANGER}, {OWNER}")
    assert owner.post("/login/", RIGHT).status_code == 302


@pytest.mark.usefixtures("quick_hashing")
def test_successful_logins_are_never_counted(client: Client) -> None:
    User.objects.create_user("dave", password="the right passphrase")
    for _ in range(35):
        assert Client().post("/login/", RIGHT).status_code == 302


def test_a_success_clears_the_clients_failures(client: Client) -> None:
    User.objects.create_user("dave", password="the right passphrase")
    guess(client, 4)
    assert client.post("/login/", RIGHT).status_code == 302
    client.post("/logout/")
    guess(client, 4)
    assert client.post("/login/", RIGHT).status_code == 302


def test_failures_for_one_account_do_not_lock_out_another(client: Client) -> None:
    User.objects.create_user("dave", password="the right passphrase")
    User.objects.create_user("erin", password="erins passphrase")
    guess(client, 5)
    reply = client.post("/login/", {"username": "erin", "password": "erins passphrase"})
    assert reply.status_code == 302


def test_login_works_when_redis_is_down(client: Client, settings) -> None:
    from tests.support.devnode import free_port

    url = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    User.objects.create_user("dave", password="the right passphrase")
    reply = client.post("/login/", {"username": "dave", "password": "the right passphrase"})
    assert reply.status_code == 302


ATTEMPTS = st.lists(
    st.tuples(st.sampled_from([STRANGER, OWNER, "192.0.2.44"]), st.sampled_from(["dave", "erin"])),
    max_size=14,
)


@pytest.mark.usefixtures("quick_hashing")
@hypothesis_settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(attempts=ATTEMPTS)
def test_no_sequence_of_strangers_failures_locks_out_a_known_browser_or_another_account(
    attempts: list[tuple[str, str]],
) -> None:
    cache.clear()
    User.objects.filter(username__in=["dave", "erin"]).delete()
    User.objects.create_user("dave", password="the right passphrase")
    User.objects.create_user("erin", password="erins passphrase")
    owner = Client()
    assert owner.post("/login/", RIGHT, REMOTE_ADDR=OWNER).status_code == 302
    owner.post("/logout/")
    for address, username in attempts:
        Client().post("/login/", {"username": username, "password": "wrong"}, REMOTE_ADDR=address)
    assert owner.post("/login/", RIGHT, REMOTE_ADDR=OWNER).status_code == 302
    assert owner.post("/login/", RIGHT, REMOTE_ADDR=STRANGER).status_code == 302  # wherever it connects from
    if attempts.count((OWNER, "erin")) < 5:  # fewer failures than the limit for erin from that address
        erin = {"username": "erin", "password": "erins passphrase"}
        assert Client().post("/login/", erin, REMOTE_ADDR=OWNER).status_code == 302
