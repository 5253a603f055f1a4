"""The organisation pages (unit search and registration, 更换单位, approvals, details): thin
wrappers around selectors (reads) and services (writes). URL names stay in the orgs namespace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi.accounts.models import Person, RoleAssignment
from xueshi.accounts.permissions import (
    active_role,
    organizations_in_scope,
    require_permission,
    role_may,
)
from xueshi.core.errors import error_text
from xueshi.orgs import selectors, services
from xueshi.orgs.forms import (
    CreditCodeOverrideForm,
    UnitChoiceForm,
    UnitRegisterForm,
    UnitRejectForm,
)
from xueshi.orgs.models import Organization, OrganizationKind, OrganizationStatus

from . import organizations
from . import selectors as unit_selectors

PENDING_PAGE_SIZE = 20


def _person_of(request: HttpRequest) -> Person | None:
    """The professional (Person) behind the login, if any, with their unit loaded."""
    user = request.user
    if not user.is_authenticated:
        return None
    return (
        Person.objects.select_related("unit", "unit__parent", "department")
        .filter(user=user)
        .first()
    )


def _current_person(request: HttpRequest) -> Person:
    person = _person_of(request)
    if person is None:
        raise Http404("当前账号没有专业技术人员信息。")
    return person


@login_required
@require_GET
def unit_search(request: HttpRequest) -> HttpResponse:
    """HTMX fragment: at most ten matching units, always with 其他单位 and 添加单位."""
    query = " ".join(request.GET.get("q", "").split())
    region_code = request.GET.get("region", "").strip() or None
    units = selectors.unit_search(query, region_code=region_code) if query else []
    problem = "" if units else selectors.credit_code_query_problem(query)
    return render(
        request,
        "orgs/_unit_search_results.html",
        {
            "query": query,
            "units": units,
            "limit": selectors.UNIT_SEARCH_LIMIT,
            "credit_code_problem": problem,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_unit(request: HttpRequest) -> HttpResponse:
    """更换单位: search, pick a unit (or 其他单位) and save."""
    person = _current_person(request)
    if request.method == "POST":
        form = UnitChoiceForm(request.POST)
        if form.is_valid():
            try:
                organizations.person_change_unit(
                    person=person, unit_or_none=form.cleaned_data["unit"], actor=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                person.refresh_from_db()
                messages.success(request, f"工作单位已更新为：{person.unit_display}")
                return redirect("orgs:my_unit")
    else:
        form = UnitChoiceForm()
    return render(request, "orgs/my_unit.html", {"person": person, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def unit_register(request: HttpRequest) -> HttpResponse:
    """添加单位: register a new unit; it waits for its supervisor's or authority's approval."""
    person = _person_of(request)
    if request.method == "POST":
        form = UnitRegisterForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            fields: dict[str, Any] = {
                "name": data["name"],
                "credit_code": data["credit_code"] or None,
                "region_code": data["region_code"],
                "parent": data["parent"],
                "contact_name": data["contact_name"],
                "contact_phone": data["contact_phone"],
            }
            try:
                if person is not None:
                    unit = organizations.person_register_unit(person=person, **fields)
                else:
                    unit = services.organization_register(registered_by=request.user, **fields)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"单位“{unit.name}”已提交注册，等待“{data['parent'].name}”审批。"
                    + (
                        "审批通过前，该单位已记录为您的工作单位，但暂不能向其提交学时申报。"
                        if person is not None
                        else ""
                    ),
                )
                return redirect("orgs:my_unit" if person is not None else "core:home")
    else:
        form = UnitRegisterForm(initial={"name": request.GET.get("name", "").strip()})
    return render(request, "orgs/unit_register.html", {"form": form})


@dataclass
class PendingRow:
    unit: Organization
    reject_form: UnitRejectForm


def _reject_form(unit: Organization, data: Any = None) -> UnitRejectForm:
    return UnitRejectForm(data, auto_id=f"id_reject_{unit.pk}_%s")


def _pending_page(
    request: HttpRequest,
    role: RoleAssignment,
    *,
    failed: tuple[int, UnitRejectForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    paginator = Paginator(unit_selectors.pending_units(role=role), PENDING_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        PendingRow(
            unit=unit,
            reject_form=failed[1] if failed and failed[0] == unit.pk else _reject_form(unit),
        )
        for unit in page.object_list
    ]
    return render(request, "orgs/pending_units.html", {"page": page, "rows": rows}, status=status)


@login_required
@require_GET
def pending_units(request: HttpRequest) -> HttpResponse:
    role = require_permission(request, "orgs.approve_units")
    return _pending_page(request, role)


def _back_to_queue(request: HttpRequest) -> HttpResponse:
    url = reverse("orgs:pending_units")
    page = request.POST.get("page", "")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


def _reviewable_unit(request: HttpRequest, pk: int) -> tuple[RoleAssignment, Organization]:
    role = require_permission(request, "orgs.approve_units")
    unit = get_object_or_404(organizations_in_scope(role).filter(kind=OrganizationKind.UNIT), pk=pk)
    return role, unit


def _row_response(request: HttpRequest, unit: Organization, **extra: Any) -> HttpResponse:
    return render(request, "orgs/_pending_unit_row.html", {"unit": unit, **extra})


@login_required
@require_POST
def unit_approve(request: HttpRequest, pk: int) -> HttpResponse:
    role, unit = _reviewable_unit(request, pk)
    try:
        organizations.organization_approve(organization=unit, actor=request.user, role=role)
    except ValidationError as error:
        message = error_text(error, sep=" ")
        if request.htmx:  # type: ignore[attr-defined]
            return _row_response(request, unit, done=True, error=message)
        messages.error(request, f"“{unit.name}”：{message}")
    else:
        if request.htmx:  # type: ignore[attr-defined]
            return _row_response(request, unit, done=True)
        messages.success(request, f"已通过单位“{unit.name}”的注册。")
    return _back_to_queue(request)


@login_required
@require_POST
def unit_reject(request: HttpRequest, pk: int) -> HttpResponse:
    role, unit = _reviewable_unit(request, pk)
    form = _reject_form(unit, request.POST)
    if form.is_valid():
        try:
            organizations.organization_reject(
                organization=unit,
                actor=request.user,
                role=role,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            message = error_text(error, sep=" ")
            if request.htmx:  # type: ignore[attr-defined]
                return _row_response(request, unit, done=True, error=message)
            messages.error(request, f"“{unit.name}”：{message}")
        else:
            if request.htmx:  # type: ignore[attr-defined]
                return _row_response(request, unit, done=True)
            messages.success(request, f"已退回单位“{unit.name}”的注册：{unit.review_comment}")
        return _back_to_queue(request)
    if request.htmx:  # type: ignore[attr-defined]
        return _row_response(request, unit, reject_form=form)
    return _pending_page(request, role, failed=(unit.pk, form), status=400)


@login_required
@require_GET
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    role = active_role(request)
    if role is None or not role.is_admin:
        raise PermissionDenied("当前角色无权查看机构详情。")
    organization = get_object_or_404(unit_selectors.organization_detail(role=role), pk=pk)
    can_override = role_may(role, "orgs.override_credit_code")
    return render(
        request,
        "orgs/organization_detail.html",
        {
            "organization": organization,
            "departments": list(organization.departments.all()),
            "can_override": can_override,
            "is_pending": organization.status == OrganizationStatus.PENDING,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def credit_code_override(request: HttpRequest, pk: int) -> HttpResponse:
    role = require_permission(request, "orgs.override_credit_code")
    organization = get_object_or_404(organizations_in_scope(role), pk=pk)
    if request.method == "POST":
        form = CreditCodeOverrideForm(request.POST)
        if form.is_valid():
            try:
                organizations.organization_override_credit_code(
                    organization=organization,
                    credit_code=form.cleaned_data["credit_code"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                    role=role,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"已为“{organization.name}”录入统一社会信用代码。")
                return redirect("orgs:organization_detail", pk=organization.pk)
    else:
        form = CreditCodeOverrideForm(initial={"credit_code": organization.credit_code or ""})
    return render(
        request,
        "orgs/credit_code_override.html",
        {"organization": organization, "form": form},
    )
