"""Reads for reviewers: the queue of claims waiting for a role's level, with filters."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from xueshi.accounts.models import RoleAssignment, RoleKind, id_number_q
from xueshi.declarations.form_selectors import person_of_role
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.permissions import declarations_in_scope
from xueshi.declarations.richtext import rendered
from xueshi.policy.loader import ProfileError, ProfileNotFound, get_profile
from xueshi.policy.resolver import try_resolve_version
from xueshi.policy.schema import OUTCOMES, ProfileVersion
from xueshi.policy.words import status_word

from .flags import flagged_condition
from .models import ChainStep, EvidenceCheck, EvidenceVerdict, TrailAction, TrailEntry
from .permissions import REVIEWER_ROLES
from .waiting import stale_condition, with_waiting_since


@dataclass(frozen=True)
class QueueFilters:
    id_number: str = ""
    name: str = ""
    credit_year: int | None = None
    category_code: str = ""
    registered_by: str = ""  # 登记机构 name contains
    submitted_from: datetime.date | None = None
    submitted_to: datetime.date | None = None
    overdue_only: bool = False  # 只看超期: past the region's limit at this level
    # Only claims a flag provider flags (review/flags.py: 证书不一致、重复使用).
    flagged: bool = False


def review_queue(
    role: RoleAssignment | None, filters: QueueFilters | None = None
) -> QuerySet[Declaration]:
    """Pending claims whose current level is filled by `role`'s organisation."""
    if role is None or role.organization is None:
        return Declaration.objects.none()
    if role.kind not in REVIEWER_ROLES.get(role.organization.kind, ()):
        return Declaration.objects.none()
    # The current step's organisation is kept on the claim by the lifecycle: the partial
    # index declaration_review_queue serves this filter and its order (and a cheap COUNT).
    queue = Declaration.objects.filter(
        status=DeclarationStatus.PENDING, current_organization=role.organization
    )
    if role.kind == RoleKind.DEPARTMENT_ADMIN:
        queue = queue.filter(person__department=role.department)
    queue = _filtered(queue, filters or QueueFilters())
    return queue.select_related(
        "person", "person__department", "unit", "registered_by_organization"
    ).order_by("submitted_at", "id")


def _filtered(queue: QuerySet[Declaration], filters: QueueFilters) -> QuerySet[Declaration]:
    if filters.id_number:
        queue = queue.filter(id_number_q(filters.id_number, "person__"))
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
    if filters.flagged:
        condition = flagged_condition()
        queue = queue.filter(condition).distinct() if condition is not None else queue.none()
    return queue


def trail_of(declaration: Declaration) -> QuerySet[TrailEntry]:
    # Through the related manager: each entry knows its declaration (for the region's words).
    return declaration.trail.select_related("organization", "actor")


def with_chain(queryset: QuerySet[Declaration]) -> QuerySet[Declaration]:
    """Prefetch each claim's chain (with organisations), for showing where it stands."""
    return queryset.prefetch_related(
        Prefetch("chain_steps", queryset=ChainStep.objects.select_related("organization"))
    )


def current_step(declaration: Declaration) -> ChainStep | None:
    """The chain step that must act now (None unless pending)."""
    if declaration.current_position is None:
        return None
    # Uses the prefetched chain when present.
    for step in declaration.chain_steps.all():
        if step.position == declaration.current_position:
            return step
    return None


# --- pages of the review app ----------------------------------------------------------------

# 审核结果: every status (Guangxi: "系统设置的审核状态分为:待提交、待审核、通过认定、不予认定"),
# a claim still waiting at a higher level (专业科目学时终审) too; issue 13 item 8.
RESULT_STATUSES = (
    DeclarationStatus.DRAFT,
    DeclarationStatus.PENDING,
    DeclarationStatus.RETURNED,
    DeclarationStatus.APPROVED,
    DeclarationStatus.REJECTED,
)
DECIDING_ACTIONS = (TrailAction.APPROVE, TrailAction.REJECT, TrailAction.RETURN)


@dataclass(frozen=True)
class ResultFilters:
    status: str = ""  # one of RESULT_STATUSES, or "" for all of them
    query: str = ""  # name contains, or the exact ID number
    credit_year: int | None = None
    # A status tab in the region's words (region_status_tabs), instead of `status`.
    condition: Q | None = None


def with_current_level(queryset: QuerySet[Declaration]) -> QuerySet[Declaration]:
    """Annotate `current_level_name`: what this region calls the level that must act now."""
    step = ChainStep.objects.filter(
        declaration=OuterRef("pk"), position=OuterRef("current_position")
    ).values("level_name")[:1]
    return queryset.annotate(current_level_name=Subquery(step))


def review_queue_page(
    role: RoleAssignment | None,
    filters: QueueFilters | None = None,
    *,
    now: datetime.datetime | None = None,
) -> QuerySet[Declaration]:
    """The queue as the 审核 page lists it: each row with its current level's name and when it
    reached this level (`waiting_since`); 只看超期 keeps the claims past the limit at `now`."""
    queue = with_waiting_since(with_current_level(review_queue(role, filters)))
    if filters is not None and filters.overdue_only:
        queue = queue.filter(stale_condition(now or timezone.now()))
    return queue


def review_results(
    role: RoleAssignment | None, filters: ResultFilters | None = None
) -> QuerySet[Declaration]:
    """审核结果: the claims in the role's scope in every status, each with its last verdict and
    comment (none yet for a draft or a claim waiting at its first level)."""
    filters = filters or ResultFilters()
    results = declarations_in_scope(role).filter(status__in=RESULT_STATUSES)
    if filters.condition is not None:
        results = results.filter(filters.condition)
    elif filters.status in RESULT_STATUSES:
        results = results.filter(status=filters.status)
    query = filters.query.strip()
    if query:
        results = results.filter(Q(person__name__contains=query) | id_number_q(query, "person__"))
    if filters.credit_year:
        results = results.filter(credit_year=filters.credit_year)
    last = TrailEntry.objects.filter(
        declaration=OuterRef("pk"), action__in=DECIDING_ACTIONS
    ).order_by("-at", "-id")
    return (
        results.select_related("person", "person__department", "unit", "registered_by_organization")
        .annotate(
            verdict_level=Subquery(last.values("level_name")[:1]),
            verdict_comment=Subquery(last.values("comment")[:1]),
        )
        .order_by(F("decided_at").desc(nulls_last=True), "-updated_at", "-id")
    )


def review_detail(role: RoleAssignment | None, pk: int) -> Declaration:
    """One claim in the role's scope, with its chain, evidence and people loaded.

    Raises Declaration.DoesNotExist when it is outside the scope (the view answers 404).
    """
    return with_chain(
        declarations_in_scope(role)
        .select_related(
            "person", "person__department", "unit", "registered_by_organization", "created_by"
        )
        .prefetch_related("attachments")
    ).get(pk=pk)


def role_region(role: RoleAssignment | None) -> str:
    """The profile key of the role's organisation ("" without one). A page that asks several of
    the selectors below reads it once and passes it on (`region=`): finding it walks up the
    organisation tree, a query for a unit."""
    if role is None or role.organization is None:
        return ""
    return role.organization.effective_policy_profile()


def _region(role: RoleAssignment, region: str | None) -> str:
    return role_region(role) if region is None else region


def review_levels(role: RoleAssignment | None, *, region: str | None = None) -> list[str]:
    """What the role's region calls the levels its organisation fills (e.g. 管理单位审核)."""
    if role is None or role.organization is None:
        return []
    version = _latest_version(_region(role, region))
    if version is None:
        return []
    kind = role.organization.kind
    names: list[str] = []
    for level in version.claim_levels():
        if level.organization_kind == kind and level.name not in names:
            names.append(level.name)
    return names


def review_outcomes(role: RoleAssignment | None, *, region: str | None = None) -> tuple[str, ...]:
    """The outcomes of the levels the role's organisation fills in its region (for batches)."""
    if role is None or role.organization is None:
        return ()
    version = _latest_version(_region(role, region))
    if version is None:
        return ()
    kind = role.organization.kind
    found: list[str] = []
    for level in version.claim_levels():
        if level.organization_kind == kind:
            found += [outcome for outcome in level.outcomes if outcome not in found]
    return tuple(outcome for outcome in OUTCOMES if outcome in found)


@dataclass(frozen=True)
class StatusTab:
    """One status filter in the region's own words: ``code`` for the URL, ``condition`` the
    claims it shows (a state, or a state at a level that the region words apart)."""

    code: str
    label: str
    condition: Q


def _region_of_role(role: RoleAssignment | None) -> str:
    if role is not None and role.organization is not None:
        return role.organization.effective_policy_profile()
    if role is not None:  # a professional: the region of the person's unit
        person = person_of_role(role)
        if person is not None and person.unit is not None:
            return person.unit.effective_policy_profile()
    return ""


def region_status_word(role: RoleAssignment | None) -> Callable[[str, str], str]:
    """(state, level code) → the word of the role's region (its latest version); the
    platform's words where the role has no region. For counts over many claims."""
    key = _region_of_role(role)
    version = _latest_version(key)
    when = version.effective_from if version is not None else None

    def word(state: str, level_code: str = "") -> str:
        return status_word(key, when, state, level_code)

    return word


def region_status_tabs(role: RoleAssignment | None, states: Iterable[str]) -> list[StatusTab]:
    """The status filters of the role's region, in its own words (issue 13 item 1 leftovers).

    A state the region words per review level splits into one tab per word (Zhejiang: pending
    is 个人上报 at the enterprise and 企业审核通过 at the province); states sharing a word share a
    tab (企业审核不通过: returned or rejected by the enterprise); an outcome no level of the
    region has gets no tab (Anyang: no 不予认定)."""
    key = _region_of_role(role)
    version = _latest_version(key)
    if version is None:
        return [StatusTab(state, status_word("", None, state), Q(status=state)) for state in states]
    when = version.effective_from
    chain = [*version.review_chain(), *version.direct_chain()]
    levels = list(dict.fromkeys(level.code for level in chain))
    outcomes = {outcome for level in chain for outcome in level.outcomes}
    tabs: dict[str, StatusTab] = {}
    for state in states:
        outcome = {"returned": "return", "rejected": "reject"}.get(state)
        if outcome is not None and outcome not in outcomes:
            continue
        base = status_word(key, when, state)
        own: dict[str, str] = {}
        if state in ("pending", "returned", "rejected"):
            own = {
                code: word
                for code in levels
                if (word := status_word(key, when, state, code)) != base
            }
        pairs = list(own.items())
        if len(own) < len(levels) or not levels:
            pairs.insert(0, ("", base))
        for code, word in pairs:
            condition = (
                Q(status=state, status_level=code)
                if code
                else Q(status=state) & ~Q(status_level__in=list(own))
            )
            if word in tabs:
                found = tabs[word]
                tabs[word] = StatusTab(found.code, word, found.condition | condition)
            else:
                tabs[word] = StatusTab(f"{state}.{code}" if code else state, word, condition)
    return list(tabs.values())


def category_choices(
    role: RoleAssignment | None, *, region: str | None = None
) -> list[tuple[str, str]]:
    """申报类型 choices from the role's region profile (its latest version)."""
    if role is None or role.organization is None:
        return []
    version = _latest_version(_region(role, region))
    if version is None:
        return []
    return [(leaf.code, leaf.full_name) for leaf in version.leaf_categories()]


def _latest_version(key: str) -> ProfileVersion | None:
    if not key:
        return None
    try:
        return get_profile(key).versions[-1]
    except (ProfileError, ProfileNotFound):
        return None


def extra_items(declaration: Declaration) -> list[tuple[str, str]]:
    """The category's other inputs (organiser, project type…) labelled as the profile names them."""
    if not declaration.extra:
        return []
    labels: dict[str, str] = {}
    types: dict[str, str] = {}
    version = try_resolve_version(declaration.policy_profile, declaration.profile_version)
    if version is not None:
        labels = {code: spec.label for code, spec in version.fields.items()}
        types = {code: spec.type for code, spec in version.fields.items()}

    def shown(name: str, value: object) -> str:
        # Rich text (详细及附件 with its pictures) sanitised, as written; a planned training
        # by its name, organiser, dates and hours.
        if types.get(name) == "rich_text":
            return rendered(str(value))
        if types.get(name) == "planned_training" and declaration.planned_training is not None:
            return declaration.planned_training.label
        return str(value)

    return [
        (labels.get(name, name), shown(name, value)) for name, value in declaration.extra.items()
    ]


# --- per-file review (材料核验) -----------------------------------------------------------------


def evidence_checks_at_step(declaration: Declaration) -> dict[int, EvidenceCheck]:
    """The marks of the step acting now, by attachment id (what the reviewer's page shows)."""
    if declaration.current_position is None:
        return {}
    checks = EvidenceCheck.objects.select_related("reviewer").filter(
        declaration=declaration, position=declaration.current_position
    )
    if declaration.submitted_at is not None:
        checks = checks.filter(checked_at__gte=declaration.submitted_at)
    return {check.attachment_id: check for check in checks}


def insufficient_evidence(declaration: Declaration) -> list[EvidenceCheck]:
    """Files marked 不充分 since the claim was last sent: what the person must mend after a
    return (older rounds' marks are history, not shown)."""
    checks = EvidenceCheck.objects.select_related("attachment").filter(
        declaration=declaration, verdict=EvidenceVerdict.INSUFFICIENT
    )
    if declaration.submitted_at is not None:
        checks = checks.filter(checked_at__gte=declaration.submitted_at)
    return list(checks.order_by("position", "attachment_id"))


def insufficient_at_step(declaration_id: int) -> list[EvidenceCheck]:
    """Files the step acting now marked 不充分 (for the return message)."""
    declaration = Declaration.objects.filter(pk=declaration_id).first()
    if declaration is None or declaration.current_position is None:
        return []
    return [
        check
        for check in insufficient_evidence(declaration)
        if check.position == declaration.current_position
    ]
