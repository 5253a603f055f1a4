"""个人注册 (issue 17 item 3): a person registers with ID number, name, phone, password and
unit where the unit's region profile allows it (`registration.person`). The login stays
inactive until the unit admin approves, and where the profile says
(`registration.supervisor_approval`) the supervising department afterwards. Every decision
locks the registration row, so two approvers make one move; each step is audited and
published as an event (accounts/events.py) the notifications app turns into messages.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from xueshi.core.audit import audit_record
from xueshi.core.identifiers import (
    clean_id_number,
    clean_phone,
    id_number_birth_date,
    id_number_sex,
)
from xueshi.orgs.models import Organization, OrganizationKind, OrganizationStatus
from xueshi.policy.resolver import resolve_version
from xueshi.policy.schema import RegistrationRules

from . import events
from .backends import find_user
from .models import (
    Person,
    Registration,
    RegistrationStatus,
    RoleAssignment,
    RoleKind,
    User,
)
from .services import person_username
from .validators import IdNumberDigitsValidator

ALREADY_REGISTERED = (
    "该身份证号已注册或已由单位登记，不能重复注册。请直接登录；忘记密码请使用“找回密码”，"
    "未开通账号请联系所在单位管理员。"
)
ALREADY_WAITING = "该身份证号已提交注册，正在等待审核，请勿重复注册。"
REGION_CLOSED = "所选单位所在地区未开放个人注册，请联系所在单位管理员开通账号。"
UNIT_NOT_ACTIVE = "所选单位尚未通过审批，不能注册到该单位，请重新选择单位。"
ALREADY_DECIDED = "该注册申请已被处理（可能已由其他管理员审核），请刷新后查看。"
REASON_REQUIRED = "请填写不通过的原因。"
OWN_REGISTRATION = "不能审核本人的注册申请。"

WAITING_LOGIN_MESSAGES = {
    RegistrationStatus.UNIT_REVIEW: "账号待单位审核，审核通过后即可登录。",
    RegistrationStatus.SUPERVISOR_REVIEW: "账号已通过单位审核，待主管部门审批，通过后即可登录。",
}
REFUSED_LOGIN_MESSAGE = "账号注册未通过审核（{reason}），请核实后重新注册或联系所在单位管理员。"


def registration_rules(unit: Organization | None) -> RegistrationRules:
    """The registration rules of the unit's region today (closed when it has no profile)."""
    key = unit.effective_policy_profile() if unit is not None else ""
    if not key:
        return RegistrationRules()
    try:
        return resolve_version(key, timezone.localdate()).registration
    except ValidationError:
        return RegistrationRules()


def supervising_department(unit: Organization) -> Organization | None:
    """Who approves after the unit: the nearest supervising department above it, else the
    organisation right above it (a unit directly under the authority, as in Zhejiang)."""
    ancestors = sorted(unit.ancestors(), key=lambda node: -len(node.path))
    for ancestor in ancestors:
        if ancestor.kind == OrganizationKind.SUPERVISOR:
            return ancestor
    return ancestors[0] if ancestors else None


def _check_unit(unit: Organization) -> RegistrationRules:
    if unit.kind != OrganizationKind.UNIT or unit.status != OrganizationStatus.ACTIVE:
        raise ValidationError({"unit": UNIT_NOT_ACTIVE})
    rules = registration_rules(unit)
    if not rules.person:
        raise ValidationError({"unit": REGION_CLOSED})
    return rules


def registration_submit(
    *,
    id_number: str,
    name: str,
    phone: str,
    password: str,
    unit: Organization,
    email: str = "",
) -> Registration:
    """Register a person with an inactive login; it waits for the unit's approval.

    An ID number already known (registered, waiting, or recorded by a unit) is refused with a
    clear message and no second account; the unique digest also refuses two registrations of
    one ID number at the same moment. A person refused before registers again on the same
    rows (their new details replace the old ones)."""
    id_number = clean_id_number(id_number)
    name = name.strip()
    phone = clean_phone(phone)
    rules = _check_unit(unit)
    try:
        with transaction.atomic():
            existing = (
                Person.objects.by_id_number(id_number)
                .select_for_update(of=("self",))
                .select_related("user")
                .first()
            )
            if existing is None:
                registration = _register_new(id_number, name, phone, email, password, unit, rules)
            else:
                registration = _register_again(existing, name, phone, email, password, unit, rules)
            audit_record(
                action="registration.submit",
                actor=None,
                target=registration,
                to_state=registration.status,
                details={"unit": unit.pk},
            )
            events.registration_submitted.send(sender=Registration, registration=registration)
    except IntegrityError as error:
        # Another registration of the same ID number committed first.
        raise ValidationError({"id_number": ALREADY_REGISTERED}) from error
    return registration


def _check_password(password: str, *, id_number: str, name: str, email: str) -> None:
    """The password policy for a login not saved yet. The validators that read the person
    (`user.person`) skip an unsaved login, so the ID-number rule is asked by itself; a refused
    person registering again never logged in, so their earlier choice is no "recent password"."""
    probe = User(username=person_username(), full_name=name, email=email)
    messages: list[str] = []
    try:
        validate_password(password, probe)
    except ValidationError as error:
        messages.extend(error.messages)
    stand_in = SimpleNamespace(pk=0, person=SimpleNamespace(id_number=id_number, name=name))
    try:
        IdNumberDigitsValidator().validate(password, stand_in)
    except ValidationError as error:
        messages.extend(error.messages)
    if messages:
        raise ValidationError({"password": messages})


def _register_new(
    id_number: str,
    name: str,
    phone: str,
    email: str,
    password: str,
    unit: Organization,
    rules: RegistrationRules,
) -> Registration:
    user = User(username=person_username(), full_name=name, email=email, is_active=False)
    person = Person(
        id_number=id_number,
        name=name,
        phone=phone,
        birth_date=id_number_birth_date(id_number),
        sex=id_number_sex(id_number),
        # Joins the unit's staff only once approved (see registration_approve): until then
        # the unit's lists, scopes and declaring for others do not see a stranger.
        unit=None,
    )
    _check_password(password, id_number=id_number, name=name, email=email)
    user.set_password(password)
    user.save()
    RoleAssignment.objects.create(user=user, kind=RoleKind.PROFESSIONAL)
    person.user = user
    person.save()
    return Registration.objects.create(
        person=person,
        unit=unit,
        supervisor=supervising_department(unit) if rules.supervisor_approval else None,
    )


def _register_again(
    person: Person,
    name: str,
    phone: str,
    email: str,
    password: str,
    unit: Organization,
    rules: RegistrationRules,
) -> Registration:
    registration = Registration.objects.select_for_update().filter(person=person).first()
    if registration is None or person.user is None:
        raise ValidationError({"id_number": ALREADY_REGISTERED})
    if registration.waiting:
        raise ValidationError({"id_number": ALREADY_WAITING})
    if registration.status != RegistrationStatus.REFUSED:
        raise ValidationError({"id_number": ALREADY_REGISTERED})
    user = person.user
    _check_password(password, id_number=person.id_number, name=name, email=email)
    user.set_password(password)
    user.full_name = name
    user.email = email
    user.is_active = False
    user.save(update_fields=["password", "full_name", "email", "is_active"])
    person.name, person.phone, person.unit, person.department = name, phone, None, None
    person.save(update_fields=["name", "phone", "unit", "department"])
    registration.unit = unit
    registration.supervisor = supervising_department(unit) if rules.supervisor_approval else None
    registration.status = RegistrationStatus.UNIT_REVIEW
    registration.reason = ""
    registration.unit_decided_by = registration.supervisor_decided_by = None
    registration.unit_decided_at = registration.supervisor_decided_at = None
    registration.save()
    return registration


def may_decide(role: RoleAssignment | None, registration: Registration) -> bool:
    """Whether the role must act on the registration now: the unit's admin while it waits for
    the unit, the supervising department's admin while it waits there."""
    if role is None or role.organization_id is None:
        return False
    if registration.status == RegistrationStatus.UNIT_REVIEW:
        return role.kind == RoleKind.UNIT_ADMIN and role.organization_id == registration.unit_id
    if registration.status == RegistrationStatus.SUPERVISOR_REVIEW:
        return (
            role.kind in (RoleKind.SUPERVISOR_ADMIN, RoleKind.AUTHORITY_ADMIN)
            and role.organization_id == registration.supervisor_id
        )
    return False


def _lock(registration: Registration, role: RoleAssignment | None, actor: Any) -> Registration:
    """Re-read under a lock: the second of two approvers reads what the first one left."""
    locked = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("person", "person__user")
        .get(pk=registration.pk)
    )
    if locked.person.user_id is not None and locked.person.user_id == getattr(actor, "pk", None):
        raise PermissionDenied(OWN_REGISTRATION)
    if not locked.waiting:
        raise ValidationError(ALREADY_DECIDED, code="already_decided")
    if not may_decide(role, locked):
        # In scope but at the other level (the unit already approved): already handled here.
        if role is not None and role.organization_id in (locked.unit_id, locked.supervisor_id):
            raise ValidationError(ALREADY_DECIDED, code="already_decided")
        raise PermissionDenied("您无权审核该注册申请。")
    return locked


@transaction.atomic
def registration_approve(
    *, registration: Registration, role: RoleAssignment | None, actor: Any
) -> Registration:
    """The unit approves (then the supervising department, where the profile asks it), or the
    supervising department approves: the login becomes active at the last approval."""
    locked = _lock(registration, role, actor)
    before = locked.status
    now = timezone.now()
    if before == RegistrationStatus.UNIT_REVIEW:
        locked.unit_decided_by, locked.unit_decided_at = actor, now
        forward = locked.supervisor_id is not None
    else:
        locked.supervisor_decided_by, locked.supervisor_decided_at = actor, now
        forward = False
    locked.status = RegistrationStatus.SUPERVISOR_REVIEW if forward else RegistrationStatus.APPROVED
    locked.save()
    if not forward:
        person = locked.person
        person.unit = locked.unit
        person.save(update_fields=["unit"])
        if person.user is not None:
            person.user.is_active = True
            person.user.save(update_fields=["is_active"])
    audit_record(
        action="registration.approve",
        actor=actor,
        target=locked,
        from_state=before,
        to_state=locked.status,
    )
    signal = events.registration_forwarded if forward else events.registration_approved
    signal.send(sender=Registration, registration=locked)
    return locked


@transaction.atomic
def registration_refuse(
    *, registration: Registration, role: RoleAssignment | None, actor: Any, reason: str
) -> Registration:
    """Refuse with a reason: the login stays inactive; the person may register again."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    locked = _lock(registration, role, actor)
    before = locked.status
    now = timezone.now()
    if before == RegistrationStatus.UNIT_REVIEW:
        locked.unit_decided_by, locked.unit_decided_at = actor, now
    else:
        locked.supervisor_decided_by, locked.supervisor_decided_at = actor, now
    locked.status = RegistrationStatus.REFUSED
    locked.reason = reason[:300]
    locked.save()
    audit_record(
        action="registration.refuse",
        actor=actor,
        target=locked,
        from_state=before,
        to_state=locked.status,
        reason=locked.reason,
    )
    events.registration_refused.send(sender=Registration, registration=locked, reason=locked.reason)
    return locked


def registration_login_message(identifier: str, password: str) -> str:
    """Why a refused login is refused, told only to someone who typed the right password of a
    registered account that waits or was refused ("" otherwise, and then the ordinary
    "账号或密码错误" stands). The cost is one password check either way, so the time taken
    says nothing about the account."""
    user = find_user(identifier or "") if identifier else None
    registration = (
        Registration.objects.filter(person__user=user).first()
        if user is not None and not user.is_active
        else None
    )
    if registration is None or user is None:
        User().set_password(password or "")
        return ""
    if not user.check_password(password or ""):
        return ""
    if registration.waiting:
        return WAITING_LOGIN_MESSAGES[RegistrationStatus(registration.status)]
    if registration.status == RegistrationStatus.REFUSED:
        return REFUSED_LOGIN_MESSAGE.format(reason=registration.reason)
    return ""
