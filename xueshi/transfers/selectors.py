"""Reads on transfer requests: whose a role sees, a level's queue, the platform's regions."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, Prefetch, QuerySet

from xueshi.accounts.models import Person, RoleAssignment
from xueshi.accounts.permissions import people_in_scope
from xueshi.ledger.models import YearTotal
from xueshi.orgs.models import Organization, OrganizationKind

from .models import TransferRequest, TransferStatus, TransferTrailEntry, TransferYear

_RELATED = ("person", "person__unit", "unit", "source_region", "certificate")


def transfers_in_scope(role: RoleAssignment | None) -> QuerySet[TransferRequest]:
    """The requests of the people a role sees (the person: their own); others are a 404."""
    return TransferRequest.objects.filter(
        person__in=people_in_scope(role).values("pk")
    ).select_related(*_RELATED)


def with_years(requests: QuerySet[TransferRequest]) -> QuerySet[TransferRequest]:
    return requests.prefetch_related(
        Prefetch("years", queryset=TransferYear.objects.order_by("-credit_year"))
    )


def person_transfers(person: Person) -> QuerySet[TransferRequest]:
    """学时转入: a person's requests, newest first, with their years (2 queries)."""
    return with_years(TransferRequest.objects.filter(person=person).select_related(*_RELATED))


def review_queue(role: RoleAssignment, *, decided: bool = False) -> QuerySet[TransferRequest]:
    """The requests waiting at the role's organisation, or (`decided`) those it has handled."""
    if role.organization_id is None:
        return TransferRequest.objects.none()
    if decided:
        found = transfers_in_scope(role).filter(
            steps__organization_id=role.organization_id,
            status__in=(TransferStatus.APPROVED, TransferStatus.REJECTED, TransferStatus.RETURNED),
        )
        order = ("-decided_at", "-id")
    else:
        # One join: the step at the request's current position is the role's organisation;
        # within the role's people (a department admin sees their department's only).
        found = transfers_in_scope(role).filter(
            status=TransferStatus.PENDING,
            steps__organization_id=role.organization_id,
            steps__position=F("current_position"),
        )
        order = ("submitted_at", "id")
    return with_years(found.distinct().order_by(*order))


def trail_of(transfer: TransferRequest) -> QuerySet[TransferTrailEntry]:
    return TransferTrailEntry.objects.filter(request=transfer).select_related(
        "organization", "actor"
    )


def platform_regions() -> QuerySet[Organization]:
    """The regions on the platform: each top authority naming a policy profile."""
    return (
        Organization.objects.filter(kind=OrganizationKind.AUTHORITY, parent__isnull=True)
        .exclude(policy_profile="")
        .order_by("name")
    )


def region_of(organization: Organization | None) -> Organization | None:
    """The top authority of the tree an organisation belongs to (its region)."""
    if organization is None:
        return None
    ids = [int(part) for part in organization.path.strip("/").split("/") if part]
    return (
        Organization.objects.filter(
            pk__in=ids, kind=OrganizationKind.AUTHORITY, parent__isnull=True
        )
        .order_by("path")
        .first()
    )


def ledger_years(person: Person, years: list[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """(general, professional) the person's ledger already holds for each of `years`."""
    return {
        row.credit_year: (row.general_hours, row.professional_hours)
        for row in YearTotal.objects.filter(person=person, credit_year__in=years)
    }
