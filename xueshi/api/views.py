"""接口密钥 and 事件推送: an organisation's admin makes and revokes keys (shown once) and
registers webhook URLs. The pages call the same services as everything else."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from xueshi.accounts.permissions import require_permission

from .forms import KeyForm, WebhookForm
from .keys import api_key_create, api_key_revoke, keys_of, scopes_for
from .models import ApiKey, Webhook, WebhookDelivery
from .webhooks import webhook_create, webhook_delete, webhooks_of

PER_PAGE = 20


@login_required
@require_http_methods(["GET", "POST"])
def key_list(request: HttpRequest) -> HttpResponse:
    role = require_permission(request, "api.keys")
    form = KeyForm(request.POST or None, scopes=scopes_for(role))
    new_secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            made = api_key_create(
                role=role,
                actor=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            new_secret = made.secret
            form = KeyForm(scopes=scopes_for(role))
    page = Paginator(keys_of(role), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "api/keys.html",
        {"form": form, "page": page, "new_secret": new_secret},
    )


@login_required
@require_POST
def key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    role = require_permission(request, "api.keys")
    try:
        key = api_key_revoke(key_id=key_id, role=role, actor=request.user)
    except ApiKey.DoesNotExist:
        raise Http404("没有找到该密钥") from None
    messages.success(request, f"密钥 {key.prefix}（{key.name}）已停用，使用它的请求将被拒绝。")
    return redirect("api:keys")


@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    role = require_permission(request, "api.keys")
    form = WebhookForm(request.POST or None)
    new_secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            made = webhook_create(
                role=role,
                actor=request.user,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            new_secret = made.secret
            form = WebhookForm()
    recent = WebhookDelivery.objects.order_by("-created_at", "-id")[:5]
    hooks = webhooks_of(role).prefetch_related(
        Prefetch("deliveries", queryset=recent, to_attr="recent_deliveries")
    )
    page = Paginator(hooks, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "api/webhooks.html", {"form": form, "page": page, "new_secret": new_secret}
    )


@login_required
@require_POST
def webhook_delete_view(request: HttpRequest, webhook_id: int) -> HttpResponse:
    role = require_permission(request, "api.keys")
    try:
        webhook_delete(webhook_id=webhook_id, role=role, actor=request.user)
    except Webhook.DoesNotExist:
        raise Http404("没有找到该推送地址") from None
    messages.success(request, "推送地址已删除。")
    return redirect("api:webhooks")
