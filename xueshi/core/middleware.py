"""The request being served, for audit rows written by services that were not handed it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .audit import current_request


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
