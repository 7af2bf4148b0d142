"""The logged-in user of a WebSocket, read once from the session cookie when it connects."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from channels.auth import get_user
from django.conf import settings
from django.http.cookie import parse_cookie

Scope = dict[str, Any]


class SessionUserMiddleware:
    """Put the session and its user in the scope, as Channels' AuthMiddlewareStack does, once per connection.

    Unlike that stack it leaves `send` alone: its session wrapper checks on every frame whether the session
    changed (a live page never changes it), which at 1,000 pages was a measurable share of daphne's time
    per frame (docs/performance.md, "Live feed end to end"). The user is checked by Channels' `get_user`,
    session auth hash included.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers") or [])
        cookies = parse_cookie(headers.get(b"cookie", b"").decode("latin1"))
        engine = import_module(settings.SESSION_ENGINE)
        session = engine.SessionStore(session_key=cookies.get(settings.SESSION_COOKIE_NAME))
        scope = {**scope, "cookies": cookies, "session": session}
        scope["user"] = await get_user(scope)
        return await self.inner(scope, receive, send)
