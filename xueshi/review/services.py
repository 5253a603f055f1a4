"""Reviewers' transitions: approve, return, reject, and removing an approved claim.

Each is one function that locks the declaration row, checks that the actor's role fills the
level that must act now (or, for removal, holds the unit or a level above), changes the state,
and writes the trail and the audit log in the same transaction. Two reviewers acting at once:
the second finds the state changed and gets AlreadyHandled, so there is exactly one transition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.declarations import events
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.permissions import declarations_in_scope, may_review_step
from xueshi.declarations.services import AlreadyHandled, BatchResult, refusal_text

from .models import ChainStep, TrailAction
from .trail import trail_record

# Roles that may remove an approved claim (the unit admin or any level above it).
REMOVER_ROLES = (
    RoleKind.UNIT_ADMIN,
    RoleKind.SUPERVISOR_ADMIN,
    RoleKind.AUTHORITY_ADMIN,
    RoleKind.PLATFORM_ADMIN,
)


def _lock_pending_for(
    declaration_id: int, role: RoleAssignment, expected_position: int | None
) -> tuple[Declaration, ChainStep]:
    declaration = (
        Declaration.objects.select_for_update(of=("self",))
        .select_related("person", "unit")
        .get(pk=declaration_id)
    )
    if declaration.status != DeclarationStatus.PENDING or (
        expected_position is not None and declaration.current_position != expected_position
    ):
        raise AlreadyHandled(
            f"该申报已被处理（当前状态：{declaration.get_status_display()}），请刷新后查看。"
        )
    step = ChainStep.objects.select_related("organization").get(
        declaration=declaration, position=int(declaration.current_position or 0)
    )
    if not may_review_step(declaration, role, step):
        if declarations_in_scope(role).filter(pk=declaration.pk).exists():
            raise AlreadyHandled("该申报已不在您的审核环节，请刷新后查看。")
        raise PermissionDenied("无权审核该申报。")
    return declaration, step


def _require_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"{what}必须填写审核意见（原因）。"})
    return reason


@transaction.atomic
def declaration_approve(
    *,
    declaration_id: int,
    actor: Any,
    role: RoleAssignment,
    comment: str = "",
    hours_granted: Decimal | None = None,
    expected_position: int | None = None,
    request: HttpRequest | None = None,
) -> Declaration:
    """Pass to the next level, or approve finally at the last. Hours may be lowered, not raised."""
    declaration, step = _lock_pending_for(declaration_id, role, expected_position)
    comment = (comment or "").strip()
    current = declaration.hours_counted
    if hours_granted is not None and hours_granted != current:
        if hours_granted < 0:
            raise ValidationError({"hours_granted": "批准学时不能为负数。"})
        if hours_granted > declaration.hours_claimed:
            raise ValidationError({"hours_granted": "批准学时不能超过申请学时。"})
        if not comment:
            raise ValidationError({"reason": "调整批准学时必须填写原因。"})
        declaration.hours_granted = hours_granted
    is_last = not ChainStep.objects.filter(
        declaration=declaration, position__gt=step.position
    ).exists()
    if is_last:
        declaration.status = DeclarationStatus.APPROVED
        declaration.current_position = None
        declaration.hours_granted = declaration.hours_counted
        declaration.decided_at = timezone.now()
    else:
        declaration.current_position = step.position + 1
    declaration.save()
    trail_record(
        declaration=declaration,
        action=TrailAction.APPROVE,
        actor=actor,
        role=role,
        from_status=DeclarationStatus.PENDING,
        level_name=step.level_name,
        organization=step.organization,
        comment=comment,
        hours_granted=declaration.hours_granted,
        request=request,
    )
    if is_last:
        events.publish(events.declaration_approved, declaration=declaration, actor=actor)
    return declaration


@transaction.atomic
def declaration_return(
    *,
    declaration_id: int,
    actor: Any,
    role: RoleAssignment,
    reason: str,
    expected_position: int | None = None,
    request: HttpRequest | None = None,
) -> Declaration:
    """退回: to the declarant, to mend and resubmit from the first level."""
    reason = _require_reason(reason, "退回")
    declaration, step = _lock_pending_for(declaration_id, role, expected_position)
    declaration.entry_position = None  # resubmitted, it starts the chain afresh
    _leave_chain(
        declaration,
        step,
        DeclarationStatus.RETURNED,
        TrailAction.RETURN,
        reason,
        actor=actor,
        role=role,
        request=request,
    )
    events.publish(events.declaration_returned, declaration=declaration, actor=actor, reason=reason)
    return declaration


@transaction.atomic
def declaration_reject(
    *,
    declaration_id: int,
    actor: Any,
    role: RoleAssignment,
    reason: str,
    expected_position: int | None = None,
    request: HttpRequest | None = None,
) -> Declaration:
    """不予认定: final, with the reason."""
    reason = _require_reason(reason, "不予认定")
    declaration, step = _lock_pending_for(declaration_id, role, expected_position)
    declaration.decided_at = timezone.now()  # final
    _leave_chain(
        declaration,
        step,
        DeclarationStatus.REJECTED,
        TrailAction.REJECT,
        reason,
        actor=actor,
        role=role,
        request=request,
    )
    events.publish(events.declaration_rejected, declaration=declaration, actor=actor, reason=reason)
    return declaration


def _leave_chain(
    declaration: Declaration,
    step: ChainStep,
    status: str,
    action: str,
    reason: str,
    *,
    actor: Any,
    role: RoleAssignment,
    request: HttpRequest | None,
) -> None:
    """A pending claim leaves the chain at `step` (returned or rejected), with the trail."""
    declaration.status = status
    declaration.current_position = None
    declaration.save()
    trail_record(
        declaration=declaration,
        action=action,
        actor=actor,
        role=role,
        from_status=DeclarationStatus.PENDING,
        level_name=step.level_name,
        organization=step.organization,
        comment=reason,
        request=request,
    )


@transaction.atomic
def approved_declaration_delete(
    *,
    declaration_id: int,
    actor: Any,
    role: RoleAssignment,
    reason: str,
    request: HttpRequest | None = None,
) -> Declaration:
    """An administrator removes an approved claim: its hours leave the ledger and certificates
    relying on them become void (subscribers of `approved_declaration_deleted`)."""
    reason = _require_reason(reason, "删除已通过的申报")
    if role.kind not in REMOVER_ROLES:
        raise PermissionDenied("只有单位管理员及以上可以删除已通过的申报。")
    in_scope = declarations_in_scope(role).filter(pk=declaration_id).exists()
    declaration = Declaration.objects.select_for_update(of=("self",)).get(pk=declaration_id)
    if not in_scope:
        raise PermissionDenied("该申报不在您的管理范围内。")
    if declaration.status != DeclarationStatus.APPROVED:
        raise AlreadyHandled(
            f"该申报当前为“{declaration.get_status_display()}”，不是已通过的申报。"
        )
    declaration.status = DeclarationStatus.DELETED
    declaration.save()
    trail_record(
        declaration=declaration,
        action=TrailAction.DELETE,
        actor=actor,
        role=role,
        from_status=DeclarationStatus.APPROVED,
        organization=role.organization,
        comment=reason,
        request=request,
    )
    events.publish(
        events.approved_declaration_deleted, declaration=declaration, actor=actor, reason=reason
    )
    return declaration


def review_many(
    action: Callable[..., Declaration],
    *,
    declaration_ids: Iterable[int],
    **kwargs: Any,
) -> list[BatchResult]:
    """批量通过 / 批量不通过: each claim in its own transaction; refusals are reported per claim."""
    results = []
    for declaration_id in declaration_ids:
        try:
            action(declaration_id=declaration_id, **kwargs)
        except (ValidationError, PermissionDenied, Declaration.DoesNotExist) as error:
            results.append(BatchResult(declaration_id, False, refusal_text(error)))
        else:
            results.append(BatchResult(declaration_id, True))
    return results
