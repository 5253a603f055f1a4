"""How long a claim has waited at its current review step, and whether that is too long.

"Waiting since" is when the claim reached the step that must act now: the time of the last trail
entry that moved it there (提交 / 代为申报 at its entry step, 审核通过 at the step below), read from
the trail (`review.TrailEntry`, append-only), so nothing is stored twice. A claim returned and
sent again starts afresh.

The limits are the claim's own region's (`oversight` in its profile, the version in force
today): a claim is past the limit (已超期) when now − waiting since ≥ `stale_after_days` days,
and escalated (the level above sees it) when now − waiting since ≥ `escalate_after_days` days.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from xueshi.declarations.models import Declaration
from xueshi.policy.loader import profile_keys
from xueshi.policy.resolver import try_resolve_version
from xueshi.policy.schema import OversightRules

from .models import TrailAction, TrailEntry

DAY = datetime.timedelta(days=1)
# Trail actions after which a claim waits at a (new) step.
ARRIVAL_ACTIONS = (TrailAction.SUBMIT, TrailAction.DECLARE_FOR, TrailAction.APPROVE)


def oversight_rules(today: datetime.date | None = None) -> dict[str, OversightRules]:
    """Profile key → its `oversight` section in the version in force `today` (regions without
    one are left out)."""
    today = today or timezone.localdate()
    rules: dict[str, OversightRules] = {}
    for key in profile_keys():
        version = try_resolve_version(key, on_date=today)
        if version is not None and version.oversight is not None:
            rules[key] = version.oversight
    return rules


def arrived_at(declaration: str = "pk", submitted_at: str = "submitted_at") -> Coalesce:
    """When the claim (`declaration`: the outer query's path to its id) reached its current
    step: its last arriving trail entry, else its submission."""
    arrival = (
        TrailEntry.objects.filter(declaration=OuterRef(declaration), action__in=ARRIVAL_ACTIONS)
        .order_by("-at", "-id")
        .values("at")[:1]
    )
    return Coalesce(Subquery(arrival), F(submitted_at))


def with_waiting_since(queryset: QuerySet[Declaration]) -> QuerySet[Any]:
    """Annotate `waiting_since`: when each claim reached its current step."""
    return queryset.annotate(waiting_since=arrived_at())


def _past(days: str, now: datetime.datetime, rules: dict[str, OversightRules]) -> Q:
    """Claims (annotated with `waiting_since`) that have waited at least the region's `days`."""
    condition = Q(pk__in=[])
    for key, rule in rules.items():
        limit = datetime.timedelta(days=getattr(rule, days))
        condition |= Q(policy_profile=key, waiting_since__lte=now - limit)
    return condition


def stale_condition(now: datetime.datetime, rules: dict[str, OversightRules] | None = None) -> Q:
    """Past the limit of its level: now − waiting since ≥ stale_after_days."""
    rules = oversight_rules(timezone.localdate(now)) if rules is None else rules
    return _past("stale_after_days", now, rules)


def escalated_condition(
    now: datetime.datetime, rules: dict[str, OversightRules] | None = None
) -> Q:
    """Past the second limit (the level above sees it): now − waiting since ≥
    escalate_after_days."""
    rules = oversight_rules(timezone.localdate(now)) if rules is None else rules
    return _past("escalate_after_days", now, rules)


def days_waited(since: datetime.datetime | None, now: datetime.datetime) -> int:
    """Whole days between arriving at the step and `now`."""
    if since is None:
        return 0
    return int((now - since) // DAY)


def overdue_label(
    declaration: Any, now: datetime.datetime, rules: dict[str, OversightRules]
) -> str:
    """The queue's badge: 已超期 N 天 (N whole days beyond the limit; 今日超期 on the day it is
    reached), "" within the limit or where the region sets none."""
    rule = rules.get(declaration.policy_profile)
    since = getattr(declaration, "waiting_since", None)
    if rule is None or since is None or now - since < rule.stale_after_days * DAY:
        return ""
    beyond = days_waited(since, now) - rule.stale_after_days
    return f"已超期 {beyond} 天" if beyond > 0 else "今日超期"


# --- where a claim waits ------------------------------------------------------------------------


def current_organization(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The organisation of the step that must act now is `Declaration.current_organization`,
    kept by the lifecycle's one place (`review/lifecycle.py: _placement`); kept as a function so
    callers read the same whatever stores it."""
    return queryset
