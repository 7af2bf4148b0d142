"""Roles: a page or action for publishers, miners or validators is refused to an account without the role.

The account page turns roles on and off; the navigation shows each role's pages, and every view that
belongs to a role checks it (a 403 page that says which role to turn on, and where), so a page reached
by its URL is refused just as a hidden link would suggest.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dashboard.models import Profile

ROLES = ("publisher", "miner", "validator")
#: A user made outside sign-up (admin, shell) has no profile yet: the model's default roles.
DEFAULT_ROLES = ("publisher",)


def roles_of(user: AbstractBaseUser | AnonymousUser) -> list[str]:
    """The roles the user turned on (none when logged out)."""
    if not user.is_authenticated:
        return []
    profile = Profile.objects.filter(user_id=user.pk).first()
    return profile.roles if profile else list(DEFAULT_ROLES)


def request_roles(request: HttpRequest) -> list[str]:
    """`roles_of` the request's user, looked up once per request (the view and the navigation share it)."""
    cached: list[str] | None = getattr(request, "_tos_roles", None)
    if cached is None:
        cached = roles_of(request.user)
        request._tos_roles = cached  # type: ignore[attr-defined]
    return cached


def has_role(request: HttpRequest, *roles: str) -> bool:
    """Whether the request's user has at least one of `roles`."""
    return any(role in request_roles(request) for role in roles)


def role_required(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A view for logged-in users with one of `roles`; anyone else logged in gets the 403 page in words."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_role(request, *roles):
                context = {"needed": roles, "has": request_roles(request)}
                return render(request, "dashboard/role_required.html", context, status=403)
            return view(request, *args, **kwargs)

        wrapper.required_roles = roles  # type: ignore[attr-defined]  # read by the tests' table of pages
        return login_required(wrapper)

    return decorator
