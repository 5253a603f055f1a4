"""Reads of sample audits. An authority sees only its own audits (anything else: 404)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.permissions import declarations_in_scope

from .models import FINDINGS, AuditVerdict, SampleAudit, SampledItem


def audit_population(role: RoleAssignment, credit_year: int) -> QuerySet[Declaration]:
    """The approved claims of the year in the role's scope that the role may audit (never its
    own: nobody reviews their own claim)."""
    return (
        declarations_in_scope(role)
        .filter(status=DeclarationStatus.APPROVED, credit_year=credit_year)
        .exclude(person__user_id=role.user_id)
        .exclude(created_by_id=role.user_id)
        .order_by("pk")
    )


def _counted(audits: QuerySet[SampleAudit]) -> QuerySet[SampleAudit]:
    return audits.annotate(
        decided_count=Count("items", filter=~Q(items__verdict="")),
        findings_count=Count("items", filter=Q(items__verdict__in=FINDINGS)),
    )


def audits_of(role: RoleAssignment | None) -> QuerySet[SampleAudit]:
    """The audits of the role's authority, newest first, with their progress counted."""
    if role is None or role.kind != RoleKind.AUTHORITY_ADMIN or role.organization_id is None:
        return SampleAudit.objects.none()
    return _counted(
        SampleAudit.objects.filter(authority_id=role.organization_id).select_related("created_by")
    ).order_by("-created_at", "-id")


def audit_of(role: RoleAssignment | None, pk: int) -> SampleAudit:
    """One audit of the role's authority; SampleAudit.DoesNotExist otherwise (a 404)."""
    return audits_of(role).select_related("authority").get(pk=pk)


SHOWN = {
    "all": Q(),
    "open": Q(verdict=""),
    "findings": Q(verdict__in=FINDINGS),
    "confirmed": Q(verdict=AuditVerdict.CONFIRMED),
}


def sampled_items(audit: SampleAudit, shown: str = "all") -> QuerySet[SampledItem]:
    return (
        SampledItem.objects.filter(audit=audit)
        .filter(SHOWN.get(shown, Q()))
        .select_related("declaration", "declaration__person", "unit", "decided_by")
        .order_by("position")
    )


def sampled_item_of(role: RoleAssignment | None, audit_pk: int, pk: int) -> SampledItem:
    """An item of one of the role's audits; SampledItem.DoesNotExist otherwise."""
    return sampled_items(audit_of(role, audit_pk)).get(pk=pk)


@dataclass(frozen=True)
class UnitRate:
    unit_name: str
    sampled: int
    decided: int
    findings: int

    @property
    def rate(self) -> Decimal | None:
        """Findings per decided item, in percent (None before any verdict)."""
        if not self.decided:
            return None
        return (Decimal(self.findings) * 100 / Decimal(self.decided)).quantize(Decimal("0.1"))


def unit_rates(audit: SampleAudit) -> list[UnitRate]:
    """The rate of findings per unit (one query), the highest first."""
    rows = (
        SampledItem.objects.filter(audit=audit)
        .values("unit_id", "unit__name")
        .annotate(
            sampled=Count("pk"),
            decided=Count("pk", filter=~Q(verdict="")),
            findings=Count("pk", filter=Q(verdict__in=FINDINGS)),
        )
        .order_by("unit__name", "unit_id")
    )
    rates = [
        UnitRate(row["unit__name"] or "其他单位", row["sampled"], row["decided"], row["findings"])
        for row in rows
    ]
    return sorted(rates, key=lambda rate: (-(rate.rate or 0), rate.unit_name))


@dataclass(frozen=True)
class Progress:
    total: int
    decided: int
    confirmed: int
    corrected: int
    revoked: int

    @property
    def findings(self) -> int:
        return self.corrected + self.revoked

    @property
    def percent(self) -> int:
        return round(self.decided * 100 / self.total) if self.total else 0

    @property
    def finding_rate(self) -> Decimal | None:
        if not self.decided:
            return None
        return (Decimal(self.findings) * 100 / Decimal(self.decided)).quantize(Decimal("0.1"))


def audit_progress(audit: SampleAudit) -> Progress:
    counts = SampledItem.objects.filter(audit=audit).aggregate(
        total=Count("pk"),
        decided=Count("pk", filter=~Q(verdict="")),
        confirmed=Count("pk", filter=Q(verdict=AuditVerdict.CONFIRMED)),
        corrected=Count("pk", filter=Q(verdict=AuditVerdict.CORRECTED)),
        revoked=Count("pk", filter=Q(verdict=AuditVerdict.REVOKED)),
    )
    return Progress(**counts)
