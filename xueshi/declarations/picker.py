"""The supervisor picker (提交至主管部门审核): find an approved supervising department by name."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from xueshi.orgs.models import Organization, OrganizationKind

PICKER_LIMIT = 10


def active_supervisors() -> QuerySet[Organization]:
    """Supervising departments that accept submissions (approved, i.e. ACTIVE)."""
    return Organization.objects.active().filter(kind=OrganizationKind.SUPERVISOR)


def supervisor_search(
    query: str, *, region_code: str = "", limit: int = PICKER_LIMIT
) -> list[Organization]:
    """At most `limit` active supervisors of the declarant's province (first two digits of
    `region_code`) whose name holds every keyword of `query`.

    An empty query lists the province's supervisors, so the usual choices show before typing.
    """
    supervisors = active_supervisors()
    keywords = (query or "").split()
    if len(region_code) >= 2:
        supervisors = supervisors.filter(region_code__startswith=region_code[:2])
    elif not keywords:
        return []
    condition = Q()
    for keyword in keywords:
        condition &= Q(name__icontains=keyword)
    supervisors = supervisors.filter(condition)
    return list(supervisors.order_by("path", "name", "pk")[: max(0, min(limit, PICKER_LIMIT))])


def supervisor_for_submission(pk: object) -> Organization | None:
    """The chosen supervisor, if `pk` names an active one (anything else: None)."""
    try:
        number = int(str(pk))
    except (TypeError, ValueError):
        return None
    return active_supervisors().filter(pk=number).first()
