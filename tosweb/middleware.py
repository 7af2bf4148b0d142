"""Headers and pages every response gets: the browser policies, private caching, no debug page for strangers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template import loader
from django.utils.cache import patch_cache_control
from django.utils.deprecation import MiddlewareMixin

from tosweb.clientaddr import is_local_client

# htmx and its ws extension are vendored, app.js and live.js are static files, and no template has an inline
# <script>, <style> or style="": 'self' is enough everywhere. img-src allows data: for the SVGs browsers
# inline themselves; connect-src 'self' also covers ws:/wss: to the same host (CSP Level 3), which the live
# feed's WebSocket uses.
DEFAULT_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "object-src": ["'none'"],
}


def build_policy(extra: Mapping[str, Sequence[str]] | None = None, report_uri: str = "") -> str:
    """The header value: DEFAULT_POLICY plus `extra` sources per directive (a new directive is added)."""
    policy = {name: list(sources) for name, sources in DEFAULT_POLICY.items()}
    for name, sources in (extra or {}).items():
        policy.setdefault(name, []).extend(source for source in sources if source not in policy.get(name, []))
    if report_uri:
        policy["report-uri"] = [report_uri]
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in policy.items())


def parse_extra_sources(value: str) -> dict[str, list[str]]:
    """CSP_EXTRA_SOURCES="img-src https://a.example; connect-src https://b.example" as a mapping."""
    extra: dict[str, list[str]] = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            extra.setdefault(words[0], []).extend(words[1:])
    return extra


# Powerful features no page uses (the address's copy button needs only clipboard-write, left alone): a script
# injected into a page could not turn on the camera or ask for payment. Only names Chromium knows, so
# the browser's console stays quiet (tests/browser/test_csp.py watches it).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


class SecurityHeadersMiddleware(MiddlewareMixin):
    """Content-Security-Policy (or its -Report-Only form) unless a view set one, and a Permissions-Policy."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        header = (
            "Content-Security-Policy-Report-Only" if settings.CSP_REPORT_ONLY else "Content-Security-Policy"
        )
        if header not in response:
            response[header] = build_policy(settings.CSP_EXTRA_SOURCES, settings.CSP_REPORT_URI)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class PrivatePagesMiddleware(MiddlewareMixin):
    """`Cache-Control: private, no-store` on every response to a logged-in user: none may be kept by a
    shared cache, nor stored in the browser for the next person at the same computer."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


# Django's debug pages (technical_404.html, technical_500.html and .txt) all say why they are shown.
_DEBUG_PAGE_MARK = b"DEBUG = True"
PLAIN_ERROR_PAGES = {400: "400.html", 404: "404.html"}


def shows_debug_page(request: HttpRequest, status: int) -> bool:
    """Whether this client may see Django's debug page: only on this machine, and for a page that is not
    found (it lists every URL pattern) only when it asks with ?debug."""
    return is_local_client(request) and (status != 404 or "debug" in request.GET)


class DebugPagesForLocalClientsMiddleware(MiddlewareMixin):
    """With DEBUG on, a debug page that is not for this client becomes the plain error page."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        status = response.status_code
        if not settings.DEBUG or (status not in (400, 404) and status < 500):
            return response
        if not isinstance(response, HttpResponse) or _DEBUG_PAGE_MARK not in response.content:
            return response
        if shows_debug_page(request, status):
            return response
        context = {"debug_hint": status == 404 and is_local_client(request)}
        page = loader.render_to_string(PLAIN_ERROR_PAGES.get(status, "500.html"), context)
        return HttpResponse(page, status=status)
