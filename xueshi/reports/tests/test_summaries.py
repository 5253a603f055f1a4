"""The statistics summaries equal a full GROUP BY after every kind of write, and the page's
figures from the summaries equal those counted from the claims (PostgreSQL: the triggers)."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections, transaction
from django.db.models import F, Sum
from django.utils import timezone

from xueshi.certificates.tests.helpers import GX_PERSON
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.imports.models import ImportKind
from xueshi.imports.services import import_start
from xueshi.imports.tests.helpers import claim_row, fill_template, upload
from xueshi.reports import selectors
from xueshi.reports.models import (
    DeclarationSummary,
    PendingClaim,
    RoutedStep,
    UnitSummary,
    VerdictSummary,
)
from xueshi.reports.selectors import Filters
from xueshi.reports.summaries import summaries_in_use, summaries_match, summaries_rebuild
from xueshi.review.models import ChainStep, TrailAction, TrailEntry
from xueshi.review.services import (
    approved_declaration_delete,
    declaration_approve,
    declaration_delete,
    declaration_reject,
    declaration_return,
    declaration_submit,
    declaration_submit_many,
    declaration_withdraw,
    review_many,
)
from xueshi.review.tests.test_services import THIS_YEAR, anyang_degree
from xueshi.review.tests.test_views import guangxi_claim
from xueshi.sample_audits.models import AuditVerdict
from xueshi.sample_audits.services import sampled_item_decide
from xueshi.sample_audits.tests.helpers import AUTHORITY as AUDIT_AUTHORITY
from xueshi.sample_audits.tests.helpers import approved_claim, start

from .factories import guangxi_claims

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if not summaries_in_use():
        pytest.skip("the summaries are kept by PostgreSQL triggers")


def _submit(demo: Any, declaration: Declaration, name: str = "李明") -> Declaration:
    role = demo.professional(name)
    return declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)


def mixed_scenario(demo: Any) -> None:
    """Declare, submit, approve, return, reject, withdraw, delete, import, submit in a batch,
    route a claim outside its unit's subtree, change a title series."""
    claims = guangxi_claims(demo)
    unit, supervisor, association = (demo.role(u) for u in ("ay_yiyuan", "ay_weijian", "ay_xiehui"))
    approved = _submit(demo, anyang_degree(demo))
    for reviewer in (unit, supervisor, association):
        declaration_approve(declaration_id=approved.pk, actor=reviewer.user, role=reviewer)
    returned = _submit(demo, anyang_degree(demo, courses=3))
    declaration_return(declaration_id=returned.pk, actor=unit.user, role=unit, reason="请补充证书")
    rejected = guangxi_claim(demo, title="拒绝的培训")  # declared and sent
    gxu = demo.role("gx_gxu")
    declaration_reject(declaration_id=rejected.pk, actor=gxu.user, role=gxu, reason="不符")
    withdrawn = _submit(demo, anyang_degree(demo, courses=5))
    professional = demo.professional("李明")
    declaration_withdraw(declaration_id=withdrawn.pk, actor=professional.user, role=professional)
    draft = anyang_degree(demo, courses=6)
    declaration_delete(declaration_id=draft.pk, actor=professional.user, role=professional)
    waiting = _submit(demo, anyang_degree(demo, courses=7))
    declaration_approve(declaration_id=waiting.pk, actor=unit.user, role=unit)
    removed = _submit(demo, anyang_degree(demo, courses=8))
    for reviewer in (unit, supervisor, association):
        declaration_approve(declaration_id=removed.pk, actor=reviewer.user, role=reviewer)
    admin = demo.role("admin")
    approved_declaration_delete(
        declaration_id=removed.pk, actor=admin.user, role=admin, reason="重复登记"
    )
    # The importer's COPY path, then the drafts submitted in a batch.
    people = [demo.person(name) for name in ("覃海燕", "蒙丽", "莫新")]
    content = fill_template(
        gxu,
        [
            claim_row(person.id_number, person.name, 认定内容=f"导入培训{index}")
            for index, person in enumerate(people)
        ],
    )
    batch = import_start(
        kind=ImportKind.CLAIMS, upload=upload(content, "培训.xlsx"), role=gxu, actor=gxu.user
    )
    assert batch.created_count == 3
    imported = Declaration.objects.filter(registered_by_organization=gxu.organization)
    declaration_submit_many(
        declaration_ids=list(imported.values_list("pk", flat=True)), actor=gxu.user, role=gxu
    )
    # Sent straight to a supervisor outside the unit's subtree (南宁市教育局).
    ChainStep.objects.create(
        declaration=claims["qin_pending"],
        position=9,
        level_code="direct",
        level_name="直报审核",
        organization=demo.organization("南宁市教育局"),
    )
    qin = demo.person("覃海燕")
    qin.specialty = "会计系列/会计/中级会计师"
    qin.save()


def test_summaries_equal_a_full_group_by_after_a_mixed_scenario(demo):
    mixed_scenario(demo)
    assert summaries_match() == []
    # Something was counted, and the drafts, the deleted and the withdrawn were not.
    counted = Declaration.objects.exclude(
        status__in=(DeclarationStatus.DRAFT, DeclarationStatus.DELETED)
    ).count()
    assert sum(DeclarationSummary.objects.values_list("declarations", flat=True)) == counted
    assert RoutedStep.objects.filter(organization__name="南宁市教育局").count() == 1
    call_command("stats_check")


def test_stats_check_fails_on_a_difference_and_stats_rebuild_repairs_it(demo):
    mixed_scenario(demo)
    DeclarationSummary.objects.filter(status=DeclarationStatus.APPROVED).update(declarations=0)
    assert summaries_match()
    with pytest.raises(CommandError, match="不一致"):
        call_command("stats_check")
    call_command("stats_rebuild")
    assert summaries_match() == []
    assert summaries_rebuild()["routed"] == 1


NOW = timezone.now()
ROLES = ("admin", "gx_rst", "gx_jyt", "gx_nnjyj", "gx_gxu", "ay_weijian", "ay_yiyuan")
FILTERS = (
    Filters(),
    Filters(credit_year=THIS_YEAR),
    Filters(status=DeclarationStatus.PENDING),
    Filters(track="教师系列"),
    Filters(region_code="450100"),
    Filters(category_code="training"),
)


def _figures(role: Any, filters: Filters) -> dict[str, list[tuple[Any, ...]]]:
    node = filters.organization or selectors.default_node(role)
    tables = selectors.count_tables(role, filters, node)
    figures: dict[str, list[tuple[Any, ...]]] = {
        key: sorted(
            (row.key, row.label, row.count, row.approved, row.hours_claimed, row.hours_granted)
            for row in table.rows
        )
        for key, table in tables.items()
    }
    figures["throughput"] = [
        (row.organization_name, row.level_name, row.approved, row.returned, row.rejected)
        for row in selectors.reviewer_throughput(role, filters)
    ]
    figures["pending"] = [
        (row.level_name, row.organization_name, row.count, row.average_days, row.max_days)
        for row in selectors.pending_age(role, filters, now=NOW)
    ]
    return figures


def _filter_sets(demo: Any) -> list[Filters]:
    """Every filter alone, the year with each other one, and drill-down nodes at the top
    level (answered by the per-table summaries) and below it (by the fine summary)."""
    top, below = (
        demo.organization("广西壮族自治区人力资源和社会保障厅"),
        demo.organization("南宁市教育局"),
    )
    sets = list(FILTERS)
    for node in (top, below):
        sets += [Filters(organization=node), Filters(credit_year=THIS_YEAR, organization=node)]
    sets += [
        Filters(credit_year=THIS_YEAR, status=DeclarationStatus.APPROVED),
        Filters(credit_year=THIS_YEAR, track="教师系列"),
        Filters(credit_year=THIS_YEAR, region_code="450100"),
        Filters(credit_year=THIS_YEAR, category_code="training"),
        Filters(credit_year=THIS_YEAR - 1),
    ]
    return sets


def test_the_page_gives_the_same_figures_from_summaries_as_from_the_claims(demo, monkeypatch):
    mixed_scenario(demo)
    from_summaries = {}
    rolled_up = 0
    for username in ROLES:
        role = demo.role(username)
        for filters in _filter_sets(demo):
            assert selectors.reads_summaries(role, filters)
            rolled_up += selectors.rollup_scope(role, filters) is not None
            from_summaries[username, filters] = (
                _figures(role, filters),
                selectors.filter_choices(role),
            )
    # The per-table summaries answered the platform and the top-level authorities.
    assert selectors.rollup_scope(demo.role("admin"), Filters()) is not None
    assert selectors.rollup_scope(demo.role("gx_rst"), Filters()) is not None
    assert rolled_up >= 10
    # The same figures counted from the claims, as the page did before the summaries.
    monkeypatch.setattr(selectors, "reads_summaries", lambda role, filters: False)
    for (username, filters), (figures, choices) in from_summaries.items():
        role = demo.role(username)
        assert figures == _figures(role, filters), (username, filters)
        assert choices == selectors.filter_choices(role), username
    # 南宁市教育局 sees the claim routed to it although 广西大学 is not in its subtree.
    routed = from_summaries["gx_nnjyj", Filters()][0]["status"]
    assert sum(row[2] for row in routed) >= 1


def test_every_summary_follows_batches_audit_corrections_and_direct_writes(demo):
    """Paths past the lifecycle's single moves: a batch approval, an audit's correction of
    the hours, a claim moved to another year by an update of many rows, trail entries
    rewritten and deleted; each summary still equals its full GROUP BY after each."""
    mixed_scenario(demo)
    unit = demo.role("ay_yiyuan")
    sent = [_submit(demo, anyang_degree(demo, courses=number)) for number in (11, 12, 13)]
    review_many(
        declaration_approve, declaration_ids=[d.pk for d in sent], actor=unit.user, role=unit
    )
    assert PendingClaim.objects.filter(declaration_id__in=[d.pk for d in sent]).count() == 3
    assert summaries_match() == []
    audited = approved_claim(demo, GX_PERSON, 1)
    item = start(demo, size_value=Decimal(1), seed=2).items.filter(declaration=audited).first()
    assert item is not None and audited.hours_granted is not None
    authority = demo.role(AUDIT_AUTHORITY)
    sampled_item_decide(
        role=authority,
        actor=authority.user,
        item_id=item.pk,
        verdict=AuditVerdict.CORRECTED,
        hours_after=audited.hours_granted - Decimal(1),
        reason="实际学时较少",
    )
    assert summaries_match() == []
    Declaration.objects.filter(pk__in=[d.pk for d in sent]).update(credit_year=THIS_YEAR - 1)
    assert summaries_match() == []
    TrailEntry.objects.filter(declaration__in=sent, action=TrailAction.APPROVE).update(
        action=TrailAction.RETURN
    )
    assert summaries_match() == []
    TrailEntry.objects.filter(declaration__in=sent).delete()
    assert summaries_match() == []
    assert VerdictSummary.objects.filter(verdicts__lt=0).count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_transactions_counting_into_one_summary_row_lose_nothing(demo):
    """The second waits on the first's summary row (INSERT … ON CONFLICT DO UPDATE) and adds
    to the committed figure: no lost update."""
    first, second = (anyang_degree(demo, courses=number) for number in (21, 22))
    for declaration in (first, second):
        _submit(demo, declaration)
    started, errors = threading.Event(), []

    def add_hours(declaration_id: int, *, hold: bool) -> None:
        try:
            with transaction.atomic():
                Declaration.objects.filter(pk=declaration_id).update(
                    hours_claimed=F("hours_claimed") + 1
                )
                if hold:
                    started.set()
                    time.sleep(0.5)  # the other transaction now waits on the summary rows
        except Exception as error:  # reported below: a thread's failure is lost otherwise
            errors.append(error)
        finally:
            connections.close_all()

    holder = threading.Thread(target=add_hours, args=(first.pk,), kwargs={"hold": True})
    holder.start()
    assert started.wait(10)
    waiter = threading.Thread(target=add_hours, args=(second.pk,), kwargs={"hold": False})
    waiter.start()
    holder.join(20)
    waiter.join(20)
    assert errors == []
    assert summaries_match() == []
    key = {"unit": first.unit, "credit_year": first.credit_year}
    both = Declaration.objects.filter(pk__in=(first.pk, second.pk))
    assert first.unit_id == second.unit_id and first.credit_year == second.credit_year
    summed = sum(
        UnitSummary.objects.filter(**key).values_list("hours_claimed", flat=True), Decimal(0)
    )
    counted = sum(
        Declaration.objects.filter(unit=first.unit, credit_year=first.credit_year)
        .exclude(status__in=(DeclarationStatus.DRAFT, DeclarationStatus.DELETED))
        .values_list("hours_claimed", flat=True),
        Decimal(0),
    )
    assert summed == counted and both.count() == 2


def test_an_approval_that_moves_no_count_nor_hours_is_still_counted_approved(demo):
    """Hours granted before the last level (a lower level lowered them), then the last level
    approves: the count and the hours of every summary row stay, the approved count moves."""
    claim = _submit(demo, anyang_degree(demo))
    Declaration.objects.filter(pk=claim.pk).update(hours_granted=F("hours_claimed"))
    assert summaries_match() == []
    approved_before = UnitSummary.objects.aggregate(n=Sum("approved"))["n"] or 0
    Declaration.objects.filter(pk=claim.pk).update(
        status=DeclarationStatus.APPROVED,
        current_position=None,
        current_organization=None,
        status_level="",
    )
    assert summaries_match() == []
    assert UnitSummary.objects.aggregate(n=Sum("approved"))["n"] == approved_before + 1
