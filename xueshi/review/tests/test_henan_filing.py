"""Henan 其他 (issue 13 item 9), seed 001 form 16: "由省辖市、省直管县（市）人力资源社会保障行政
部门或省业务主管部门参照专业科目学时折算标准确认学时，并报省人力资源和社会保障厅备案"."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.services import DeclarationInput, attachment_add, declaration_save
from xueshi.ledger.selectors import year_compliance
from xueshi.policy.loader import profiles_dir
from xueshi.policy.resolver import resolve_version
from xueshi.policy.schema import PolicyProfile, semantic_issues
from xueshi.review.models import ChainStep
from xueshi.review.selectors import review_queue
from xueshi.review.services import declaration_approve, declaration_submit
from xueshi.review.tests.test_declarations_views import PNG

YEAR = timezone.localdate().year
HENAN = resolve_version("henan", datetime.date(YEAR, 1, 1))


def henan_claim(demo: Any, category: str, level: str) -> Declaration:
    role = demo.professional("赵磊")
    claim = declaration_save(
        person=demo.person("赵磊"),
        data=DeclarationInput(
            category,
            level,
            {"credit_year": YEAR, "title": "参照折算标准确认的继续教育活动", "hours_claimed": 12},
        ),
        actor=role.user,
        role=role,
    )
    attachment_add(
        declaration=claim,
        upload=SimpleUploadedFile("确认文件.png", PNG),
        actor=role.user,
        role=role,
    )
    return declaration_submit(declaration_id=claim.pk, actor=role.user, role=role)


def test_other_passes_the_filing_step_after_the_chain():
    codes = [level.code for level in HENAN.review_chain("other")]
    assert codes == ["employer", "supervisor", "hrss", "provincial_filing"]
    assert HENAN.review_level("provincial_filing").name == "省人力资源和社会保障厅备案"
    assert [level.code for level in HENAN.review_chain("training")] == [
        "employer",
        "supervisor",
        "hrss",
    ]


def test_check_profiles_refuses_an_undefined_filing_level():
    data = yaml.safe_load((profiles_dir() / "henan.yaml").read_text(encoding="utf-8"))
    other = next(c for c in data["versions"][0]["categories"] if c["code"] == "other")
    other["chain_after"] = ["filing_nowhere", "hrss"]
    issues = dict(semantic_issues(PolicyProfile.model_validate(data)))
    assert "未在 review.levels 中定义" in issues["versions[0].categories[15].chain_after[0]"]
    assert "已在 review.chain 中" in issues["versions[0].categories[15].chain_after[1]"]


@pytest.mark.django_db
def test_hours_count_only_once_filed_with_the_province(demo):
    claim = henan_claim(demo, "other", "confirmed")
    steps = list(ChainStep.objects.filter(declaration=claim).order_by("position"))
    assert [step.level_code for step in steps][-1] == "provincial_filing"
    assert steps[-1].organization.name == "河南省人力资源和社会保障厅"  # the topmost authority
    for username in ("ha_zzu", "ha_jyt", "ha_rst"):  # unit, 主管部门, 人社部门 confirms
        reviewer = demo.role(username)
        claim = declaration_approve(declaration_id=claim.pk, actor=reviewer.user, role=reviewer)
    assert claim.status == DeclarationStatus.PENDING
    assert claim.status_word == "待备案"
    filing = demo.role("ha_rst")
    assert claim in review_queue(filing)
    assert year_compliance(claim.person, YEAR).professional_hours == 0
    claim = declaration_approve(declaration_id=claim.pk, actor=filing.user, role=filing)
    assert claim.status == DeclarationStatus.APPROVED
    assert year_compliance(claim.person, YEAR).professional_hours == 12


@pytest.mark.django_db
def test_other_forms_end_at_the_hrss_level(demo):
    claim = henan_claim(demo, "publication", "paper")
    assert ChainStep.objects.filter(declaration=claim, level_code="provincial_filing").count() == 0
