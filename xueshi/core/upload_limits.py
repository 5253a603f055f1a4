"""Request bodies above `UPLOAD_MAX_REQUEST_MB` are refused while they stream in.

Two stops, both before anything is written to disk or kept in memory:

* `UploadLimitMiddleware` answers 413 (a Chinese page) when the declared Content-Length is above
  the limit, without reading the body, and parses multipart bodies itself so that a stop from
  the handler below becomes the same page.
* `LimitedUploadHandler` (first in `FILE_UPLOAD_HANDLERS`) counts the bytes of every file part
  as Django reads it, chunk by chunk, and raises `UploadTooLarge` the moment the total passes
  the limit (a body sent without a truthful length, or a server in front that does not check).

Form fields without files are capped by Django's `DATA_UPLOAD_MAX_MEMORY_SIZE`. The proxy in
front (nginx `client_max_body_size`) should refuse a little above the same limit (docs/security.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

MB = 1024 * 1024


class UploadTooLarge(SuspiciousOperation):
    """The body passed UPLOAD_MAX_REQUEST_MB while streaming."""


def limit_bytes() -> int:
    return int(settings.UPLOAD_MAX_REQUEST_MB) * MB


def too_large_message() -> str:
    return (
        f"上传的内容过大：一次提交的附件合计不能超过 {settings.UPLOAD_MAX_REQUEST_MB} MB。"
        "请压缩文件或分次上传。"
    )


class LimitedUploadHandler(FileUploadHandler):
    """Counts the file bytes of one request and stops at the limit (keeps nothing itself)."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        if content_length > limit_bytes():
            raise UploadTooLarge(too_large_message())
        return None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > limit_bytes():
            raise UploadTooLarge(too_large_message())
        return raw_data  # the next handler keeps the bytes

    def file_complete(self, file_size: int) -> None:
        return None


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def too_large_response(request: HttpRequest) -> HttpResponse:
    return render(request, "413.html", {"reason": too_large_message()}, status=413)


class UploadLimitMiddleware:
    """413 for a body over the limit, before any view (or the CSRF check) reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("POST", "PUT", "PATCH"):
            if _content_length(request) > limit_bytes():
                return too_large_response(request)
            if request.content_type == "multipart/form-data":
                try:
                    request.POST  # noqa: B018  (parses the body through the handlers)
                except (UploadTooLarge, RequestDataTooBig):
                    return too_large_response(request)
        return self.get_response(request)
