"""The health probe."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dashboard.health import run_probes


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Report the database, Redis and node status: 200 when all are up, 503 naming what is down."""
    probes = run_probes()
    down = [probe.name for probe in probes if not probe.ok]
    body: dict[str, object] = {
        "status": "ok" if not down else "degraded",
        "down": down,
        "checks": {probe.name: probe.as_dict() for probe in probes},
    }
    return JsonResponse(body, status=503 if down else 200)
