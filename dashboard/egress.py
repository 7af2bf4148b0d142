"""Calls to addresses users choose (auto-mining's AI service): never into the dashboard's own networks.

A solver URL is the user's; the worker posts the prompt and the user's API key there. Pointed at a
loopback, private or link-local address it would reach what only the servers should: Redis, the node's
admin port, a cloud's metadata service. So the name is resolved when the call is made (a name that
resolved to a public address when saved may not later), the address is checked, and the connection goes to
that very address, with the original name kept for the Host header and TLS.

An operator allows an internal service by name, address or block, optionally with a port, in
TOS_SOLVER_ALLOWED_ADDRESSES (e.g. `127.0.0.1:11434` for Ollama on the same host); development allows
loopback, where the AI service under test usually is.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tosweb.clientaddr import Address, Network, parse_address


class ForbiddenTarget(Exception):
    """The address is internal and not allowed; the message says so in words for the user's run log."""


class Unresolvable(Exception):
    """The host name does not resolve (now)."""


@dataclass(frozen=True)
class AllowedTarget:
    """One entry of TOS_SOLVER_ALLOWED_ADDRESSES: a host name or addresses, on one port or any."""

    host: str | None = None
    network: Network | None = None
    port: int | None = None

    def matches(self, host: str, address: Address, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.host is not None:
            return self.host == host.lower()
        return self.network is not None and address in self.network


def parse_allowed_targets(name: str, entries: Iterable[str]) -> tuple[AllowedTarget, ...]:
    """`host`, `host:port`, `10.0.0.0/8`, `127.0.0.1:11434`, `[::1]:11434`; a bad entry stops start-up."""
    targets: list[AllowedTarget] = []
    for raw in entries:
        entry, port = raw.strip(), None
        if entry.startswith("["):
            entry, _, rest = entry[1:].partition("]")
            port_text = rest.removeprefix(":") or None
        elif entry.count(":") == 1:
            entry, port_text = entry.split(":")
        else:
            port_text = None
        try:
            port = int(port_text) if port_text is not None else None
            if port is not None and not 0 < port < 65536:
                raise ValueError
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} has {raw!r}, whose port is not a number from 1 to 65535."
            ) from None
        try:
            targets.append(AllowedTarget(network=ipaddress.ip_network(entry, strict=False), port=port))
        except ValueError:
            if not entry or "/" in entry:
                raise ImproperlyConfigured(
                    f"{name} has {raw!r}: use a host name, an IP address or a CIDR block, optionally with :port."
                ) from None
            targets.append(AllowedTarget(host=entry.lower(), port=port))
    return tuple(targets)


def internal_kind(address: Address) -> str | None:
    """What kind of internal address this is, in words; None for a public one."""
    if address.is_loopback:
        return "a loopback address (this server itself)"
    if address.is_unspecified:  # connecting to 0.0.0.0 or :: reaches this server too
        return "the unspecified address (this server itself)"
    if address.is_link_local:
        return "a link-local address (such as a cloud's metadata service)"
    if address.is_private:
        return "a private network address"
    if not address.is_global:
        return "a reserved address"
    return None


def check_target(
    host: str, address: Address, port: int, *, what: str = "the AI service", caller: str = "auto-mining"
) -> None:
    """Refuse an internal `address` unless development allows loopback or the allow-list names it.

    `what` and `caller` name the target and who calls it in the refusal's words (a webhook, notifications)."""
    kind = internal_kind(address)
    if kind is None:
        return
    if address.is_loopback and settings.SOLVER_ALLOW_LOOPBACK:
        return
    if any(target.matches(host, address, port) for target in settings.SOLVER_ALLOWED_ADDRESSES):
        return
    named = host if host == str(address) else f"{host} ({address})"
    raise ForbiddenTarget(
        f"{what}'s address {named} is {kind}, which {caller} may not call; "
        "the dashboard's operator can allow it in TOS_SOLVER_ALLOWED_ADDRESSES"
    )


def _resolve(host: str, port: int, what: str = "the AI service") -> list[Address]:
    literal = parse_address(host)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Unresolvable(f"{what}'s host {host} cannot be resolved") from exc
    found: list[Address] = []
    for *_, sockaddr in infos:
        address = parse_address(str(sockaddr[0]))
        if address is not None and address not in found:
            found.append(address)
    if not found:
        raise Unresolvable(f"{what}'s host {host} cannot be resolved")
    return found


@dataclass(frozen=True)
class PinnedRequest:
    """Where to connect (an allowed address) and what to tell the server (the name the user gave)."""

    url: httpx.URL
    headers: dict[str, str]
    extensions: dict[str, str]


def pin(url: str, *, what: str = "the AI service", caller: str = "auto-mining") -> PinnedRequest:
    """Resolve `url`'s host now and pin the request to its first allowed address (ForbiddenTarget if none)."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ForbiddenTarget(f"{what}'s URL {url} is not an http:// or https:// address")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    refusal: ForbiddenTarget | None = None
    for address in _resolve(parsed.host, port, what):
        try:
            check_target(parsed.host, address, port, what=what, caller=caller)
        except ForbiddenTarget as exc:
            refusal = refusal or exc
            continue
        host_header = parsed.netloc.decode("ascii")
        return PinnedRequest(
            parsed.copy_with(host=str(address)), {"Host": host_header}, {"sni_hostname": parsed.host}
        )
    assert refusal is not None
    raise refusal


def check_url(url: str, *, what: str = "the AI service", caller: str = "auto-mining") -> None:
    """The check made when the URL is saved: ForbiddenTarget for an internal address; a name that does not
    resolve now passes (it is resolved and checked again at every call)."""
    try:
        pin(url, what=what, caller=caller)
    except Unresolvable:
        return
