"""The lifecycle table walked through: every allowed move works, every other one is refused.

And the rule that no one acts on their own claim (issue 11.1), and a safe `next` after a verdict
(issue 11.3).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.models import RoleAssignment
from xueshi.core.models import AuditLog
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.services import AlreadyHandled, DeclarationInput, declaration_save
from xueshi.ledger.models import LedgerEntry
from xueshi.orgs.tests.factories import act_as
from xueshi.policy.schema import OUTCOMES
from xueshi.review.lifecycle import (
    TABLE,
    WHEN,
    WHO,
    Action,
    DeclarationReviewable,
    OwnClaim,
    State,
    allowed_actions,
    transition,
    who_of,
)
from xueshi.review.models import ChainStep, TrailAction, TrailEntry
from xueshi.review.permissions import REVIEWER_ROLES
from xueshi.review.services import declaration_approve, review_many
from xueshi.review.tests.test_views import (
    act,
    at_final_review,
    guangxi_claim,
    guangxi_final,
    messages_of,
    text,
)

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


@pytest.fixture
def every_outcome(monkeypatch):
    """The table's own tests walk every row with Anyang claims; Anyang's levels only approve
    or return (test_outcomes.py), so here each level may take all three outcomes."""
    monkeypatch.setattr(DeclarationReviewable, "outcomes", lambda self, item, step: OUTCOMES)


# --- the table itself ---------------------------------------------------------------------------


def test_the_table_names_only_known_checks_and_one_check_per_action():
    for row in TABLE:
        assert row.who in WHO and row.when in WHEN
        assert row.who == who_of(row.action)
    # Every action has at least one row, and rows of one state and action differ by condition.
    assert {row.action for row in TABLE} == set(Action)
    keys = [(row.source, row.action, row.when) for row in TABLE]
    assert len(keys) == len(set(keys))


# --- walking the table on an Anyang claim (单位审核 → 管理单位审核 → 协会审核) --------------------

DECLARANT = "李明"
REMOVER = "ay_yiyuan"
AUDITOR = "ay_xiehui"  # the association: Anyang's authority


def _draft(demo: Any) -> Declaration:
    role = demo.professional(DECLARANT)
    return declaration_save(
        person=demo.person(DECLARANT),
        data=DeclarationInput(
            "degree_education",
            "course_passed",
            {"credit_year": THIS_YEAR, "description": "参加学位教育", "quantity": 2},
        ),
        actor=role.user,
        role=role,
    )


def _reviewer(declaration: Declaration) -> RoleAssignment:
    """Someone who fills the step that must act now (or the unit's reviewer when none must)."""
    position = declaration.current_position or 0
    step = ChainStep.objects.select_related("organization").filter(
        declaration=declaration, position=position
    )
    organization = step.get().organization if step.exists() else declaration.unit
    assert organization is not None
    role = (
        RoleAssignment.objects.select_related("user", "organization", "department")
        .filter(organization=organization, kind__in=REVIEWER_ROLES[organization.kind])
        .exclude(user=declaration.person.user)
        .first()
    )
    assert role is not None
    return role


def _move(demo: Any, declaration: Declaration, action: Action) -> Declaration:
    declaration.refresh_from_db()
    who = who_of(action)
    if who == "declarant":
        role = demo.professional(DECLARANT)
    elif who == "remover":
        role = demo.role(REMOVER)
    elif who == "auditor":
        role = demo.role(AUDITOR)
    else:
        role = _reviewer(declaration)
    return transition(
        Declaration,
        item_id=declaration.pk,
        action=action,
        actor=role.user,
        role=role,
        reason="理由",
        hours_granted=Decimal(1) if action == Action.AUDIT_CORRECT else None,
    )


# Each stage: how to reach it, and which of the table's conditions hold there.
STAGES: dict[str, tuple[tuple[Action, ...], set[str]]] = {
    "draft": ((), {""}),
    "pending, untouched, first of three": ((Action.SUBMIT,), {"", "untouched", "more levels"}),
    "pending, second of three": ((Action.SUBMIT, Action.APPROVE), {"", "more levels"}),
    "pending, last level": ((Action.SUBMIT, Action.APPROVE, Action.APPROVE), {"", "last level"}),
    "returned": ((Action.SUBMIT, Action.RETURN), {""}),
    "rejected": ((Action.SUBMIT, Action.APPROVE, Action.REJECT), {""}),
    "approved": ((Action.SUBMIT, *(Action.APPROVE,) * 3), {""}),
    "deleted": ((Action.SUBMIT, *(Action.APPROVE,) * 3, Action.DELETE_APPROVED), {""}),
}


def _expected(state: str, action: Action, conditions: set[str]) -> State | None:
    rows = [row for row in TABLE if row.source == state and row.action == action]
    return next((row.target for row in rows if row.when in conditions), None)


@pytest.mark.usefixtures("every_outcome")
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("stage", list(STAGES))
def test_every_state_and_action_of_the_table(demo, stage, action):
    path, conditions = STAGES[stage]
    declaration = _draft(demo)
    for step in path:
        declaration = _move(demo, declaration, step)
    declaration.refresh_from_db()
    before = declaration.status
    expected = _expected(before, action, conditions)
    trail = TrailEntry.objects.filter(declaration_id=declaration.pk).count()

    if expected is None:
        with pytest.raises((ValidationError, PermissionDenied)):
            _move(demo, declaration, action)
        declaration.refresh_from_db()
        assert declaration.status == before
        assert TrailEntry.objects.filter(declaration_id=declaration.pk).count() == trail
        return
    _move(demo, declaration, action)
    if expected == State.GONE:
        assert not Declaration.objects.filter(pk=declaration.pk).exists()
        assert AuditLog.objects.filter(action="declaration.delete").exists()
        return
    declaration.refresh_from_db()
    assert declaration.status == expected
    assert TrailEntry.objects.filter(declaration_id=declaration.pk).count() == trail + 1
    if before == State.PENDING and action == Action.APPROVE and expected == State.PENDING:
        assert declaration.current_position is not None


@pytest.mark.usefixtures("every_outcome")
def test_allowed_actions_answer_from_the_table(demo):
    declaration = _draft(demo)
    person = demo.professional(DECLARANT)
    assert allowed_actions(declaration, person) == [Action.SUBMIT, Action.DISCARD]
    declaration = _move(demo, declaration, Action.SUBMIT)
    assert allowed_actions(declaration, person) == [Action.WITHDRAW, Action.DISCARD]
    unit = demo.role("ay_yiyuan")
    assert allowed_actions(declaration, unit) == [Action.APPROVE, Action.RETURN, Action.REJECT]
    assert allowed_actions(declaration, demo.role("ay_xiehui")) == []  # not its level yet


# --- nobody reviews their own claim (issue 11.1) -------------------------------------------------


def _chen_jing_claim(demo: Any) -> tuple[Declaration, RoleAssignment]:
    """陈静 declares as a professional; she is also unit admin of 广西大学."""
    declaration = guangxi_claim(demo, "陈静", "高校人事管理研修")
    user = demo.person("陈静").user
    return declaration, demo.role(user.username, "unit_admin")


def test_a_unit_admin_cannot_approve_her_own_claim_on_the_page(client, demo):
    declaration, admin = _chen_jing_claim(demo)
    act_as(client, admin)

    queue = text(client.get(reverse("review:queue")))
    assert "高校人事管理研修" in queue
    assert "本人申报，须由本单位其他管理员审核" in queue
    assert reverse("review:approve", args=[declaration.pk]) not in queue
    detail = text(client.get(reverse("review:detail", args=[declaration.pk])))
    assert "本人申报，须由本单位其他管理员审核" in detail
    assert reverse("review:approve", args=[declaration.pk]) not in detail

    response = act(client, "approve", declaration, comment="同意")
    assert response.status_code == 302
    assert any("不能审核本人的申报" in message for message in messages_of(response))
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.PENDING
    assert not LedgerEntry.objects.filter(person__name="陈静").exists()
    assert not TrailEntry.objects.filter(declaration=declaration, action=TrailAction.APPROVE)

    # The next person who may act: the unit's other administrator account.
    act_as(client, demo.role("gx_gxu"))
    assert act(client, "approve", declaration, comment="同意").status_code == 302
    assert at_final_review(declaration)


def test_a_unit_admin_cannot_batch_approve_her_own_claim(client, demo):
    declaration, admin = _chen_jing_claim(demo)
    other = guangxi_claim(demo, "覃海燕", "教学能力提升培训班")
    act_as(client, admin)
    response = client.post(
        reverse("review:batch"), {"action": "approve", "ids": [declaration.pk, other.pk]}
    )
    assert response.status_code == 302
    warnings = messages_of(response)
    assert any("已批量通过审核 1 条" in message for message in warnings)
    assert any(
        f"申报 #{declaration.pk} 未处理" in message and "不能审核本人的申报" in message
        for message in warnings
    )
    declaration.refresh_from_db()
    other.refresh_from_db()
    assert declaration.status == DeclarationStatus.PENDING
    assert at_final_review(other)
    assert not LedgerEntry.objects.filter(person__name="陈静").exists()


def test_own_claim_is_refused_by_the_service_for_every_verdict(demo):
    declaration, admin = _chen_jing_claim(demo)
    with pytest.raises(OwnClaim):
        declaration_approve(declaration_id=declaration.pk, actor=admin.user, role=admin)
    results = review_many(
        declaration_approve, declaration_ids=[declaration.pk], actor=admin.user, role=admin
    )
    assert not results[0].ok and "不能审核本人的申报" in results[0].message
    for action in (Action.RETURN, Action.REJECT):
        with pytest.raises(OwnClaim):
            transition(
                Declaration,
                item_id=declaration.pk,
                action=action,
                actor=admin.user,
                role=admin,
                reason="理由",
            )
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.PENDING


def test_a_department_admin_cannot_approve_his_own_claim(demo):
    declaration = guangxi_claim(demo, "黄伟", "计算机前沿研修")
    admin = demo.role(demo.person("黄伟").user.username, "department_admin")
    assert Action.APPROVE not in allowed_actions(declaration, admin)
    with pytest.raises(OwnClaim):
        declaration_approve(declaration_id=declaration.pk, actor=admin.user, role=admin)
    # The unit's administrator still may.
    unit = demo.role("gx_gxu")
    declaration_approve(declaration_id=declaration.pk, actor=unit.user, role=unit)
    assert at_final_review(declaration)


def test_the_admin_who_declared_for_someone_cannot_review_that_claim(demo):
    """Guangxi: a claim the unit registered skips the unit's own level (someone there
    registered it) and waits for 专业科目学时终审 at the supervisor (issue 13 item 6)."""
    unit = demo.role("gx_gxu")
    person = demo.person("覃海燕")
    declaration = declaration_save(
        person=person,
        data=DeclarationInput(
            "training_course",
            "by_dates",
            {
                "title": "代为登记的培训",
                "start_date": datetime.date(THIS_YEAR, 3, 2),
                "end_date": datetime.date(THIS_YEAR, 3, 3),
                "description": "说明",
                "credit_year": THIS_YEAR,
            },
        ),
        actor=unit.user,
        role=unit,
    )
    declaration = transition(
        Declaration, item_id=declaration.pk, action=Action.SUBMIT, actor=unit.user, role=unit
    )
    assert declaration.status == DeclarationStatus.PENDING
    with pytest.raises((OwnClaim, AlreadyHandled)):
        declaration_approve(declaration_id=declaration.pk, actor=unit.user, role=unit)
    chen = demo.role(demo.person("陈静").user.username, "unit_admin")
    with pytest.raises(AlreadyHandled):
        declaration_approve(declaration_id=declaration.pk, actor=chen.user, role=chen)
    assert at_final_review(declaration)
    assert guangxi_final(demo, declaration).status == DeclarationStatus.APPROVED


# --- a safe `next` after a verdict (issue 11.3) ---------------------------------------------------


@pytest.mark.parametrize(
    "next_value",
    [
        "queue",
        "review:queue",
        "detail",
        "//evil.example/",
        "https://evil.example/x",
        "javascript:x",
    ],
)
def test_an_unsafe_or_unknown_next_falls_back_to_the_queue(client, demo, next_value):
    declaration = guangxi_claim(demo)
    act_as(client, demo.role("gx_gxu"))
    response = act(client, "approve", declaration, next=next_value)
    assert response.status_code == 302
    assert response["Location"] == reverse("review:queue")
    assert at_final_review(declaration)


@pytest.mark.parametrize("action", ["return", "reject"])
def test_a_bare_word_next_after_return_or_reject_is_not_an_error(client, demo, action):
    declaration = guangxi_claim(demo)
    act_as(client, demo.role("gx_gxu"))
    response = act(client, action, declaration, reason="材料不全", next="queue")
    assert response.status_code == 302
    assert response["Location"] == reverse("review:queue")


def test_a_safe_next_path_is_kept(client, demo):
    declaration = guangxi_claim(demo)
    act_as(client, demo.role("gx_gxu"))
    target = reverse("review:queue") + f"?credit_year={THIS_YEAR}"
    response = act(client, "approve", declaration, next=target)
    assert response["Location"] == target


def test_docs_lifecycle_lists_exactly_the_table():
    """docs/lifecycle.md is read by people; it must say what the code does."""
    text = (Path(settings.BASE_DIR) / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    documented = set()
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("From", "---"):
            continue
        documented.add((cells[0].split()[0], cells[1].split()[0], cells[2], cells[3].split()[0]))
    assert documented == {
        (str(row.source), str(row.action), row.who, str(row.target)) for row in TABLE
    }
