from __future__ import annotations

import ipaddress

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.test import RequestFactory, override_settings
from hypothesis import given
from hypothesis import strategies as st
from pytest_django.fixtures import Settings as SettingsWrapper

from tosweb.clientaddr import client_address, is_local_client, parse_networks

PROXY = "10.0.0.5"


def request(remote: str, forwarded_for: str | None = None, **meta: str) -> HttpRequest:
    made = RequestFactory().get("/")
    made.META.update(REMOTE_ADDR=remote, **meta)
    if forwarded_for is not None:
        made.META["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return made


@pytest.fixture
def behind_proxy(settings: SettingsWrapper) -> None:
    settings.TRUSTED_PROXIES = parse_networks("TOS_TRUSTED_PROXIES", [PROXY, "192.168.0.0/16"])


def test_without_trusted_proxies_the_client_is_the_connection_whatever_it_claims(
    settings: SettingsWrapper,
) -> None:
    settings.TRUSTED_PROXIES = ()
    assert client_address(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@pytest.mark.usefixtures("behind_proxy")
def test_a_trusted_proxy_names_the_client_rightmost_first() -> None:
    # The client claims 1.1.1.1; the proxy appended the address it really saw.
    assert client_address(request(PROXY, "1.1.1.1, 203.0.113.7")) == "203.0.113.7"
    # Two trusted proxies in a row: the first hop that is not one of them.
    assert client_address(request(PROXY, "1.1.1.1, 203.0.113.7, 192.168.4.4")) == "203.0.113.7"


@pytest.mark.usefixtures("behind_proxy")
def test_an_untrusted_sender_cannot_choose_its_address_with_the_header() -> None:
    assert client_address(request("203.0.113.9", "127.0.0.1")) == "203.0.113.9"


@pytest.mark.usefixtures("behind_proxy")
def test_a_malformed_hop_stops_the_walk_at_the_last_trusted_one() -> None:
    assert client_address(request(PROXY, "203.0.113.7, junk")) == PROXY
    assert client_address(request(PROXY, "")) == PROXY


@pytest.mark.usefixtures("behind_proxy")
def test_ports_brackets_and_mapped_addresses_are_read() -> None:
    assert client_address(request(PROXY, "203.0.113.7:5555")) == "203.0.113.7"
    assert client_address(request(PROXY, "[2001:db8::1]:443")) == "2001:db8::1"
    assert client_address(request("::ffff:10.0.0.5", "203.0.113.7")) == "203.0.113.7"


def test_a_bad_proxy_entry_stops_start_up_naming_the_setting() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"TOS_TRUSTED_PROXIES has 'proxy\.local'"):
        parse_networks("TOS_TRUSTED_PROXIES", ["proxy.local"])


def test_a_local_client_is_loopback_and_not_relayed(settings: SettingsWrapper) -> None:
    settings.TRUSTED_PROXIES = ()
    assert is_local_client(request("127.0.0.1"))
    assert is_local_client(request("::1"))
    assert not is_local_client(request("203.0.113.9"))
    # A proxy on this machine that is not named as trusted: every visitor would look local.
    assert not is_local_client(request("127.0.0.1", "203.0.113.9"))
    assert not is_local_client(request("127.0.0.1", HTTP_X_REAL_IP="203.0.113.9"))
    assert not is_local_client(request("127.0.0.1", HTTP_FORWARDED="for=203.0.113.9"))


def test_a_trusted_local_proxy_relays_local_and_remote_clients_as_they_are(settings: SettingsWrapper) -> None:
    settings.TRUSTED_PROXIES = parse_networks("TOS_TRUSTED_PROXIES", ["127.0.0.1"])
    assert not is_local_client(request("127.0.0.1", "203.0.113.9"))
    assert is_local_client(request("127.0.0.1", "127.0.0.1"))


addresses = st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)).map(str)
hops = st.lists(st.one_of(addresses, st.text(max_size=12)), max_size=6)


@given(remote=addresses, chain=hops)
def test_the_client_is_always_the_connection_or_a_hop_a_trusted_proxy_appended(
    remote: str, chain: list[str]
) -> None:
    header = ", ".join(hop.replace(",", "") for hop in chain)
    with override_settings(TRUSTED_PROXIES=parse_networks("TOS_TRUSTED_PROXIES", [PROXY, "192.168.0.0/16"])):
        found = client_address(request(remote, header))
    trusted = [ipaddress.ip_network(PROXY), ipaddress.ip_network("192.168.0.0/16")]
    remote_ip = ipaddress.ip_address(remote)
    remote_ip = getattr(remote_ip, "ipv4_mapped", None) or remote_ip
    if not any(remote_ip in net for net in trusted):
        assert found == str(remote_ip)
    else:
        # Whatever the header says, the answer is a real address from the right end of the chain.
        assert found == str(remote_ip) or found in {
            str(
                getattr(ipaddress.ip_address(h.strip()), "ipv4_mapped", None)
                or ipaddress.ip_address(h.strip())
            )
            for h in chain
            if _is_ip(h)
        }


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    return True
