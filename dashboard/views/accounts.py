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
from django.views.decorators.http import require_http_methods

from dashboard import ratelimit, services
from dashboard.forms import LoginForm, RolesForm, SignupForm


class LoginView(auth_views.LoginView):
    """Django's login, refusing further attempts after too many failures for an account or address."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = str(request.POST.get("username", "")).strip().lower()
        ip = ratelimit.client_ip(request)
        verdicts = [
            ratelimit.hit(ratelimit.LOGIN_ATTEMPTS_PER_ADDRESS, ip),
            ratelimit.check(ratelimit.LOGIN_FAILURES_PER_ACCOUNT, username),
        ]
        refused = [verdict for verdict in verdicts if not verdict.allowed]
        if refused:
            minutes = max(1, -(-max(v.retry_after for v in refused) // 60))
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None, f"Too many login attempts. Try again in {minutes} minute{'s' * (minutes > 1)}."
            )
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        username = str(form.data.get("username", "")).strip().lower()
        ratelimit.hit(ratelimit.LOGIN_FAILURES_PER_ACCOUNT, username)
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
    """Choose which roles' pages the navigation shows."""
    assert request.user.is_authenticated
    profile = services.profile_for(request.user)
    form = RolesForm(request.POST if request.method == "POST" else None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your roles are saved.")
        return redirect("roles")
    return render(request, "registration/roles.html", {"form": form})


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("password_change_done")
