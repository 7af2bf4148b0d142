"""Template context every page needs: the roles' navigation and the outage banners."""

from __future__ import annotations

from django.http import HttpRequest

from dashboard import health, node
from dashboard.models import Profile


def dashboard(request: HttpRequest) -> dict[str, object]:
    roles: list[str] = []
    if request.user.is_authenticated:
        profile = Profile.objects.filter(user=request.user).first()
        roles = profile.roles if profile else ["publisher"]
    return {"nav_roles": roles, "node_up": node.node_is_up(), "redis_up": health.redis_is_up()}
