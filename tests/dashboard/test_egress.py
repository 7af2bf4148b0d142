"""The address check of calls to user-chosen URLs, on the address each call resolves."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st
from pytest_django.fixtures import Settings as SettingsWrapper

from dashboard import egress
from dashboard.egress import ForbiddenTarget, check_target, check_url, parse_allowed_targets, pin


@pytest.fixture
def production(settings: SettingsWrapper) -> SettingsWrapper:
    settings.SOLVER_ALLOW_LOOPBACK = False
    settings.SOLVER_ALLOWED_ADDRESSES = ()
    return settings


def resolving_to(monkeypatch: pytest.MonkeyPatch, *addresses: str) -> None:
    """Make every host name resolve to `addresses` (as a DNS answer the attacker controls would)."""

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses]

    monkeypatch.setattr(egress.socket, "getaddrinfo", getaddrinfo)


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1:6379/", "loopback"),
        ("http://[::1]:8545/", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.1.2.3/v1", "private network"),
        ("http://192.168.0.10:11434/v1", "private network"),
        ("http://[fd00::5]/v1", "private network"),
        ("http://0.0.0.0:8000/", "unspecified"),
        ("http://[::]:8000/", "unspecified"),
        ("http://100.64.0.1/", "reserved"),
        ("http://[::ffff:127.0.0.1]:6379/", "loopback"),
    ],
)
def test_production_refuses_internal_addresses_in_words(url: str, kind: str) -> None:
    with pytest.raises(ForbiddenTarget, match=kind) as refused:
        pin(url)
    assert "TOS_SOLVER_ALLOWED_ADDRESSES" in str(refused.value)


@pytest.mark.usefixtures("production")
def test_a_name_is_checked_on_the_address_it_resolves_to(monkeypatch: pytest.MonkeyPatch) -> None:
    resolving_to(monkeypatch, "127.0.0.1")
    with pytest.raises(ForbiddenTarget, match=r"solver\.example \(127\.0\.0\.1\) is a loopback address"):
        pin("https://solver.example/v1")


@pytest.mark.usefixtures("production")
def test_the_request_is_pinned_to_the_address_checked_and_keeps_the_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolving_to(monkeypatch, "10.0.0.9", "93.184.215.14")
    pinned = pin("https://solver.example:8443/v1/chat")
    assert str(pinned.url) == "https://93.184.215.14:8443/v1/chat"
    assert pinned.headers == {"Host": "solver.example:8443"}
    assert pinned.extensions == {"sni_hostname": "solver.example"}


def test_development_allows_loopback_but_not_private_or_link_local(settings: SettingsWrapper) -> None:
    settings.SOLVER_ALLOW_LOOPBACK = True
    settings.SOLVER_ALLOWED_ADDRESSES = ()
    pin("http://127.0.0.1:11434/v1")
    with pytest.raises(ForbiddenTarget):
        pin("http://169.254.169.254/")
    with pytest.raises(ForbiddenTarget):
        pin("http://10.0.0.1/")


def test_the_allow_list_names_a_service_by_address_port_block_or_name(production: SettingsWrapper) -> None:
    production.SOLVER_ALLOWED_ADDRESSES = parse_allowed_targets(
        "TOS_SOLVER_ALLOWED_ADDRESSES", ["127.0.0.1:11434", "10.20.0.0/16", "ollama.internal:8080"]
    )
    pin("http://127.0.0.1:11434/v1")
    with pytest.raises(ForbiddenTarget):
        pin("http://127.0.0.1:6379/")  # the same host, another port: Redis stays out of reach
    pin("http://10.20.3.4/v1")
    check_target("ollama.internal", ipaddress.ip_address("10.9.9.9"), 8080)
    with pytest.raises(ForbiddenTarget):
        check_target("ollama.internal", ipaddress.ip_address("10.9.9.9"), 9090)


@pytest.mark.parametrize("entry", ["127.0.0.1:http", "10.0.0.0/33", "[::1]:99999", ":80"])
def test_a_bad_allow_list_entry_stops_start_up_naming_the_setting(entry: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="TOS_SOLVER_ALLOWED_ADDRESSES"):
        parse_allowed_targets("TOS_SOLVER_ALLOWED_ADDRESSES", [entry])


@pytest.mark.usefixtures("production")
def test_only_http_and_https_urls_are_called() -> None:
    for url in ("file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO"):
        with pytest.raises(ForbiddenTarget, match="not an http"):
            pin(url)


@pytest.mark.usefixtures("production")
def test_saving_accepts_a_name_that_does_not_resolve_now(monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror("no such host")

    monkeypatch.setattr(egress.socket, "getaddrinfo", fails)
    check_url("https://not-yet.example/v1")  # checked again at every call
    with pytest.raises(egress.Unresolvable):
        pin("https://not-yet.example/v1")


addresses = st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6))


@given(address=addresses, loopback_allowed=st.booleans())
def test_an_address_is_refused_exactly_when_it_is_not_public_and_not_allowed(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, loopback_allowed: bool
) -> None:
    mapped = getattr(address, "ipv4_mapped", None) or address
    with override_settings(SOLVER_ALLOW_LOOPBACK=loopback_allowed, SOLVER_ALLOWED_ADDRESSES=()):
        try:
            pin(f"http://{'[' + str(address) + ']' if address.version == 6 else address}:80/")
            refused = False
        except ForbiddenTarget:
            refused = True
    allowed = mapped.is_global or (loopback_allowed and mapped.is_loopback)
    assert refused is not allowed
