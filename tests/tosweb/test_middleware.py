from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from tosweb.middleware import ContentSecurityPolicyMiddleware, build_policy, parse_extra_sources


def respond(response: HttpResponse | None = None) -> HttpResponse:
    def view(request: HttpRequest) -> HttpResponse:
        return response or HttpResponse("ok")

    middleware = ContentSecurityPolicyMiddleware(view)
    result = middleware(RequestFactory().get("/tasks/"))
    assert isinstance(result, HttpResponse)
    return result


def test_every_response_allows_only_our_own_files() -> None:
    policy = respond()["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self';" in policy
    assert "style-src 'self';" in policy
    assert "img-src 'self' data:;" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe" not in policy


def test_report_only_sends_the_report_only_header(settings: SettingsWrapper) -> None:
    settings.CSP_REPORT_ONLY = True
    settings.CSP_REPORT_URI = "/csp-report"
    response = respond()
    assert "Content-Security-Policy" not in response
    assert response["Content-Security-Policy-Report-Only"].endswith("report-uri /csp-report")


def test_extra_sources_are_added_to_their_directive(settings: SettingsWrapper) -> None:
    settings.CSP_EXTRA_SOURCES = parse_extra_sources("img-src https://cdn.example; worker-src 'self'")
    policy = respond()["Content-Security-Policy"]
    assert "img-src 'self' data: https://cdn.example;" in policy
    assert "worker-src 'self'" in policy


def test_a_view_that_sets_its_own_policy_keeps_it() -> None:
    own = HttpResponse("ok")
    own["Content-Security-Policy"] = "default-src 'none'"
    assert respond(own)["Content-Security-Policy"] == "default-src 'none'"


def test_build_policy_does_not_repeat_a_source() -> None:
    assert build_policy({"script-src": ["'self'"]}).count("script-src 'self';") == 1
