"""Writes on organisations and departments.

Knows no people and no roles (orgs sits below accounts): a person's unit and the decisions of
supervisors and authorities on units are in ``xueshi.units.organizations``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from xueshi.core.audit import audit_record
from xueshi.core.identifiers import clean_credit_code, clean_phone

from .models import Department, Organization, OrganizationKind, OrganizationStatus
from .selectors import region_is_known


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
def department_create(
    *, unit: Organization, name: str, note: str = "", actor: Any = None
) -> Department:
    department = Department(unit=unit, name=name.strip(), note=note)
    department.full_clean()
    department.save()
    audit_record(action="department.create", actor=actor, target=department)
    return department


PENDING_UNIT_REFUSED = "该单位尚在审批中，审批通过后才能选择。"
REJECTED_UNIT_REFUSED = "该单位未通过审批，不能选择。"
ALREADY_REVIEWED = "该单位已被处理。"


def credit_code_taken(credit_code: str, *, exclude_pk: int | None = None) -> ValidationError | None:
    holders = Organization.objects.filter(credit_code=credit_code)
    if exclude_pk is not None:
        holders = holders.exclude(pk=exclude_pk)
    holder = holders.first()
    if holder is None:
        return None
    return ValidationError(
        "该统一社会信用代码已注册：%(name)s", code="unique", params={"name": holder.name}
    )


@transaction.atomic
def organization_register(
    *,
    name: str,
    credit_code: str | None,
    region_code: str,
    parent: Organization,
    contact_name: str,
    contact_phone: str,
    registered_by: Any,
) -> Organization:
    """A new unit registered by a person: it waits (pending) for its parent to approve it."""
    name = " ".join((name or "").split())
    errors: dict[str, list[ValidationError]] = {}

    def refuse(field: str, error: ValidationError | str) -> None:
        errors.setdefault(field, []).append(
            error if isinstance(error, ValidationError) else ValidationError(error)
        )

    if not name:
        refuse("name", "请填写单位名称。")
    cleaned_code: str | None = None
    if credit_code and credit_code.strip():
        try:
            cleaned_code = clean_credit_code(credit_code)
        except ValidationError as error:
            refuse("credit_code", error)
        else:
            taken = credit_code_taken(cleaned_code)
            if taken is not None:
                refuse("credit_code", taken)
    if not region_is_known(region_code):
        refuse("region_code", "请填写有效的 6 位行政区划代码。")
    if not (
        parent.status == OrganizationStatus.ACTIVE
        and parent.kind in (OrganizationKind.SUPERVISOR, OrganizationKind.AUTHORITY)
    ):
        refuse("parent", "请选择已启用的主管部门或认定机构。")
    elif name and (
        Organization.objects.filter(parent=parent, name__iexact=name)
        .exclude(status=OrganizationStatus.REJECTED)
        .exists()
    ):
        refuse("name", f"“{parent.name}”下已有同名单位：{name}")
    phone = ""
    if contact_phone and contact_phone.strip():
        try:
            phone = clean_phone(contact_phone)
        except ValidationError as error:
            refuse("contact_phone", error)
    if errors:
        raise ValidationError(errors)

    organization = Organization(
        kind=OrganizationKind.UNIT,
        name=name,
        region_code=region_code,
        parent=parent,
        credit_code=cleaned_code,
        status=OrganizationStatus.PENDING,
        registered_by=registered_by,
        contact_name=(contact_name or "").strip(),
        contact_phone=phone,
    )
    organization.full_clean()
    organization.save()
    audit_record(
        action="organization.register",
        actor=registered_by,
        target=organization,
        to_state=OrganizationStatus.PENDING,
        details={"parent_id": parent.pk},
    )
    return organization
