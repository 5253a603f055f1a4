"""Approved Guangxi claims made through the real routes (declare, submit, every level approves)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from xueshi.accounts.models import RoleAssignment
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.review.models import ChainStep
from xueshi.review.permissions import REVIEWER_ROLES
from xueshi.review.services import declaration_approve
from xueshi.review.tests.test_views import declare

from ..models import SampleAudit
from ..services import sample_audit_start

AUTHORITY = "gx_rst"  # 广西壮族自治区人力资源和社会保障厅: authority over both Guangxi units
THIS_YEAR = timezone.localdate().year


def reviewer_now(declaration: Declaration) -> RoleAssignment:
    assert declaration.current_position is not None
    step = ChainStep.objects.select_related("organization").get(
        declaration=declaration, position=declaration.current_position
    )
    role = (
        RoleAssignment.objects.select_related("user", "organization", "department")
        .filter(organization=step.organization, kind__in=REVIEWER_ROLES[step.organization.kind])
        .exclude(user=declaration.person.user)
        .first()
    )
    assert role is not None
    return role


def approve_all_levels(declaration: Declaration) -> Declaration:
    declaration.refresh_from_db()
    while declaration.status == DeclarationStatus.PENDING:
        role = reviewer_now(declaration)
        declaration = declaration_approve(declaration_id=declaration.pk, actor=role.user, role=role)
    assert declaration.status == DeclarationStatus.APPROVED
    return declaration


def approved_claim(
    demo: Any, name: str, number: int, *, days: int = 2, evidence: bool = False
) -> Declaration:
    """A 培训班 of `days` days (8 学时 a day), on a date of its own."""
    start = datetime.date(THIS_YEAR, 1 + number % 12, 1 + (number // 12) % 20)
    declaration = declare(
        demo,
        name,
        "training_course",
        "by_dates",
        {
            "title": f"专业培训班第{number}期",
            "start_date": start,
            "end_date": start + datetime.timedelta(days=days - 1),
            "description": "自治区教育厅主办",
            "credit_year": THIS_YEAR,
        },
        pledge=True,
        evidence=evidence,
    )
    return approve_all_levels(declaration)


def start(demo: Any, **kwargs: Any) -> SampleAudit:
    role = demo.role(AUTHORITY)
    arguments: dict[str, Any] = {
        "credit_year": THIS_YEAR,
        "size_kind": "count",
        "stratify": "none",
    }
    arguments.update(kwargs)
    return sample_audit_start(role=role, actor=role.user, **arguments)
