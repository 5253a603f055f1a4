"""Reads for reviewers: the queue of claims waiting for a role's level, with filters."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.permissions import REVIEWER_ROLES

from .models import ChainStep, TrailEntry


@dataclass(frozen=True)
class QueueFilters:
    id_number: str = ""
    name: str = ""
    credit_year: int | None = None
    category_code: str = ""
    registered_by: str = ""  # 登记机构 name contains
    submitted_from: datetime.date | None = None
    submitted_to: datetime.date | None = None


def review_queue(
    role: RoleAssignment | None, filters: QueueFilters | None = None
) -> QuerySet[Declaration]:
    """Pending claims whose current level is filled by `role`'s organisation."""
    if role is None or role.organization is None:
        return Declaration.objects.none()
    if role.kind not in REVIEWER_ROLES.get(role.organization.kind, ()):
        return Declaration.objects.none()
    # Both conditions in one filter(): the same chain-step row must match.
    queue = Declaration.objects.filter(
        status=DeclarationStatus.PENDING,
        chain_steps__organization=role.organization,
        chain_steps__position=F("current_position"),
    )
    if role.kind == RoleKind.DEPARTMENT_ADMIN:
        queue = queue.filter(person__department=role.department)
    queue = _filtered(queue, filters or QueueFilters())
    return queue.select_related(
        "person", "person__department", "unit", "registered_by_organization"
    ).order_by("submitted_at", "id")


def _filtered(queue: QuerySet[Declaration], filters: QueueFilters) -> QuerySet[Declaration]:
    if filters.id_number:
        queue = queue.filter(person__id_number__iexact=filters.id_number.strip())
    if filters.name:
        queue = queue.filter(person__name__contains=filters.name.strip())
    if filters.credit_year:
        queue = queue.filter(credit_year=filters.credit_year)
    if filters.category_code:
        queue = queue.filter(category_code=filters.category_code)
    if filters.registered_by:
        text = filters.registered_by.strip()
        queue = queue.filter(
            Q(registered_by_organization__name__contains=text)
            | Q(registered_by_organization__isnull=True, unit__name__contains=text)
        )
    if filters.submitted_from:
        queue = queue.filter(submitted_at__date__gte=filters.submitted_from)
    if filters.submitted_to:
        queue = queue.filter(submitted_at__date__lte=filters.submitted_to)
    return queue


def trail_of(declaration: Declaration) -> QuerySet[TrailEntry]:
    return TrailEntry.objects.filter(declaration=declaration).select_related(
        "organization", "actor"
    )


def with_chain(queryset: QuerySet[Declaration]) -> QuerySet[Declaration]:
    """Prefetch each claim's chain (with organisations), for showing where it stands."""
    return queryset.prefetch_related(
        Prefetch("chain_steps", queryset=ChainStep.objects.select_related("organization"))
    )


def current_step(declaration: Declaration) -> ChainStep | None:
    if declaration.current_position is None:
        return None
    # Uses the prefetched chain when present.
    for step in declaration.chain_steps.all():
        if step.position == declaration.current_position:
            return step
    return None
