"""Henan 学分 beside 学时 (issue 13 item 9), seed 001: "1、学时/学分申报"; 申报进度查询 lists
"已录入到系统中的专业课继续教育信息记录（包括学时申报、学分申报、继续教育基地学时申报记录）"."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from xueshi.declarations.services import DeclarationInput, attachment_add, declaration_save
from xueshi.ledger.selectors import year_records
from xueshi.orgs.tests.factories import act_as
from xueshi.policy.loader import profiles_dir
from xueshi.policy.resolver import resolve_version
from xueshi.policy.schema import PolicyProfile, semantic_issues
from xueshi.review.services import declaration_approve, declaration_submit
from xueshi.review.tests.test_declarations_views import PNG

YEAR = timezone.localdate().year
HENAN = resolve_version("henan", datetime.date(YEAR, 1, 1))
ANYANG = resolve_version("anyang", datetime.date(YEAR, 1, 1))


def paper(demo: Any, *, credits: Decimal | None, hours: str = "6") -> Any:
    role = demo.professional("赵磊")
    return declaration_save(
        person=demo.person("赵磊"),
        data=DeclarationInput(
            "publication",
            "paper",
            {"credit_year": YEAR, "title": "在《计算机学报》发表论文", "hours_claimed": hours},
            credits=credits,
        ),
        actor=role.user,
        role=role,
    )


def test_henan_counts_credits_with_a_profile_conversion():
    unit = HENAN.credits_for("publication")
    assert unit is not None and unit.label == "学分" and unit.hours_per_credit > 0
    assert HENAN.credits_for("degree_education") is None  # 15 学时 per course: computed
    assert ANYANG.credits_for("training") is None  # Anyang declares in 学时 only


def test_check_profiles_refuses_credits_for_computed_hours():
    data = yaml.safe_load((profiles_dir() / "henan.yaml").read_text(encoding="utf-8"))
    data["versions"][0]["credits"]["categories"] = ["degree_education", "nowhere"]
    issues = dict(semantic_issues(PolicyProfile.model_validate(data)))
    assert "不能按学分申报" in issues["versions[0].credits.categories[0]"]
    assert "不存在" in issues["versions[0].credits.categories[1]"]


def test_a_credit_claim_is_converted_into_hours(demo):
    unit = HENAN.credits_for("publication")
    assert unit is not None
    claim = paper(demo, credits=Decimal(3))
    assert claim.credits_claimed == Decimal(3)
    assert claim.hours_claimed == Decimal(3) * unit.hours_per_credit
    assert "3 学分 ×" in claim.hours_explanation
    assert claim.record_kind == "学分申报"
    hours_claim = paper(demo, credits=None)
    assert hours_claim.credits_claimed is None and hours_claim.record_kind == "学时申报"


def test_credits_only_where_the_profile_allows(demo):
    role = demo.professional("赵磊")
    with pytest.raises(ValidationError, match="不能按学分申报"):
        declaration_save(
            person=demo.person("赵磊"),
            data=DeclarationInput(
                "degree_education",
                "course_passed",
                {"credit_year": YEAR, "title": "郑州大学 计算机", "quantity": 2},
                credits=Decimal(2),
            ),
            actor=role.user,
            role=role,
        )


def test_progress_list_and_ledger_show_the_credits(client, demo):
    """申报进度查询 shows 学分申报 beside 学时申报; the ledger keeps the credits declared."""
    claim = paper(demo, credits=Decimal(3))
    act_as(client, demo.professional("赵磊"))
    page = client.get(reverse("declarations:list")).content.decode()
    assert "学分申报" in page and "3 学分" in page
    role = demo.professional("赵磊")
    attachment_add(
        declaration=claim, upload=SimpleUploadedFile("论文.png", PNG), actor=role.user, role=role
    )
    claim = declaration_submit(declaration_id=claim.pk, actor=role.user, role=role)
    for username in ("ha_zzu", "ha_jyt", "ha_rst"):
        reviewer = demo.role(username)
        claim = declaration_approve(declaration_id=claim.pk, actor=reviewer.user, role=reviewer)
    records = [r for r in year_records(claim.person, YEAR) if r.declaration_id == claim.pk]
    assert [(r.hours, r.credits) for r in records] == [(claim.hours_claimed, Decimal(3))]
    ledger = client.get(reverse("ledger:my_years"), {"year": YEAR}).content.decode()
    assert "学分申报 3 学分" in ledger


def test_the_form_offers_credit_declaring(client, demo):
    act_as(client, demo.professional("赵磊"))
    query = {
        "profile_key": "henan",
        "profile_version": "2014-01-01",
        "category": "publication",
        "level": "paper",
    }
    fields = client.get(reverse("declarations:fields"), query).content.decode()
    assert "申报方式" in fields and "学分申报" in fields
    credits = client.get(reverse("declarations:fields"), {**query, "measure": "credits"})
    assert "申报学分" in credits.content.decode()
    assert "1 学分折合" in credits.content.decode()
