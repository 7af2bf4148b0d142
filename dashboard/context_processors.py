"""Template context every page needs: the roles' navigation and the outage banners."""

from __future__ import annotations

from django.http import HttpRequest

from dashboard import health, node
from dashboard.roles import request_roles


def dashboard(request: HttpRequest) -> dict[str, object]:
    roles = request_roles(request) if hasattr(request, "user") else []
    return {"nav_roles": roles, "node_up": node.node_is_up(), "redis_up": health.redis_is_up()}
