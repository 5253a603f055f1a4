"""Who may do what, and who may see whom.

The permission registry: every named permission (``review.act``, ``ledger.query`` …) with its
Chinese label and the role kinds that hold it, in one table. Views (:func:`require_permission`),
the menu (portal) and templates (``{% load xueshi_perms %}{% if role|may:"review.act" %}``)
read it; nobody keeps a copy of a role set. The scope functions below say *whom* a role sees.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from xueshi.orgs.models import Organization
from xueshi.policy.resolver import resolve_version
from xueshi.policy.schema import PlatformAccess, ProfileVersion

from .models import Person, RoleAssignment, RoleKind
from .roles import role_person

NO_ROLE_ACCESS = "当前角色无权访问此页面。"
NO_ACTIVE_ROLE = "当前账号没有可用的角色。"
REGION_MAY_NOT_DECLARE = "本地区的学时认定细则不允许本机构为专业技术人员申报学时。"
REGION_LACKS_FEATURE = "本地区的学时认定细则未开通此功能。"


@dataclass(frozen=True)
class Permission:
    name: str
    label: str
    kinds: frozenset[str]
    # Declaring for others: held only where the role's region profile lets its kind declare
    # (issue 13 item 5: Anyang, Zhejiang and Xinjiang let no organisation declare).
    declares: bool = False
    # A capability the role's region profile must switch on (REGION_FEATURES), e.g.
    # "supplements": 增补 where the profile has `windows.supplement` (Zhejiang).
    feature: str = ""
    # Granting who may declare: held only where the region's profile manages access
    # (access.mode enabled_by_unit, Zhejiang 省属企业; issue 13 item 4).
    grants_access: bool = False
    # Held only where the role's region does NOT switch this feature on (Xinjiang's 学时登记
    # gives way to the yearly application).
    without_feature: str = ""


# What a profile version must have for a feature's permissions to hold.
REGION_FEATURES: dict[str, Callable[[ProfileVersion], bool]] = {
    "supplements": lambda version: version.windows.supplement is not None,
    # Categories whose trainings come from a yearly plan filed with 人社 (Henan's forms 13 and
    # 14: "培训项目列入年度计划，并报人社部门备案", issue 13 item 9).
    # Hours certified by a yearly application (学时认定申请书, Xinjiang, issue 14).
    "yearly_application": lambda version: version.yearly_application.enabled,
    # 个人注册 (issue 17 item 3): the unit approves a person who registered; where the profile
    # says, the supervising department afterwards (Zhejiang's 主管部门).
    "registration": lambda version: version.registration.person,
    "registration_supervisor": lambda version: (
        version.registration.person and version.registration.supervisor_approval
    ),
    "plans": lambda version: any(
        leaf.category.training_plan is not None for leaf in version.leaf_categories()
    ),
}


_PROFESSIONAL = (RoleKind.PROFESSIONAL,)
_UNIT_ADMINS = (RoleKind.UNIT_ADMIN, RoleKind.DEPARTMENT_ADMIN)
_SUPERVISING = (RoleKind.SUPERVISOR_ADMIN, RoleKind.AUTHORITY_ADMIN)
_PLATFORM = (RoleKind.PLATFORM_ADMIN,)
_SYSTEM = (RoleKind.SYSTEM_ADMIN,)
_SECURITY = (RoleKind.SECURITY_ADMIN,)


def _permission(
    name: str,
    label: str,
    *groups: Iterable[str],
    declares: bool = False,
    feature: str = "",
    grants_access: bool = False,
    without_feature: str = "",
) -> tuple[str, Permission]:
    kinds = frozenset(kind for group in groups for kind in group)
    return name, Permission(
        name,
        label,
        kinds,
        declares=declares,
        feature=feature,
        grants_access=grants_access,
        without_feature=without_feature,
    )


PERMISSIONS: dict[str, Permission] = dict(
    [
        _permission("home.view", "首页", RoleKind),
        # 专业技术人员本人
        _permission("declarations.declare", "学时登记与申报进度", _PROFESSIONAL),
        # 学时登记 itself: not where hours are certified by a yearly application (Xinjiang).
        _permission(
            "declarations.create",
            "学时登记（逐项申报）",
            _PROFESSIONAL,
            without_feature="yearly_application",
        ),
        _permission(
            "applications.apply", "学时认定申请", _PROFESSIONAL, feature="yearly_application"
        ),
        _permission(
            "applications.review",
            "申请书审核",
            _UNIT_ADMINS,
            _SUPERVISING,
            feature="yearly_application",
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
        # 继续教育合格证书 (issue 15): 我的证书; the certificates of one's scope (list, ZIP);
        # 批量发证 and voiding by hand belong to the authority that issues them.
        _permission("certificates.own", "我的证书", _PROFESSIONAL),
        _permission("certificates.list", "证书管理", _UNIT_ADMINS, _SUPERVISING, _PLATFORM),
        _permission("certificates.issue", "批量发证与作废证书", (RoleKind.AUTHORITY_ADMIN,)),
        _permission("reports.statistics", "学时申报统计", _UNIT_ADMINS, _SUPERVISING, _PLATFORM),
        # Oversight (issue 18): claims waiting past the second limit at a level below; the
        # unit's people short of their yearly hours.
        _permission("oversight.overdue_below", "下级超期待审", _SUPERVISING),
        _permission("oversight.short_people", "学时未达标人员", _UNIT_ADMINS),
        _permission(
            "plans.view",
            "年度培训计划（编制、报人社部门备案；人社部门查看已备案的计划）",
            (RoleKind.UNIT_ADMIN,),
            _SUPERVISING,
            feature="plans",
        ),
        # 单位管理
        _permission("unit.view", "单位信息", _UNIT_ADMINS),
        _permission(
            "unit.manage", "单位信息维护、部门、管理员与学时登记开放", (RoleKind.UNIT_ADMIN,)
        ),
        _permission("unit.manage_staff", "专业技术人员管理", _UNIT_ADMINS),
        _permission("imports.staff", "导入人员信息", (RoleKind.UNIT_ADMIN,)),
        # 个人注册审核: only where the region lets people register.
        _permission(
            "accounts.approve_registrations",
            "个人注册审核",
            (RoleKind.UNIT_ADMIN,),
            feature="registration",
        ),
        # Zhejiang: the enterprise admin reports (上报) its learners for 学时登记.
        _permission("unit.enable_staff", "上报学员开通学时登记", _UNIT_ADMINS, grants_access=True),
        # 机构管理
        _permission("orgs.view_own", "本机构信息", _SUPERVISING, (RoleKind.TRAINING_BASE_ADMIN,)),
        _permission("orgs.approve_units", "单位注册与信息变更审批", _SUPERVISING, _PLATFORM),
        _permission(
            "accounts.approve_registrations_supervisor",
            "个人注册审批（主管部门）",
            _SUPERVISING,
            feature="registration_supervisor",
        ),
        # Zhejiang: the supervising department grants an enterprise 省属管理权限.
        _permission("orgs.grant_access", "开通单位学时登记权限", _SUPERVISING, grants_access=True),
        _permission(
            "orgs.override_credit_code",
            "更正统一社会信用代码",
            (RoleKind.AUTHORITY_ADMIN,),
            _PLATFORM,
        ),
        _permission("policy.view", "政策配置", (RoleKind.AUTHORITY_ADMIN,)),
        # 增补 (issue 16): only where the region's profile has a supplement window.
        _permission("supplements.request", "增补申请", _PROFESSIONAL, feature="supplements"),
        _permission("supplements.decide", "增补审批", _UNIT_ADMINS, feature="supplements"),
        # 学时转入 (issue 18 item 5): hours certified in another region, filed by the person or
        # by their new unit on their behalf; reviewed by the unit, then the region's authority.
        _permission("transfers.request", "学时转入", _PROFESSIONAL),
        _permission("transfers.file_for", "代为申请学时转入", (RoleKind.UNIT_ADMIN,)),
        _permission("transfers.review", "学时转入审核", _UNIT_ADMINS, (RoleKind.AUTHORITY_ADMIN,)),
        _permission("notices.manage", "通知公告与政策法规", (RoleKind.AUTHORITY_ADMIN,)),
        # 抽查 (issue 18): the authority draws approved claims of a year at random and confirms,
        # corrects or revokes each; corrections and revocations go through the lifecycle.
        _permission("sample_audits.manage", "学时抽查", (RoleKind.AUTHORITY_ADMIN,)),
        # 三员分立 (separation of duties, issue 21 item 2). The system admin runs organisations
        # and settings (the Django admin, where roles and permissions are read-only); the
        # security admin alone changes roles, locks, sessions and second factors; the audit
        # admin alone reads the audit log. Nobody changes or erases the log.
        _permission("system.admin", "系统管理（机构与设置）", _PLATFORM, _SYSTEM),
        _permission("security.manage", "账号安全管理（角色、锁定、会话、动态口令）", _SECURITY),
        # 数据接口: an organisation's keys act as the admin role that made them
        _permission(
            "api.keys",
            "接口密钥与事件推送",
            (RoleKind.UNIT_ADMIN, RoleKind.TRAINING_BASE_ADMIN),
            _SUPERVISING,
            _PLATFORM,
        ),
        # 安全审计 (三员分立: the audit admin alone; the platform admin does not read it here)
        _permission("audit.read", "审计日志查看与导出", (RoleKind.AUDIT_ADMIN,)),
        # Everyone: enrol (or re-enrol) a second factor and renew recovery codes.
        _permission("accounts.second_factor", "动态口令", RoleKind),
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
    if permission.feature and not region_offers(role, permission.feature):
        return False
    if permission.without_feature and region_offers(role, permission.without_feature):
        return False
    if permission.grants_access and not region_access(role.organization).managed:
        return False
    return not permission.declares or region_lets_declare(role)


def _role_region_version(role: Any) -> ProfileVersion | None:
    """The profile version in force today for the role's region: its organisation's, or for a
    professional their unit's. Remembered on the role object (one request)."""
    if hasattr(role, "_region_version"):
        cached: ProfileVersion | None = role._region_version
        return cached
    organization = role.organization
    if organization is None and role.kind == RoleKind.PROFESSIONAL:
        person = role_person(role)
        organization = person.unit if person is not None else None
    key = organization.effective_policy_profile() if organization is not None else ""
    version: ProfileVersion | None = None
    if key:
        try:
            version = resolve_version(key, timezone.localdate())
        except ValidationError:
            version = None
    role._region_version = version
    return version


def region_has_yearly_application(role: Any) -> bool:
    """Is the role's region one where hours are certified by a yearly application (Xinjiang)?
    Then 学时认定申请 replaces 学时登记 in the menu (``without_feature``)."""
    return region_offers(role, "yearly_application")


def region_offers(role: Any, feature: str) -> bool:
    """Does the role's region profile switch `feature` on (REGION_FEATURES)?"""
    version = _role_region_version(role)
    return version is not None and REGION_FEATURES[feature](version)


def region_access(organization: Organization | None) -> PlatformAccess:
    """The access rules (who may declare at all) of the organisation's region today."""
    key = organization.effective_policy_profile() if organization is not None else ""
    if not key:
        return PlatformAccess()
    try:
        return resolve_version(key, timezone.localdate()).access
    except ValidationError:
        return PlatformAccess()


@dataclass(frozen=True)
class DeclaringAccess:
    """Whether a person may declare at all, and if not, why, in the region's words."""

    allowed: bool
    reason: str = ""
    # The greeting after login where the region manages access ("请进入学时登记"), else "".
    prompt: str = ""


def declaring_access(person: Person, access: PlatformAccess | None = None) -> DeclaringAccess:
    """Who may declare (issue 13 item 4, seed 003): where the region's profile says
    ``access.mode: enabled_by_unit``, only a person whose enterprise the supervising department
    has granted access (``Organization.declaring_access_granted``) and whom the enterprise has
    reported (``Person.declaring_enabled``). Everyone elsewhere. The one place that decides it:
    drafting (``declarations.services.declaration_prepare``), the form and the home page ask here.
    ``access``: the region's rules when the caller has them already (an import, per unit).
    """
    if access is None:
        access = region_access(person.unit)
    if not access.managed:
        return DeclaringAccess(True)
    if person.unit is None or not person.unit.declaring_access_granted:
        return DeclaringAccess(False, access.unit_not_granted)
    if not person.declaring_enabled:
        return DeclaringAccess(False, access.person_not_enabled)
    return DeclaringAccess(True, prompt=access.prompt)


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
        feature = PERMISSIONS[name].feature
        if feature and not region_offers(role, feature):
            raise PermissionDenied(REGION_LACKS_FEATURE)
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
