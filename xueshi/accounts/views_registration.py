"""个人注册 pages: the public registration form and its unit search (no login), and the approval
queue of the unit admin and the supervising department. The services decide
(accounts/registration.py); these pages only ask and show."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi.core.audit import audit_record
from xueshi.orgs import selectors as org_selectors
from xueshi.orgs.models import Organization
from xueshi.policy.loader import ProfileError, ProfileNotFound, get_profile

from . import registration, selectors
from .forms import RegistrationForm, RegistrationRefuseForm
from .models import Registration, RoleKind
from .permissions import NO_ROLE_ACCESS, active_role, role_may

QUEUE_PAGE_SIZE = 20
APPROVERS = ("accounts.approve_registrations", "accounts.approve_registrations_supervisor")


def _region(request: HttpRequest, regions: list[Organization]) -> Organization | None:
    chosen = request.POST.get("region") or request.GET.get("region")
    for region in regions:
        if str(region.pk) == str(chosen):
            return region
    return regions[0] if len(regions) == 1 else None


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """注册: choose the region (where several let people register), then the form."""
    regions = selectors.registration_regions()
    region = _region(request, regions)
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and region is not None and form.is_valid():
        data = form.cleaned_data
        try:
            done = registration.registration_submit(
                id_number=data["id_number"],
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                password=data["password1"],
                unit=data["unit"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                field = "password1" if field == "password" else field
                form.add_error(field if field in form.fields else None, errors)
        else:
            then = "，再由主管部门审批" if done.supervisor_id else ""
            messages.success(
                request,
                f"注册已提交，等待“{done.unit.name}”审核{then}。审核结果将以短信"
                + ("和邮件" if data["email"] else "")
                + "通知您，审核通过后即可用身份证号和所设密码登录。",
            )
            return redirect("accounts:login")
    return render(
        request,
        "accounts/register.html",
        {
            "form": form,
            "regions": regions,
            "region": region,
            # The region's own name for the platform, as on its public home.
            "platform_name": _platform_name(region),
            "region_needs_supervisor": (
                region is not None and registration.registration_rules(region).supervisor_approval
            ),
        },
    )


def _platform_name(region: Organization | None) -> str:
    if region is None:
        return ""
    try:
        return get_profile(region.policy_profile).name
    except (ProfileNotFound, ProfileError):
        return ""


@require_GET
def register_unit_search(request: HttpRequest) -> HttpResponse:
    """HTMX fragment of the registration page: at most ten approved units of the region."""
    regions = selectors.registration_regions()
    region = _region(request, regions)
    if region is None:
        raise Http404("请先选择地区。")
    query = " ".join(request.GET.get("q", "").split())
    units = org_selectors.unit_search(query, region_code=region.region_code) if query else []
    return render(
        request,
        "accounts/_register_unit_results.html",
        {"query": query, "units": units, "limit": org_selectors.UNIT_SEARCH_LIMIT},
    )


def _approver(request: HttpRequest) -> Any:
    role = active_role(request)
    if role is None or not any(role_may(role, name) for name in APPROVERS):
        raise PermissionDenied(NO_ROLE_ACCESS)
    return role


@login_required
@require_GET
def registration_queue(request: HttpRequest) -> HttpResponse:
    """The registrations this role must decide now (paginated, oldest first)."""
    role = _approver(request)
    paginator = Paginator(selectors.registrations_waiting(role), QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    # Names, ID numbers and phones of people on screen: a read of personal data.
    audit_record(
        action="registration.queue_read",
        actor=request.user,
        request=request,
        details={"registrations": [item.pk for item in page.object_list]},
    )
    return render(
        request,
        "accounts/registration_queue.html",
        {"page": page, "refuse_form": RegistrationRefuseForm(), "role": role},
    )


@login_required
@require_POST
def registration_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """通过 / 不通过 (with a reason). Outside the role's queue: 404."""
    role = _approver(request)
    found = Registration.objects.filter(pk=pk).first()
    # Out of scope and never this role's: a 404, as for any object outside the scope.
    if found is None or action not in ("approve", "refuse"):
        raise Http404("没有该注册申请。")
    if role.organization_id not in (found.unit_id, found.supervisor_id) or (
        role.organization_id == found.unit_id and role.kind != RoleKind.UNIT_ADMIN
    ):
        raise Http404("没有该注册申请。")
    try:
        if action == "approve":
            done = registration.registration_approve(
                registration=found, role=role, actor=request.user
            )
            messages.success(request, f"已通过“{done.person.name}”的注册申请。")
        else:
            form = RegistrationRefuseForm(request.POST)
            if not form.is_valid():
                messages.error(request, "请填写不通过的原因。")
                return _back(request)
            done = registration.registration_refuse(
                registration=found,
                role=role,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, f"已退回“{done.person.name}”的注册申请。")
    except PermissionDenied as error:
        raise Http404("没有该注册申请。") from error
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(request)


def _back(request: HttpRequest) -> HttpResponse:
    url = reverse("accounts:registrations")
    page = request.POST.get("page", "")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)
