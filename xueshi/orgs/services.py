"""Writes on organisations and departments."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from xueshi.core.audit import audit_record
from xueshi.core.identifiers import clean_credit_code

from .models import Department, Organization, OrganizationStatus


@transaction.atomic
def organization_create(
    *,
    kind: str,
    name: str,
    region_code: str,
    parent: Organization | None = None,
    credit_code: str | None = None,
    code: str | None = None,
    policy_profile: str = "",
    status: str = OrganizationStatus.ACTIVE,
    actor: Any = None,
) -> Organization:
    organization = Organization(
        kind=kind,
        name=name.strip(),
        region_code=region_code,
        parent=parent,
        credit_code=clean_credit_code(credit_code) if credit_code else None,
        code=code or None,
        policy_profile=policy_profile,
        status=status,
    )
    organization.full_clean()
    organization.save()
    audit_record(action="organization.create", actor=actor, target=organization, to_state=status)
    return organization


@transaction.atomic
def department_create(*, unit: Organization, name: str, note: str = "", actor: Any = None) -> Department:
    department = Department(unit=unit, name=name.strip(), note=note)
    department.full_clean()
    department.save()
    audit_record(action="department.create", actor=actor, target=department)
    return department
