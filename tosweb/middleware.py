"""A Content-Security-Policy on every response: pages run only our own static scripts and styles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.deprecation import MiddlewareMixin

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


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    """Sets Content-Security-Policy (or its -Report-Only form) unless a view already set one."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        header = (
            "Content-Security-Policy-Report-Only" if settings.CSP_REPORT_ONLY else "Content-Security-Policy"
        )
        if header not in response:
            response[header] = build_policy(settings.CSP_EXTRA_SOURCES, settings.CSP_REPORT_URI)
        return response
