"""One set of claim rules (issue 12 part 2): drafting, submit and training-base declaring run
the same checks, and submit applies the yearly category cap."""

from __future__ import annotations

import datetime
import shutil
from collections.abc import Iterator
from decimal import Decimal

import pytest
import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from xueshi.declarations import services
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.services import (
    ROLE_MAY_NOT_DECLARE,
    DeclarationInput,
    declaration_prepare,
    declaration_save,
    top_authority_for,
)
from xueshi.policy import resolver
from xueshi.policy.loader import profiles_dir, reload_profiles
from xueshi.policy.resolver import resolve_version
from xueshi.review.services import declaration_approve, declaration_submit, training_base_declare

from .test_form_views import act_as, guangxi_post

YEAR = timezone.localdate().year


@pytest.fixture
def anyang_degree_cap_120(settings, tmp_path) -> Iterator[None]:
    """Anyang with a 120-hour yearly cap on degree education (学位教育)."""
    for path in profiles_dir().glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    data = yaml.safe_load((tmp_path / "anyang.yaml").read_text(encoding="utf-8"))
    for category in data["versions"][-1]["categories"]:
        if category["code"] == "degree_education":
            category["yearly_cap_hours"] = 120
    (tmp_path / "anyang.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    settings.POLICY_PROFILES_DIR = tmp_path
    reload_profiles()
    yield
    reload_profiles()


def _degree_draft(demo, courses: int) -> Declaration:
    role = demo.professional("李明")
    return declaration_save(
        person=demo.person("李明"),
        data=DeclarationInput(
            "degree_education",
            "course_passed",
            {"credit_year": YEAR, "description": "参加学位教育", "quantity": courses},
        ),
        actor=role.user,
        role=role,
    )


def test_submit_applies_the_yearly_category_cap(demo, anyang_degree_cap_120):
    """Two drafts of 90 hours saved while the ledger was empty; once the first is approved,
    only 30 hours are left under the 120-hour cap, and the second may not be sent at 90."""
    role = demo.professional("李明")
    first, second = _degree_draft(demo, 6), _degree_draft(demo, 6)
    assert first.hours_claimed == second.hours_claimed == Decimal(90)
    declaration_submit(declaration_id=first.pk, actor=role.user, role=role)
    for username in ("ay_yiyuan", "ay_weijian", "ay_xiehui"):
        reviewer = demo.role(username)
        declaration_approve(declaration_id=first.pk, actor=reviewer.user, role=reviewer)

    with pytest.raises(ValidationError) as refused:
        declaration_submit(declaration_id=second.pk, actor=role.user, role=role)
    assert (
        "本类别年度上限 120 学时，本年度已有 90 学时，本项按 30 学时计" in refused.value.messages[0]
    )
    second.refresh_from_db()
    assert second.status == DeclarationStatus.DRAFT


def test_submit_within_the_cap_still_goes_through(demo, anyang_degree_cap_120):
    role = demo.professional("李明")
    draft = _degree_draft(demo, 8)  # 120: exactly the cap
    sent = declaration_submit(declaration_id=draft.pk, actor=role.user, role=role)
    assert sent.status == DeclarationStatus.PENDING


def _henan_course(**overrides: object) -> DeclarationInput:
    fields = {
        "credit_year": YEAR,
        "title": "人工智能与高等教育专题培训班",
        "organizer": "河南省专业技术人员继续教育基地（郑州大学）",
        "start_date": datetime.date(YEAR, 7, 6),
        "end_date": datetime.date(YEAR, 7, 10),
        "hours_claimed": Decimal(40),
    }
    fields.update(overrides)
    return DeclarationInput("base_training", "approved_hours", fields)


def _refusal(call) -> dict[str, list[str]] | str:
    try:
        call()
    except ValidationError as error:
        return error.message_dict if hasattr(error, "error_dict") else error.messages[0]
    except PermissionDenied as error:
        return str(error)
    raise AssertionError("not refused")


@pytest.mark.parametrize(
    "overrides",
    [
        {"hours_claimed": Decimal(1000)},  # more than 3 digits (no invented 60 cap: issue 13.7)
        {"credit_year": YEAR - 5},  # not a credit year on offer
        {"title": ""},  # a required field
    ],
)
def test_a_training_base_course_is_checked_like_a_persons_claim(demo, monkeypatch, overrides):
    """Same code path (``claim_check``), same messages, nothing made."""
    base = demo.role("ha_jidi")
    person = demo.person("赵磊")
    seen: list[str] = []
    original = services.claim_check

    def spy(version, facts, **kwargs):
        seen.append(facts.category_code)
        return original(version, facts, **kwargs)

    monkeypatch.setattr(services, "claim_check", spy)
    data = _henan_course(**overrides)
    by_base = _refusal(
        lambda: training_base_declare(
            role=base, actor=base.user, attendees=[person.id_number], data=data
        )
    )
    assert seen == ["base_training"]
    by_base_for_one = _refusal(
        lambda: declaration_prepare(person=person, data=data, actor=base.user, role=base)
    )
    assert by_base == by_base_for_one
    assert not Declaration.objects.exists()


def test_a_category_not_open_to_bases_is_refused_as_for_any_declaring_role(demo):
    """Before: the course check had its own wording ("该申报类型不能由继续教育基地统一申报。");
    now the base hears what any role declaring for someone hears."""
    base = demo.role("ha_jidi")
    person = demo.person("赵磊")
    data = DeclarationInput(
        "training",
        "provincial_municipal",
        {"credit_year": YEAR, "title": "培训", "hours_claimed": 10},
    )
    with pytest.raises(PermissionDenied) as refused:
        training_base_declare(role=base, actor=base.user, attendees=[person.id_number], data=data)
    assert str(refused.value) == ROLE_MAY_NOT_DECLARE
    assert not Declaration.objects.exists()


def test_xinjiang_tier_goes_by_the_recorded_title_grade_not_the_words(demo):
    """Issue 12 part 6: 正高/副高 go to the autonomous region (the first tier). The grade is the
    recorded one: a specialty that merely mentions "正高" decides nothing."""
    person = demo.person("阿依古丽")
    version = resolve_version("xinjiang", credit_year=YEAR)
    claim = Declaration(person=person, extra={})
    assert person.title_grade == "正高"  # demo data, recorded
    person.specialty = "教师系列/高校教师/教授"  # no grade in the words
    assert top_authority_for(version, claim)
    person.title_grade = "中级"
    person.specialty = "曾申报正高未通过"  # the words would have said 正高
    assert not top_authority_for(version, claim)


def test_create_and_submit_resolves_the_rules_and_checks_the_window_once(client, demo, monkeypatch):
    """One "保存并提交" request: the version was resolved 3 times and the declaring window
    checked twice (page, draft, submission); now once each."""
    resolved: list[tuple[str, datetime.date]] = []
    windows: list[object] = []
    resolve, window = resolver._resolve, services.declaring_window_state

    def counting_resolve(key, on_date):
        resolved.append((key, on_date))
        return resolve(key, on_date)

    def counting_window(unit, today):
        windows.append(unit)
        return window(unit, today)

    monkeypatch.setattr(resolver, "_resolve", counting_resolve)
    monkeypatch.setattr(services, "declaring_window_state", counting_window)
    act_as(client, demo.professional("覃海燕"))
    response = client.post(reverse("declarations:create"), guangxi_post(action="submit"))
    assert response.status_code == 302
    assert Declaration.objects.get().status == DeclarationStatus.PENDING
    # The claim's rules (by its start date); the window asks, once, about today's rules.
    assert resolved.count(("guangxi", datetime.date(YEAR, 5, 4))) == 1, resolved
    assert len(resolved) == 2, resolved
    assert len(windows) == 1
