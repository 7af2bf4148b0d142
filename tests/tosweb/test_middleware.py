from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings as SettingsWrapper

from tosweb.middleware import SecurityHeadersMiddleware, build_policy, parse_extra_sources


def respond(response: HttpResponse | None = None) -> HttpResponse:
    def view(request: HttpRequest) -> HttpResponse:
        return response or HttpResponse("ok")

    middleware = SecurityHeadersMiddleware(view)
    result = middleware(RequestFactory().get("/tasks/"))
    assert isinstance(result, HttpResponse)
    return result


def test_every_response_allows_only_our_own_files() -> None:
    policy = respond()["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self';" in policy
    assert "style-src 'self';" in policy
    assert "img-src 'self' data:;" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe" not in policy


def test_report_only_sends_the_report_only_header(settings: SettingsWrapper) -> None:
    settings.CSP_REPORT_ONLY = True
    settings.CSP_REPORT_URI = "/csp-report"
    response = respond()
    assert "Content-Security-Policy" not in response
    assert response["Content-Security-Policy-Report-Only"].endswith("report-uri /csp-report")


def test_extra_sources_are_added_to_their_directive(settings: SettingsWrapper) -> None:
    settings.CSP_EXTRA_SOURCES = parse_extra_sources("img-src https://cdn.example; worker-src 'self'")
    policy = respond()["Content-Security-Policy"]
    assert "img-src 'self' data: https://cdn.example;" in policy
    assert "worker-src 'self'" in policy


def test_a_view_that_sets_its_own_policy_keeps_it() -> None:
    own = HttpResponse("ok")
    own["Content-Security-Policy"] = "default-src 'none'"
    assert respond(own)["Content-Security-Policy"] == "default-src 'none'"


def test_build_policy_does_not_repeat_a_source() -> None:
    assert build_policy({"script-src": ["'self'"]}).count("script-src 'self';") == 1


def test_every_response_has_a_permissions_policy_that_denies_what_no_page_uses() -> None:
    policy = respond()["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy
    assert "clipboard-write" not in policy  # the address's copy button


# --- pages, through the whole middleware stack --------------------------------------------------------

REMOTE = "203.0.113.9"


@pytest.fixture
def debug_on(settings: SettingsWrapper) -> None:
    settings.DEBUG = True
    settings.TRUSTED_PROXIES = ()


def crash(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the leaderboard view fail the way a bug would."""

    def broken(period: str) -> object:
        raise RuntimeError("a bug in the leaderboard")

    monkeypatch.setattr("dashboard.views.leaderboard.services.leaderboards", broken)


@pytest.mark.django_db
@pytest.mark.usefixtures("use_redis")
def test_private_pages_are_not_stored_and_public_ones_may_be(client: Client) -> None:
    public = client.get("/tasks/")
    assert "no-store" not in public.get("Cache-Control", "")
    client.force_login(User.objects.create_user("alice", password="a-long-passphrase"))
    for path in ("/wallet/", "/account/", "/mining/earnings/", "/tasks/", "/mining/auto/"):
        reply = client.get(path)
        directives = {part.strip() for part in reply["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, path
        assert reply["Permissions-Policy"], path


@pytest.mark.django_db
@pytest.mark.usefixtures("use_redis", "debug_on")
def test_with_debug_on_a_visitor_gets_the_plain_404_page_without_url_patterns(client: Client) -> None:
    reply = client.get("/no-such-page/", REMOTE_ADDR=REMOTE)
    assert reply.status_code == 404
    page = reply.content.decode()
    assert "Page not found" in page
    for leak in ("URLconf", "DEBUG = True", "admin/"):
        assert leak not in page
    assert "?debug" not in page  # the hint is for this machine only
    assert reply["Content-Security-Policy"]  # the headers of every page still apply


@pytest.mark.django_db
@pytest.mark.usefixtures("use_redis", "debug_on")
def test_with_debug_on_a_local_client_sees_the_url_patterns_only_when_it_asks(client: Client) -> None:
    plain = client.get("/no-such-page/")
    assert "URLconf" not in plain.content.decode()
    assert "?debug" in plain.content.decode()
    asked = client.get("/no-such-page/?debug")
    assert asked.status_code == 404
    assert "Using the URLconf defined in" in asked.content.decode()
    # A proxy on this machine that is not a trusted one relays everyone from 127.0.0.1.
    relayed = client.get("/no-such-page/?debug", HTTP_X_FORWARDED_FOR=REMOTE)
    assert "URLconf" not in relayed.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("use_redis", "debug_on")
def test_with_debug_on_a_visitor_gets_the_plain_500_page_and_this_machine_the_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    crash(monkeypatch)
    client = Client(raise_request_exception=False)
    reply = client.get("/leaderboard/", REMOTE_ADDR=REMOTE)
    assert reply.status_code == 500
    page = reply.content.decode()
    assert "Something went wrong" in page
    for leak in ("a bug in the leaderboard", "REDIS_URL", "Traceback"):
        assert leak not in page
    as_text = client.get("/leaderboard/", REMOTE_ADDR=REMOTE, HTTP_ACCEPT="text/plain")
    assert "REDIS_URL" not in as_text.content.decode()
    local = client.get("/leaderboard/")
    assert local.status_code == 500
    assert "a bug in the leaderboard" in local.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("use_redis", "debug_on")
def test_with_debug_on_a_refused_host_shows_a_visitor_the_plain_400_page(client: Client) -> None:
    reply = client.get("/login/", REMOTE_ADDR=REMOTE, HTTP_HOST="evil.example")
    assert reply.status_code == 400
    assert "Bad request" in reply.content.decode()
    assert "ALLOWED_HOSTS" not in reply.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("use_redis")
def test_with_debug_off_everyone_gets_the_plain_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    crash(monkeypatch)
    client = Client(raise_request_exception=False)
    assert "Page not found" in client.get("/no-such-page/?debug").content.decode()
    assert "Something went wrong" in client.get("/leaderboard/").content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("use_redis", "debug_on")
@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.%", min_size=1, max_size=12), max_size=4
    ),
    query=st.sampled_from(["", "?debug", "?debug=1", "?page=x"]),
    host=st.sampled_from(["127.0.0.1", "evil.example", "localhost:9"]),
)
def test_no_address_gives_a_visitor_a_debug_page(path: list[str], query: str, host: str) -> None:
    reply = Client(raise_request_exception=False).get(
        "/" + "/".join(path) + query, REMOTE_ADDR=REMOTE, HTTP_HOST=host
    )
    assert b"DEBUG = True" not in reply.content
