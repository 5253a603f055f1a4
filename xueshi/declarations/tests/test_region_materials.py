"""Henan requires materials (issue 13 item 3): seed 001 says every 学习形式 "需要上传" its
materials (通知、结业证书、单位证明 …), except "基地统一上报的可以不用提供"."""

from __future__ import annotations

import datetime

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xueshi.declarations.models import DeclarationStatus
from xueshi.declarations.services import (
    DeclarationInput,
    attachment_add,
    claim_check,
    declaration_check_submittable,
    declaration_save,
)
from xueshi.policy.facts import ClaimFacts
from xueshi.policy.loader import profiles_dir
from xueshi.policy.resolver import resolve_version
from xueshi.policy.schema import PolicyProfile, semantic_issues
from xueshi.review.services import declaration_submit, training_base_declare
from xueshi.review.tests.test_declarations_views import PNG

YEAR = timezone.localdate().year
HENAN = resolve_version("henan", datetime.date(YEAR, 1, 1))
ROUTES = ("professional", "unit_admin", "supervisor_admin", "training_base_admin")


def _course() -> DeclarationInput:
    return DeclarationInput(
        category_code="base_training",
        level_code="approved_hours",
        fields={
            "credit_year": YEAR,
            "title": "人工智能与高等教育专题培训班",
            "organizer": "河南省专业技术人员继续教育基地（郑州大学）",
            "start_date": datetime.date(YEAR, 3, 2),
            "end_date": datetime.date(YEAR, 3, 6),
            "hours_claimed": 24,
        },
    )


@pytest.mark.parametrize("leaf", HENAN.leaf_categories(), ids=lambda leaf: leaf.code)
def test_every_henan_form_needs_its_materials_to_be_sent(leaf):
    """ "需要上传…": no route but a base's bulk declaration sends a Henan claim without a file."""
    for route in ROUTES:
        if route not in HENAN.declarants_for(leaf.code):
            continue
        exempt = leaf.code == "base_training" and route == "training_base_admin"
        assert HENAN.materials_required_for(leaf.code, route) is not exempt, route


def test_the_refusal_names_the_forms_materials():
    facts = ClaimFacts(category_code="training", declared_by="unit_admin", attachment_count=0)
    with pytest.raises(ValidationError) as refused:
        claim_check(HENAN, facts, years=None, by_person=False, draft=False)
    assert "请上传佐证材料（需要上传培训通知、结业证书及单位证明材料。）" in refused.value.messages


def test_a_persons_base_training_claim_without_a_file_is_not_sent(demo):
    """ "个人申报需要上传培训通知、结业证书及单位证明材料" — then it goes."""
    role = demo.professional("赵磊")
    declaration = declaration_save(
        person=demo.person("赵磊"), data=_course(), actor=role.user, role=role
    )
    with pytest.raises(ValidationError, match="请上传佐证材料"):
        declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.DRAFT

    attachment_add(
        declaration=declaration,
        upload=SimpleUploadedFile("结业证书.png", PNG, content_type="image/png"),
        actor=role.user,
        role=role,
    )
    declaration_check_submittable(declaration)  # no longer refused
    declaration = declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)
    assert declaration.status == DeclarationStatus.PENDING


def test_a_training_base_declaring_for_all_attendees_sends_without_files(demo):
    """ "基地统一上报的可以不用提供"."""
    role = demo.role("ha_jidi")
    results = training_base_declare(
        role=role, actor=role.user, attendees=[demo.person("孙丽").id_number], data=_course()
    )
    assert [result.ok for result in results] == [True], results


def test_check_profiles_refuses_an_exempt_route_that_may_not_declare():
    raw = PolicyProfile.model_validate(
        yaml.safe_load((profiles_dir() / "henan.yaml").read_text())
    ).model_dump(mode="json")
    raw["versions"][0]["categories"][1]["materials_optional_for"] = ["training_base_admin"]
    issues = semantic_issues(PolicyProfile.model_validate(raw))
    assert ("versions[0].categories[1].materials_optional_for[0]") in [path for path, _ in issues]
