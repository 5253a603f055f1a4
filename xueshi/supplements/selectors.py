"""Reads of supplement requests: whose a role sees, a person's closed year, a unit's queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet, Sum

from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.policy.schema import SupplementWords

from .models import SupplementRequest, SupplementStatus


def requests_in_scope(role: RoleAssignment | None) -> QuerySet[SupplementRequest]:
    """Every request `role` may see; anything else is answered with 404."""
    requests = SupplementRequest.objects.select_related("person", "person__department", "unit")
    if role is None:
        return requests.none()
    if role.kind == RoleKind.PLATFORM_ADMIN:
        return requests
    if role.kind == RoleKind.PROFESSIONAL:
        return requests.filter(person__user_id=role.user_id)
    if role.organization_id is None:
        return requests.none()
    if role.kind == RoleKind.UNIT_ADMIN:
        return requests.filter(unit_id=role.organization_id)
    if role.kind == RoleKind.DEPARTMENT_ADMIN:
        if role.department_id is None:
            return requests.none()
        return requests.filter(
            unit_id=role.organization_id, person__department_id=role.department_id
        )
    return requests.none()


def decision_queue(role: RoleAssignment, *, decided: bool = False) -> QuerySet[SupplementRequest]:
    """The unit's requests: waiting for its decision (个人申请中), or already decided."""
    requests = requests_in_scope(role)
    if decided:
        return requests.filter(
            status__in=[SupplementStatus.APPROVED, SupplementStatus.REJECTED]
        ).order_by("-decided_at", "-id")
    return requests.filter(status=SupplementStatus.PENDING).order_by("submitted_at", "id")


@dataclass
class CategoryRow:
    """One category of the closed year with a 终审通过 claim, and its supplement state."""

    code: str
    name: str
    hours: Decimal
    requests: list[SupplementRequest] = field(default_factory=list)

    @property
    def latest(self) -> SupplementRequest | None:
        return self.requests[0] if self.requests else None

    @property
    def open_request(self) -> SupplementRequest | None:
        return next((r for r in self.requests if r.status != SupplementStatus.REJECTED), None)

    def handled_word(self, words: SupplementWords) -> str:
        """已处理 once the unit decided every request sent; 未处理 while one waits; "" before."""
        sent = [r for r in self.requests if r.status != SupplementStatus.DRAFT]
        if not sent:
            return ""
        if any(r.status == SupplementStatus.PENDING for r in sent):
            return words.unhandled
        return words.handled


def closed_year_categories(person: Person, credit_year: int) -> list[CategoryRow]:
    """The categories of `credit_year` in which the person has a 终审通过 claim (two queries)."""
    approved = (
        Declaration.objects.filter(
            person=person, credit_year=credit_year, status=DeclarationStatus.APPROVED
        )
        .values("category_code", "category_name")
        .annotate(hours=Sum("hours_granted"))
        .order_by("category_code")
    )
    rows: dict[str, CategoryRow] = {}
    for entry in approved:
        row = rows.get(entry["category_code"])
        if row is None:
            rows[entry["category_code"]] = CategoryRow(
                entry["category_code"], entry["category_name"], entry["hours"] or Decimal(0)
            )
        else:
            row.hours += entry["hours"] or Decimal(0)
    requests = SupplementRequest.objects.filter(
        person=person, credit_year=credit_year, category_code__in=rows
    ).order_by("-created_at", "-id")
    for request in requests:
        rows[request.category_code].requests.append(request)
    return list(rows.values())


def category_claims(
    person: Person, credit_year: int, category_code: str
) -> tuple[list[Declaration], list[Declaration]]:
    """(明细: the 终审通过 claims, 增补: the supplement claims) of one category and year."""
    claims = list(
        Declaration.objects.filter(
            person=person, credit_year=credit_year, category_code=category_code
        )
        .exclude(status=DeclarationStatus.DELETED)
        .order_by("created_at", "id")
    )
    approved = [c for c in claims if c.status == DeclarationStatus.APPROVED and not c.is_supplement]
    supplements = [c for c in claims if c.is_supplement]
    return approved, supplements
