"""Rate limits on the public endpoints (login, captcha, registration, verification …).

A fixed window per client address and endpoint group, counted in the cache (Redis in
production through `CACHE_URL`, so every web process counts together; local memory in
development and tests). Over the limit the answer is 429 with a Chinese page and a
`Retry-After` header; the view never runs. Limits are settings (`RATELIMITS`,
"<requests>/<seconds>").

Which URL belongs to which group is the table `LIMITED` below; another app adds its public
endpoint with `limit_url("…:name", "public")` from its `AppConfig.ready` (a registry: the
kernel does not import the apps).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from .audit import client_ip

TOO_MANY_MESSAGE = "请求过于频繁，请稍后再试。"


@dataclass(frozen=True)
class Limited:
    group: str  # a key of settings.RATELIMITS
    methods: frozenset[str]


ALL = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})

# URL name → (group, counted methods). Login counts only attempts (POST); the others every hit.
LIMITED: dict[str, Limited] = {
    "accounts:login": Limited("login", frozenset({"POST"})),
    "captcha-image": Limited("captcha", ALL),
    "captcha-image-2x": Limited("captcha", ALL),
    "captcha-audio": Limited("captcha", ALL),
    "captcha-refresh": Limited("captcha", ALL),
    "orgs:unit_register": Limited("public", frozenset({"POST"})),
    "orgs:unit_search": Limited("public", ALL),
    # 找回密码 / 找回用户名: on top of the per-account and per-address limits of the service.
    "accounts:recover": Limited("login", frozenset({"POST"})),
    "accounts:recover_username": Limited("login", frozenset({"POST"})),
    "accounts:recover_reset": Limited("login", frozenset({"POST"})),
    # 个人注册: the POST per address; the unit search of the registration page as a search.
    "accounts:register": Limited("registration", frozenset({"POST"})),
    "accounts:register_unit_search": Limited("public", ALL),
}


def limit_url(url_name: str, group: str, methods: Iterable[str] = ALL) -> None:
    """Registers a public endpoint (recovery, verification, API …) under a limit group."""
    LIMITED[url_name] = Limited(group, frozenset(methods))


def parse_rate(text: str) -> tuple[int, int]:
    """ "20/300" → (20 requests, 300 seconds)."""
    count, _, seconds = text.partition("/")
    return int(count), int(seconds or 60)


def hit(group: str, key: str) -> int | None:
    """Counts one request; the seconds to wait when over the limit, else None."""
    limit, window = parse_rate(settings.RATELIMITS[group])
    now = int(time.time())
    start = now - now % window
    cache_key = f"rl:{group}:{key}:{start}"
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window + 1)
        count = 1
    if count > limit:
        return max(1, start + window - now)
    return None


def _url_name(request: HttpRequest) -> str | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match.view_name


def too_many_response(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = render(
        request,
        "429.html",
        {"reason": TOO_MANY_MESSAGE, "retry_minutes": max(1, (retry_after + 59) // 60)},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.RATELIMIT_ENABLED:
            name = _url_name(request)
            limited = LIMITED.get(name) if name else None
            if limited is not None and request.method in limited.methods:
                wait = hit(limited.group, client_ip(request) or "unknown")
                if wait is not None:
                    return too_many_response(request, wait)
        return self.get_response(request)
