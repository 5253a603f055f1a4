"""Guangxi's final level (issue 13 item 6): seed 002's menu lists "专业科目学时终审" after
"专业科目学时审核"; a claim the unit passes waits there, and its 通过 grants the hours."""

from __future__ import annotations

from xueshi.declarations.models import DeclarationStatus
from xueshi.ledger.selectors import year_compliance
from xueshi.policy.resolver import resolve_version
from xueshi.review.selectors import current_step
from xueshi.review.services import declaration_approve
from xueshi.review.tests.test_views import THIS_YEAR, guangxi_claim


def test_guangxi_chain_ends_with_the_final_review():
    version = resolve_version("guangxi", credit_year=THIS_YEAR)
    assert [level.name for level in version.review_chain()] == ["单位审核", "专业科目学时终审"]


def test_the_units_pass_waits_for_the_final_review_at_its_supervisor(demo):
    declaration = guangxi_claim(demo)
    unit = demo.role("gx_gxu")
    declaration = declaration_approve(declaration_id=declaration.pk, actor=unit.user, role=unit)
    assert declaration.status == DeclarationStatus.PENDING
    step = current_step(declaration)
    assert (step.level_name, step.organization.name) == ("专业科目学时终审", "广西壮族自治区教育厅")
    person = demo.person("覃海燕")
    before = year_compliance(person, THIS_YEAR).professional_hours

    final = demo.role("gx_jyt")
    declaration = declaration_approve(declaration_id=declaration.pk, actor=final.user, role=final)
    assert declaration.status == DeclarationStatus.APPROVED
    assert year_compliance(person, THIS_YEAR).professional_hours > before
