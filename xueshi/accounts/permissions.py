"""Who may do what, and who may see whom.

The permission registry: every named permission (``review.act``, ``ledger.query`` …) with its
Chinese label and the role kinds that hold it, in one table. Views (:func:`require_permission`),
the menu (portal) and templates (``{% load xueshi_perms %}{% if role|may:"review.act" %}``)
read it; nobody keeps a copy of a role set. The scope functions below say *whom* a role sees.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from xueshi.orgs.models import Organization
from xueshi.policy.resolver import resolve_version

from .models import Person, RoleAssignment, RoleKind

NO_ROLE_ACCESS = "当前角色无权访问此页面。"
NO_ACTIVE_ROLE = "当前账号没有可用的角色。"
REGION_MAY_NOT_DECLARE = "本地区的学时认定细则不允许本机构为专业技术人员申报学时。"


@dataclass(frozen=True)
class Permission:
    name: str
    label: str
    kinds: frozenset[str]
    # Declaring for others: held only where the role's region profile lets its kind declare
    # (issue 13 item 5: Anyang, Zhejiang and Xinjiang let no organisation declare).
    declares: bool = False
    # Held only where the role's region has yearly applications (学时认定申请书) on (True), or
    # only where it has them off (False); None: either way (issue 14, Xinjiang).
    yearly_application: bool | None = None


_PROFESSIONAL = (RoleKind.PROFESSIONAL,)
_UNIT_ADMINS = (RoleKind.UNIT_ADMIN, RoleKind.DEPARTMENT_ADMIN)
_SUPERVISING = (RoleKind.SUPERVISOR_ADMIN, RoleKind.AUTHORITY_ADMIN)
_PLATFORM = (RoleKind.PLATFORM_ADMIN,)


def _permission(
    name: str,
    label: str,
    *groups: Iterable[str],
    declares: bool = False,
    yearly_application: bool | None = None,
) -> tuple[str, Permission]:
    kinds = frozenset(kind for group in groups for kind in group)
    return name, Permission(name, label, kinds, declares, yearly_application)


PERMISSIONS: dict[str, Permission] = dict(
    [
        _permission("home.view", "首页", RoleKind),
        # 专业技术人员本人
        _permission("declarations.declare", "学时登记与申报进度", _PROFESSIONAL),
        # 学时登记 itself: not where hours are certified by a yearly application (Xinjiang).
        _permission(
            "declarations.create", "学时登记（逐项申报）", _PROFESSIONAL, yearly_application=False
        ),
        _permission("applications.apply", "学时认定申请", _PROFESSIONAL, yearly_application=True),
        _permission(
            "applications.review",
            "申请书审核",
            _UNIT_ADMINS,
            _SUPERVISING,
            yearly_application=True,
        ),
        _permission("ledger.own", "本人学时查询", _PROFESSIONAL),
        _permission(
            "accounts.self_service", "个人中心（我的信息、更换单位、修改密码）", _PROFESSIONAL
        ),
        # 学时管理
        _permission("review.act", "专业科目学时审核", _UNIT_ADMINS, _SUPERVISING),
        _permission("review.results", "审核结果", _UNIT_ADMINS, _SUPERVISING, _PLATFORM),
        # The unit admin or any level above it; not a department admin.
        _permission(
            "review.delete_approved",
            "删除已通过的申报",
            (RoleKind.UNIT_ADMIN,),
            _SUPERVISING,
            _PLATFORM,
        ),
        _permission(
            "declarations.declare_for",
            "代为申报",
            _UNIT_ADMINS,
            (RoleKind.SUPERVISOR_ADMIN,),
            declares=True,
        ),
        _permission(
            "declarations.training_base",
            "统一申报",
            (RoleKind.TRAINING_BASE_ADMIN,),
            declares=True,
        ),
        _permission(
            "declarations.list_unit",
            "单位申报记录",
            _UNIT_ADMINS,
            _SUPERVISING,
            (RoleKind.TRAINING_BASE_ADMIN,),
            _PLATFORM,
        ),
        _permission(
            "ledger.query", "学时查询（单位及下属）", _UNIT_ADMINS, _SUPERVISING, _PLATFORM
        ),
        _permission(
            "ledger.general_import", "公需科目导入", (RoleKind.AUTHORITY_ADMIN,), _PLATFORM
        ),
        _permission("imports.claims", "导入学员培训信息", _UNIT_ADMINS, declares=True),
        _permission("reports.statistics", "学时申报统计", _UNIT_ADMINS, _SUPERVISING, _PLATFORM),
        # 单位管理
        _permission("unit.view", "单位信息", _UNIT_ADMINS),
        _permission(
            "unit.manage", "单位信息维护、部门、管理员与学时登记开放", (RoleKind.UNIT_ADMIN,)
        ),
        _permission("unit.manage_staff", "专业技术人员管理", _UNIT_ADMINS),
        _permission("imports.staff", "导入人员信息", (RoleKind.UNIT_ADMIN,)),
        # 机构管理
        _permission("orgs.view_own", "本机构信息", _SUPERVISING, (RoleKind.TRAINING_BASE_ADMIN,)),
        _permission("orgs.approve_units", "单位注册与信息变更审批", _SUPERVISING, _PLATFORM),
        _permission(
            "orgs.override_credit_code",
            "更正统一社会信用代码",
            (RoleKind.AUTHORITY_ADMIN,),
            _PLATFORM,
        ),
        _permission("policy.view", "政策配置", (RoleKind.AUTHORITY_ADMIN,)),
        _permission("system.admin", "系统管理", _PLATFORM),
        # 安全审计 (三员分立: the audit admin alone; the platform admin does not read it here)
        _permission("audit.read", "审计日志查看与导出", (RoleKind.AUDIT_ADMIN,)),
    ]
)


def permission_kinds(name: str) -> frozenset[str]:
    """The role kinds holding `name`; an unknown name is a programming error, not a refusal."""
    try:
        return PERMISSIONS[name].kinds
    except KeyError:
        raise LookupError(f"unknown permission {name!r} (xueshi/accounts/permissions.py)") from None


def role_may(role: Any, name: str) -> bool:
    """Whether the role (a RoleAssignment, or None) holds the named permission: its kind, and
    for declaring for others, its region's profile too."""
    kinds = permission_kinds(name)
    if role is None or role.kind not in kinds:
        return False
    permission = PERMISSIONS[name]
    if permission.yearly_application is not None and (
        region_has_yearly_application(role) != permission.yearly_application
    ):
        return False
    return not permission.declares or region_lets_declare(role)


def _role_profile_key(role: Any) -> str:
    """The profile of the role's organisation, or of a professional's unit."""
    organization = role.organization
    if organization is None and role.kind == RoleKind.PROFESSIONAL:
        person = Person.objects.filter(user_id=role.user_id).select_related("unit").first()
        organization = person.unit if person is not None else None
    return organization.effective_policy_profile() if organization is not None else ""


def region_has_yearly_application(role: Any) -> bool:
    """Is the role's region one where hours are certified by a yearly application? Asked once
    per role object (the menu asks for several entries)."""
    cached: bool | None = getattr(role, "_yearly_application", None)
    if cached is not None:
        return cached
    key = _role_profile_key(role)
    found = False
    if key:
        try:
            found = resolve_version(key, timezone.localdate()).yearly_application.enabled
        except ValidationError:
            found = False
    role._yearly_application = found
    return found


def region_lets_declare(role: Any) -> bool:
    """Does the profile of the role's organisation let this kind of role declare, in at least
    one category? (Henan: 用人单位 and 主管部门 do; Anyang, Zhejiang, Xinjiang: nobody but the
    person.)"""
    organization = role.organization
    key = organization.effective_policy_profile() if organization is not None else ""
    if not key:
        return False
    try:
        version = resolve_version(key, timezone.localdate())
    except ValidationError:
        return False
    return any(role.kind in version.declarants_for(leaf.code) for leaf in version.leaf_categories())


def require_permission(
    request: HttpRequest, name: str, message: str = NO_ROLE_ACCESS
) -> RoleAssignment:
    """The active role if it holds permission `name`; PermissionDenied otherwise."""
    role = require_role(request, permission_kinds(name), message)
    if not role_may(role, name):
        raise PermissionDenied(REGION_MAY_NOT_DECLARE)
    return role


def load_role(role_id: int) -> RoleAssignment | None:
    """A role by id with what the scope functions read (for background jobs)."""
    return (
        RoleAssignment.objects.select_related("organization", "department", "user")
        .filter(pk=role_id)
        .first()
    )


def active_role(request: HttpRequest) -> RoleAssignment | None:
    """The role the user acts in (set by the middleware), None when logged out or without one."""
    role: RoleAssignment | None = getattr(request, "active_role", None)
    return role


def require_role(
    request: HttpRequest,
    kinds: Collection[str] | None = None,
    message: str = NO_ROLE_ACCESS,
) -> RoleAssignment:
    """The active role if it is one of `kinds` (any role when None); PermissionDenied otherwise."""
    role = active_role(request)
    if role is None or (kinds is not None and role.kind not in kinds):
        raise PermissionDenied(message)
    return role


def people_in_scope(role: RoleAssignment | None) -> QuerySet[Person]:
    people = Person.objects.select_related("unit", "department", "user")
    if role is None:
        return people.none()
    if role.kind == RoleKind.PLATFORM_ADMIN:
        return people
    if role.kind == RoleKind.PROFESSIONAL:
        return people.filter(user_id=role.user_id)
    if role.kind == RoleKind.DEPARTMENT_ADMIN:
        return people.filter(unit=role.organization, department=role.department)
    if role.kind == RoleKind.UNIT_ADMIN:
        return people.filter(unit_id=role.organization_id)
    if role.kind in (RoleKind.SUPERVISOR_ADMIN, RoleKind.AUTHORITY_ADMIN) and role.organization:
        return people.filter(unit__path__startswith=role.organization.path)
    return people.none()


def organizations_in_scope(role: RoleAssignment | None) -> QuerySet[Organization]:
    organizations = Organization.objects.select_related("parent")
    if role is None:
        return organizations.none()
    if role.kind == RoleKind.PLATFORM_ADMIN:
        return organizations
    if role.organization is None:
        return organizations.none()
    if role.kind in (RoleKind.SUPERVISOR_ADMIN, RoleKind.AUTHORITY_ADMIN):
        return organizations.subtree_of(role.organization)
    return organizations.filter(pk=role.organization.pk)
