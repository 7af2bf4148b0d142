"""Limits on guessing passwords that nobody can use to lock someone else out.

Failures are counted per account *and* client, never per account alone nor per address alone: the
combination django-axes offers, refined with OWASP's device cookies ("Slow Down Online Guessing Attacks
with Device Cookies"):

- a browser that logged in to the account before carries a signed device cookie for it; its failures count
  against that cookie alone, so nobody else's failures lock it out, wherever it connects from;
- any other client counts against the account together with its address (read through the trusted proxies,
  tosweb/clientaddr.py), so guessing from one address locks that address out of that account only.

Only failures are counted, and a success clears the client's count.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponseBase

from dashboard import ratelimit

logger = logging.getLogger(__name__)

FAILURES_PER_CLIENT = ratelimit.Limit("login-failures", 5, 15 * 60)
DEVICE_COOKIE = "tos_device"
DEVICE_COOKIE_AGE = 180 * 24 * 3600
_DEVICE_SALT = "dashboard.logins.device"


@dataclass(frozen=True)
class LoginClient:
    """Who is trying to log in to which account, as the limiter counts them."""

    username: str
    address: str
    device: str | None  # the token of this browser's device cookie for this account, if it has one

    @property
    def key(self) -> str:
        who = f"device:{self.device}" if self.device else f"address:{self.address}"
        return hashlib.sha256(f"{self.username}\n{who}".encode()).hexdigest()[:40]


def normalise(username: object) -> str:
    return str(username or "").strip().lower()


def client_for(request: HttpRequest, username: str) -> LoginClient:
    """The client of a login attempt for `username` (already normalised)."""
    return LoginClient(username, ratelimit.client_ip(request), _device_token(request, username))


def _device_token(request: HttpRequest, username: str) -> str | None:
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        value = signing.loads(raw, salt=_DEVICE_SALT, max_age=DEVICE_COOKIE_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or value.get("u") != username or not isinstance(value.get("t"), str):
        return None
    return str(value["t"])


def check(client: LoginClient) -> ratelimit.Allowance:
    """Whether this client may try a password for this account now."""
    return ratelimit.check(FAILURES_PER_CLIENT, client.key)


def record_failure(client: LoginClient) -> None:
    """Count a wrong password; the failure that reaches the limit is logged (for fail2ban and the like)."""
    ratelimit.hit(FAILURES_PER_CLIENT, client.key)
    if not check(client).allowed:
        logger.warning(
            "login: %d failures for account %r from %s; that client is refused for up to %d minutes",
            FAILURES_PER_CLIENT.count,
            client.username,
            "a known browser" if client.device else client.address,
            FAILURES_PER_CLIENT.seconds // 60,
        )


def record_success(client: LoginClient, response: HttpResponseBase) -> None:
    """Clear the client's failures and remember this browser for the account (a device cookie)."""
    ratelimit.reset(FAILURES_PER_CLIENT, client.key)
    token = client.device or secrets.token_urlsafe(16)
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps({"u": client.username, "t": token}, salt=_DEVICE_SALT),
        max_age=DEVICE_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
