"""Unit administration pages: 单位信息维护, 专业技术人员管理, 单位部门管理, 单位管理员管理,
学时登记开放, and the supervisor's queue of unit information changes.

Views only read the request, call a selector or a service and render; the rules live in
`xueshi.units.services` and `xueshi.accounts.services`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi.accounts import selectors as account_selectors
from xueshi.accounts import services as account_services
from xueshi.accounts.models import Person, RoleAssignment, RoleKind, id_number_q
from xueshi.accounts.permissions import (
    organizations_in_scope,
    people_in_scope,
    region_access,
    require_permission,
    role_may,
)
from xueshi.core.audit import audit_id_search, audit_personal_read
from xueshi.core.errors import error_text
from xueshi.core.exports import export_from_request
from xueshi.orgs import selectors
from xueshi.orgs.forms import UnitRejectForm
from xueshi.orgs.models import DeclaringWindow, Department, Organization, UnitChangeRequest
from xueshi.policy.resolver import allowed_credit_years

from . import selectors as unit_selectors
from . import services as unit_services
from .forms import (
    DeclaringWindowForm,
    DepartmentForm,
    StaffAddForm,
    StaffEditForm,
    StaffLeaveForm,
    UnitAdminAddForm,
    UnitAdminEditForm,
    UnitInfoForm,
)

STAFF_PAGE_SIZE = 20
QUEUE_PAGE_SIZE = 20
LIST_PAGE_SIZE = 20  # admins, departments, declaring windows


def _main_admin(request: HttpRequest) -> tuple[RoleAssignment, Organization]:
    role = require_permission(request, "unit.manage")
    return role, unit_services.require_main_admin(role)


def _page(request: HttpRequest, items: Any, size: int) -> Any:
    return Paginator(items, size).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    text: str = query.urlencode()
    return text


# ---- 单位信息维护 ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def unit_info(request: HttpRequest) -> HttpResponse:
    role, unit = _main_admin(request)
    pending = selectors.latest_change_request(unit)
    if request.method == "POST":
        form = UnitInfoForm(request.POST)
        if form.is_valid():
            try:
                change = unit_services.unit_info_save(
                    role=role, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if change is not None:
                    messages.success(
                        request,
                        "联系人和属地已保存；单位名称或统一社会信用代码的修改已提交上级审批，"
                        "审批通过后生效。",
                    )
                else:
                    messages.success(request, "单位信息已保存。")
                return redirect("orgs:unit_info")
    else:
        form = UnitInfoForm(
            initial={
                "name": unit.name,
                "credit_code": unit.credit_code or "",
                "region_code": unit.region_code,
                "contact_name": unit.contact_name,
                "contact_phone": unit.contact_phone,
            }
        )
    unit = Organization.objects.select_related("parent").get(pk=unit.pk)
    return render(
        request,
        "orgs/unit/info.html",
        {"unit": unit, "form": form, "change": pending},
    )


@login_required
def unit_change_requests(request: HttpRequest) -> HttpResponse:
    role = require_permission(request, "orgs.approve_units")
    page = _page(request, unit_selectors.unit_change_requests_pending(role=role), QUEUE_PAGE_SIZE)
    return render(
        request,
        "orgs/unit/change_requests.html",
        {"page": page, "reject_form": UnitRejectForm()},
    )


def _change_for_decision(request: HttpRequest, pk: int) -> tuple[RoleAssignment, UnitChangeRequest]:
    """A change request of a unit in the role's scope, decided or not (the service says so)."""
    role = require_permission(request, "orgs.approve_units")
    units = organizations_in_scope(role)
    if role.organization_id is not None:
        units = units.exclude(pk=role.organization_id)
    change = get_object_or_404(UnitChangeRequest.objects.filter(unit__in=units.values("pk")), pk=pk)
    return role, change


@login_required
@require_POST
def unit_change_approve(request: HttpRequest, pk: int) -> HttpResponse:
    role, change = _change_for_decision(request, pk)
    try:
        unit_services.unit_change_request_approve(change=change, role=role, actor=request.user)
    except ValidationError as error:
        messages.error(request, f"“{change.old_name}”：{error_text(error, sep=' ')}")
    else:
        messages.success(request, f"已同意“{change.old_name}”的信息变更。")
    return redirect("orgs:unit_change_requests")


@login_required
@require_POST
def unit_change_reject(request: HttpRequest, pk: int) -> HttpResponse:
    role, change = _change_for_decision(request, pk)
    form = UnitRejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写不通过的原因。")
        return redirect("orgs:unit_change_requests")
    try:
        unit_services.unit_change_request_reject(
            change=change, role=role, reason=form.cleaned_data["reason"], actor=request.user
        )
    except ValidationError as error:
        messages.error(request, f"“{change.old_name}”：{error_text(error, sep=' ')}")
    else:
        messages.success(request, f"已退回“{change.old_name}”的信息变更。")
    return redirect("orgs:unit_change_requests")


# ---- 专业技术人员管理 --------------------------------------------------------------------


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    role = require_permission(request, "unit.manage_staff")
    query = request.GET.get("q", "").strip()
    department = request.GET.get("department", "").strip()
    people = account_selectors.staff_in_scope(role, query=query, department=department)
    audit_id_search(request, query, where="units.staff_list")
    page = _page(request, people, STAFF_PAGE_SIZE)
    filters = {key: value for key, value in (("q", query), ("department", department)) if value}
    return render(
        request,
        "orgs/unit/staff_list.html",
        {
            "page": page,
            "query": query,
            "department": department,
            "departments": list(account_selectors.staff_departments(role)),
            "no_department": account_selectors.NO_DEPARTMENT,
            "filter_query": urlencode(filters),
            "export_url": reverse("orgs:staff_export"),
            "is_main_admin": role.kind == RoleKind.UNIT_ADMIN,
            "role": role,
            # Zhejiang: the enterprise reports its learners for 学时登记 (issue 13 item 4).
            "enables_staff": role_may(role, "unit.enable_staff"),
            "current_url": request.get_full_path(),
        },
    )


@login_required
@require_GET
def staff_export(request: HttpRequest) -> HttpResponseBase:
    """The staff list (same scope, search and department) as xlsx or CSV."""
    require_permission(request, "unit.manage_staff")
    return export_from_request(request, "staff")


def _staff_form_departments(form: StaffAddForm | StaffEditForm, role: RoleAssignment) -> None:
    form.set_departments(
        account_selectors.staff_departments(role),
        fixed=role.kind == RoleKind.DEPARTMENT_ADMIN,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_add(request: HttpRequest) -> HttpResponse:
    role = require_permission(request, "unit.manage_staff")
    initial = {"in_establishment": "1", "login_allowed": "1", "department": role.department_id}
    confirm_adopt = False
    if request.method == "POST":
        form = StaffAddForm(request.POST, initial=initial)
        _staff_form_departments(form, role)
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = account_services.staff_add(role=role, actor=request.user, **data)
            except ValidationError as error:
                codes = {
                    item.code
                    for items in getattr(error, "error_dict", {}).values()
                    for item in items
                }
                if "no_unit" in codes:
                    # Ask once more: the same values, now with 加入本单位 confirmed.
                    confirm_adopt = True
                    confirmed = request.POST.copy()
                    confirmed["adopt"] = "True"
                    form = StaffAddForm(confirmed, initial=initial)
                    _staff_form_departments(form, role)
                else:
                    form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"已添加人员：{person.name}（{person.masked_id_number}）。"
                    + (
                        "初始密码为身份证号后六位，首次登录须修改。"
                        if person.user and person.user.must_change_password
                        else ""
                    ),
                )
                return redirect("orgs:staff_list")
    else:
        form = StaffAddForm(initial=initial)
        _staff_form_departments(form, role)
    return render(
        request,
        "orgs/unit/staff_form.html",
        {"form": form, "person": None, "confirm_adopt": confirm_adopt, "role": role},
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    role = require_permission(request, "unit.manage_staff")
    person = get_object_or_404(people_in_scope(role), pk=pk)
    initial = _staff_edit_initial(person)
    if request.method == "POST":
        form = StaffEditForm(request.POST, initial=initial)
        _staff_form_departments(form, role)
        if form.is_valid():
            try:
                account_services.staff_update(
                    person=person, role=role, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"已保存 {person.name} 的信息。")
                return redirect("orgs:staff_list")
    else:
        audit_personal_read(request, action="person.read", target=person)
        form = StaffEditForm(initial=initial)
        _staff_form_departments(form, role)
    leave_form = StaffLeaveForm() if role.kind == RoleKind.UNIT_ADMIN else None
    return _staff_edit_page(request, role, person, form, leave_form)


def _staff_edit_initial(person: Person) -> dict[str, Any]:
    return {
        "phone": person.phone,
        "department": person.department_id,
        "in_establishment": "1" if person.in_establishment else "0",
        "specialty": person.specialty,
        "login_allowed": "1" if person.user is not None and person.user.is_active else "0",
    }


def _staff_edit_page(
    request: HttpRequest,
    role: RoleAssignment,
    person: Person,
    form: StaffEditForm,
    leave_form: StaffLeaveForm | None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "orgs/unit/staff_form.html",
        {"form": form, "person": person, "leave_form": leave_form, "role": role},
        status=status,
    )


@login_required
@require_POST
def staff_leave(request: HttpRequest, pk: int) -> HttpResponse:
    role = require_permission(request, "unit.manage")
    person = get_object_or_404(people_in_scope(role), pk=pk)
    form = StaffLeaveForm(request.POST)
    if not form.is_valid():
        # An over-long reason: show the confirmation again with the error; nothing is saved.
        edit_form = StaffEditForm(initial=_staff_edit_initial(person))
        _staff_form_departments(edit_form, role)
        return _staff_edit_page(request, role, person, edit_form, form, status=400)
    reason = form.cleaned_data["reason"]
    try:
        account_services.staff_leave_unit(
            person=person, role=role, reason=reason, actor=request.user
        )
    except ValidationError as error:
        messages.error(request, error_text(error, sep=" "))
        return redirect("orgs:staff_edit", pk=person.pk)
    messages.success(request, f"{person.name} 已办理离职/调出，其已有的学时记录仍保留在本单位。")
    return redirect("orgs:staff_list")


# ---- 单位部门管理 ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def department_list(request: HttpRequest) -> HttpResponse:
    role, unit = _main_admin(request)
    if request.method == "POST":
        form = DepartmentForm(request.POST)
        if form.is_valid():
            try:
                department = unit_services.unit_department_create(
                    role=role, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"已新增部门：{department.name}")
                return redirect("orgs:department_list")
    else:
        form = DepartmentForm()
    query = request.GET.get("q", "").strip()
    departments = selectors.unit_departments(unit)
    if query:
        departments = departments.filter(name__icontains=query)
    page = _page(request, departments, LIST_PAGE_SIZE)
    return render(
        request,
        "orgs/unit/departments.html",
        {
            "unit": unit,
            "departments": list(page.object_list),
            "page": page,
            "page_query": _query_without_page(request),
            "form": form,
            "query": query,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def department_edit(request: HttpRequest, pk: int) -> HttpResponse:
    role, unit = _main_admin(request)
    department = get_object_or_404(Department, pk=pk, unit=unit)
    if request.method == "POST":
        form = DepartmentForm(request.POST)
        if form.is_valid():
            try:
                unit_services.unit_department_update(
                    department=department, role=role, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "部门信息已保存。")
                return redirect("orgs:department_list")
    else:
        form = DepartmentForm(initial={"name": department.name, "note": department.note})
    return render(
        request, "orgs/unit/department_form.html", {"form": form, "department": department}
    )


@login_required
@require_POST
def department_delete(request: HttpRequest, pk: int) -> HttpResponse:
    role, unit = _main_admin(request)
    department = get_object_or_404(Department, pk=pk, unit=unit)
    try:
        unit_services.unit_department_delete(department=department, role=role, actor=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error, sep=" "))
    else:
        messages.success(request, f"已删除部门：{department.name}")
    return redirect("orgs:department_list")


# ---- 单位管理员管理 ----------------------------------------------------------------------


@login_required
def unit_admin_list(request: HttpRequest) -> HttpResponse:
    role, unit = _main_admin(request)
    query = "".join(request.GET.get("q", "").split())
    admins = account_selectors.unit_admins(unit)
    if query:
        admins = admins.filter(
            id_number_q(query, "user__person__") | Q(user__person__name__icontains=query)
        )
    page = _page(request, admins, LIST_PAGE_SIZE)
    return render(
        request,
        "orgs/unit/admins.html",
        {
            "unit": unit,
            "admins": list(page.object_list),
            "page": page,
            "page_query": _query_without_page(request),
            "query": query,
            "role": role,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_admin_add(request: HttpRequest) -> HttpResponse:
    role, unit = _main_admin(request)
    departments = Department.objects.filter(unit=unit).order_by("name")
    if request.method == "POST":
        form = UnitAdminAddForm(request.POST, departments=departments)
        if form.is_valid():
            try:
                granted = unit_services.unit_admin_add(
                    role=role, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"已设置管理员：{granted.label}（{granted.user}）")
                return redirect("orgs:unit_admin_list")
    else:
        form = UnitAdminAddForm(
            initial={"in_establishment": "1", "login_allowed": "1"}, departments=departments
        )
    return render(request, "orgs/unit/admin_form.html", {"form": form, "admin_role": None})


def _unit_admin_role(unit: Organization, pk: int) -> RoleAssignment:
    return get_object_or_404(account_selectors.unit_admins(unit), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def unit_admin_edit(request: HttpRequest, pk: int) -> HttpResponse:
    role, unit = _main_admin(request)
    admin_role = _unit_admin_role(unit, pk)
    departments = Department.objects.filter(unit=unit).order_by("name")
    if request.method == "POST":
        form = UnitAdminEditForm(request.POST, departments=departments)
        if form.is_valid():
            try:
                unit_services.unit_admin_update(
                    admin_role=admin_role, role=role, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "管理员信息已保存。")
                return redirect("orgs:unit_admin_list")
    else:
        info = getattr(admin_role, "unit_admin_info", None)
        form = UnitAdminEditForm(
            initial={
                "department": admin_role.department_id,
                "duties": info.duties if info is not None else "",
            },
            departments=departments,
        )
    return render(request, "orgs/unit/admin_form.html", {"form": form, "admin_role": admin_role})


@login_required
@require_POST
def unit_admin_remove(request: HttpRequest, pk: int) -> HttpResponse:
    role, unit = _main_admin(request)
    admin_role = _unit_admin_role(unit, pk)
    try:
        unit_services.unit_admin_remove(admin_role=admin_role, role=role, actor=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error, sep=" "))
    else:
        messages.success(request, f"已取消 {admin_role.user} 的管理员角色。")
    return redirect("orgs:unit_admin_list")


# ---- 学时登记开放 ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def declaring_windows(request: HttpRequest) -> HttpResponse:
    role, unit = _main_admin(request)
    today = timezone.localdate()
    version = selectors.unit_policy_version(unit, today)
    allowed = version is not None and version.windows.unit_may_open_window
    years = allowed_credit_years(version, today) if version is not None and allowed else []
    form: DeclaringWindowForm | None = None
    if allowed:
        if request.method == "POST":
            form = DeclaringWindowForm(request.POST, credit_years=years)
            if form.is_valid():
                try:
                    window = unit_services.declaring_window_open(
                        role=role, actor=request.user, today=today, **form.cleaned_data
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(
                        request,
                        f"已开放 {window.credit_year} 年度学时登记："
                        f"{window.opens_on} 至 {window.closes_on}。",
                    )
                    return redirect("orgs:declaring_windows")
        else:
            form = DeclaringWindowForm(
                initial={"credit_year": years[0] if years else None, "opens_on": today},
                credit_years=years,
            )
    elif request.method == "POST":
        messages.error(request, selectors.WINDOWS_SET_CENTRALLY)
        return redirect("orgs:declaring_windows")
    page = _page(
        request,
        DeclaringWindow.objects.filter(unit=unit).select_related("created_by"),
        LIST_PAGE_SIZE,
    )
    return render(
        request,
        "orgs/unit/windows.html",
        {
            "unit": unit,
            "allowed": allowed,
            "refused": selectors.WINDOWS_SET_CENTRALLY,
            "form": form,
            "windows": list(page.object_list),
            "page": page,
            "today": today,
            "state": selectors.declaring_window_state(unit, today),
            "note": version.windows.declaring.note if version is not None else "",
        },
    )


@login_required
@require_POST
def declaring_window_close(request: HttpRequest, pk: int) -> HttpResponse:
    role, unit = _main_admin(request)
    window = get_object_or_404(DeclaringWindow, pk=pk, unit=unit)
    try:
        kept = unit_services.declaring_window_close(window=window, role=role, actor=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error, sep=" "))
    else:
        messages.success(
            request,
            "已删除尚未开始的开放时间。"
            if kept is None
            else f"已关闭学时登记，开放时间截至 {kept.closes_on}。",
        )
    return redirect(reverse("orgs:declaring_windows"))


# ---- 学时登记权限 (issue 13 item 4: Zhejiang 省属管理权限) --------------------------------


@login_required
@require_GET
def declaring_access(request: HttpRequest) -> HttpResponse:
    """The supervising department's list of its enterprises, each with its access to 学时登记."""
    role = require_permission(request, "orgs.grant_access")
    query = " ".join(request.GET.get("q", "").split())[:50]
    granted = request.GET.get("granted", "")
    units = unit_selectors.units_for_access(role=role, query=query, granted=granted)
    access = region_access(role.organization)
    return render(
        request,
        "orgs/unit/declaring_access.html",
        {
            "page": _page(request, units, LIST_PAGE_SIZE),
            "query": query,
            "granted": granted if granted in ("1", "0") else "",
            "grant_label": access.grant_label,
            "filter_query": _query_without_page(request),
            "current_url": request.get_full_path(),
        },
    )


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_POST
def declaring_access_set(request: HttpRequest, pk: int) -> HttpResponse:
    role = require_permission(request, "orgs.grant_access")
    granted = request.POST.get("granted") == "1"
    try:
        unit = unit_services.unit_declaring_access_set(
            unit_id=pk, granted=granted, role=role, actor=request.user
        )
    except PermissionDenied as error:
        raise Http404(error_text(error)) from error
    label = region_access(role.organization).grant_label
    messages.success(request, f"已为“{unit.name}”{'开通' if granted else '取消'}{label}。")
    return _back(request, "orgs:declaring_access")


@login_required
@require_POST
def staff_declaring_enabled(request: HttpRequest, pk: int) -> HttpResponse:
    """The enterprise admin reports (上报) a learner for 学时登记, or withdraws them."""
    role = require_permission(request, "unit.enable_staff")
    enabled = request.POST.get("enabled") == "1"
    try:
        person = unit_services.person_declaring_enabled_set(
            person_id=pk, enabled=enabled, role=role, actor=request.user
        )
    except PermissionDenied as error:
        raise Http404(error_text(error)) from error
    messages.success(
        request,
        f"已{'上报并开通' if enabled else '取消'} {person.name} 的学时登记权限。",
    )
    return _back(request, "orgs:staff_list")
