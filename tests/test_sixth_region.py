"""A sixth region with no code change (issue 23): the promise the README makes, checked on every
commit. The profile comes from tests/fixtures/hubei.yaml (not the bundled files), laid beside the
five bundled ones in a temporary folder; an authority is pointed at it and a claim goes through
its chain into the ledger."""

from __future__ import annotations

import datetime
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from xueshi.accounts.models import RoleKind
from xueshi.accounts.tests.factories import PersonFactory, RoleAssignmentFactory
from xueshi.declarations.models import DeclarationStatus
from xueshi.declarations.services import DeclarationInput, declaration_save
from xueshi.ledger.selectors import year_compliance
from xueshi.orgs.checks import organizations_point_at_known_profiles
from xueshi.orgs.models import Organization
from xueshi.orgs.tests.factories import AuthorityFactory, UnitFactory
from xueshi.policy.loader import profile_keys, reload_profiles
from xueshi.review.selectors import current_step
from xueshi.review.services import declaration_approve, declaration_submit

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "hubei.yaml"
YEAR = 2025


@pytest.fixture
def six_regions(settings, tmp_path: Path) -> Path:
    for bundled in (Path(settings.BASE_DIR) / "profiles").glob("*.yaml"):
        shutil.copy(bundled, tmp_path / bundled.name)
    shutil.copy(FIXTURE, tmp_path / "hubei.yaml")
    settings.POLICY_PROFILES_DIR = tmp_path
    return tmp_path


def test_check_profiles_accepts_the_sixth_region(six_regions, capsys):
    call_command("check_profiles")
    assert f"OK {six_regions / 'hubei.yaml'} (2 categories)" in capsys.readouterr().out
    assert "hubei" in profile_keys()


def test_a_claim_of_the_sixth_region_goes_through_its_chain_into_the_ledger(six_regions):
    authority = AuthorityFactory.create(
        name="湖北省人力资源和社会保障厅", region_code="420000", policy_profile="hubei"
    )
    authority.full_clean()  # the admin's check accepts the new key
    unit = UnitFactory.create(name="武汉大学", region_code="420100", parent=authority)
    person = PersonFactory.create(name="刘洋", unit=unit)
    assert person.user is not None
    me = person.user.roles.get(kind=RoleKind.PROFESSIONAL)
    unit_admin = RoleAssignmentFactory.create(kind=RoleKind.UNIT_ADMIN, organization=unit)
    authority_admin = RoleAssignmentFactory.create(
        kind=RoleKind.AUTHORITY_ADMIN, organization=authority
    )

    course = declaration_save(
        person=person,
        data=DeclarationInput(
            "training",
            "by_dates",
            {
                "title": "湖北省专业技术人员能力提升培训班",
                "start_date": datetime.date(YEAR, 3, 2),
                "end_date": datetime.date(YEAR, 3, 4),  # three days: six half-days × 3 = 18
                "description": "省人社厅主办",
                "credit_year": YEAR,
            },
        ),
        actor=person.user,
        role=me,
        today=datetime.date(YEAR, 6, 1),
    )
    lecture = declaration_save(
        person=person,
        data=DeclarationInput(
            "lecture",
            "fixed",
            {
                "title": "专题讲座",
                "start_date": datetime.date(YEAR, 4, 1),
                "end_date": datetime.date(YEAR, 4, 1),
                "description": "单位组织",
                "credit_year": YEAR,
            },
        ),
        actor=person.user,
        role=me,
        today=datetime.date(YEAR, 6, 1),
    )
    assert (course.hours_claimed, lecture.hours_claimed) == (Decimal(18), Decimal(10))

    for claim in (course, lecture):
        claim = declaration_submit(declaration_id=claim.pk, actor=person.user, role=me)
        step = current_step(claim)
        assert step is not None
        assert (step.level_name, step.organization) == ("单位审核", unit)
        claim = declaration_approve(declaration_id=claim.pk, actor=unit_admin.user, role=unit_admin)
        step = current_step(claim)
        assert step is not None
        assert (step.level_name, step.organization) == ("人社部门审核", authority)
        claim = declaration_approve(
            declaration_id=claim.pk, actor=authority_admin.user, role=authority_admin
        )
        assert claim.status == DeclarationStatus.APPROVED

    year = year_compliance(person, YEAR)
    assert (year.professional_hours, year.required_total) == (Decimal(28), Decimal(96))


def test_an_unknown_profile_key_is_refused_with_a_message(six_regions):
    authority = AuthorityFactory.build(name="湖北省人社厅", region_code="420000")
    authority.policy_profile = "hubie"
    with pytest.raises(ValidationError) as refused:
        authority.full_clean()
    assert "没有名为 hubie 的政策配置" in str(refused.value)


def test_no_hubei_in_the_shipped_folder():
    """The fixture stays a fixture: shipping it would make a real region out of a test."""
    assert not (Path(settings.BASE_DIR) / "profiles" / "hubei.yaml").exists()


def test_the_system_check_reports_organisations_whose_profile_went_away(six_regions):
    AuthorityFactory.create(name="湖北省人社厅", region_code="420000", policy_profile="hubei")
    assert organizations_point_at_known_profiles() == []
    (six_regions / "hubei.yaml").unlink()
    reload_profiles()
    warnings = organizations_point_at_known_profiles()
    assert [w.id for w in warnings] == ["orgs.W001"]
    assert "profiles/ 中没有 hubei.yaml" in warnings[0].msg


def test_the_admin_offers_the_profiles_found_and_refuses_an_unknown_key(six_regions, admin_client):
    page = admin_client.get("/django-admin/orgs/organization/add/").content.decode()
    assert '<option value="hubei">hubei · 湖北省专业技术人员继续教育学时登记</option>' in page
    response = admin_client.post(
        "/django-admin/orgs/organization/add/",
        {
            "kind": "authority",
            "name": "湖北省人社厅",
            "region_code": "420000",
            "status": "active",
            "policy_profile": "hubie",
        },
    )
    assert response.status_code == 200  # the form again, with the error at the field
    assert "选择一个有效的选项" in response.content.decode()
    assert not Organization.objects.filter(name="湖北省人社厅").exists()


def test_third_party_admin_sections_read_chinese(admin_client):
    index = admin_client.get("/django-admin/").content.decode()
    for english in ("Axes", "AXES", "Tasks Database Backend", "Task Results", "Task results"):
        assert english not in index
    assert "登录失败与锁定" in index
    assert "后台任务" in index
