"""The daily oversight run: remind reviewers of claims waiting too long at their level, tell the
level above about claims waiting past the second limit, and remind people short of their yearly
hours from the region's date on. Each reminder is recorded (`Reminder`), so a second run the
same day, or any later day, sends nothing twice."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.core.audit import audit_record
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.ledger.selectors import Compliance, people_year_hours, year_compliance
from xueshi.notifications.services import notify
from xueshi.orgs.models import Organization
from xueshi.policy.hours import fmt
from xueshi.policy.schema import OversightRules
from xueshi.review.models import ChainStep
from xueshi.review.permissions import REVIEWER_ROLES, is_own_claim
from xueshi.review.waiting import (
    current_organization,
    days_waited,
    escalated_condition,
    oversight_rules,
    stale_condition,
    with_waiting_since,
)

from .models import Reminder, ReminderKind

logger = logging.getLogger(__name__)
REVIEWER_KINDS = sorted({kind for kinds in REVIEWER_ROLES.values() for kind in kinds})


@dataclass
class DailyReport:
    """What one run sent: reminders recorded per kind, and messages (the bell) sent."""

    stale: int = 0
    escalated: int = 0
    year_end: int = 0
    messages: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {
            "stale": self.stale,
            "escalated": self.escalated,
            "year_end": self.year_end,
            "messages": self.messages,
        }


def oversight_daily(*, now: datetime.datetime | None = None) -> DailyReport:
    """The daily run (the worker's task, or `manage.py oversight_daily`); `now` for tests."""
    now = now or timezone.now()
    rules = oversight_rules(timezone.localdate(now))
    report = DailyReport()
    stale_reminders_send(now=now, rules=rules, report=report)
    escalation_reminders_send(now=now, rules=rules, report=report)
    year_end_reminders_send(now=now, rules=rules, report=report)
    audit_record(action="oversight.daily", details=report.as_dict())
    return report


def _record(**fields: Any) -> Reminder | None:
    """The reminder's row, or None when it exists already (sent before, or by a run at the same
    time: the unique constraint decides)."""
    try:
        with transaction.atomic():
            return Reminder.objects.create(**fields)
    except IntegrityError:
        return None


def _not_reminded(queryset: Any, kind: str) -> Any:
    sent = Reminder.objects.filter(
        kind=kind, declaration=OuterRef("pk"), waiting_since=OuterRef("waiting_since")
    )
    return queryset.exclude(Exists(sent))


def _reviewers(organizations: set[int]) -> dict[int, list[RoleAssignment]]:
    """The reviewing roles of these organisations (one query), by organisation."""
    found: dict[int, list[RoleAssignment]] = defaultdict(list)
    roles = RoleAssignment.objects.filter(
        organization_id__in=organizations, kind__in=REVIEWER_KINDS, user__is_active=True
    ).select_related("organization", "user")
    for role in roles:
        if role.organization is not None and role.kind in REVIEWER_ROLES.get(
            role.organization.kind, ()
        ):
            found[role.organization.pk].append(role)
    return found


def _concerns(role: RoleAssignment, claim: Declaration) -> bool:
    """Whether the claim is the role's to review (a department admin: their department's
    people) and not the reviewer's own."""
    if role.kind == RoleKind.DEPARTMENT_ADMIN and claim.person.department_id != role.department_id:
        return False
    return not is_own_claim(claim, role)


@dataclass
class _Batch:
    """Claims newly past a limit, told in one message per reviewer and organisation."""

    organization: Organization
    user: Any
    claims: list[Declaration] = field(default_factory=list)
    below: set[str] = field(default_factory=set)


def stale_reminders_send(
    *, now: datetime.datetime, rules: dict[str, OversightRules], report: DailyReport
) -> None:
    """Claims that reached their level's limit: the reviewers of that level, once per stay."""
    claims = (
        _not_reminded(
            current_organization(
                with_waiting_since(Declaration.objects.filter(status=DeclarationStatus.PENDING))
            ).filter(stale_condition(now, rules)),
            ReminderKind.STALE,
        )
        .select_related("person")
        .order_by("waiting_since", "pk")
    )
    fresh: list[Declaration] = []
    for claim in claims:
        recorded = _record(
            kind=ReminderKind.STALE,
            declaration=claim,
            waiting_since=claim.waiting_since,
            organization_id=claim.current_organization_id,
            sent_at=now,
        )
        if recorded is not None:
            fresh.append(claim)
    report.stale = len(fresh)
    # A pending claim always waits at an organisation (the lifecycle sets it with the step).
    organizations = {
        claim.current_organization_id for claim in fresh if claim.current_organization_id
    }
    reviewers = _reviewers(organizations)
    names = Organization.objects.in_bulk(list(organizations))
    batches: dict[tuple[int, int], _Batch] = {}
    for claim in fresh:
        organization_id = claim.current_organization_id
        if organization_id is None:
            continue
        for role in reviewers.get(organization_id, []):
            if _concerns(role, claim):
                batch = batches.setdefault(
                    (role.user_id, organization_id), _Batch(names[organization_id], role.user)
                )
                batch.claims.append(claim)
    url = reverse("review:queue") + "?overdue_only=on"
    for batch in batches.values():
        longest = max(days_waited(claim.waiting_since, now) for claim in batch.claims)  # type: ignore[attr-defined]
        limit = min(rules[claim.policy_profile].stale_after_days for claim in batch.claims)
        message = (
            f"审核超期提醒：{batch.organization.name}有 {len(batch.claims)} 条学时申报在本级等待"
            f"已满审核时限（{limit} 天），最久已等待 {longest} 天，请尽快审核。"
        )
        notify(recipient=batch.user, message=message, url=url)
        report.messages += 1


def escalation_reminders_send(
    *, now: datetime.datetime, rules: dict[str, OversightRules], report: DailyReport
) -> None:
    """Claims past the second limit: the reviewers of the level above (下级超期待审), once per
    stay."""
    claims = (
        _not_reminded(
            current_organization(
                with_waiting_since(Declaration.objects.filter(status=DeclarationStatus.PENDING))
            ).filter(escalated_condition(now, rules)),
            ReminderKind.ESCALATED,
        )
        .select_related("person")
        .prefetch_related(
            Prefetch(
                "chain_steps",
                queryset=ChainStep.objects.select_related("organization__parent"),
            )
        )
        .order_by("waiting_since", "pk")
    )
    fresh: list[tuple[Declaration, Organization, Organization]] = []
    for claim in claims:
        steps = {step.position: step for step in claim.chain_steps.all()}
        current = steps.get(claim.current_position or 0)
        if current is None:
            continue
        following = steps.get((claim.current_position or 0) + 1)
        above = following.organization if following else current.organization.parent
        if above is None:
            continue  # the top of the tree: nobody above
        recorded = _record(
            kind=ReminderKind.ESCALATED,
            declaration=claim,
            waiting_since=claim.waiting_since,
            organization=current.organization,
            sent_at=now,
        )
        if recorded is not None:
            fresh.append((claim, current.organization, above))
    report.escalated = len(fresh)
    reviewers = _reviewers({above.pk for _, _, above in fresh})
    batches: dict[tuple[int, int], _Batch] = {}
    for claim, below, above in fresh:
        for role in reviewers.get(above.pk, []):
            if role.kind == RoleKind.DEPARTMENT_ADMIN or is_own_claim(claim, role):
                continue
            batch = batches.setdefault((role.user_id, above.pk), _Batch(above, role.user))
            batch.claims.append(claim)
            batch.below.add(below.name)
    url = reverse("oversight:overdue_below")
    for batch in batches.values():
        limit = min(rules[claim.policy_profile].escalate_after_days for claim in batch.claims)
        message = (
            f"下级超期待审：{'、'.join(sorted(batch.below))}有 {len(batch.claims)} 条学时申报"
            f"在其审核环节等待已满 {limit} 天，请督促办理。"
        )
        notify(recipient=batch.user, message=message, url=url)
        report.messages += 1


# --- year-end reminders -------------------------------------------------------------------------


def year_end_message(compliance: Compliance) -> str:
    """还差 N 学时 (公需 / 专业), from the ledger's one compliance function."""
    missing = compliance.missing
    parts = []
    if missing.general > 0:
        parts.append(f"公需科目至少还差 {fmt(missing.general)} 学时")
    if missing.professional > 0:
        parts.append(f"专业科目至少还差 {fmt(missing.professional)} 学时")
    detail = f"（其中{'、'.join(parts)}）" if parts else ""
    return (
        f"{compliance.credit_year}年度继续教育学时提醒：您本年度已取得 "
        f"{fmt(compliance.total_hours)} 学时（公需科目 {fmt(compliance.general_hours)}，"
        f"专业科目 {fmt(compliance.professional_hours)}），年度要求 "
        f"{fmt(compliance.required_total or 0)} 学时，还差 {fmt(missing.total)} 学时{detail}。"
        f"请在 12 月 31 日前完成学习并申报。"
    )


def year_end_reminders_send(
    *, now: datetime.datetime, rules: dict[str, OversightRules], report: DailyReport
) -> None:
    """From the region's date to 31 December: each person below the year's requirement, once
    a year. The database finds who is short (`people_year_hours`); each message's figures come
    from `year_compliance`, the ledger's one compliance function."""
    today = timezone.localdate(now)
    year = today.year
    due = [
        key
        for key, rule in rules.items()
        if (start := rule.reminder_from(year)) is not None and today >= start
    ]
    if not due:
        return
    reminded = Reminder.objects.filter(
        kind=ReminderKind.YEAR_END, person=OuterRef("pk"), credit_year=year
    )
    short: QuerySet[Any] = people_year_hours(
        Person.objects.filter(user__isnull=False, user__is_active=True, unit__isnull=False),
        year,
        compliance="unmet",
    )
    people = (
        short.filter(profile_key__in=due, required_total__isnull=False)
        .exclude(Exists(reminded))
        .select_related("user", "unit")
        .order_by("pk")
    )
    for person in people:
        compliance = year_compliance(person, year)
        if compliance.met or compliance.required_total is None:
            continue
        if (
            _record(kind=ReminderKind.YEAR_END, person=person, credit_year=year, sent_at=now)
            is None
        ):
            continue
        notify(recipient=person.user, message=year_end_message(compliance), url=_my_years_url())
        report.year_end += 1
        report.messages += 1


def _my_years_url() -> str:
    return reverse("ledger:my_years")
