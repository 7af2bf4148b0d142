"""The live connection opens only for pages of this site: the Origin's scheme, host and port must be the site's.

Channels' AllowedHostsOriginValidator compares the Origin's host name with ALLOWED_HOSTS and ignores the
scheme and port, so any page on `http://localhost:9999` could open a logged-in user's live feed. This check is
the one Django's CSRF protection makes for a POST: the Origin equals the scheme and Host of the request
itself (https when the connection or the trusted proxy header says so), or is listed in CSRF_TRUSTED_ORIGINS,
and the Host is one of ALLOWED_HOSTS.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

Scope = dict[str, Any]
Origin = tuple[str, str, int]  # scheme, host, port

_DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_origin(text: str) -> Origin | None:
    """("https", "dash.example.org", 443) for "https://dash.example.org"; None for anything else."""
    try:
        parts = urlsplit(text.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or _DEFAULT_PORTS[parts.scheme]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key == name:
            return bytes(value).decode("latin1")
    return None


def _is_secure(scope: Scope) -> bool:
    if scope.get("scheme") == "wss":
        return True
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, expected = proxy_header
        sent = _header(scope, name.removeprefix("HTTP_").lower().replace("_", "-").encode())
        return sent is not None and sent.split(",", 1)[0].strip() == expected
    return False


def _allowed_hosts() -> list[str]:
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]  # as Django's own request.get_host()
    return list(settings.ALLOWED_HOSTS)


def _trusted(origin: Origin) -> bool:
    scheme, host, port = origin
    for entry in settings.CSRF_TRUSTED_ORIGINS:
        wildcard = "://*." in entry
        trusted = parse_origin(entry.replace("://*.", "://", 1))
        if trusted is None or trusted[0] != scheme or trusted[2] != port:
            continue
        if host == trusted[1] or (wildcard and is_same_domain(host, "." + trusted[1])):
            return True
    return False


def origin_allowed(scope: Scope) -> bool:
    """Whether the handshake in `scope` comes from a page of this site (or of a trusted origin)."""
    origin = parse_origin(_header(scope, b"origin") or "")
    host = _header(scope, b"host") or ""
    domain, _ = split_domain_port(host)
    if origin is None or not domain or not validate_host(domain, _allowed_hosts()):
        return False
    own = parse_origin(f"{'https' if _is_secure(scope) else 'http'}://{host}")
    return origin == own or _trusted(origin)


class SameOriginValidator:
    """Refuse (HTTP 403) a WebSocket handshake whose Origin is not this site's."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.inner(scope, receive, send)
