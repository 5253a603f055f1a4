"""Demo claims: every region has claims at every stage, made through the services."""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.models import Person
from xueshi.accounts.roles import ACTIVE_ROLE_SESSION_KEY
from xueshi.core.models import AuditLog
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.ledger.models import EntrySource, GeneralRecord, LedgerEntry, YearTotal
from xueshi.ledger.selectors import year_compliance
from xueshi.policy.resolver import resolve_version
from xueshi.portal.demo import load_demo
from xueshi.review.models import TrailAction, TrailEntry

YEAR = timezone.localdate().year
# Xinjiang certifies hours by yearly applications, not claims (seed 004): its demo data are
# applications (test_demo_applications below).
REGIONS = ("anyang", "henan", "guangxi", "zhejiang_construction")
# The organisation account that reviews first in each region (its first unit).
FIRST_REVIEWERS = ("ay_yiyuan", "ha_zzu", "gx_gxu", "zj_jiangong")


def claims_of(region: str):
    return Declaration.objects.filter(policy_profile=region)


def test_the_demo_fixture_stays_without_claims(demo):
    assert not Declaration.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_each_region_has_every_stage_over_two_credit_years(demo_claims):
    for region in REGIONS:
        claims = claims_of(region)
        # Every state the region's levels can reach (Anyang has no 不予认定: no rejected claim).
        levels = resolve_version(region, timezone.localdate()).review.levels
        reachable = set(DeclarationStatus.values)
        if not any("reject" in level.outcomes for level in levels):
            reachable.discard(DeclarationStatus.REJECTED)
        assert set(claims.values_list("status", flat=True)) == reachable, region
        assert set(claims.values_list("credit_year", flat=True)) == {YEAR, YEAR - 1}
        approved = claims.filter(status=DeclarationStatus.APPROVED)
        assert set(approved.values_list("credit_year", flat=True)) == {YEAR, YEAR - 1}, region


def test_claims_wait_at_every_level_of_each_regions_chain(demo_claims):
    for region in REGIONS:
        version = resolve_version(region, timezone.localdate())
        waiting = {
            claim.chain_steps.get(position=claim.current_position).level_code
            for claim in claims_of(region).filter(status=DeclarationStatus.PENDING)
        }
        # The chain, and the levels some categories pass after it (Henan 其他: 待备案).
        expected = {level.code for level in version.review_chain()}
        expected |= {
            code
            for leaf in version.leaf_categories()
            for code in version.chain_after_for(leaf.code)
        }
        assert waiting == expected, region


def test_nobody_reviews_a_claim_they_declared(demo_claims):
    verdicts = TrailEntry.objects.filter(
        action__in=(
            TrailAction.APPROVE,
            TrailAction.RETURN,
            TrailAction.REJECT,
            TrailAction.DELETE,
        )
    ).select_related("declaration__person", "declaration__created_by")
    assert verdicts.count() > 50
    for entry in verdicts:
        assert entry.actor_id != entry.declaration.person.user_id, entry
        assert entry.actor_id != entry.declaration.created_by_id, entry


def test_every_transition_is_in_the_trail_and_the_audit_log(demo_claims):
    for claim in Declaration.objects.exclude(status=DeclarationStatus.DRAFT):
        actions = set(claim.trail.values_list("action", flat=True))
        assert actions & {TrailAction.SUBMIT, TrailAction.DECLARE_FOR}, claim
    deleted = Declaration.objects.filter(status=DeclarationStatus.DELETED)
    assert deleted.count() == len(REGIONS)
    for claim in deleted:
        assert claim.trail.filter(action=TrailAction.DELETE).exists()
    assert AuditLog.objects.filter(action="declaration.create").count() == (
        Declaration.objects.count()
    )


def test_ledger_holds_the_approved_hours_and_gives_back_the_deleted(demo_claims):
    for region in REGIONS:
        claims = claims_of(region)
        people = claims.values("person")
        expected: dict[int, Decimal] = defaultdict(Decimal)
        for claim in claims.filter(status=DeclarationStatus.APPROVED):
            expected[claim.credit_year] += claim.hours_granted
        totals = YearTotal.objects.filter(person__in=people)
        stored = {
            row["credit_year"]: row["hours"]
            for row in totals.values("credit_year").annotate(hours=Sum("professional_hours"))
        }
        assert stored == dict(expected), region
        # A deleted claim's approval is taken back to the hour.
        for claim in claims.filter(status=DeclarationStatus.DELETED):
            entries = LedgerEntry.objects.filter(declaration=claim)
            assert sorted(entries.values_list("source", flat=True)) == sorted(
                [EntrySource.APPROVAL, EntrySource.DELETION]
            )
            assert entries.aggregate(total=Sum("hours"))["total"] == 0
        general = GeneralRecord.objects.filter(person__in=people)
        assert general.exists(), region
        assert (
            totals.aggregate(total=Sum("general_hours"))["total"]
            == (general.aggregate(total=Sum("hours"))["total"])
        )


def test_first_reviewer_of_each_region_has_claims_in_the_queue(demo_claims):
    for username in FIRST_REVIEWERS:
        role = demo_claims.role(username)
        client = Client()
        client.force_login(role.user)
        session = client.session
        session[ACTIVE_ROLE_SESSION_KEY] = role.pk
        session.save()
        page = client.get(reverse("review:queue")).content.decode()
        waiting = Declaration.objects.filter(
            status=DeclarationStatus.PENDING,
            chain_steps__organization=role.organization,
            chain_steps__position=0,
            current_position=0,
        )
        assert waiting.exists(), username
        for claim in waiting:
            assert claim.title in page


def test_loading_again_changes_nothing(demo_claims):
    counts = (Declaration.objects.count(), LedgerEntry.objects.count(), TrailEntry.objects.count())
    load_demo(claims=True)
    assert counts == (
        Declaration.objects.count(),
        LedgerEntry.objects.count(),
        TrailEntry.objects.count(),
    )


@pytest.mark.django_db
def test_command_loads_claims_unless_asked_for_an_empty_start():
    out = io.StringIO()
    call_command("load_demo", "--empty", stdout=out)
    assert "空白开始" in out.getvalue()
    assert not Declaration.objects.exists()

    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "已载入演示申报" in out.getvalue()
    assert Declaration.objects.count() >= 5 * len(DeclarationStatus.values)


def test_someone_in_each_region_met_last_years_requirement(demo_claims):
    for region in REGIONS:
        people = Person.objects.filter(pk__in=claims_of(region).values("person"))
        assert any(year_compliance(person, YEAR - 1).met for person in people), region


def test_xinjiang_demo_has_applications_at_different_stages(demo_claims):
    """新疆: 阿依古丽's application waits at 新疆大学; 石磊's last year is certified (in the
    ledger) and this year's is a draft 还差 20 学时."""
    from xueshi.applications.models import Application

    stages = {
        (a.person.name, a.credit_year, a.status)
        for a in Application.objects.select_related("person")
    }
    assert stages == {
        ("阿依古丽", YEAR, "pending"),
        ("石磊", YEAR - 1, "approved"),
        ("石磊", YEAR, "draft"),
    }
    assert year_compliance(Person.objects.get(name="石磊"), YEAR - 1).professional_hours == 66
    assert not Declaration.objects.filter(policy_profile="xinjiang").exists()
    load_demo(claims=True)  # again: nothing new
    assert Application.objects.count() == 3
