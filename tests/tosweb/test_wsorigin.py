from __future__ import annotations

from typing import Any

from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from tosweb.wsorigin import origin_allowed, parse_origin

SITE = {"ALLOWED_HOSTS": ["dash.example.org", "127.0.0.1"], "CSRF_TRUSTED_ORIGINS": []}


def scope(origin: str | None, host: str, scheme: str = "ws", **headers: str) -> dict[str, Any]:
    sent = [(b"host", host.encode())]
    if origin is not None:
        sent.append((b"origin", origin.encode()))
    sent += [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]
    return {"type": "websocket", "scheme": scheme, "headers": sent}


@override_settings(**SITE)
def test_the_sites_own_origin_is_allowed_with_or_without_its_default_port() -> None:
    assert origin_allowed(scope("http://127.0.0.1:8000", "127.0.0.1:8000"))
    assert origin_allowed(scope("https://dash.example.org", "dash.example.org", scheme="wss"))
    assert origin_allowed(scope("https://dash.example.org:443", "dash.example.org", scheme="wss"))
    assert origin_allowed(scope("HTTP://127.0.0.1:8000", "127.0.0.1:8000"))


@override_settings(**SITE)
def test_another_port_scheme_or_host_is_refused() -> None:
    assert not origin_allowed(scope("http://127.0.0.1:9999", "127.0.0.1:8000"))
    assert not origin_allowed(scope("https://127.0.0.1:8000", "127.0.0.1:8000"))
    assert not origin_allowed(scope("http://evil.example", "127.0.0.1:8000"))
    assert not origin_allowed(scope(None, "127.0.0.1:8000"))
    assert not origin_allowed(scope("null", "127.0.0.1:8000"))


@override_settings(**SITE)
def test_a_host_outside_allowed_hosts_is_refused_even_from_its_own_origin() -> None:
    assert not origin_allowed(scope("http://evil.example", "evil.example"))


@override_settings(**SITE, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_a_tls_proxy_the_site_is_https_as_the_proxy_header_says() -> None:
    behind = scope("https://dash.example.org", "dash.example.org", x_forwarded_proto="https")
    assert origin_allowed(behind)
    assert not origin_allowed(scope("https://dash.example.org", "dash.example.org"))
    assert not origin_allowed(scope("http://dash.example.org", "dash.example.org", x_forwarded_proto="https"))


@override_settings(**{**SITE, "CSRF_TRUSTED_ORIGINS": ["https://dash.example.org", "https://*.example.net"]})
def test_csrf_trusted_origins_are_allowed_exactly_or_by_their_wildcard() -> None:
    assert origin_allowed(scope("https://dash.example.org", "127.0.0.1:8000"))
    assert origin_allowed(scope("https://app.example.net", "127.0.0.1:8000"))
    assert not origin_allowed(scope("https://example.net.evil.example", "127.0.0.1:8000"))
    assert not origin_allowed(scope("https://dash.example.org:8443", "127.0.0.1:8000"))
    assert not origin_allowed(scope("http://dash.example.org", "127.0.0.1:8000"))


schemes = st.sampled_from(["http", "https"])
hosts = st.sampled_from(["127.0.0.1", "dash.example.org", "localhost", "evil.example"])
ports = st.one_of(st.none(), st.sampled_from([80, 443, 8000, 9999]))


def origin_text(scheme: str, host: str, port: int | None) -> str:
    return f"{scheme}://{host}" + (f":{port}" if port else "")


@given(scheme=schemes, host=hosts, port=ports, site_scheme=schemes, site_host=hosts, site_port=ports)
def test_an_origin_is_allowed_exactly_when_scheme_host_and_port_are_the_sites(
    scheme: str, host: str, port: int | None, site_scheme: str, site_host: str, site_port: int | None
) -> None:
    origin = origin_text(scheme, host, port)
    host_header = site_host + (f":{site_port}" if site_port else "")
    with override_settings(**SITE):
        allowed = origin_allowed(scope(origin, host_header, scheme="wss" if site_scheme == "https" else "ws"))
    same = parse_origin(origin) == parse_origin(origin_text(site_scheme, site_host, site_port))
    assert allowed == (same and site_host in SITE["ALLOWED_HOSTS"])
