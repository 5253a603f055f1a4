"""A small known set of claims in the Guangxi demo tree, created directly with the models."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django.test import Client
from django.utils import timezone

from xueshi.accounts.models import Person, RoleAssignment
from xueshi.accounts.roles import ACTIVE_ROLE_SESSION_KEY
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.orgs.models import Organization
from xueshi.review.models import ChainStep, TrailAction, TrailEntry

NOW = timezone.now()


def act_as(client: Client, role: RoleAssignment) -> Client:
    client.force_login(role.user)
    session = client.session
    session[ACTIVE_ROLE_SESSION_KEY] = role.pk
    session.save()
    return client


def full_id_token(client: Client, url: str) -> str:
    """The token of the reason form a holder of the permission is shown (core/exports.py)."""
    page = client.get(url, {"format": "xlsx", "full_id": "1"}).content.decode()
    found = re.search(r'name="full_id_token" value="([^"]+)"', page)
    assert found, "no reason form"
    return found.group(1)


def chain_of(person: Person) -> list[tuple[Organization, str]]:
    """unit → its supervisor (if any) → the authority at the root."""
    assert person.unit is not None
    nodes = [person.unit, *sorted(person.unit.ancestors(), key=lambda node: -len(node.path))]
    names = {"unit": "单位审核", "supervisor": "主管部门审核", "authority": "人社部门审核"}
    return [(node, names[node.kind]) for node in nodes]


def make_claim(
    person: Person,
    *,
    status: str,
    hours: str,
    granted: str | None = None,
    category: tuple[str, str] = ("training", "培训班"),
    year: int = 2025,
    submitted_days_ago: float | None = 5,
    pending_at: int = 1,
    trail: tuple[tuple[str, int, float], ...] = (),
    actor: Any = None,
) -> Declaration:
    """One claim; `trail` lists (action, chain position, days ago) verdicts already given."""
    steps = chain_of(person)
    submitted = (
        NOW - datetime.timedelta(days=submitted_days_ago)
        if submitted_days_ago is not None and status != DeclarationStatus.DRAFT
        else None
    )
    declaration = Declaration.objects.create(
        person=person,
        unit=person.unit,
        created_by=actor or person.user,  # type: ignore[misc]
        policy_profile="guangxi",
        profile_version=datetime.date(2020, 1, 1),
        category_code=category[0],
        category_name=category[1],
        level_code="l1",
        level_name="一级",
        title=f"{person.name}的{category[1]}",
        credit_year=year,
        hours_claimed=Decimal(hours),
        hours_granted=Decimal(granted) if granted is not None else None,
        status=status,
        current_position=pending_at if status == DeclarationStatus.PENDING else None,
        entry_position=1 if submitted else None,
        submitted_at=submitted,
        pledge=True,
    )
    if status == DeclarationStatus.PENDING:
        # As the lifecycle keeps it: the organisation of the step that must act now.
        declaration.current_organization = steps[pending_at - 1][0]
        declaration.save(update_fields=["current_organization"])
    if submitted is not None:
        ChainStep.objects.bulk_create(
            ChainStep(
                declaration=declaration,
                position=position,
                level_code=name,
                level_name=name,
                organization=organization,
            )
            for position, (organization, name) in enumerate(steps, start=1)
        )
    for action, position, days_ago in trail:
        organization, name = steps[position - 1]
        entry = TrailEntry.objects.create(
            declaration=declaration,
            action=action,
            level_name=name,
            organization=organization,
            actor=actor or person.user,  # type: ignore[misc]
            actor_role="unit_admin",
            from_status=DeclarationStatus.PENDING,
            to_status=status,
        )
        TrailEntry.objects.filter(pk=entry.pk).update(at=NOW - datetime.timedelta(days=days_ago))
    return declaration


def guangxi_claims(demo: Any) -> dict[str, Declaration]:
    """Known claims: the figures the tests expect are computed from this by hand."""
    admin = demo.user("gx_rst")
    qin, meng, huang, liang = (demo.person(name) for name in ("覃海燕", "蒙丽", "黄伟", "梁晓东"))
    approve, reject, ret = TrailAction.APPROVE, TrailAction.REJECT, TrailAction.RETURN
    return {
        # 广西大学 (under 教育厅)
        "qin_approved": make_claim(
            qin,
            status="approved",
            hours="10",
            granted="8",
            actor=admin,
            trail=((approve, 1, 4), (approve, 2, 3), (approve, 3, 2)),
        ),
        "qin_pending": make_claim(
            qin,
            status="pending",
            hours="5",
            category=("paper", "发表论文"),
            submitted_days_ago=10,
            pending_at=2,
            trail=((approve, 1, 9),),
            actor=admin,
        ),
        "meng_rejected": make_claim(
            meng, status="rejected", hours="6", trail=((reject, 1, 1),), actor=admin
        ),
        "huang_returned": make_claim(
            huang, status="returned", hours="3", year=2024, trail=((ret, 1, 1),), actor=admin
        ),
        "huang_draft": make_claim(huang, status="draft", hours="99", submitted_days_ago=None),
        # 南宁市第一中学 (under 南宁市教育局)
        "liang_approved": make_claim(
            liang,
            status="approved",
            hours="20",
            granted="20",
            category=("paper", "发表论文"),
            trail=((approve, 1, 3), (approve, 2, 2), (approve, 3, 1)),
            actor=admin,
        ),
        "liang_pending": make_claim(
            liang, status="pending", hours="4", submitted_days_ago=2, pending_at=1, actor=admin
        ),
    }
