"""What every endpoint shares: one error body, Idempotency-Key on POST, masked ID numbers.

Errors are ``{"code": …, "message": <Chinese>, "field_errors": {field: [messages]}}`` whatever
raised them (the schema, a service's ValidationError, a refused permission, a missing object,
someone else acting first, the rate limit).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as SchemaError

from xueshi.core.identifiers import mask_id_number
from xueshi.declarations.services import AlreadyHandled, refusal_text

from .models import ApiScope, IdempotentReply
from .security import caller_of, holds

IDEMPOTENCY_HEADER = "Idempotency-Key"
UNAUTHORIZED = "请提供有效的接口密钥（Authorization: Bearer …）或先登录。"
IN_PROGRESS = "相同 Idempotency-Key 的请求正在处理，请稍后重试。"


def error_body(code: str, message: str, field_errors: dict[str, list[str]] | None = None) -> dict:
    return {"code": code, "message": message, "field_errors": field_errors or {}}


def error(code: str, message: str, status: int, **field_errors: list[str]) -> JsonResponse:
    return JsonResponse(
        error_body(code, message, field_errors),
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _schema_field(loc: Any) -> str:
    # ("body", "payload", "records", 3, "hours") → "records.3.hours"
    parts = [str(part) for part in loc if part not in ("body", "payload", "query", "path")]
    return ".".join(parts) or "__all__"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(SchemaError)
    def schema_error(request: HttpRequest, exc: SchemaError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for item in exc.errors:
            fields.setdefault(_schema_field(item.get("loc", ())), []).append(str(item.get("msg")))
        return error("invalid", "请求数据有误，请按字段说明修改。", 422, **fields)

    @api.exception_handler(AlreadyHandled)
    def already_handled(request: HttpRequest, exc: AlreadyHandled) -> HttpResponse:
        return error("conflict", refusal_text(exc), 409)

    @api.exception_handler(ValidationError)
    def refused(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            fields = {name: list(messages) for name, messages in exc.message_dict.items()}
            return error("invalid", "请求数据有误，请按字段说明修改。", 422, **fields)
        return error("refused", refusal_text(exc), 422)

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error("forbidden", str(exc) or "无权进行此操作。", 403)

    @api.exception_handler(ObjectDoesNotExist)
    def missing(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        # Another organisation's object and a missing one look the same.
        return error("not_found", "没有找到该记录。", 404)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error("not_found", "没有找到该记录。", 404)

    @api.exception_handler(AuthenticationError)
    def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error(
            "unauthorized", "请提供有效的接口密钥（Authorization: Bearer …）或先登录。", 401
        )

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return error("rate_limited", "请求过于频繁，请稍后再试。", 429)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        codes = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "not_allowed"}
        return error(codes.get(exc.status_code, "error"), str(exc), exc.status_code)


def idempotent(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Honour ``Idempotency-Key`` on a POST: the same key with the same body gets the first
    reply again (nothing done twice); with another body it is refused."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        caller = caller_of(request)
        if request.method != "POST" or not key or not caller:
            return view(request, *args, **kwargs)
        if len(key) > 100:
            return error("invalid", "Idempotency-Key 不能超过 100 个字符。", 422)
        digest = hashlib.new("sm3", request.path.encode() + b"\n" + request.body).hexdigest()
        try:
            # Reserve the key first: a second request with it, even at the same moment, finds
            # the reservation and never runs the operation a second time.
            with transaction.atomic():
                reserved = IdempotentReply.objects.create(
                    caller=caller, key=key, request_digest=digest, status=0, body=None
                )
        except IntegrityError:
            earlier = IdempotentReply.objects.get(caller=caller, key=key)
            if earlier.status == 0 and earlier.request_digest == digest:
                return error(
                    "in_progress", "相同 Idempotency-Key 的请求正在处理，请稍后重试。", 409
                )
            return _replay(earlier, digest)
        response = view(request, *args, **kwargs)
        if response.status_code >= 500 or response.status_code in (401, 429):
            reserved.delete()  # not an answer worth keeping: the caller may try again
            return response
        reserved.status = response.status_code
        reserved.body = json.loads(response.content or b"null")
        reserved.save(update_fields=["status", "body"])
        return response

    return wrapper


def _replay(earlier: IdempotentReply, digest: str) -> HttpResponse:
    if earlier.request_digest != digest:
        return error(
            "idempotency_key_reused", "该 Idempotency-Key 已用于另一个请求，请换一个。", 422
        )
    response = JsonResponse(
        earlier.body, status=earlier.status, safe=False, json_dumps_params={"ensure_ascii": False}
    )
    response["Idempotent-Replayed"] = "true"
    return response


def shown_id_number(id_number: str, full: bool) -> str:
    return id_number if full else mask_id_number(id_number)


def full_id_numbers(request: HttpRequest) -> bool:
    """Whether this call sees whole ID numbers (decided once per request)."""
    decided = getattr(request, "api_full_ids", None)
    if decided is None:
        decided = holds(request, ApiScope.ID_NUMBERS_FULL)
        request.api_full_ids = decided  # type: ignore[attr-defined]
    return bool(decided)
