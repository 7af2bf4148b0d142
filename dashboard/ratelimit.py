"""Fixed-window rate limits kept in the cache (Redis), shared by every web process.

When Redis is down the limits fail open (logged): refusing every login because the limiter is
unavailable would turn a Redis outage into a full outage.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tosweb.clientaddr import client_address

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    """At most `count` hits per `seconds` for one key."""

    name: str
    count: int
    seconds: int


@dataclass(frozen=True)
class Allowance:
    """Whether a hit is within its limit, and when not, the seconds until the window ends."""

    allowed: bool
    retry_after: int = 0


WRITES_PER_USER = Limit("writes", 30, 60)


def client_ip(request: HttpRequest) -> str:
    """The client's address, through the trusted proxies only (tosweb/clientaddr.py)."""
    return client_address(request)


def _clock() -> float:
    """Seconds since the epoch (tests pin it so a run never straddles a window's edge)."""
    return time.time()


def _window(limit: Limit, key: str) -> tuple[str, int]:
    now = int(_clock())
    window_start = now - now % limit.seconds
    return f"rl:{limit.name}:{key}:{window_start}", window_start + limit.seconds - now


def check(limit: Limit, key: str) -> Allowance:
    """Whether `key` is still under `limit`, without counting a hit."""
    cache_key, remaining = _window(limit, key)
    try:
        hits = cache.get(cache_key, 0)
    except Exception as exc:
        logger.warning("rate limit %s not checked: the cache is unavailable (%s)", limit.name, exc)
        return Allowance(True)
    return Allowance(hits < limit.count, 0 if hits < limit.count else remaining)


def hit(limit: Limit, key: str) -> Allowance:
    """Count one hit for `key`; the verdict says whether this hit was within the limit."""
    cache_key, remaining = _window(limit, key)
    try:
        cache.add(cache_key, 0, timeout=limit.seconds + 1)
        hits = cache.incr(cache_key)
    except Exception as exc:
        logger.warning("rate limit %s not counted: the cache is unavailable (%s)", limit.name, exc)
        return Allowance(True)
    return Allowance(hits <= limit.count, 0 if hits <= limit.count else remaining)


def limit_writes(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse a user's POSTs past WRITES_PER_USER with a 429 that says when to try again."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and request.user.is_authenticated:
            verdict = hit(WRITES_PER_USER, str(request.user.pk))
            if not verdict.allowed:
                response = render(request, "429.html", {"retry_after": verdict.retry_after}, status=429)
                response["Retry-After"] = str(verdict.retry_after)
                return response
        return view(request, *args, **kwargs)

    return wrapper


def reset(limit: Limit, key: str) -> None:
    """Forget `key`'s hits in the current window."""
    cache_key, _ = _window(limit, key)
    try:
        cache.delete(cache_key)
    except Exception as exc:
        logger.warning("rate limit %s not reset: the cache is unavailable (%s)", limit.name, exc)
