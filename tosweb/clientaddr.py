"""The client's address: REMOTE_ADDR, or the X-Forwarded-For hop that the trusted proxies vouch for.

X-Forwarded-For is written by whoever sends the request, so it is read only when the connection comes from a
proxy named in TOS_TRUSTED_PROXIES, and then from the right: each trusted proxy appends the address it saw,
so the first hop from the right that is not a trusted proxy is the client. Anything left of it is the
client's own claim and is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Headers a proxy adds: a request that carries one came through something, even if it claims loopback.
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def parse_networks(name: str, entries: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or CIDR blocks from a setting; a bad entry stops start-up naming the variable."""
    networks: list[Network] = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip().strip("[]"), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} has {entry!r}, which is not an IP address or a CIDR block (e.g. 10.0.0.0/8)."
            ) from None
    return tuple(networks)


def parse_address(text: str) -> Address | None:
    """An address as it appears in a header or REMOTE_ADDR ("1.2.3.4", "1.2.3.4:5678", "[::1]:80")."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, proxies: Sequence[Network]) -> bool:
    return any(address in network for network in proxies)


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent `request`, as a string ("unknown" when there is none)."""
    proxies: Sequence[Network] = settings.TRUSTED_PROXIES
    remote = parse_address(str(request.META.get("REMOTE_ADDR", "")))
    if remote is None:
        return "unknown"
    if not _trusted(remote, proxies):
        return str(remote)
    candidate = remote
    hops = str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            break  # a malformed hop: nothing left of it was written by a proxy we trust
        if not _trusted(address, proxies):
            return str(address)
        candidate = address
    return str(candidate)


def is_local_client(request: HttpRequest) -> bool:
    """Whether the client is on this machine: a loopback address, not a visitor relayed by a local proxy."""
    address = parse_address(client_address(request))
    if address is None or not address.is_loopback:
        return False
    remote = parse_address(str(request.META.get("REMOTE_ADDR", "")))
    relayed = any(request.META.get(header) for header in FORWARDING_HEADERS)
    # Through a proxy that is not named as trusted, every visitor arrives from loopback.
    return not relayed or (remote is not None and _trusted(remote, settings.TRUSTED_PROXIES))
