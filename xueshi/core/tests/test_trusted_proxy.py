"""Behind the balancer the client's address comes from X-Forwarded-For, but only when the
request really comes from a trusted proxy (TRUSTED_PROXIES)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from xueshi.core.middleware import TrustedProxyMiddleware


def _seen_address(settings: Any, remote: str, forwarded: str | None) -> str:
    seen: dict[str, str] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen["address"] = request.META["REMOTE_ADDR"]
        return HttpResponse()

    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    TrustedProxyMiddleware(view)(request)
    return seen["address"]


def test_a_trusted_proxy_passes_the_client_address_on(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert _seen_address(settings, "127.0.0.1", "203.0.113.9") == "203.0.113.9"
    # A client's own X-Forwarded-For comes first; the balancer's entry is the last one.
    assert _seen_address(settings, "127.0.0.1", "10.0.0.1, 203.0.113.9") == "203.0.113.9"
    assert _seen_address(settings, "127.0.0.1", None) == "127.0.0.1"


def test_the_header_is_ignored_from_anyone_else(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert _seen_address(settings, "198.51.100.7", "203.0.113.9") == "198.51.100.7"
    settings.TRUSTED_PROXIES = []
    assert _seen_address(settings, "127.0.0.1", "203.0.113.9") == "127.0.0.1"
