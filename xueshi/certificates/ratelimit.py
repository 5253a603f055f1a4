"""A simple cache-based limit for the public verification pages: N requests per address and
minute (settings.CERTIFICATE_VERIFY_RATE); the next ones get 429 with a Chinese message."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

TOO_MANY = "查验过于频繁，请一分钟后再试。"
WINDOW_SECONDS = 60


def _client(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def over_limit(request: HttpRequest) -> bool:
    window = int(time.time() // WINDOW_SECONDS)
    key = f"certificates:verify:{_client(request)}:{window}"
    if cache.add(key, 1, timeout=WINDOW_SECONDS * 2):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
            count = 1
    return count > settings.CERTIFICATE_VERIFY_RATE


def rate_limited(*, json: bool = False) -> Callable[[Callable[..., HttpResponse]], Any]:
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if over_limit(request):
                if json:
                    return JsonResponse({"status": "rate_limited", "message": TOO_MANY}, status=429)
                response = render(
                    request, "certificates/verify.html", {"error": TOO_MANY}, status=429
                )
                response["Retry-After"] = str(WINDOW_SECONDS)
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
