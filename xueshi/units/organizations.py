"""Writes on organisations that involve people or roles: a person's unit, a unit registered by
a person, and the supervisors' and authorities' decisions on units (approve, reject, credit
code override)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.accounts.permissions import organizations_in_scope, role_may
from xueshi.core.audit import audit_record
from xueshi.core.identifiers import clean_credit_code
from xueshi.orgs.models import Organization, OrganizationKind, OrganizationStatus
from xueshi.orgs.services import (
    ALREADY_REVIEWED,
    PENDING_UNIT_REFUSED,
    REJECTED_UNIT_REFUSED,
    credit_code_taken,
    organization_register,
)


def _role_reaches(role: RoleAssignment | None, organization: Organization) -> bool:
    """Whether the role's organisation is the given one or above it in the tree."""
    if role is None:
        return False
    if role.kind == RoleKind.PLATFORM_ADMIN:
        return True
    if role.organization is None:
        return False
    return organization.path.startswith(role.organization.path)


@transaction.atomic
def person_change_unit(*, person: Person, unit_or_none: Organization | None, actor: Any) -> Person:
    """Set the person's unit (None is "其他单位") and clear their department.

    Only an approved unit can be chosen; the one exception is a pending unit the person
    registered themselves, recorded as their unit while it waits (submitting to it stays
    blocked until it is approved, see `organization_accepts_submissions`).
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    if unit_or_none is not None:
        unit = Organization.objects.get(pk=unit_or_none.pk)
        if unit.kind != OrganizationKind.UNIT:
            raise ValidationError({"unit": "只能选择单位。"})
        if unit.status == OrganizationStatus.PENDING:
            own_registration = (
                person.user_id is not None and unit.registered_by_id == person.user_id
            )
            if not own_registration:
                raise ValidationError({"unit": PENDING_UNIT_REFUSED})
        elif unit.status != OrganizationStatus.ACTIVE:
            raise ValidationError({"unit": REJECTED_UNIT_REFUSED})
        unit_or_none = unit
    old_unit_id = person.unit_id
    new_unit_id = unit_or_none.pk if unit_or_none is not None else None
    if old_unit_id == new_unit_id:
        return person
    person.unit = unit_or_none
    person.department = None
    person.save(update_fields=["unit", "department"])
    audit_record(
        action="person.change_unit",
        actor=actor,
        target=person,
        from_state=str(old_unit_id or ""),
        to_state=str(new_unit_id or ""),
    )
    return person


@transaction.atomic
def person_register_unit(
    *,
    person: Person,
    name: str,
    credit_code: str | None,
    region_code: str,
    parent: Organization,
    contact_name: str,
    contact_phone: str,
) -> Organization:
    """Register a unit and record it at once as the registering person's unit (while pending)."""
    organization = organization_register(
        name=name,
        credit_code=credit_code,
        region_code=region_code,
        parent=parent,
        contact_name=contact_name,
        contact_phone=contact_phone,
        registered_by=person.user,
    )
    person_change_unit(person=person, unit_or_none=organization, actor=person.user)
    return organization


def _lock_for_review(*, organization: Organization, role: RoleAssignment | None) -> Organization:
    """Re-read the row under a lock and check the role may decide on it and it still waits."""
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if (
        role is None
        or not role_may(role, "orgs.approve_units")
        or locked.pk == role.organization_id
        or not organizations_in_scope(role).filter(pk=locked.pk).exists()
    ):
        raise PermissionDenied("您无权审批该单位。")
    if locked.status != OrganizationStatus.PENDING:
        raise ValidationError(ALREADY_REVIEWED, code="already_reviewed")
    return locked


def _review(
    *,
    organization: Organization,
    actor: Any,
    role: RoleAssignment | None,
    to_status: str,
    action: str,
    reason: str,
    reason_required: bool,
) -> Organization:
    if role is None:
        raise PermissionDenied("您无权审批该单位。")
    locked = _lock_for_review(organization=organization, role=role)
    reason = (reason or "").strip()
    if reason_required and not reason:
        raise ValidationError({"reason": "请填写不通过的原因。"})
    from_status = locked.status
    locked.status = to_status
    locked.reviewed_by = actor
    locked.review_comment = reason[:200]
    locked.save(update_fields=["status", "reviewed_by", "review_comment"])
    audit_record(
        action=action,
        actor=actor,
        role=role.kind,
        target=locked,
        from_state=from_status,
        to_state=to_status,
        reason=reason,
    )
    # The caller's instance reflects the decision too.
    organization.status = locked.status
    organization.reviewed_by = locked.reviewed_by
    organization.review_comment = locked.review_comment
    return locked


@transaction.atomic
def organization_approve(
    *, organization: Organization, actor: Any, role: RoleAssignment | None, comment: str = ""
) -> Organization:
    """Approve a pending unit: it becomes active and can be chosen and receive declarations."""
    return _review(
        organization=organization,
        actor=actor,
        role=role,
        to_status=OrganizationStatus.ACTIVE,
        action="organization.approve",
        reason=comment,
        reason_required=False,
    )


@transaction.atomic
def organization_reject(
    *, organization: Organization, actor: Any, role: RoleAssignment | None, reason: str
) -> Organization:
    """Reject a pending unit's registration; a reason is required and kept as the comment."""
    return _review(
        organization=organization,
        actor=actor,
        role=role,
        to_status=OrganizationStatus.REJECTED,
        action="organization.reject",
        reason=reason,
        reason_required=True,
    )


@transaction.atomic
def organization_override_credit_code(
    *,
    organization: Organization,
    credit_code: str,
    reason: str,
    actor: Any,
    role: RoleAssignment | None,
) -> Organization:
    """An authority records a real credit code whose check character fails, with its reason."""
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if (
        role is None
        or not role_may(role, "orgs.override_credit_code")
        or not _role_reaches(role, locked)
    ):
        raise PermissionDenied("只有该单位所属认定机构的管理员可以豁免信用代码校验。")
    reason = (reason or "").strip()
    errors: dict[str, list[ValidationError]] = {}
    if not reason:
        errors["reason"] = [ValidationError("请填写豁免校验的原因。")]
    cleaned = ""
    try:
        cleaned = clean_credit_code(credit_code, allow_checksum_override=True)
    except ValidationError as error:
        errors["credit_code"] = [error]
    else:
        taken = credit_code_taken(cleaned, exclude_pk=locked.pk)
        if taken is not None:
            errors["credit_code"] = [taken]
    if errors:
        raise ValidationError(errors)

    old_code = locked.credit_code or ""
    locked.credit_code = cleaned
    locked.credit_code_override_reason = reason[:200]
    locked.save(update_fields=["credit_code", "credit_code_override_reason"])
    audit_record(
        action="organization.credit_code_override",
        actor=actor,
        role=role.kind,
        target=locked,
        from_state=old_code,
        to_state=cleaned,
        reason=reason,
    )
    organization.credit_code = locked.credit_code
    organization.credit_code_override_reason = locked.credit_code_override_reason
    return locked
