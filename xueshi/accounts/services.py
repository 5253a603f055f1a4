"""Writes on people, accounts and roles. Views, commands and imports all call these."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from xueshi.core.audit import audit_record
from xueshi.core.identifiers import (
    clean_id_number,
    clean_phone,
    id_number_birth_date,
    id_number_sex,
)
from xueshi.orgs.models import Department, Organization

from .models import Person, RoleAssignment, RoleKind, User
from .roles import ACTIVE_ROLE_SESSION_KEY

if TYPE_CHECKING:
    from django.http import HttpRequest


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
    in_establishment: bool = False,
    can_log_in: bool = True,
    actor: Any = None,
) -> Person:
    """Create a person; with a login whose initial password must be changed at first login."""
    id_number = clean_id_number(id_number)
    if Person.objects.filter(id_number=id_number).exists():
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
        in_establishment=in_establishment,
    )
    if can_log_in:
        user = User(username=id_number, full_name=person.name, must_change_password=True)
        user.set_password(initial_password(id_number))
        user.save()
        person.user = user
        RoleAssignment.objects.create(user=user, kind=RoleKind.PROFESSIONAL)
    person.save()
    audit_record(action="person.create", actor=actor, target=person)
    return person


@transaction.atomic
def role_grant(
    *,
    user: User,
    kind: str,
    organization: Organization | None = None,
    department: Department | None = None,
    actor: Any = None,
) -> RoleAssignment:
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

    The caller keeps the session alive with `update_session_auth_hash` (it needs the request).
    """
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(action="password.change", actor=user, request=request, target=user)
    return user


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
    actor: Any = None,
) -> Person:
    """What a person may change about themselves: phone, specialty, department in their unit."""
    try:
        phone = clean_phone(phone) if phone.strip() else ""
    except ValidationError as error:
        raise ValidationError({"phone": error}) from error
    specialty = specialty.strip()
    if department is not None and (person.unit_id is None or department.unit_id != person.unit_id):
        raise ValidationError({"department": "只能选择本单位的部门。"})
    department_id = department.pk if department is not None else None
    changed = [
        field
        for field, old, new in (
            ("phone", person.phone, phone),
            ("specialty", person.specialty, specialty),
            ("department", person.department_id, department_id),
        )
        if old != new
    ]
    if not changed:
        return person
    person.phone = phone
    person.specialty = specialty
    person.department = department
    person.save(update_fields=["phone", "specialty", "department"])
    audit_record(
        action="person.update_profile",
        actor=actor,
        target=person,
        details={"changed": changed},
    )
    return person
