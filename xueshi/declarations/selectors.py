"""Reads for declarants and administrators: 申报进度查询 and 单位申报记录."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.accounts.roles import role_person
from xueshi.orgs.models import Organization
from xueshi.orgs.selectors import WindowState, declaring_window_state
from xueshi.policy.hours import fmt
from xueshi.policy.resolver import resolve_version

from .models import AttachmentPurpose, Declaration
from .permissions import declarations_in_scope
from .richtext import rendered

# The progress page's filters: all / draft / pending / returned / approved / rejected.
STATUS_FILTERS = ("draft", "pending", "returned", "approved", "rejected")
# Shown in their own places on the detail page, not among the category's other fields.
DETAIL_OWN_PLACES = {"title", "credit_year", "hours_claimed", "description"}


def declaration_list(role: RoleAssignment | None, *, status: str = "") -> QuerySet[Declaration]:
    declarations = declarations_in_scope(role)
    if status in STATUS_FILTERS:
        declarations = declarations.filter(status=status)
    return (
        declarations.select_related("person", "unit", "registered_by_organization")
        .annotate(
            attachment_total=Count(
                "attachments", filter=Q(attachments__purpose=AttachmentPurpose.EVIDENCE)
            )
        )
        .order_by("-created_at", "-id")
    )


def declaration_for(role: RoleAssignment | None, pk: int) -> Declaration:
    """One declaration the role may see (raises Declaration.DoesNotExist otherwise → 404)."""
    return (
        declarations_in_scope(role)
        .select_related("person", "person__department", "unit", "registered_by_organization")
        .get(pk=pk)
    )


# --- where a claim may be submitted, and whether the person may declare now -----------------


@dataclass(frozen=True)
class SubmitTarget:
    """Whether the active role's region lets claims go straight to a supervisor (Guangxi)."""

    direct_allowed: bool
    region_code: str


def _person_of_role(role: RoleAssignment) -> Person | None:
    return role_person(role)


def submit_target(role: RoleAssignment | None) -> SubmitTarget:
    """The region of the role's person (their unit) or of the role's organisation."""
    if role is None:
        return SubmitTarget(False, "")
    source: Organization | None = role.organization
    if role.kind == RoleKind.PROFESSIONAL:
        person = _person_of_role(role)
        source = person.unit if person is not None else None
    if source is None:
        return SubmitTarget(False, "")
    key = source.effective_policy_profile()
    if not key:
        return SubmitTarget(False, source.region_code)
    try:
        version = resolve_version(key, timezone.localdate())
    except ValidationError:
        return SubmitTarget(False, source.region_code)
    return SubmitTarget(bool(version.direct_chain()), source.region_code)


def declaring_window_for(role: RoleAssignment | None) -> WindowState:
    """Whether the role's person may declare today (their unit's declaring window)."""
    person = _person_of_role(role) if role is not None else None
    return declaring_window_state(person.unit if person else None, timezone.localdate())


# --- the detail page's fields -----------------------------------------------------------------


@dataclass(frozen=True)
class FieldRow:
    label: str
    value: Any


def detail_field_rows(declaration: Declaration) -> list[FieldRow]:
    """The category's own fields with the region's labels, then anything else in `extra`."""
    values: dict[str, Any] = {
        "certificate_number": declaration.certificate_number,
        "start_date": declaration.start_date,
        "end_date": declaration.end_date,
        "quantity": declaration.quantity,
        **declaration.extra,
    }
    rows: list[FieldRow] = []
    shown: set[str] = set(DETAIL_OWN_PLACES)
    try:
        version = resolve_version(declaration.policy_profile, declaration.profile_version)
        fields = version.fields_for(declaration.category_code)
    except (ValidationError, KeyError, LookupError):
        fields = []
    for name, spec, _required in fields:
        if name in shown:
            continue
        shown.add(name)
        value = _shown(values.get(name))
        if spec.type == "rich_text" and value:
            value = rendered(str(value))
        if spec.type == "planned_training" and declaration.planned_training is not None:
            value = declaration.planned_training.label
        if value not in (None, ""):
            rows.append(FieldRow(spec.label, value))
    for name, value in declaration.extra.items():
        if name not in shown and value not in (None, ""):
            rows.append(FieldRow(name, _shown(value)))
    return rows


def _shown(value: Any) -> Any:
    """Dates as 2026-05-04 like the rest of the page; booleans as 是/否; 12 not 12.00."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value
