"""Writes of unit administration: unit information, departments, admins, declaring windows.

Every function takes keyword arguments, runs in one transaction and writes the audit log.
Who may act is checked here too (views check it first, for the page): a main unit admin
(总管理员, role unit_admin) for everything in this module, a supervisor or authority for the
decision on a unit's change of name or credit code.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from xueshi.accounts.models import UNIT_ROLE_KINDS, Person, RoleAssignment, RoleKind
from xueshi.accounts.permissions import organizations_in_scope, people_in_scope, role_may
from xueshi.accounts.selectors import main_admin_count
from xueshi.accounts.services import (
    person_create,
    person_set_login_allowed,
    role_grant,
    role_revoke,
)
from xueshi.core.audit import audit_record
from xueshi.core.changes import save_changes
from xueshi.core.identifiers import clean_credit_code, clean_id_number, clean_phone
from xueshi.orgs.models import (
    DeclaringWindow,
    Department,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    UnitAdminInfo,
    UnitChangeRequest,
    UnitChangeStatus,
)
from xueshi.orgs.selectors import (
    WINDOWS_SET_CENTRALLY,
    region_is_known,
    unit_policy_version,
)
from xueshi.policy.resolver import allowed_credit_years

CHANGE_ALREADY_DECIDED = "该变更申请已被处理。"
CHANGE_ALREADY_PENDING = "本单位已有待审批的变更申请，请等待上级审批后再提交。"
LAST_MAIN_ADMIN = "单位至少需要保留一名总管理员，不能删除或改为二级管理员。"


def require_main_admin(role: RoleAssignment | None) -> Organization:
    """The unit of a main unit admin (总管理员); anyone else is refused."""
    if role is None or role.kind != RoleKind.UNIT_ADMIN or role.organization_id is None:
        raise PermissionDenied("只有单位总管理员可以进行此操作。")
    return Organization.objects.get(pk=role.organization_id)


def _lock_unit(role: RoleAssignment | None) -> Organization:
    unit = require_main_admin(role)
    return Organization.objects.select_for_update().get(pk=unit.pk)


def _errors(errors: dict[str, list[ValidationError]], field: str, error: Any) -> None:
    errors.setdefault(field, []).append(
        error if isinstance(error, ValidationError) else ValidationError(error)
    )


# ---- 单位信息维护 ------------------------------------------------------------------------


@transaction.atomic
def unit_info_update(
    *,
    role: RoleAssignment | None,
    region_code: str,
    contact_name: str,
    contact_phone: str,
    actor: Any = None,
) -> Organization:
    """What the unit changes directly: its locality (单位属地) and contacts."""
    unit = _lock_unit(role)
    errors: dict[str, list[ValidationError]] = {}
    region_code = (region_code or "").strip()
    if not region_is_known(region_code):
        _errors(errors, "region_code", "请填写有效的 6 位行政区划代码。")
    phone = ""
    if contact_phone and contact_phone.strip():
        try:
            phone = clean_phone(contact_phone)
        except ValidationError as error:
            _errors(errors, "contact_phone", error)
    if errors:
        raise ValidationError(errors)
    contact_name = (contact_name or "").strip()
    changed = save_changes(
        unit, region_code=region_code, contact_name=contact_name, contact_phone=phone
    )
    if not changed:
        return unit
    audit_record(
        action="organization.update_info",
        actor=actor,
        role=RoleKind.UNIT_ADMIN,
        target=unit,
        details={"changed": changed},
    )
    return unit


@transaction.atomic
def unit_info_save(
    *,
    role: RoleAssignment | None,
    name: str,
    credit_code: str,
    region_code: str,
    contact_name: str,
    contact_phone: str,
    actor: Any = None,
) -> UnitChangeRequest | None:
    """单位信息维护 in one go: locality and contacts apply now; a new name or credit code
    becomes a change request (returned) for the supervisor. Nothing is saved if either fails."""
    unit = require_main_admin(role)
    unit_info_update(
        role=role,
        region_code=region_code,
        contact_name=contact_name,
        contact_phone=contact_phone,
        actor=actor,
    )
    name = " ".join((name or "").split())
    cleaned_code = (credit_code or "").strip().upper()
    if name == unit.name and cleaned_code == (unit.credit_code or ""):
        return None
    return unit_change_request_create(role=role, name=name, credit_code=credit_code, actor=actor)


def _check_new_identity(
    unit: Organization, *, name: str, credit_code: str, errors: dict[str, list[ValidationError]]
) -> None:
    if (
        name != unit.name
        and Organization.objects.filter(parent_id=unit.parent_id, name__iexact=name)
        .exclude(pk=unit.pk)
        .exclude(status=OrganizationStatus.REJECTED)
        .exists()
    ):
        _errors(errors, "name", f"同一上级机构下已有同名单位：{name}")
    if credit_code and credit_code != (unit.credit_code or ""):
        holder = Organization.objects.filter(credit_code=credit_code).exclude(pk=unit.pk).first()
        if holder is not None:
            _errors(errors, "credit_code", f"该统一社会信用代码已注册：{holder.name}")


@transaction.atomic
def unit_change_request_create(
    *, role: RoleAssignment | None, name: str, credit_code: str, actor: Any = None
) -> UnitChangeRequest:
    """A change of name or credit code: it waits for the unit's supervisor (or authority)."""
    unit = _lock_unit(role)
    errors: dict[str, list[ValidationError]] = {}
    name = " ".join((name or "").split())
    if not name:
        _errors(errors, "name", "请填写单位名称。")
    cleaned_code = ""
    if credit_code and credit_code.strip():
        try:
            cleaned_code = clean_credit_code(credit_code)
        except ValidationError as error:
            _errors(errors, "credit_code", error)
    elif unit.credit_code:
        _errors(errors, "credit_code", "统一社会信用代码不能清空。")
    if not errors and name == unit.name and cleaned_code == (unit.credit_code or ""):
        _errors(errors, "name", "单位名称和统一社会信用代码均未改变。")
    if not errors:
        _check_new_identity(unit, name=name, credit_code=cleaned_code, errors=errors)
    if (
        not errors
        and UnitChangeRequest.objects.filter(unit=unit, status=UnitChangeStatus.PENDING).exists()
    ):
        _errors(errors, "name", CHANGE_ALREADY_PENDING)
    if errors:
        raise ValidationError(errors)
    change = UnitChangeRequest.objects.create(
        unit=unit,
        old_name=unit.name,
        new_name=name,
        old_credit_code=unit.credit_code or "",
        new_credit_code=cleaned_code,
        requested_by=actor,
    )
    audit_record(
        action="organization.change_request",
        actor=actor,
        role=RoleKind.UNIT_ADMIN,
        target=change,
        to_state=UnitChangeStatus.PENDING,
        details={"unit_id": unit.pk, "name": name, "credit_code": cleaned_code},
    )
    return change


def _lock_change(
    change: UnitChangeRequest, role: RoleAssignment | None
) -> tuple[UnitChangeRequest, Organization]:
    if role is None or not role_may(role, "orgs.approve_units"):
        raise PermissionDenied("您无权审批该单位的信息变更。")
    locked = UnitChangeRequest.objects.select_for_update().get(pk=change.pk)
    unit = Organization.objects.select_for_update().get(pk=locked.unit_id)
    if unit.pk == role.organization_id or not (
        organizations_in_scope(role).filter(pk=unit.pk, kind=OrganizationKind.UNIT).exists()
    ):
        raise PermissionDenied("您无权审批该单位的信息变更。")
    if locked.status != UnitChangeStatus.PENDING:
        raise ValidationError(CHANGE_ALREADY_DECIDED, code="already_decided")
    return locked, unit


@transaction.atomic
def unit_change_request_approve(
    *, change: UnitChangeRequest, role: RoleAssignment | None, actor: Any = None
) -> UnitChangeRequest:
    """Approve: the unit takes the new name and credit code (checked again, now)."""
    locked, unit = _lock_change(change, role)
    errors: dict[str, list[ValidationError]] = {}
    if locked.new_credit_code:
        try:
            clean_credit_code(locked.new_credit_code)
        except ValidationError as error:
            _errors(errors, "credit_code", error)
    _check_new_identity(
        unit, name=locked.new_name, credit_code=locked.new_credit_code, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    unit.name = locked.new_name
    unit.credit_code = locked.new_credit_code or None
    unit.save(update_fields=["name", "credit_code"])
    locked.status = UnitChangeStatus.APPROVED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        action="organization.change_approve",
        actor=actor,
        role=role.kind if role else "",
        target=unit,
        from_state=f"{locked.old_name} {locked.old_credit_code}".strip(),
        to_state=f"{locked.new_name} {locked.new_credit_code}".strip(),
        details={"change_request_id": locked.pk},
    )
    return locked


@transaction.atomic
def unit_change_request_reject(
    *, change: UnitChangeRequest, role: RoleAssignment | None, reason: str, actor: Any = None
) -> UnitChangeRequest:
    reason = (reason or "").strip()
    locked, unit = _lock_change(change, role)
    if not reason:
        raise ValidationError({"reason": "请填写不通过的原因。"})
    locked.status = UnitChangeStatus.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.reason = reason[:200]
    locked.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit_record(
        action="organization.change_reject",
        actor=actor,
        role=role.kind if role else "",
        target=unit,
        reason=reason,
        details={"change_request_id": locked.pk},
    )
    return locked


# ---- 单位部门管理 ------------------------------------------------------------------------


def _department_name(unit: Organization, name: str, *, exclude_pk: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "请填写部门名称。"})
    same = Department.objects.filter(unit=unit, name=name)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        raise ValidationError({"name": f"本单位已有名为“{name}”的部门。"})
    return name


@transaction.atomic
def unit_department_create(
    *, role: RoleAssignment | None, name: str, note: str = "", actor: Any = None
) -> Department:
    unit = _lock_unit(role)
    name = _department_name(unit, name)
    department = Department.objects.create(unit=unit, name=name, note=(note or "").strip()[:200])
    audit_record(
        action="department.create", actor=actor, role=RoleKind.UNIT_ADMIN, target=department
    )
    return department


@transaction.atomic
def unit_department_update(
    *,
    department: Department,
    role: RoleAssignment | None,
    name: str,
    note: str = "",
    actor: Any = None,
) -> Department:
    unit = _lock_unit(role)
    locked = Department.objects.select_for_update().filter(pk=department.pk, unit=unit).first()
    if locked is None:
        raise PermissionDenied("该部门不属于本单位。")
    name = _department_name(unit, name, exclude_pk=locked.pk)
    note = (note or "").strip()[:200]
    if (locked.name, locked.note) == (name, note):
        return locked
    old_name = locked.name
    locked.name = name
    locked.note = note
    locked.save(update_fields=["name", "note"])
    audit_record(
        action="department.update",
        actor=actor,
        role=RoleKind.UNIT_ADMIN,
        target=locked,
        from_state=old_name,
        to_state=name,
    )
    return locked


@transaction.atomic
def unit_department_delete(
    *, department: Department, role: RoleAssignment | None, actor: Any = None
) -> None:
    """Delete a department only when nobody is in it and no department admin manages it."""
    unit = _lock_unit(role)
    locked = Department.objects.select_for_update().filter(pk=department.pk, unit=unit).first()
    if locked is None:
        raise PermissionDenied("该部门不属于本单位。")
    staff = Person.objects.filter(department=locked).count()
    admins = RoleAssignment.objects.filter(department=locked).count()
    reasons = []
    if staff:
        reasons.append(f"该部门还有 {staff} 名人员，请先将他们调整到其他部门")
    if admins:
        reasons.append(f"该部门设有 {admins} 名二级管理员，请先调整或删除这些管理员")
    if reasons:
        raise ValidationError(f"不能删除部门“{locked.name}”：" + "；".join(reasons) + "。")
    audit_record(
        action="department.delete",
        actor=actor,
        role=RoleKind.UNIT_ADMIN,
        target=locked,
        from_state=locked.name,
    )
    locked.delete()


# ---- 单位管理员管理 ----------------------------------------------------------------------


def _admin_kind(department: Department | None) -> str:
    return RoleKind.UNIT_ADMIN if department is None else RoleKind.DEPARTMENT_ADMIN


def _check_admin_department(unit: Organization, department: Department | None) -> None:
    if department is not None and department.unit_id != unit.pk:
        raise ValidationError({"department": "只能选择本单位的部门。"})


def _set_duties(role: RoleAssignment, duties: str) -> None:
    duties = (duties or "").strip()[:200]
    info = UnitAdminInfo.objects.filter(role=role).first()
    if info is None:
        if duties:
            UnitAdminInfo.objects.create(role=role, duties=duties)
    elif info.duties != duties:
        info.duties = duties
        info.save(update_fields=["duties"])


@transaction.atomic
def unit_admin_add(
    *,
    role: RoleAssignment | None,
    id_number: str,
    name: str,
    phone: str = "",
    in_establishment: bool = False,
    department: Department | None = None,
    login_allowed: bool = True,
    duties: str = "",
    actor: Any = None,
) -> RoleAssignment:
    """新增管理员: a staff member of the unit (or a new person) becomes an admin.

    No department: the main admin (总管理员, unit_admin); a department: a department admin.
    """
    unit = _lock_unit(role)
    try:
        id_number = clean_id_number(id_number)
    except ValidationError as error:
        raise ValidationError({"id_number": error}) from error
    name = " ".join((name or "").split())
    _check_admin_department(unit, department)
    person = Person.objects.select_related("unit", "user").by_id_number(id_number).first()
    if person is None:
        if not name:
            raise ValidationError({"name": "请填写姓名。"})
        try:
            phone = clean_phone(phone) if phone and phone.strip() else ""
        except ValidationError as error:
            raise ValidationError({"phone": error}) from error
        person = person_create(
            id_number=id_number,
            name=name,
            phone=phone,
            unit=unit,
            department=department,
            in_establishment=in_establishment,
            login_allowed=login_allowed,
            actor=actor,
        )
    else:
        if person.unit_id != unit.pk:
            where = f"“{person.unit.name}”" if person.unit else "“其他单位”"
            raise ValidationError(
                {
                    "id_number": f"该人员登记在{where}，不是本单位人员。"
                    "请先在“专业技术人员管理”中将其加入本单位，再设为管理员。"
                }
            )
        if name and name != person.name:
            raise ValidationError({"name": "姓名与该身份证号已登记的姓名不一致，请核对。"})
        if person.user is None:
            person_set_login_allowed(person=person, allowed=True, actor=actor)
        person_set_login_allowed(person=person, allowed=login_allowed, actor=actor)
    if person.user is None:  # pragma: no cover (person_create and the line above made one)
        raise ValidationError({"login_allowed": "该人员没有登录账号。"})
    if RoleAssignment.objects.filter(
        user=person.user,
        organization=unit,
        kind__in=UNIT_ROLE_KINDS,
    ).exists():
        raise ValidationError({"id_number": "该人员已是本单位管理员，可在列表中修改其管理部门。"})
    granted = role_grant(
        user=person.user,
        kind=_admin_kind(department),
        organization=unit,
        department=department,
        actor=actor,
    )
    _set_duties(granted, duties)
    return granted


def _lock_admin_role(unit: Organization, admin_role: RoleAssignment) -> RoleAssignment:
    locked = (
        RoleAssignment.objects.select_for_update()
        .filter(
            pk=admin_role.pk,
            organization=unit,
            kind__in=UNIT_ROLE_KINDS,
        )
        .first()
    )
    if locked is None:
        raise PermissionDenied("该管理员不属于本单位。")
    return locked


@transaction.atomic
def unit_admin_update(
    *,
    admin_role: RoleAssignment,
    role: RoleAssignment | None,
    department: Department | None,
    duties: str = "",
    actor: Any = None,
) -> RoleAssignment:
    """Change an admin's 管理部门: none makes a main admin, a department a department admin."""
    unit = _lock_unit(role)
    locked = _lock_admin_role(unit, admin_role)
    _check_admin_department(unit, department)
    kind = _admin_kind(department)
    department_id = department.pk if department is not None else None
    if (locked.kind, locked.department_id) != (kind, department_id):
        if locked.kind == RoleKind.UNIT_ADMIN and main_admin_count(unit) <= 1:
            raise ValidationError({"department": LAST_MAIN_ADMIN})
        if role is not None and locked.pk == role.pk:
            raise ValidationError({"department": "不能修改自己正在使用的管理员角色。"})
        old_kind, old_department_id = locked.kind, locked.department_id
        locked.kind = kind
        locked.department = department
        locked.save(update_fields=["kind", "department"])
        audit_record(
            action="role.change",
            actor=actor,
            role=RoleKind.UNIT_ADMIN,
            target=locked,
            from_state=old_kind,
            to_state=kind,
            details={"from_department_id": old_department_id, "to_department_id": department_id},
        )
    _set_duties(locked, duties)
    return locked


@transaction.atomic
def unit_admin_remove(
    *, admin_role: RoleAssignment, role: RoleAssignment | None, actor: Any = None
) -> None:
    """Remove an admin role (the person stays staff); never the unit's last main admin."""
    unit = _lock_unit(role)
    locked = _lock_admin_role(unit, admin_role)
    if locked.kind == RoleKind.UNIT_ADMIN and main_admin_count(unit) <= 1:
        raise ValidationError(LAST_MAIN_ADMIN)
    if role is not None and locked.pk == role.pk:
        raise ValidationError("不能删除自己正在使用的管理员角色。")
    role_revoke(role=locked, actor=actor)


# ---- 学时登记开放 ------------------------------------------------------------------------


@transaction.atomic
def declaring_window_open(
    *,
    role: RoleAssignment | None,
    credit_year: int,
    opens_on: datetime.date,
    closes_on: datetime.date,
    note: str = "",
    today: datetime.date | None = None,
    actor: Any = None,
) -> DeclaringWindow:
    """Open declaring for the unit's people between two dates, for one credit year."""
    unit = _lock_unit(role)
    today = today or timezone.localdate()
    version = unit_policy_version(unit, today)
    if version is None or not version.windows.unit_may_open_window:
        raise ValidationError(WINDOWS_SET_CENTRALLY, code="not_allowed")
    errors: dict[str, list[ValidationError]] = {}
    years = allowed_credit_years(version, today)
    if credit_year not in years:
        _errors(
            errors,
            "credit_year",
            "计入年度只能选择 " + "、".join(str(year) for year in years) + " 年度。",
        )
    if closes_on < opens_on:
        _errors(errors, "closes_on", "结束日期不能早于开始日期。")
    elif closes_on < today:
        _errors(errors, "closes_on", "结束日期不能早于今天。")
    if not errors:
        overlapping = (
            DeclaringWindow.objects.filter(
                unit=unit,
                credit_year=credit_year,
                opens_on__lte=closes_on,
                closes_on__gte=opens_on,
            )
            .order_by("opens_on")
            .first()
        )
        if overlapping is not None:
            _errors(
                errors,
                "opens_on",
                f"与已设置的 {overlapping.credit_year} 年度开放时间 {overlapping.opens_on} 至 "
                f"{overlapping.closes_on} 重叠。",
            )
    if errors:
        raise ValidationError(errors)
    window = DeclaringWindow.objects.create(
        unit=unit,
        credit_year=credit_year,
        opens_on=opens_on,
        closes_on=closes_on,
        note=(note or "").strip()[:200],
        created_by=actor,
    )
    audit_record(
        action="declaring_window.open",
        actor=actor,
        role=RoleKind.UNIT_ADMIN,
        target=window,
        to_state=f"{opens_on}~{closes_on}",
        details={"unit_id": unit.pk, "credit_year": credit_year},
    )
    return window


@transaction.atomic
def declaring_window_close(
    *,
    window: DeclaringWindow,
    role: RoleAssignment | None,
    today: datetime.date | None = None,
    actor: Any = None,
) -> DeclaringWindow | None:
    """Close declaring now: a window that has run ends yesterday; one not yet run is deleted.

    Returns the shortened window, or None when it was deleted.
    """
    unit = _lock_unit(role)
    today = today or timezone.localdate()
    locked = DeclaringWindow.objects.select_for_update().filter(pk=window.pk, unit=unit).first()
    if locked is None:
        raise PermissionDenied("该开放时间不属于本单位。")
    if locked.closes_on < today:
        raise ValidationError("该开放时间已经结束。")
    old = f"{locked.opens_on}~{locked.closes_on}"
    yesterday = today - datetime.timedelta(days=1)
    if locked.opens_on > yesterday:
        audit_record(
            action="declaring_window.delete",
            actor=actor,
            role=RoleKind.UNIT_ADMIN,
            target=locked,
            from_state=old,
            details={"unit_id": unit.pk, "credit_year": locked.credit_year},
        )
        locked.delete()
        return None
    locked.closes_on = yesterday
    locked.save(update_fields=["closes_on"])
    audit_record(
        action="declaring_window.close",
        actor=actor,
        role=RoleKind.UNIT_ADMIN,
        target=locked,
        from_state=old,
        to_state=f"{locked.opens_on}~{locked.closes_on}",
        details={"unit_id": unit.pk, "credit_year": locked.credit_year},
    )
    return locked


# ---- who may declare (issue 13 item 4: Zhejiang 省属企业) ------------------------------------

ACCESS_NOT_MANAGED = "本地区不需要开通学时登记权限。"


@transaction.atomic
def unit_declaring_access_set(
    *, unit_id: int, granted: bool, role: RoleAssignment | None, actor: Any = None
) -> Organization:
    """The supervising department grants (or withdraws) an enterprise's access to 学时登记
    (seed 003: "由主管部门审批后，方可登录进入学时登记"; the profile's ``access.grant_label``,
    e.g. 省属管理权限). Only a unit in the role's scope, in a region that manages access."""
    if role is None or not role_may(role, "orgs.grant_access"):
        raise PermissionDenied(ACCESS_NOT_MANAGED)
    try:
        unit = (
            organizations_in_scope(role)
            .select_for_update(of=("self",))
            .get(pk=unit_id, kind=OrganizationKind.UNIT)
        )
    except Organization.DoesNotExist:
        raise PermissionDenied("该单位不在您的管理范围内。") from None
    if unit.declaring_access_granted == granted:
        return unit
    unit.declaring_access_granted = granted
    unit.save(update_fields=["declaring_access_granted"])
    audit_record(
        action="unit.declaring_access_grant" if granted else "unit.declaring_access_withdraw",
        actor=actor,
        role=role.kind,
        target=unit,
        from_state="0" if granted else "1",
        to_state="1" if granted else "0",
    )
    return unit


@transaction.atomic
def person_declaring_enabled_set(
    *, person_id: int, enabled: bool, role: RoleAssignment | None, actor: Any = None
) -> Person:
    """The enterprise admin reports (上报) a learner for 学时登记, or withdraws them (seed 003:
    "省属企业学员需企业管理员统一上报学员信息开通省属管理权限"). Only a person in the role's scope,
    in a region that manages access."""
    if role is None or not role_may(role, "unit.enable_staff"):
        raise PermissionDenied(ACCESS_NOT_MANAGED)
    try:
        person = people_in_scope(role).select_for_update(of=("self",)).get(pk=person_id)
    except Person.DoesNotExist:
        raise PermissionDenied("该人员不在您的管理范围内。") from None
    if person.declaring_enabled == enabled:
        return person
    person.declaring_enabled = enabled
    person.save(update_fields=["declaring_enabled"])
    audit_record(
        action="person.declaring_enable" if enabled else "person.declaring_disable",
        actor=actor,
        role=role.kind,
        target=person,
        from_state="0" if enabled else "1",
        to_state="1" if enabled else "0",
    )
    return person
