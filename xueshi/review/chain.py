"""Which organisations review a declaration, level by level, from the region's profile.

The profile names the levels (unit → supervisor → authority) and what this region calls them;
the organisation tree says who fills each level for a given unit. A level with nobody to fill it
is skipped where the profile allows (Anyang: a unit without a managing unit goes straight to the
association), and refused otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from xueshi.orgs.models import Organization, OrganizationKind, OrganizationStatus
from xueshi.policy.schema import ProfileVersion, ReviewLevel

from .models import StepFields


@dataclass(frozen=True)
class PlannedStep:
    level_code: str
    level_name: str
    organization: Organization


def chain_replace(
    model: type[StepFields], *, item_field: str, item: object, planned: Iterable[PlannedStep]
) -> None:
    """Replace an item's chain with the planned steps, in order (every reviewable's own step
    model: a claim's `ChainStep`, an application's, a supplement's, a transfer's)."""
    model._default_manager.filter(**{item_field: item}).delete()
    model._default_manager.bulk_create(
        model(
            **{item_field: item},
            position=position,
            level_code=step.level_code,
            level_name=step.level_name,
            organization=step.organization,
        )
        for position, step in enumerate(planned)
    )


def _nearest(start: Organization, kind: str, *, topmost: bool = False) -> Organization | None:
    """The closest organisation of `kind` at or above `start` (or the highest, if asked)."""
    line = sorted([start, *start.ancestors()], key=lambda node: len(node.path), reverse=not topmost)
    return next((node for node in line if node.kind == kind), None)


def resolve_chain(
    version: ProfileVersion,
    *,
    unit: Organization | None,
    direct_supervisor: Organization | None = None,
    top_authority: bool = False,
    supplement: bool = False,
    category_code: str = "",
) -> list[PlannedStep]:
    """The steps a claim from `unit` (or sent straight to `direct_supervisor`) must pass.

    `top_authority`: the claim's region tier is the highest one (Xinjiang: senior titles go to
    the autonomous region, not the prefecture), so the topmost authority decides.
    `supplement`: a 增补 claim follows the profile's supplement chain (Zhejiang: 企业审核 →
    学时办审核 → 省级备案), always from the person's unit.
    """
    if supplement:
        levels = version.supplement_chain()
        if not levels:
            raise ValidationError("本地区未开通增补功能。")
        if unit is None:
            raise ValidationError("您当前没有工作单位（其他单位），请先在“我的信息”中选择单位。")
        start = unit
    elif direct_supervisor is not None:
        levels = version.direct_chain()
        if not levels:
            raise ValidationError("本地区不允许直接提交至主管部门审核。")
        if direct_supervisor.kind != OrganizationKind.SUPERVISOR:
            raise ValidationError("请选择主管部门。")
        # Only within the claim's own region: its rules and its authorities must be the same.
        if unit is not None and (
            direct_supervisor.effective_policy_profile() != unit.effective_policy_profile()
        ):
            raise ValidationError("只能提交至本地区的主管部门。")
        start = direct_supervisor
    else:
        levels = version.review_chain(category_code)
        if unit is None:
            raise ValidationError("您当前没有工作单位（其他单位），请先在“我的信息”中选择单位。")
        start = unit
    if start.status != OrganizationStatus.ACTIVE:
        raise ValidationError(f"“{start.name}”尚在审批中，审批通过后才能提交。")

    steps: list[PlannedStep] = []
    for level in levels:
        organization = _organization_for(level, start, top_authority=top_authority)
        if organization is None:
            if level.skippable:
                continue
            raise ValidationError(f"未找到“{level.name}”的审核机构，请联系单位管理员。")
        steps.append(PlannedStep(level.code, level.name, organization))
    return steps


def _organization_for(
    level: ReviewLevel, start: Organization, *, top_authority: bool
) -> Organization | None:
    if level.organization_kind == "authority":
        return _nearest(start, OrganizationKind.AUTHORITY, topmost=top_authority or level.topmost)
    return _nearest(start, level.organization_kind, topmost=level.topmost)


def entry_index(steps: list[PlannedStep], declaring_organization: Organization | None) -> int:
    """Where a claim enters: after the levels the declaring organisation itself stands for.

    A unit declaring for its staff has done the unit's review by declaring (Henan: the claim
    waits for the levels above). Where nothing is above it (Guangxi: the unit is final), the
    last level still reviews it, so no claim is ever approved without a review.
    """
    if declaring_organization is None:
        return 0
    own = declaring_organization.path
    for index, step in enumerate(steps):
        if not step.organization.path.startswith(own):
            return index
    return len(steps) - 1
