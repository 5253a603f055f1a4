"""Middleware of the kernel: requests refused before any view runs, and the request kept for
audit rows written by services that were not handed it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .audit import current_request

NUL = "\x00"
NUL_MESSAGE = "提交的内容中含有不可见的控制字符（NUL），请删除后重新输入。"


class TrustedProxyMiddleware:
    """Behind a balancer every request comes from the balancer's address: when REMOTE_ADDR is one
    of TRUSTED_PROXIES, the client's address is the one the balancer put in X-Forwarded-For
    (nginx under `make prod` sets it to its own peer's address, overwriting what the client
    sent). Rate limits, login lockout by address and the audit log then see the real client.
    From any other address the header is ignored: a client cannot choose its own address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.proxies = frozenset(getattr(settings, "TRUSTED_PROXIES", ()))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.proxies and request.META.get("REMOTE_ADDR") in self.proxies:
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
            # The last entry is the one our balancer added (earlier ones came from the client).
            client = forwarded.split(",")[-1].strip()
            if client:
                request.META["REMOTE_ADDR"] = client
        return self.get_response(request)


class RejectNulMiddleware:
    """A NUL byte in the address, the query string or a form field is answered with 400.

    Nobody types one; PostgreSQL refuses it in any text (DataError, a 500), and about twenty
    views read `request.GET` directly besides the forms. One check at the edge covers them all,
    including the filters an export hands to a background job. Refused rather than stripped:
    silently searching for something else than what was sent would be worse than a message.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return render(request, "400.html", {"reason": NUL_MESSAGE}, status=400)
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    sources = [request.GET]
    if request.method == "POST":
        sources.append(request.POST)  # parsed here as CsrfViewMiddleware would; files aside
    return any(
        NUL in key or any(NUL in value for value in values)
        for source in sources
        for key, values in source.lists()
    )


class AuditContextMiddleware:
    """Lets `audit_record` fill in the IP address and active role of rows written anywhere
    during a request (role grants in a service, say), without passing `request` down every call."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
