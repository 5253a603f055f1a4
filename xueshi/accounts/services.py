"""Writes on people, accounts and roles. Views, commands and imports all call these."""

from __future__ import annotations

from typing import Any

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
