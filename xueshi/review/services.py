"""Every move of a declaration after drafting, by name: each one row of the lifecycle table.

submit, withdraw, delete (the declarant's), approve (lowering hours), return, reject and the
removal of an approved claim (reviewers' and administrators'). Each is one call of
`lifecycle.transition`, which locks the row, checks the table and the actor, and writes the
trail, the audit log and the event in one transaction. Two reviewers acting at once: the second
finds the state changed and gets AlreadyHandled, so there is exactly one move.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from xueshi.accounts.models import RoleAssignment
from xueshi.core.audit import audit_record
from xueshi.declarations.models import Declaration
from xueshi.declarations.services import (
    BatchResult,
    DeclarationInput,
    declaration_save,
    refusal_text,
    training_base_attendees,
)
from xueshi.orgs.models import Organization

from .lifecycle import Action, transition, transition_many
from .models import EvidenceCheck, EvidenceVerdict
from .permissions import fills_step, is_own_claim
from .selectors import current_step, insufficient_at_step

logger = logging.getLogger(__name__)


def declaration_submit(
    *,
    declaration_id: int,
    actor: Any,
    role: RoleAssignment,
    direct_supervisor: Organization | None = None,
    request: HttpRequest | None = None,
) -> Declaration:
    """Send a draft or returned claim to its first reviewer (or, where allowed, a supervisor)."""
    declaration: Declaration = transition(
        Declaration,
        item_id=declaration_id,
        action=Action.SUBMIT,
        actor=actor,
        role=role,
        direct_supervisor=direct_supervisor,
        request=request,
    )
    return declaration


def declaration_withdraw(
    *, declaration_id: int, actor: Any, role: RoleAssignment, request: HttpRequest | None = None
) -> Declaration:
    """撤回: back to draft, only while no reviewer has acted."""
    declaration: Declaration = transition(
        Declaration,
        item_id=declaration_id,
        action=Action.WITHDRAW,
        actor=actor,
        role=role,
        request=request,
    )
    return declaration


def declaration_delete(
    *, declaration_id: int, actor: Any, role: RoleAssignment, request: HttpRequest | None = None
) -> None:
    """The declarant deletes a draft, a returned claim, or a pending one nobody has acted on."""
    transition(
        Declaration,
        item_id=declaration_id,
        action=Action.DISCARD,
        actor=actor,
        role=role,
        request=request,
    )


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
    declaration: Declaration = transition(
        Declaration,
        item_id=declaration_id,
        action=Action.APPROVE,
        actor=actor,
        role=role,
        comment=comment,
        hours_granted=hours_granted,
        expected_position=expected_position,
        request=request,
    )
    return declaration


def declaration_return(
    *,
    declaration_id: int,
    actor: Any,
    role: RoleAssignment,
    reason: str,
    expected_position: int | None = None,
    request: HttpRequest | None = None,
) -> Declaration:
    """退回: to the declarant, to mend and resubmit from the first level. Files this level
    marked 不充分 are named in the reason, so the trail and the person's message say which."""
    if reason.strip():
        reason = with_insufficient_files(declaration_id, reason.strip())
    declaration: Declaration = transition(
        Declaration,
        item_id=declaration_id,
        action=Action.RETURN,
        actor=actor,
        role=role,
        reason=reason,
        expected_position=expected_position,
        request=request,
    )
    return declaration


def with_insufficient_files(declaration_id: int, reason: str) -> str:
    checks = insufficient_at_step(declaration_id)
    if not checks:
        return reason
    files = "；".join(f"“{check.attachment.original_name}”：{check.note}" for check in checks)
    return f"{reason}；材料不充分：{files}"


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
    declaration: Declaration = transition(
        Declaration,
        item_id=declaration_id,
        action=Action.REJECT,
        actor=actor,
        role=role,
        reason=reason,
        expected_position=expected_position,
        request=request,
    )
    return declaration


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
    declaration: Declaration = transition(
        Declaration,
        item_id=declaration_id,
        action=Action.DELETE_APPROVED,
        actor=actor,
        role=role,
        reason=reason,
        request=request,
    )
    return declaration


# A batch cut short by a database failure (issue 21 part 6): the row that met it and every row
# after it are reported as not done, each on its own line, beside the rows already done.
DATABASE_FAILED = "数据库故障，本条未处理（已回滚），请稍后重试。"
BATCH_INTERRUPTED = "批量处理因数据库故障中断，本条未处理，请稍后重试。"


INTERRUPTION_MESSAGES = (DATABASE_FAILED, BATCH_INTERRUPTED)


def batch_interrupted(results: Iterable[BatchResult]) -> bool:
    return any(result.message in INTERRUPTION_MESSAGES for result in results)


def _database_failed(error: DatabaseError) -> None:
    """After a failure outside any transaction, drop a broken connection so the rest of the
    request (the report, the session) reconnects instead of failing too."""
    logger.warning("Batch cut short by a database error: %s", error)
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


def _each(ids: Iterable[int], move: Callable[[int], Any]) -> list[BatchResult]:
    """Each claim in its own transaction; one refusal does not stop the others.

    A database error stops the batch: the claims done so far stay done (each committed on its
    own), the one that failed was rolled back, and the rest were not tried; every one of them
    is in the result with what became of it.
    """
    results: list[BatchResult] = []
    pending = list(ids)
    for index, declaration_id in enumerate(pending):
        try:
            move(declaration_id)
        except (ValidationError, PermissionDenied, Declaration.DoesNotExist) as error:
            results.append(BatchResult(declaration_id, False, refusal_text(error)))
        except DatabaseError as error:
            _database_failed(error)
            results.append(BatchResult(declaration_id, False, DATABASE_FAILED))
            results += [BatchResult(pk, False, BATCH_INTERRUPTED) for pk in pending[index + 1 :]]
            break
        else:
            results.append(BatchResult(declaration_id, True))
    return results


def declaration_submit_many(
    *,
    declaration_ids: Iterable[int],
    actor: Any,
    role: RoleAssignment,
    direct_supervisor: Organization | None = None,
    request: HttpRequest | None = None,
) -> list[BatchResult]:
    """批量提交."""
    return _each(
        declaration_ids,
        lambda pk: declaration_submit(
            declaration_id=pk,
            actor=actor,
            role=role,
            direct_supervisor=direct_supervisor,
            request=request,
        ),
    )


def declaration_delete_many(
    *,
    declaration_ids: Iterable[int],
    actor: Any,
    role: RoleAssignment,
    request: HttpRequest | None = None,
) -> list[BatchResult]:
    """批量删除 (Guangxi, the person's and the unit's list): each claim through the lifecycle's
    discard, so only the declarant's deletable ones go (draft, returned, pending untouched);
    every other one is refused with its reason, and each deletion is audited."""
    return _each(
        declaration_ids,
        lambda pk: declaration_delete(declaration_id=pk, actor=actor, role=role, request=request),
    )


def review_many(
    action: Callable[..., Declaration],
    *,
    declaration_ids: Iterable[int],
    **kwargs: Any,
) -> list[BatchResult]:
    """批量通过 / 批量不通过: each claim its own move; refusals (an own claim too) per claim.

    Approving and rejecting go through the lifecycle's batch (`transition_many`: the same
    moves, committed a chunk at a time); returning names each claim's insufficient files, so
    it moves the claims one by one."""
    batch_action = BATCH_ACTIONS.get(action)
    if batch_action is None:
        return _each(declaration_ids, lambda pk: action(declaration_id=pk, **kwargs))
    ids = list(dict.fromkeys(declaration_ids))
    outcomes = transition_many(Declaration, item_ids=ids, action=batch_action, **kwargs)
    results: list[BatchResult] = []
    for outcome in outcomes:
        if isinstance(outcome.error, DatabaseError):
            _database_failed(outcome.error)
            results.append(BatchResult(outcome.item_id, False, DATABASE_FAILED))
        elif outcome.error is not None:
            results.append(BatchResult(outcome.item_id, False, refusal_text(outcome.error)))
        else:
            results.append(BatchResult(outcome.item_id, True))
    return results + [BatchResult(pk, False, BATCH_INTERRUPTED) for pk in ids[len(outcomes) :]]


# The services whose batches the lifecycle makes as one (the others: `_each`).
BATCH_ACTIONS: dict[Callable[..., Declaration], Action] = {
    declaration_approve: Action.APPROVE,
    declaration_reject: Action.REJECT,
}


def training_base_declare(
    *,
    role: RoleAssignment,
    actor: Any,
    attendees: list[str],
    data: DeclarationInput,
    request: HttpRequest | None = None,
) -> list[BatchResult]:
    """继续教育基地统一申报: one course, one submitted claim per attendee (by ID number).

    The course and the people are checked by declarations (`training_base_attendees`); here
    each attendee's claim is saved and submitted in its own transaction: a refused claim is
    reported on its line and does not stop the others.
    """
    results: list[BatchResult] = []
    checked = training_base_attendees(role=role, actor=actor, attendees=attendees, data=data)
    for attendee in checked:
        person = attendee.person
        if results and batch_interrupted(results[-1:]):
            results.append(BatchResult(0, False, BATCH_INTERRUPTED, id_number=attendee.id_number))
            continue
        if person is None:
            results.append(BatchResult(0, False, attendee.refusal, id_number=attendee.id_number))
            continue
        try:
            with transaction.atomic():
                declaration = declaration_save(
                    person=person, data=data, actor=actor, role=role, request=request
                )
                declaration = declaration_submit(
                    declaration_id=declaration.pk, actor=actor, role=role, request=request
                )
                step = current_step(declaration)
        except (ValidationError, PermissionDenied) as error:
            # No name: it is shown only for people the base did declare for.
            results.append(BatchResult(0, False, refusal_text(error), id_number=attendee.id_number))
        except DatabaseError as error:
            _database_failed(error)
            results.append(BatchResult(0, False, DATABASE_FAILED, id_number=attendee.id_number))
        else:
            results.append(
                BatchResult(
                    declaration.pk,
                    True,
                    f"已提交至{step.organization.name}（{step.level_name}）" if step else "已提交",
                    id_number=attendee.id_number,
                    name=person.name,
                )
            )
    return results


# --- per-file review (材料核验) -----------------------------------------------------------------


@transaction.atomic
def evidence_check_mark(
    *,
    declaration_id: int,
    attachment_id: int,
    verdict: str,
    note: str,
    actor: Any,
    role: RoleAssignment,
    request: HttpRequest | None = None,
) -> EvidenceCheck:
    """The reviewer of the step acting now marks one evidence file 已核验 or 不充分 (with a note).

    Raises PermissionDenied: not the current step's reviewer, one's own claim, or a file of
    another claim; ValidationError: no note for 不充分, an unknown verdict.
    """
    declaration = (
        Declaration.objects.select_for_update(of=("self",))
        .select_related("person")
        .get(pk=declaration_id)
    )
    step = current_step(declaration)
    if step is None or not fills_step(declaration, role, step):
        raise PermissionDenied("只有当前审核环节的审核人员可以核验材料。")
    if is_own_claim(declaration, role):
        raise PermissionDenied("不能核验本人申报的材料。")
    attachment = declaration.evidence().filter(pk=attachment_id).first()
    if attachment is None:
        raise PermissionDenied("该材料不属于此申报。")
    if verdict not in EvidenceVerdict.values:
        raise ValidationError({"verdict": "请选择“已核验”或“不充分”。"})
    note = (note or "").strip()
    if verdict == EvidenceVerdict.INSUFFICIENT and not note:
        raise ValidationError({"note": "标记为“不充分”时请说明原因，申报人将看到该说明。"})
    check, _ = EvidenceCheck.objects.update_or_create(
        attachment=attachment,
        position=step.position,
        defaults={
            "declaration": declaration,
            "level_name": step.level_name,
            "organization": step.organization,
            "verdict": verdict,
            "note": note[:1000],
            "reviewer": actor,
            "checked_at": timezone.now(),
        },
    )
    audit_record(
        action="declaration.evidence_check",
        actor=actor,
        role=role.kind,
        request=request,
        target=declaration,
        reason=note,
        details={
            "attachment": attachment.pk,
            "file": attachment.original_name,
            "verdict": verdict,
            "level": step.level_name,
        },
    )
    return check
