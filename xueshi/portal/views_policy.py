"""The read-only profile page: an authority admin sees the rules of their region in force."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xueshi.accounts.models import RoleKind
from xueshi.accounts.permissions import active_role
from xueshi.policy.loader import (
    NoVersionInForce,
    ProfileError,
    ProfileNotFound,
    get_profile,
    profile_keys,
)
from xueshi.policy.schema import DECLARANT_LABELS
from xueshi.policy.selectors import category_rows, version_dates


@login_required
def profile_detail(request: HttpRequest) -> HttpResponse:
    role = active_role(request)
    if role is None:
        raise PermissionDenied("没有可用的角色")
    keys: list[str] = []
    if role.kind == RoleKind.PLATFORM_ADMIN:
        keys = profile_keys()
        key = request.GET.get("key") or (keys[0] if keys else "")
    elif role.kind == RoleKind.AUTHORITY_ADMIN and role.organization is not None:
        key = role.organization.effective_policy_profile()
    else:
        raise PermissionDenied("只有认定机构管理员可以查看政策配置")
    if not key:
        raise Http404("本机构尚未设置政策配置")

    on_date = timezone.localdate()
    if request.GET.get("on"):
        try:
            on_date = date.fromisoformat(request.GET["on"])
        except ValueError:
            raise Http404("日期格式应为 YYYY-MM-DD") from None
    try:
        profile = get_profile(key)
    except (ProfileNotFound, ProfileError) as exc:
        raise Http404(f"政策配置 {key!r} 不可用") from exc
    version = profile.version_on(on_date)
    if version is None:
        raise Http404(str(NoVersionInForce(f"政策配置 {key!r} 在 {on_date} 尚无生效版本")))

    return render(
        request,
        "policy/profile_detail.html",
        {
            "key": key,
            "keys": keys,
            "profile": profile,
            "version": version,
            "on_date": on_date,
            "versions": version_dates(profile.versions, version),
            "categories": category_rows(version),
            "chain": version.review_chain(),
            "direct_chain": version.direct_chain(),
            "supplement_chain": version.supplement_chain(),
            "declarants": [DECLARANT_LABELS[d] for d in version.declarants],
        },
    )
