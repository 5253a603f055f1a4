"""The security admin's pages (三员分立): find an account, see its roles, sessions and second
factor; lock or unlock it, end its sessions, reset its second factor, give or end roles.
Every change is a service that writes the audit log; nobody acts on his own account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xueshi.core.audit import audit_id_search

from . import otp, selectors, services
from .forms import RoleGrantForm
from .models import RoleAssignment
from .permissions import require_permission

USERS_PAGE_SIZE = 20


def _grant_form(data: object = None) -> RoleGrantForm:
    kinds = [(kind.value, kind.label) for kind in services.GRANTABLE_KINDS]
    return RoleGrantForm(data, kinds=kinds)


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    require_permission(request, "security.manage")
    text = request.GET.get("q", "").strip()[:50]
    audit_id_search(request, text, where="security_users")
    page = Paginator(selectors.security_user_search(text), USERS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    keep = request.GET.copy()
    keep.pop("page", None)
    context = {"page": page, "q": text, "page_query": keep.urlencode()}
    return render(request, "accounts/security_users.html", context)


@login_required
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    require_permission(request, "security.manage")
    account = selectors.security_user(user_id)
    if account is None:
        raise Http404("没有该账号。")
    return _detail(request, account, _grant_form())


def _detail(request: HttpRequest, account: object, form: RoleGrantForm) -> HttpResponse:
    context = {
        "account": account,
        "form": form,
        "is_self": getattr(account, "pk", None) == request.user.pk,
        "recovery_codes_left": otp.recovery_codes_left(account),
    }
    return render(request, "accounts/security_user.html", context)


ACTIONS = ("lock", "unlock", "end_sessions", "reset_otp", "grant", "revoke")


@require_POST
@login_required
def user_action(request: HttpRequest, user_id: int, action: str) -> HttpResponse:
    require_permission(request, "security.manage")
    account = selectors.security_user(user_id)
    if account is None or action not in ACTIONS:
        raise Http404("没有该账号。")
    actor = request.user
    reason = request.POST.get("reason", "")
    if account.pk == actor.pk and action != "end_sessions":
        # The services refuse it too; said here so the page need not show a form for it.
        messages.error(request, services.NOT_ON_ONESELF)
        return redirect("accounts:security_user", user_id=account.pk)
    try:
        if action in ("lock", "unlock"):
            services.account_set_active(
                user=account, active=action == "unlock", actor=actor, reason=reason
            )
            messages.success(
                request, "账号已锁定，其会话已全部结束。" if action == "lock" else "账号已解锁。"
            )
        elif action == "end_sessions":
            count = services.account_sessions_end(user=account, actor=actor)
            messages.success(request, f"已结束该账号的 {count} 个会话。")
        elif action == "reset_otp":
            otp.otp_reset(user=account, actor=actor, reason=reason)
            messages.success(request, "动态口令已重置，该账号下次登录时须重新绑定。")
        elif action == "grant":
            form = _grant_form(request.POST)
            if not form.is_valid():
                return _detail(request, account, form)
            try:
                role = services.security_role_grant(
                    user=account,
                    kind=form.cleaned_data["kind"],
                    credit_code=form.cleaned_data["credit_code"],
                    actor=actor,
                )
            except ValidationError as error:
                form.add_error(None, error)
                return _detail(request, account, form)
            messages.success(request, f"已分配角色：{role.label}")
        else:
            # The role's id as the form sent it; anything else names no role (404, never 500).
            role_id = str(request.POST.get("role") or "")
            revoked = (
                RoleAssignment.objects.select_related("user", "organization", "department")
                .filter(pk=int(role_id), user=account)
                .first()
                if role_id.isascii() and role_id.isdigit() and len(role_id) < 18
                else None
            )
            if revoked is None:
                raise Http404("没有该角色。")
            label = revoked.label
            services.security_role_revoke(role=revoked, actor=actor)
            messages.success(request, f"已撤销角色：{label}")
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    return redirect("accounts:security_user", user_id=account.pk)
