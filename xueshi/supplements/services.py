"""Writes on supplement requests. Each move after the request is made is one call of the review
lifecycle's `transition()` (row lock, the table, no self-decision, trail, audit).

Every function takes `today` (the clock): views pass `timezone.localdate()`, tests fix a date.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.core.audit import audit_record
from xueshi.declarations.services import AlreadyHandled
from xueshi.policy.resolver import resolve_version
from xueshi.review.lifecycle import Action, transition

from .models import SupplementRequest, SupplementStatus
from .rules import has_approved_claim, window_state

NOT_YOURS = "只能为本人申请增补。"


def _check_window(person: Person, today: datetime.date) -> Any:
    window = window_state(person, today)
    if not window.open:
        raise ValidationError(window.refusal)
    return window


@transaction.atomic
def supplement_request_create(
    *,
    person: Person,
    category_code: str,
    actor: Any,
    role: RoleAssignment,
    today: datetime.date,
    http_request: HttpRequest | None = None,
) -> SupplementRequest:
    """增补申请 on a category of the closed year: only in the window, only where the person has
    a 终审通过 claim of that category that year, one open request per category."""
    if role.kind != RoleKind.PROFESSIONAL or person.user_id != role.user_id:
        raise PermissionDenied(NOT_YOURS)
    window = _check_window(person, today)
    year = window.credit_year
    if not has_approved_claim(person, year, category_code):
        raise ValidationError(
            f"只能对{year}年度已终审通过的类别进行{window.words.request}：该类别没有终审通过的学时登记。"
        )
    version = window.version
    if version is None:  # an open window has a version; a safety net
        raise ValidationError(window.refusal)
    try:
        name = version.leaf(category_code).full_name
    except KeyError:
        raise ValidationError("请选择有效的类别。") from None
    claim_version = resolve_version(window.key, credit_year=year)
    supplement = SupplementRequest(
        person=person,
        unit=person.unit,
        created_by=actor,
        policy_profile=window.key,
        profile_version=claim_version.effective_from,
        credit_year=year,
        category_code=category_code,
        category_name=name,
    )
    try:
        with transaction.atomic():
            supplement.save()
    except IntegrityError:
        raise AlreadyHandled(f"“{name}”已有{year}年度的增补申请，不能重复申请。") from None
    audit_record(
        action="supplement.create",
        actor=actor,
        role=role.kind,
        request=http_request,
        target=supplement,
        to_state=supplement.status,
        details={"credit_year": year, "category": category_code, "today": today.isoformat()},
    )
    return supplement


def supplement_request_send(
    *,
    request_id: int,
    actor: Any,
    role: RoleAssignment,
    today: datetime.date,
    http_request: HttpRequest | None = None,
) -> SupplementRequest:
    """提交申请: the request goes to the person's unit (个人申请中), still in the window."""
    supplement = SupplementRequest.objects.select_related("person__unit").get(pk=request_id)
    _check_window(supplement.person, today)
    moved: SupplementRequest = transition(
        SupplementRequest,
        item_id=request_id,
        action=Action.SUBMIT,
        actor=actor,
        role=role,
        request=http_request,
    )
    return moved


def supplement_request_cancel(
    *,
    request_id: int,
    actor: Any,
    role: RoleAssignment,
    http_request: HttpRequest | None = None,
) -> None:
    """撤销增补: the person takes the request back while the unit has not acted."""
    try:
        transition(
            SupplementRequest,
            item_id=request_id,
            action=Action.DISCARD,
            actor=actor,
            role=role,
            request=http_request,
        )
    except AlreadyHandled as error:
        raise AlreadyHandled("单位已处理该增补申请，不能撤销。") from error


def supplement_request_agree(
    *,
    request_id: int,
    actor: Any,
    role: RoleAssignment,
    http_request: HttpRequest | None = None,
) -> SupplementRequest:
    """同意增补: the person may now add claims of the category to the closed year."""
    return _decide(request_id, Action.APPROVE, actor, role, http_request, reason="")


@transaction.atomic
def supplement_request_refuse(
    *,
    request_id: int,
    reason: str,
    actor: Any,
    role: RoleAssignment,
    http_request: HttpRequest | None = None,
) -> SupplementRequest:
    """拒绝增补, with the reason the person reads."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "拒绝增补必须填写原因。"})
    supplement = _decide(request_id, Action.REJECT, actor, role, http_request, reason=reason)
    supplement.reason = reason
    supplement.save(update_fields=["reason"])
    return supplement


def _decide(
    request_id: int,
    action: Action,
    actor: Any,
    role: RoleAssignment,
    http_request: HttpRequest | None,
    *,
    reason: str,
) -> SupplementRequest:
    try:
        decided: SupplementRequest = transition(
            SupplementRequest,
            item_id=request_id,
            action=action,
            actor=actor,
            role=role,
            request=http_request,
            expected_position=0,
            reason=reason,
        )
    except AlreadyHandled as error:
        if type(error) is AlreadyHandled:
            raise AlreadyHandled("该增补申请已被处理，请刷新后查看。") from error
        raise
    return decided


__all__ = [
    "SupplementStatus",
    "supplement_request_agree",
    "supplement_request_cancel",
    "supplement_request_create",
    "supplement_request_refuse",
    "supplement_request_send",
]
