"""Sign up, log in (rate-limited), log out, change password, choose roles."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from dashboard import logins, services
from dashboard.forms import LoginForm, RolesForm, SignupForm


class LoginView(auth_views.LoginView):
    """Django's login; a client that failed too often for an account waits (dashboard/logins.py)."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.login_client = logins.client_for(request, logins.normalise(request.POST.get("username")))
        verdict = logins.check(self.login_client)
        if not verdict.allowed:
            minutes = max(1, -(-verdict.retry_after // 60))
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None,
                f"Too many failed logins to this account from here. Try again in {minutes} "
                f"minute{'s' * (minutes > 1)}, or from a browser you logged in with before.",
            )
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            response["Retry-After"] = str(verdict.retry_after)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        logins.record_success(self.login_client, response)
        return response

    def form_invalid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        if form.data.get("username") and form.data.get("password"):  # a password was tried
            logins.record_failure(self.login_client)
        return super().form_invalid(form)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account with the roles the person chose, and log them in."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = services.create_user(
            form.cleaned_data["username"],
            form.cleaned_data["password1"],
            publisher=form.cleaned_data["is_publisher"],
            miner=form.cleaned_data["is_miner"],
            validator=form.cleaned_data["is_validator"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Link a node account on the wallet page to start.")
        return redirect("wallet")
    return render(request, "registration/signup.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def roles(request: HttpRequest) -> HttpResponse:
    """Choose the roles: each one opens its pages and actions."""
    assert request.user.is_authenticated
    profile = services.profile_for(request.user)
    form = RolesForm(request.POST if request.method == "POST" else None, instance=profile)
    # A refused role page links here with ?next= to come back once the role is on.
    wanted = str(request.POST.get("next") or request.GET.get("next") or "")
    safe = url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure())
    next_page = wanted if wanted.startswith("/") and safe else ""
    if request.method == "POST" and form.is_valid():
        services.save_roles(
            profile,
            publisher=form.cleaned_data["is_publisher"],
            miner=form.cleaned_data["is_miner"],
            validator=form.cleaned_data["is_validator"],
        )
        messages.success(request, "Your roles are saved.")
        return redirect(next_page or "roles")
    return render(request, "registration/roles.html", {"form": form, "next": next_page})


class LogoutView(auth_views.LogoutView):
    """Django's logout, a POST; a GET (a typed or bookmarked address) asks first instead of a bare 405."""

    http_method_names = ["get", "post", "options"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect("login")
        return render(request, "registration/logout_confirm.html")


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("password_change_done")
