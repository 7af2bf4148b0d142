"""WebSocket routes: the live connection of logged-in pages."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from dashboard.consumers import LiveConsumer

websocket_urlpatterns: list[URLPattern | URLResolver] = [
    path("ws/live/", LiveConsumer.as_asgi()),
]
