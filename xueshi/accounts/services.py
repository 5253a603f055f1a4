"""Writes on people, accounts and roles. Views, commands and imports all call these."""

from __future__ import annotations

import secrets
from importlib import import_module
from typing import TYPE_CHECKING, Any

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from xueshi.core.audit import audit_record
from xueshi.core.changes import save_changes
from xueshi.core.identifiers import (
    clean_id_number,
    clean_phone,
    id_number_birth_date,
    id_number_sex,
)
from xueshi.orgs.models import Department, Organization

from .models import (
    ROLE_ORGANIZATION_KIND,
    SEPARATED_DUTY_KINDS,
    UNIT_ROLE_KINDS,
    PasswordHistory,
    Person,
    RoleAssignment,
    RoleKind,
    TitleGrade,
    User,
    UserSession,
)
from .permissions import people_in_scope, role_may
from .roles import ACTIVE_ROLE_SESSION_KEY
from .selectors import main_admin_count
from .validators import PASSWORD_HISTORY_COUNT

if TYPE_CHECKING:
    from django.http import HttpRequest


SELF_GRANT = "不能为自己分配或撤销角色。"
SEPARATED_DUTIES = (
    "三员分立：系统管理员、安全管理员、审计管理员须由不同人员担任，该账号已是{held}。"
)


def initial_password(id_number: str) -> str:
    """A person's first password is the last six characters of the ID number (seed rule)."""
    return id_number[-6:]


@transaction.atomic
def person_create(
    *,
    id_number: str,
    name: str,
    phone: str = "",
    unit: Organization | None = None,
    department: Department | None = None,
    specialty: str = "",
    title_grade: str = "",
    in_establishment: bool = False,
    can_log_in: bool = True,
    login_allowed: bool = True,
    actor: Any = None,
) -> Person:
    """Create a person; with a login whose initial password must be changed at first login.

    `can_log_in` creates the login at all; `login_allowed` is whether it may be used now
    (允许登录系统, the unit enabling its staff): a disallowed login exists but is inactive.
    """
    id_number = clean_id_number(id_number)
    if Person.objects.by_id_number(id_number).exists():
        raise ValidationError({"id_number": "该身份证号已登记。"})
    if department is not None and (unit is None or department.unit_id != unit.pk):
        raise ValidationError({"department": "所选部门不属于该单位。"})
    person = Person(
        id_number=id_number,
        name=name.strip(),
        phone=clean_phone(phone) if phone else "",
        birth_date=id_number_birth_date(id_number),
        sex=id_number_sex(id_number),
        unit=unit,
        department=department,
        specialty=specialty,
        title_grade=title_grade or TitleGrade.NONE,
        in_establishment=in_establishment,
    )
    if can_log_in:
        person.user = _login_create(id_number=id_number, name=person.name, active=login_allowed)
    person.save()
    audit_record(action="person.create", actor=actor, target=person)
    return person


def person_username() -> str:
    """A person's login name: opaque, never the ID number (a username is stored and logged in
    plain text); people log in by ID number through its digest (`backends.find_user`)."""
    return f"p{secrets.token_hex(8)}"


def _login_create(*, id_number: str, name: str, active: bool = True) -> User:
    """A person's login: ID number, initial password (to be changed), the professional role."""
    user = User(
        username=person_username(), full_name=name, must_change_password=True, is_active=active
    )
    user.set_password(initial_password(id_number))
    user.save()
    RoleAssignment.objects.create(user=user, kind=RoleKind.PROFESSIONAL)
    return user


@transaction.atomic
def role_grant(
    *,
    user: User,
    kind: str,
    organization: Organization | None = None,
    department: Department | None = None,
    actor: Any = None,
) -> RoleAssignment:
    """Give `user` a role (audited). Nobody grants a role to himself, and one person holds at
    most one of the three separated duties (三员分立: system, security, audit admin)."""
    if actor is not None and getattr(actor, "pk", None) == user.pk:
        raise ValidationError({"kind": SELF_GRANT})
    if kind in SEPARATED_DUTY_KINDS:
        held = (
            RoleAssignment.objects.filter(user=user, kind__in=SEPARATED_DUTY_KINDS)
            .exclude(kind=kind)
            .first()
        )
        if held is not None:
            raise ValidationError({"kind": SEPARATED_DUTIES.format(held=RoleKind(held.kind).label)})
    role, created = RoleAssignment.objects.get_or_create(
        user=user, kind=kind, organization=organization, department=department
    )
    if created:
        audit_record(action="role.grant", actor=actor, target=role, to_state=kind)
    return role


@transaction.atomic
def user_change_password(
    *, user: User, new_password: str, request: HttpRequest | None = None
) -> User:
    """Set a password the user chose; this ends the forced change after an initial password.

    The caller keeps the session alive with `update_session_auth_hash` (it needs the request);
    every other session of the user ends here. The old hash joins the password history
    (receivers.keep_the_replaced_password, whatever path changes a password).
    """
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(action="password.change", actor=user, request=request, target=user)
    keep = request.session.session_key if request is not None else None
    user_sessions_end(user=user, keep=keep, reason="password.change")
    return user


def password_history_push(user: User, replaced: str) -> None:
    """Keep the hash of a password being replaced; only the last few are kept."""
    PasswordHistory.objects.create(user=user, password=replaced)
    stale = PasswordHistory.objects.filter(user=user).order_by("-id")[PASSWORD_HISTORY_COUNT:]
    PasswordHistory.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()


# ---- sessions (issue 21 item 1) ------------------------------------------------------------


def user_session_record(*, user: User, session_key: str, ip_address: str | None) -> None:
    """Remember a session a user logged in with (so it can be ended with the others)."""
    UserSession.objects.update_or_create(
        session_key=session_key, defaults={"user": user, "ip_address": ip_address}
    )


def user_session_forget(session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def user_sessions_end(
    *, user: User, keep: str | None = None, reason: str = "", actor: Any = None
) -> int:
    """End every session of `user` except `keep` (the session that made the change); returns
    how many ended. Audited when any did, or when an admin asked."""
    engine = import_module(settings.SESSION_ENGINE)
    sessions = UserSession.objects.filter(user=user)
    if keep:
        sessions = sessions.exclude(session_key=keep)
    keys = list(sessions.values_list("session_key", flat=True))
    for key in keys:
        engine.SessionStore(session_key=key).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    if keys or actor is not None:
        audit_record(
            action="session.end_all",
            actor=actor,
            target=user,
            reason=reason,
            details={"count": len(keys)},
        )
    return len(keys)


def role_activate(
    *, request: HttpRequest, role: RoleAssignment, audit: bool = True
) -> RoleAssignment:
    """Make `role` the one the user acts in for the rest of the session."""
    if role.user_id != request.user.pk:
        raise ValueError("只能切换到本人的角色。")
    previous = getattr(request, "active_role", None)
    request.session[ACTIVE_ROLE_SESSION_KEY] = role.pk
    request.active_role = role  # type: ignore[attr-defined]
    if audit:
        audit_record(
            action="role.switch",
            actor=request.user,
            role=role.kind,
            request=request,
            target=role,
            from_state=previous.kind if previous is not None else "",
            to_state=role.kind,
            details={
                "from_role_id": previous.pk if previous is not None else None,
                "to_role_id": role.pk,
            },
        )
    return role


@transaction.atomic
def person_update_profile(
    *,
    person: Person,
    phone: str,
    specialty: str,
    department: Department | None,
    title_grade: str | None = None,
    actor: Any = None,
) -> Person:
    """What a person may change about themselves: phone, specialty, title grade, department in
    their unit (``title_grade`` None leaves it as it is)."""
    try:
        phone = clean_phone(phone) if phone.strip() else ""
    except ValidationError as error:
        raise ValidationError({"phone": error}) from error
    specialty = specialty.strip()
    if department is not None and (person.unit_id is None or department.unit_id != person.unit_id):
        raise ValidationError({"department": "只能选择本单位的部门。"})
    grade = {"title_grade": title_grade} if title_grade is not None else {}
    if title_grade is not None and title_grade not in TitleGrade.values:
        raise ValidationError({"title_grade": "请选择有效的职称等级。"})
    changed = save_changes(person, phone=phone, specialty=specialty, department=department, **grade)
    if not changed:
        return person
    audit_record(
        action="person.update_profile",
        actor=actor,
        target=person,
        details={"changed": changed},
    )
    return person


# ---- staff, as a unit's admins manage them (专业技术人员管理) ------------------------------


STAFF_IN_UNIT = "该人员已是本单位人员。"
# Says nothing about where: a unit must not learn another unit's staff by typing ID numbers.
STAFF_ELSEWHERE = (
    "该人员已在其他单位登记，不能添加；如已调入本单位，请其本人在“更换单位”中选择本单位。"
)
STAFF_NO_UNIT = "该人员已在平台登记，目前为“其他单位”（无工作单位）。确认后可将其加入本单位。"
STAFF_NAME_MISMATCH = "姓名与该身份证号已登记的姓名不一致，请核对。"
DEPARTMENT_ADMIN_CANNOT_MOVE_OUT = "二级管理员只能管理本部门人员，不能将人员调出本部门。"
LAST_MAIN_ADMIN = "该人员是本单位唯一的总管理员，请先设置其他总管理员。"


def _require_staff_admin(role: RoleAssignment | None) -> RoleAssignment:
    if role is None or not role_may(role, "unit.manage_staff") or role.organization_id is None:
        raise PermissionDenied("当前角色无权管理专业技术人员。")
    return role


def _staff_department(role: RoleAssignment, department: Department | None) -> Department | None:
    """The department a person of the role's unit may be placed in by this role."""
    if role.kind == RoleKind.DEPARTMENT_ADMIN:
        if department is None:
            department = role.department
        if department is None or department.pk != role.department_id:
            raise ValidationError({"department": DEPARTMENT_ADMIN_CANNOT_MOVE_OUT})
    if department is not None and department.unit_id != role.organization_id:
        raise ValidationError({"department": "只能选择本单位的部门。"})
    return department


def _lock_person_in_scope(person: Person, role: RoleAssignment) -> Person:
    locked = people_in_scope(role).select_for_update(of=("self",)).filter(pk=person.pk).first()
    if locked is None:
        raise PermissionDenied("该人员不在您的管理范围内。")
    return locked


@transaction.atomic
def person_set_login_allowed(*, person: Person, allowed: bool, actor: Any = None) -> Person:
    """允许登录系统 or not: the unit enables (or stops) its staff member's login.

    A person without a login gets one with the initial password when first allowed.
    """
    if person.user is None:
        if allowed:
            person.user = _login_create(id_number=person.id_number, name=person.name)
            person.save(update_fields=["user"])
            audit_record(action="person.login_allow", actor=actor, target=person, to_state="1")
        return person
    user = person.user
    if user.is_active == allowed:
        return person
    if not allowed and actor is not None and user.pk == getattr(actor, "pk", None):
        raise ValidationError({"login_allowed": "不能停用自己的登录账号。"})
    user.is_active = allowed
    user.save(update_fields=["is_active"])
    if not allowed:
        user_sessions_end(user=user, reason="person.login_deny")
    audit_record(
        action="person.login_allow" if allowed else "person.login_deny",
        actor=actor,
        target=person,
        from_state="0" if allowed else "1",
        to_state="1" if allowed else "0",
    )
    return person


@transaction.atomic
def staff_add(
    *,
    role: RoleAssignment | None,
    id_number: str,
    name: str,
    phone: str = "",
    department: Department | None = None,
    specialty: str = "",
    in_establishment: bool = False,
    login_allowed: bool = True,
    adopt: bool = False,
    actor: Any = None,
) -> Person:
    """Add a professional to the role's unit (新增人员).

    A new ID number creates the person (initial password = last six characters, changed at
    first login). A person already registered without a unit (其他单位) joins the unit only
    when `adopt` confirms it; a person of another unit is never taken over: they change
    unit themselves (更换单位).
    """
    role = _require_staff_admin(role)
    unit = Organization.objects.get(pk=role.organization_id or 0)
    try:
        id_number = clean_id_number(id_number)
    except ValidationError as error:
        raise ValidationError({"id_number": error}) from error
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "请填写姓名。"})
    try:
        phone = clean_phone(phone) if phone and phone.strip() else ""
    except ValidationError as error:
        raise ValidationError({"phone": error}) from error
    department = _staff_department(role, department)
    specialty = (specialty or "").strip()

    existing = (
        Person.objects.select_for_update(of=("self",))
        .select_related("unit", "user")
        .by_id_number(id_number)
        .first()
    )
    if existing is None:
        return person_create(
            id_number=id_number,
            name=name,
            phone=phone,
            unit=unit,
            department=department,
            specialty=specialty,
            in_establishment=in_establishment,
            login_allowed=login_allowed,
            actor=actor,
        )
    if existing.unit_id == unit.pk:
        raise ValidationError({"id_number": ValidationError(STAFF_IN_UNIT, code="in_unit")})
    if existing.unit is not None:
        raise ValidationError({"id_number": ValidationError(STAFF_ELSEWHERE, code="elsewhere")})
    if existing.name != name:
        raise ValidationError({"name": STAFF_NAME_MISMATCH})
    if not adopt:
        raise ValidationError({"id_number": ValidationError(STAFF_NO_UNIT, code="no_unit")})
    existing.unit = unit
    existing.department = department
    existing.in_establishment = in_establishment
    if phone:
        existing.phone = phone
    if specialty:
        existing.specialty = specialty
    existing.save(update_fields=["unit", "department", "in_establishment", "phone", "specialty"])
    audit_record(
        action="person.join_unit",
        actor=actor,
        role=role.kind,
        target=existing,
        from_state="",
        to_state=str(unit.pk),
    )
    person_set_login_allowed(person=existing, allowed=login_allowed, actor=actor)
    return existing


@transaction.atomic
def staff_update(
    *,
    person: Person,
    role: RoleAssignment | None,
    phone: str,
    department: Department | None,
    in_establishment: bool,
    specialty: str,
    login_allowed: bool,
    actor: Any = None,
) -> Person:
    """修改 a staff member: phone, department (move), 在编, specialty, 允许登录系统."""
    role = _require_staff_admin(role)
    locked = _lock_person_in_scope(person, role)
    try:
        phone = clean_phone(phone) if phone and phone.strip() else ""
    except ValidationError as error:
        raise ValidationError({"phone": error}) from error
    department = _staff_department(role, department)
    specialty = (specialty or "").strip()
    department_id = department.pk if department is not None else None
    old_department_id = locked.department_id
    changed = save_changes(
        locked,
        phone=phone,
        specialty=specialty,
        department=department,
        in_establishment=in_establishment,
    )
    if changed:
        audit_record(
            action="person.update_by_unit",
            actor=actor,
            role=role.kind,
            target=locked,
            details={"changed": changed},
        )
        if "department" in changed:
            audit_record(
                action="person.move_department",
                actor=actor,
                role=role.kind,
                target=locked,
                from_state=str(old_department_id or ""),
                to_state=str(department_id or ""),
            )
    person_set_login_allowed(person=locked, allowed=login_allowed, actor=actor)
    return locked


@transaction.atomic
def staff_leave_unit(
    *, person: Person, role: RoleAssignment | None, reason: str = "", actor: Any = None
) -> Person:
    """离职/调出: the person no longer belongs to the unit; their past claims keep the unit.

    Only the main admin does this; the person's admin roles at the unit end with it.
    """
    if role is None or role.kind != RoleKind.UNIT_ADMIN or role.organization_id is None:
        raise PermissionDenied("只有单位总管理员可以办理人员离职或调出。")
    unit = Organization.objects.select_for_update().get(pk=role.organization_id)
    locked = _lock_person_in_scope(person, role)
    if locked.user_id is not None and locked.user_id == getattr(actor, "pk", None):
        raise ValidationError("不能将自己调出本单位。")
    admin_roles = list(
        RoleAssignment.objects.filter(
            user_id=locked.user_id, organization=unit, kind__in=UNIT_ROLE_KINDS
        )
        if locked.user_id is not None
        else RoleAssignment.objects.none()
    )
    main_roles = [r for r in admin_roles if r.kind == RoleKind.UNIT_ADMIN]
    if main_roles and main_admin_count(unit) <= len(main_roles):
        raise ValidationError(LAST_MAIN_ADMIN)
    for admin_role in admin_roles:
        role_revoke(role=admin_role, actor=actor)
    old_department_id = locked.department_id
    locked.unit = None
    locked.department = None
    locked.save(update_fields=["unit", "department"])
    audit_record(
        action="person.leave_unit",
        actor=actor,
        role=role.kind,
        target=locked,
        from_state=str(unit.pk),
        to_state="",
        reason=(reason or "").strip()[:200],
        details={"department_id": old_department_id},
    )
    return locked


@transaction.atomic
def role_revoke(*, role: RoleAssignment, actor: Any = None) -> None:
    """End a role. Callers check the rules around it (e.g. a unit keeps a main admin)."""
    details = {
        "user_id": role.user_id,
        "organization_id": role.organization_id,
        "department_id": role.department_id,
    }
    kind = role.kind
    audit_record(action="role.revoke", actor=actor, target=role, from_state=kind, details=details)
    role.delete()


# ---- the security admin's work (三员分立, issue 21 item 2) --------------------------------

NOT_ON_ONESELF = "不能对自己的账号执行此操作（三员分立：账号安全由其他管理员负责）。"
# What the security admin may give: the platform roles, and the admin role of an
# organisation above the units (the units appoint their own admins, 单位管理员管理).
GRANTABLE_KINDS = (
    RoleKind.PLATFORM_ADMIN,
    RoleKind.SYSTEM_ADMIN,
    RoleKind.SECURITY_ADMIN,
    RoleKind.AUDIT_ADMIN,
    RoleKind.AUTHORITY_ADMIN,
    RoleKind.SUPERVISOR_ADMIN,
    RoleKind.TRAINING_BASE_ADMIN,
)


def _not_oneself(user: User, actor: Any) -> None:
    if actor is None or getattr(actor, "pk", None) == user.pk:
        raise ValidationError(NOT_ON_ONESELF)


@transaction.atomic
def account_set_active(*, user: User, active: bool, actor: Any, reason: str = "") -> User:
    """锁定 / 解锁 an account. Locking ends its sessions; unlocking also lifts a lockout by
    failed logins. Audited; never on one's own account."""
    _not_oneself(user, actor)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not active:
        user_sessions_end(user=locked, reason="account.lock")
    if locked.is_active != active:
        locked.is_active = active
        locked.save(update_fields=["is_active"])
    if active:
        AccessAttempt.objects.filter(username=locked.username).delete()
    audit_record(
        action="account.unlock" if active else "account.lock",
        actor=actor,
        target=locked,
        reason=(reason or "").strip()[:200],
        to_state="1" if active else "0",
    )
    return locked


def account_sessions_end(*, user: User, actor: Any) -> int:
    """结束会话: an admin ends every session of the user (audited, even when none was open)."""
    if actor is None:
        raise ValidationError(NOT_ON_ONESELF)
    return user_sessions_end(user=user, reason="security_admin", actor=actor)


@transaction.atomic
def security_role_grant(
    *, user: User, kind: str, credit_code: str = "", actor: Any
) -> RoleAssignment:
    """The security admin gives a role (never to himself; role_grant audits it)."""
    _not_oneself(user, actor)
    if kind not in GRANTABLE_KINDS:
        raise ValidationError({"kind": "请选择可分配的角色。"})
    organization = None
    organization_kind = ROLE_ORGANIZATION_KIND.get(RoleKind(kind))
    if organization_kind is not None:
        code = (credit_code or "").strip().upper()
        if not code:
            raise ValidationError({"credit_code": "该角色须填写所属机构的统一社会信用代码。"})
        organization = Organization.objects.filter(credit_code=code, kind=organization_kind).first()
        if organization is None:
            label = RoleKind(kind).label
            raise ValidationError({"credit_code": f"没有找到该代码的机构，或该机构不能设{label}。"})
    elif credit_code.strip():
        raise ValidationError({"credit_code": "平台角色不属于任何机构，请不要填写机构代码。"})
    if RoleAssignment.objects.filter(
        user=user, kind=kind, organization=organization, department=None
    ).exists():
        raise ValidationError({"kind": "该账号已有此角色。"})
    return role_grant(user=user, kind=kind, organization=organization, actor=actor)


@transaction.atomic
def security_role_revoke(*, role: RoleAssignment, actor: Any) -> None:
    """The security admin ends a role (never his own). A unit's admin roles are the unit's."""
    _not_oneself(role.user, actor)
    if role.kind in UNIT_ROLE_KINDS or role.kind == RoleKind.PROFESSIONAL:
        raise ValidationError("单位管理员和专业技术人员角色由单位管理，不在此撤销。")
    role_revoke(role=role, actor=actor)
