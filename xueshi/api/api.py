"""/api/v1/: the NinjaAPI object, its authentication, rate limit and error conventions.

OpenAPI 3 at /api/v1/openapi.json, interactive docs at /api/v1/docs from django-ninja's own
static files (no CDN: users' networks are often closed).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.throttling import AuthRateThrottle

from .conventions import install_error_handlers
from .routes import router
from .security import AUTH

DEFAULT_RATE = "600/m"


class KeyRateThrottle(AuthRateThrottle):
    """Per key (its prefix), per logged-in user or per address; the rate is read from settings
    on each call so an operator's change (and a test's) applies without a restart."""

    def allow_request(self, request: HttpRequest) -> bool:
        rate = getattr(settings, "API_RATE_LIMIT", DEFAULT_RATE)
        if rate != self.rate:
            self.rate = rate
            self.num_requests, self.duration = self.parse_rate(rate)
        return super().allow_request(request)


api = NinjaAPI(
    title="学时平台数据接口",
    version="1.0.0",
    description=(
        "供学习平台、继续教育基地、省级系统和移动端使用。机构接口密钥放在请求头 "
        "`Authorization: Bearer xs_…`（由机构管理员在“接口密钥”页面创建，只显示一次）；"
        "已登录的个人使用会话（写操作需带 CSRF）。每个 POST 都接受 `Idempotency-Key` 请求头，"
        "同一键重复提交返回第一次的结果。出错时统一返回 `{code, message, field_errors}`。"
    ),
    auth=AUTH,
    throttle=[KeyRateThrottle(DEFAULT_RATE)],
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("/", router)
