"""The supervisor picker (提交至主管部门审核): find an approved supervising department by region
and name, ten to a page."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from xueshi.core.identifiers import region_in_use, region_name
from xueshi.orgs.models import Organization, OrganizationKind


def active_supervisors() -> QuerySet[Organization]:
    """Supervising departments that accept submissions (approved, i.e. ACTIVE)."""
    return Organization.objects.active().filter(kind=OrganizationKind.SUPERVISOR)


PICKER_PAGE_SIZE = 10


@dataclass(frozen=True)
class RegionNode:
    """One node of the picker's region tree (Guangxi: 广西壮族自治区 → 南宁市, 柳州市 …)."""

    code: str  # the prefix searched: "45" for the province, "4501" for 南宁市
    name: str
    depth: int


@functools.cache
def region_tree(province_code: str) -> tuple[RegionNode, ...]:
    """The province and its prefectures (from the administrative division data), for the tree
    beside 提交至主管部门审核 (seed 002's picker: a region tree, then the matching units)."""
    province = province_code[:2]
    if len(province) != 2 or not province.isdigit():
        return ()
    root = region_name(f"{province}0000")
    nodes = [RegionNode(province, root, 0)]
    for number in range(1, 100):
        code = f"{province}{number:02d}00"
        name = region_in_use(code)
        if name and name != root and not name.endswith(("市辖区", "县")):
            nodes.append(RegionNode(code[:4], name, 1))
    return tuple(nodes)


def supervisor_page(
    query: str, *, region_code: str = "", node: str = "", page: str | int = 1
) -> Page[Organization]:
    """提交至主管部门审核: the active supervisors of the declarant's province (or of the tree's
    chosen prefecture ``node``) whose name holds every keyword, ten to a page (every one can be
    reached, not only the first ten)."""
    supervisors = active_supervisors()
    province = region_code[:2]
    if len(province) == 2:
        supervisors = supervisors.filter(region_code__startswith=province)
        if node.isdigit() and len(node) == 4 and node.startswith(province):
            supervisors = supervisors.filter(region_code__startswith=node)
    elif not (query or "").split():
        supervisors = supervisors.none()
    condition = Q()
    for keyword in (query or "").split():
        condition &= Q(name__icontains=keyword)
    ordered = supervisors.filter(condition).order_by("path", "name", "pk")
    return Paginator(ordered, PICKER_PAGE_SIZE).get_page(page)


def supervisor_for_submission(pk: object) -> Organization | None:
    """The chosen supervisor, if `pk` names an active one (anything else: None)."""
    try:
        number = int(str(pk))
    except (TypeError, ValueError):
        return None
    return active_supervisors().filter(pk=number).first()
