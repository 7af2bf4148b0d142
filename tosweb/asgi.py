"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

from __future__ import annotations

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tosweb.settings")

# Django must be set up before anything imports models, so routing is imported after this line.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from dashboard.routing import websocket_urlpatterns  # noqa: E402
from tosweb.wsauth import SessionUserMiddleware  # noqa: E402
from tosweb.wsorigin import SameOriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SameOriginValidator(SessionUserMiddleware(URLRouter(websocket_urlpatterns))),
    }
)


def tune_gc() -> None:
    """Keep full garbage collections out of the live feed's way.

    A web process holding 1,000 open pages spent 120-180 ms in each full (generation 2) collection and ran
    one every second or two at 10 events/s: the events caught in one were the whole p99 (docs/performance.md,
    "Live feed end to end"). Freezing what start-up built (Django, the URLconf, the app) takes it out of
    every later collection; a full collection after 1,000 younger ones instead of 10 makes them rare (one
    every few minutes at that load). Young garbage is still collected as before.
    """
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 1000)


tune_gc()
