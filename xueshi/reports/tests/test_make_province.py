"""make_province: the same seed gives the same province; identifiers are valid."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from stdnum.cn import ric, uscc

from xueshi.accounts.models import Person
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.orgs.models import Organization
from xueshi.policy.resolver import resolve_version
from xueshi.reports.summaries import summaries_match
from xueshi.review.chain import resolve_chain

from .factories import make_claim

pytestmark = pytest.mark.django_db

ARGS = ("--people", "60", "--units", "10", "--claims", "300")


def _province(seed: int) -> dict[str, Any]:
    """Generate inside a transaction rolled back afterwards; rows without surrogate ids."""
    with transaction.atomic():
        call_command("make_province", *ARGS, "--seed", str(seed))
        people = list(
            Person.objects.order_by("id").values_list(
                "id_number", "name", "specialty", "unit__name"
            )
        )
        claims = list(
            Declaration.objects.order_by("id").values_list(
                "person__id_number",
                "unit__name",
                "category_code",
                "status",
                "credit_year",
                "hours_claimed",
                "hours_granted",
                "submitted_at",
                "current_organization__name",
            )
        )
        units = list(
            Organization.objects.order_by("id").values_list("name", "kind", "credit_code", "path")
        )
        mismatches = summaries_match()
        transaction.set_rollback(True)
    return {"people": people, "claims": claims, "units": units, "mismatches": mismatches}


def test_same_seed_same_province_with_valid_identifiers():
    first, second = _province(1), _province(1)
    # Paths hold ids, which the sequences move on between runs: compare their depth only.
    for run in (first, second):
        run["units"] = [
            (name, kind, code, path.count("/")) for name, kind, code, path in run["units"]
        ]
    assert first == second
    assert len(first["people"]) == 60 and len(first["claims"]) == 300
    assert first["mismatches"] == []  # the summaries were kept during the load
    for id_number, *_rest in first["people"]:
        assert ric.validate(id_number)
    codes = [code for _name, _kind, code, _depth in first["units"]]
    assert all(uscc.validate(code) for code in codes) and len(set(codes)) == len(codes)
    # A spread: every status, several years and categories, units of different sizes.
    statuses = {claim[3] for claim in first["claims"]}
    assert statuses == set(DeclarationStatus.values)
    assert len({claim[4] for claim in first["claims"]}) > 3
    sizes: dict[str, int] = {}
    for *_person, unit in first["people"]:
        sizes[unit] = sizes.get(unit, 0) + 1
    assert max(sizes.values()) >= 3 * min(sizes.values())
    # Pending claims know where they wait (the review queue's index).
    pending = [claim for claim in first["claims"] if claim[3] == DeclarationStatus.PENDING]
    assert pending and all(claim[8] for claim in pending)
    assert _province(2)["claims"] != first["claims"]


def test_refuses_a_database_with_claims(demo):
    make_claim(demo.person("覃海燕"), status=DeclarationStatus.APPROVED, hours="4", granted="4")
    with pytest.raises(CommandError, match="已有申报记录"):
        call_command("make_province", *ARGS)


def test_chains_are_planned_by_each_regions_own_levels():
    """Each submitted claim's steps carry its region's level codes and organisations, as the
    lifecycle plans them, and a pending claim's status_level is its current step's code."""
    with transaction.atomic():
        call_command("make_province", *ARGS, "--seed", "3")
        checked = 0
        for claim in Declaration.objects.exclude(submitted_at=None).select_related("unit"):
            assert claim.unit is not None
            version = resolve_version(claim.policy_profile)
            planned = resolve_chain(version, unit=claim.unit)
            steps = list(claim.chain_steps.order_by("position"))
            assert [(s.level_code, s.level_name, s.organization_id) for s in steps] == [
                (p.level_code, p.level_name, p.organization.pk) for p in planned
            ]
            if claim.status == DeclarationStatus.PENDING:
                assert claim.current_position is not None
                current = steps[claim.current_position - 1]
                assert claim.status_level == current.level_code
                assert claim.current_organization_id == current.organization_id
            checked += 1
        assert checked > 100
        transaction.set_rollback(True)
