"""The review lifecycle: every move of a reviewable item after drafting, as one table.

`TABLE` lists the allowed moves as data: (from state, action, who may, to state), with the
condition that picks between rows of the same state and action (approve at the last level or
not) and the domain event the move publishes. `transition()` is the one way to make a move: it
locks the row, finds the rows of the table for the item's state and the action, checks the
actor, applies the change, writes the trail and the audit log, and publishes the event, all in
one transaction. A page asks `allowed_actions()` which buttons to show.

Nothing here is specific to a declaration: what is (the model, how its chain is planned, what
its trail and events are called) sits behind a `Reviewable` adapter, registered per model. The
yearly application and the supplement request register their own adapter and reuse the table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from xueshi.accounts.models import RoleAssignment
from xueshi.core.audit import audit_chain_lock, audit_record
from xueshi.core.memo import batch_memo
from xueshi.declarations import events
from xueshi.declarations.models import Declaration
from xueshi.declarations.permissions import declarations_in_scope, is_declarant
from xueshi.declarations.services import (
    AlreadyHandled,
    declaration_check_submittable,
    delete_files_on_commit,
    top_authority_for,
)
from xueshi.orgs.models import Organization
from xueshi.policy.schema import OUTCOME_LABELS
from xueshi.policy.words import level_outcomes

from .chain import PlannedStep, chain_replace, entry_index, resolve_chain
from .models import ChainStep, TrailAction, TrailEntry
from .permissions import AUDITOR_ROLES, OWN_CLAIM, REMOVER_ROLES, fills_step, is_own_claim
from .trail import trail_batch, trail_record


class State(StrEnum):
    """The states every reviewable item shares (a declaration's `DeclarationStatus`)."""

    DRAFT = "draft"
    PENDING = "pending"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    DELETED = "deleted"
    GONE = "gone"  # the row itself is deleted (the declarant discards a draft)


class Action(StrEnum):
    SUBMIT = "submit"  # 提交 (or 代为申报 by an organisation)
    WITHDRAW = "withdraw"  # 撤回, while no reviewer has acted
    APPROVE = "approve"  # 审核通过: to the next level, or final at the last; may lower hours
    RETURN = "return"  # 退回 to the declarant, to mend and resubmit
    REJECT = "reject"  # 不予认定, final
    DELETE_APPROVED = "delete_approved"  # an administrator removes an approved item
    DISCARD = "discard"  # the declarant deletes a draft, returned or untouched item
    # A random sample audit (抽查) of approved items: the authority corrects (lowers) the hours
    # granted, or revokes the approval; the ledger and the certificate follow the event.
    AUDIT_CORRECT = "audit_correct"
    AUDIT_REVOKE = "audit_revoke"


class OwnClaim(AlreadyHandled):
    """The actor declared the item, or it was declared for them: someone else must act."""


@dataclass(frozen=True)
class Transition:
    source: State
    action: Action
    who: str  # a check in WHO
    target: State
    when: str = ""  # a condition in WHEN; "" always holds
    event: str = ""  # the domain event published (the adapter names its signal)


S, A = State, Action
TABLE: tuple[Transition, ...] = (
    Transition(S.DRAFT, A.SUBMIT, "declarant", S.PENDING),
    Transition(S.RETURNED, A.SUBMIT, "declarant", S.PENDING),
    Transition(S.PENDING, A.WITHDRAW, "declarant", S.DRAFT, when="untouched"),
    Transition(S.PENDING, A.APPROVE, "current reviewer", S.PENDING, when="more levels"),
    Transition(S.PENDING, A.APPROVE, "current reviewer", S.APPROVED, "last level", "approved"),
    Transition(S.PENDING, A.RETURN, "current reviewer", S.RETURNED, event="returned"),
    Transition(S.PENDING, A.REJECT, "current reviewer", S.REJECTED, event="rejected"),
    Transition(S.APPROVED, A.DELETE_APPROVED, "remover", S.DELETED, event="approved_deleted"),
    Transition(S.DRAFT, A.DISCARD, "declarant", S.GONE),
    Transition(S.RETURNED, A.DISCARD, "declarant", S.GONE),
    Transition(S.PENDING, A.DISCARD, "declarant", S.GONE, when="untouched"),
    Transition(S.APPROVED, A.AUDIT_CORRECT, "auditor", S.APPROVED, event="audit_corrected"),
    Transition(S.APPROVED, A.AUDIT_REVOKE, "auditor", S.REJECTED, event="audit_revoked"),
)

# Verbs in refusals, as the pages word them.
VERBS = {A.SUBMIT: "提交", A.WITHDRAW: "撤回", A.DISCARD: "删除"}
# Actions whose actor is checked before the state (the declarant's: "only the declarant may").
WHO_FIRST = (A.SUBMIT, A.WITHDRAW, A.DISCARD, A.DELETE_APPROVED, A.AUDIT_CORRECT, A.AUDIT_REVOKE)


def who_of(action: Action) -> str:
    """The one check of an action (every row of an action names the same one)."""
    return next(row.who for row in TABLE if row.action == action)


# --- the item-specific part ------------------------------------------------------------------


class Reviewable(Protocol):
    """What the lifecycle needs to know about one kind of reviewable item.

    The item has `status`, `status_level`, `current_position`, `entry_position`,
    `submitted_at`, `decided_at`, `hours_granted`, `status_word` and `pk`; its chain is rows
    shaped as `ChainStep` (`position`, `level_code`, `level_name`, `organization`: a
    declaration's are `ChainStep` rows, another item may keep its own model of that shape) and
    its trail likewise.
    """

    model: type[models.Model]

    def lock(self, pk: int) -> Any: ...
    def in_scope(self, role: RoleAssignment, pk: int) -> bool: ...
    def is_declarant(self, item: Any, role: RoleAssignment) -> bool: ...
    def is_own(self, item: Any, role: RoleAssignment) -> bool: ...
    # ChainStep rows, or rows of the item's own step model with the same fields (position,
    # level_code, level_name, organization).
    def steps(self, item: Any) -> models.QuerySet[Any]: ...
    def plan(
        self, item: Any, *, direct_supervisor: Organization | None
    ) -> tuple[list[PlannedStep], int]: ...
    def replace_chain(self, item: Any, planned: list[PlannedStep]) -> None: ...
    def on_submit(self, item: Any) -> str: ...
    def outcomes(self, item: Any, step: Any) -> tuple[str, ...]: ...
    def on_approve(
        self,
        item: Any,
        *,
        final: bool,
        hours_granted: Decimal | None,
        comment: str,
        step: Any,
        forward_to: Organization | None,
    ) -> dict[str, Any]: ...
    def trail(self, item: Any, **kwargs: Any) -> Any: ...
    def discard(self, item: Any, *, actor: Any, role: RoleAssignment, request: Any) -> None: ...
    def publish(self, event: str, item: Any, **kwargs: Any) -> None: ...
    # Called once the new state and position are set, before the item is saved, with the
    # organisation of the step that must act now (None unless pending).
    def placed(self, item: Any, organization_id: int | None) -> None: ...


_ADAPTERS: dict[type[models.Model], Reviewable] = {}


def register(adapter: Reviewable) -> None:
    _ADAPTERS[adapter.model] = adapter


def adapter_for(model: type[models.Model]) -> Reviewable:
    return _ADAPTERS[model]


# --- who may, and when -----------------------------------------------------------------------


@dataclass
class Move:
    """One move in progress: the item locked, who acts, and the move's inputs."""

    adapter: Reviewable
    item: Any
    action: Action
    actor: Any
    role: RoleAssignment
    request: HttpRequest | None = None
    params: dict[str, Any] = field(default_factory=dict)
    step: Any = None  # the chain step that must act now (pending items): a ChainStep or alike
    is_last: bool | None = None  # whether `step` is the chain's last (asked once)
    # The item's chain steps in order, when a batch loaded them with the items (else asked).
    chain: list[Any] | None = None
    writing: bool = False  # the move has begun writing (a failure now must undo its writes)


def _declarant(move: Move) -> None:
    if not move.adapter.is_declarant(move.item, move.role):
        raise PermissionDenied(f"只有申报人可以{VERBS[move.action]}。")


def _current_reviewer(move: Move) -> None:
    if move.step is None or not fills_step(move.item, move.role, move.step):
        if move.adapter.in_scope(move.role, move.item.pk):
            raise AlreadyHandled("该申报已不在您的审核环节，请刷新后查看。")
        raise PermissionDenied("无权审核该申报。")
    if move.adapter.is_own(move.item, move.role):
        raise OwnClaim(OWN_CLAIM)


def _remover(move: Move) -> None:
    if move.role.kind not in REMOVER_ROLES:
        raise PermissionDenied("只有单位管理员及以上可以删除已通过的申报。")
    if not move.adapter.in_scope(move.role, move.item.pk):
        raise PermissionDenied("该申报不在您的管理范围内。")
    if move.adapter.is_own(move.item, move.role):
        raise OwnClaim("不能删除本人的申报，须由本单位其他管理员或上级处理。")


def _auditor(move: Move) -> None:
    """An authority admin with the item in its scope, for an item kind that may be audited
    (its adapter says `auditable`). Which audit sampled the item is the sample-audit app's
    check, made before it calls `transition`."""
    if not getattr(move.adapter, "auditable", False):
        raise PermissionDenied("该类事项不能抽查核减或撤销。")
    if move.role.kind not in AUDITOR_ROLES:
        raise PermissionDenied("只有认定机构管理员可以在抽查中核减学时或撤销认定。")
    if not move.adapter.in_scope(move.role, move.item.pk):
        raise PermissionDenied("该申报不在您的管理范围内。")
    if move.adapter.is_own(move.item, move.role):
        raise OwnClaim("不能抽查本人的申报，须由本机构其他管理员处理。")


WHO: dict[str, Callable[[Move], None]] = {
    "declarant": _declarant,
    "current reviewer": _current_reviewer,
    "remover": _remover,
    "auditor": _auditor,
}


# A reviewer's three outcomes; the region's profile says which of them each level has.
VERDICT_ACTIONS = (A.APPROVE, A.RETURN, A.REJECT)


class OutcomeNotOffered(AlreadyHandled):
    """The level that must act has no such outcome in its region (Anyang: no 不予认定)."""


def _outcome_offered(move: Move) -> None:
    step = _step(move)
    if str(move.action) not in move.adapter.outcomes(move.item, step):
        name = OUTCOME_LABELS.get(str(move.action), str(move.action))
        raise OutcomeNotOffered(f"{step.level_name}不能作出“{name}”的审核结论。")


def _untouched(move: Move) -> bool:
    return bool(move.item.current_position == move.item.entry_position)


def _step(move: Move) -> Any:
    """The step that must act now; a pending item always has one (a database constraint)."""
    if move.step is None:
        raise AlreadyHandled("该申报已不在审核中，请刷新后查看。")
    return move.step


def _is_last(move: Move) -> bool:
    if move.is_last is None:
        position = _step(move).position
        if move.chain is not None:
            move.is_last = all(step.position <= position for step in move.chain)
        else:
            later = move.adapter.steps(move.item).filter(position__gt=position)
            move.is_last = not later.exists()
    return move.is_last


WHEN: dict[str, Callable[[Move], bool]] = {
    "": lambda move: True,
    "untouched": _untouched,
    "last level": _is_last,
    "more levels": lambda move: not _is_last(move),
}


def _state_refusal(move: Move, *, state_matched: bool) -> AlreadyHandled:
    shown = move.item.status_word
    action = move.action
    if action == A.SUBMIT:
        return AlreadyHandled(f"该申报当前为“{shown}”，不能再次提交。")
    if action == A.WITHDRAW:
        if state_matched:
            return AlreadyHandled("审核人员已处理该申报，不能撤回；如有错误请联系审核单位退回。")
        return AlreadyHandled(f"该申报当前为“{shown}”，不能撤回。")
    if action == A.DISCARD:
        return AlreadyHandled("已审核的申报不能由申报人删除；如需删除请联系单位管理员。")
    if action in (A.DELETE_APPROVED, A.AUDIT_CORRECT, A.AUDIT_REVOKE):
        return AlreadyHandled(f"该申报当前为“{shown}”，不是已通过的申报。")
    return AlreadyHandled(f"该申报已被处理（当前状态：{shown}），请刷新后查看。")


def _rows(move: Move) -> list[Transition]:
    return [row for row in TABLE if row.action == move.action and row.source == move.item.status]


def _current_step(move: Move) -> Any:
    if move.item.current_position is None:
        return None
    if move.chain is not None:
        position = move.item.current_position
        return next((step for step in move.chain if step.position == position), None)
    return (
        move.adapter.steps(move.item)
        .select_related("organization")
        .filter(position=move.item.current_position)
        .first()
    )


def _choose(move: Move, expected_position: int | None = None) -> Transition:
    """The table's row for this move, or the refusal (nothing changed)."""
    if who_of(move.action) == "current reviewer":
        move.step = _current_step(move)
    check = WHO[who_of(move.action)]
    if move.action in WHO_FIRST:
        check(move)
    rows = _rows(move)
    if not rows or (
        expected_position is not None and move.item.current_position != expected_position
    ):
        raise _state_refusal(move, state_matched=False)
    if move.action not in WHO_FIRST:
        check(move)
    if move.action in VERDICT_ACTIONS:
        _outcome_offered(move)
    for row in rows:
        if WHEN[row.when](move):
            return row
    raise _state_refusal(move, state_matched=True)


def allowed_actions(
    item: Any, role: RoleAssignment | None, among: Iterable[Action] = tuple(Action)
) -> list[Action]:
    """The actions (of `among`) `role` may take on `item` now, by the table: for buttons.

    Actions the item's state has no row for are left out before any check (no query); the
    declarant's checks need none either, so a list may ask for those per row.
    """
    if role is None:
        return []
    adapter = adapter_for(type(item))
    allowed: list[Action] = []
    possible = {row.action for row in TABLE if row.source == item.status}
    for action in among:
        if action not in possible:
            continue
        move = Move(adapter, item, action, role.user, role)
        try:
            _choose(move)
        except (ValidationError, PermissionDenied):
            continue
        allowed.append(action)
    return allowed


# --- the moves -------------------------------------------------------------------------------


def _require_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"{what}必须填写审核意见（原因）。"})
    return reason


REASON_NAMES = {
    A.RETURN: "退回",
    A.REJECT: "不予认定",
    A.DELETE_APPROVED: "删除已通过的申报",
    A.AUDIT_CORRECT: "抽查核减学时",
    A.AUDIT_REVOKE: "抽查撤销认定",
}


@transaction.atomic
def transition(
    model: type[models.Model],
    *,
    item_id: int,
    action: Action,
    actor: Any,
    role: RoleAssignment,
    request: HttpRequest | None = None,
    expected_position: int | None = None,
    reason: str = "",
    comment: str = "",
    hours_granted: Decimal | None = None,
    direct_supervisor: Organization | None = None,
    forward_to: Organization | None = None,
) -> Any:
    """Make one move of the table on the item `item_id` of `model`; returns the item.

    Raises PermissionDenied (not the actor's to do), AlreadyHandled (the state does not allow
    it, e.g. someone else acted first; OwnClaim: the actor's own claim) or ValidationError (the
    inputs: a reason, the hours). Nothing changes when it raises.
    """
    if action in REASON_NAMES:
        reason = _require_reason(reason, REASON_NAMES[action])
    adapter = adapter_for(model)
    move = Move(adapter, adapter.lock(item_id), action, actor, role, request)
    return _make(
        move,
        expected_position=expected_position,
        reason=reason,
        comment=comment,
        hours_granted=hours_granted,
        direct_supervisor=direct_supervisor,
        forward_to=forward_to,
    )


def _make(
    move: Move,
    *,
    expected_position: int | None = None,
    reason: str = "",
    comment: str = "",
    hours_granted: Decimal | None = None,
    direct_supervisor: Organization | None = None,
    forward_to: Organization | None = None,
) -> Any:
    """The move on the locked item, by the table (the body of `transition`)."""
    row = _choose(move, expected_position)
    item, adapter, action = move.item, move.adapter, move.action
    actor, role, request = move.actor, move.role, move.request
    from_state = item.status
    if row.target == S.GONE:
        adapter.discard(item, actor=actor, role=role, request=request)
        return item
    trail: dict[str, Any] = {}
    if action == A.SUBMIT:
        trail = _submit(move, direct_supervisor)
    elif action == A.WITHDRAW:
        item.current_position = item.entry_position = None
        item.submitted_at = None
        adapter.steps(item).delete()
    elif action == A.APPROVE:
        trail = _approve(
            move, row, comment=(comment or "").strip(), hours=hours_granted, forward_to=forward_to
        )
    elif action in (A.RETURN, A.REJECT):
        if action == A.RETURN:
            item.entry_position = None  # resubmitted, it starts the chain afresh
        else:
            item.decided_at = timezone.now()  # final
        item.current_position = None
        trail = _at_step(move, comment=reason)
    elif action == A.DELETE_APPROVED:
        trail = {"organization": role.organization, "comment": reason}
    elif action == A.AUDIT_CORRECT:
        trail = _audit_correct(move, hours_granted, reason)
    elif action == A.AUDIT_REVOKE:
        item.decided_at = timezone.now()
        # Nothing is granted any more: statistics that sum hours granted agree with the ledger.
        item.hours_granted = Decimal(0)
        trail = {"organization": role.organization, "comment": reason, "hours_granted": Decimal(0)}
    item.status = row.target
    item.status_level, waiting_at = _placement(move, row)
    adapter.placed(item, waiting_at)
    # A reviewer's verdicts (BATCH_ACTIONS) write nothing before this point.
    move.writing = True
    item.save()
    adapter.trail(
        item,
        action=trail.pop("trail_action", TRAIL_ACTIONS[action]),
        actor=actor,
        role=role,
        from_status=from_state,
        request=request,
        **trail,
    )
    if row.event:
        extra = {"reason": reason} if reason else {}
        adapter.publish(row.event, item, actor=actor, **extra)
    return item


# Moves of a batch committed together: few enough that the audit chain's lock, held for the
# whole chunk, keeps other writers waiting a fraction of a second; many enough that the commit
# and the shared reads and inserts are paid once for many moves.
BATCH_CHUNK = 100
# A chunk and a single move lock the same shared rows (the statistics summaries' rows, the
# audit chain, the ledger's) in orders no one order fits both, so PostgreSQL may break the tie
# by failing one of them (SQLSTATE 40P01). The chunk is then tried again from where it failed.
DEADLOCK_RETRIES = 3
DEADLOCK_DETECTED = "40P01"
BATCH_ACTIONS = VERDICT_ACTIONS  # a reviewer's verdicts: the chain is read, never replanned


@dataclass(frozen=True)
class Outcome:
    """What became of one item of a batch: done, refused (`error` says why), or not done
    because the database failed (`error` is the DatabaseError)."""

    item_id: int
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def transition_many(
    model: type[models.Model],
    *,
    item_ids: Iterable[int],
    action: Action,
    actor: Any,
    role: RoleAssignment,
    request: HttpRequest | None = None,
    reason: str = "",
    comment: str = "",
    hours_granted: Decimal | None = None,
) -> list[Outcome]:
    """The same move of the table on many items (批量通过 / 批量不通过), each exactly as
    `transition` makes it, `BATCH_CHUNK` items to a transaction.

    A chunk locks and loads its items and their chains with two queries, and writes the trail
    and audit rows of its moves together before it commits. A refusal changes nothing and the
    batch goes on. A move that fails once it has begun writing (a database error, or a refusal
    from a follower of its event) rolls its chunk back; the chunk's moves before it are made
    again and committed, and it is reported with its error. A database error stops the batch
    there; if a chunk's commit fails, none of its moves is done. The outcomes cover the items
    tried, in order; the rest were not tried.
    """
    if action not in BATCH_ACTIONS:
        raise ValueError(f"{action} is not a batch action")
    adapter = adapter_for(model)
    pending = list(dict.fromkeys(item_ids))
    if action in REASON_NAMES:
        try:
            reason = _require_reason(reason, REASON_NAMES[action])
        except ValidationError as error:
            return [Outcome(pk, error) for pk in pending]
    inputs = {"reason": reason, "comment": comment, "hours_granted": hours_granted}
    outcomes: list[Outcome] = []
    retries = 0
    while pending:
        chunk = _chunk(adapter, pending[:BATCH_CHUNK], action, actor, role, request, inputs)
        broken = next((i for i, o in enumerate(chunk) if _deadlocked(o.error)), None)
        if broken is not None and retries < DEADLOCK_RETRIES:
            # What came before the broken move is final (done, or refused); it and the rest
            # of the chunk were not done: try them again.
            retries += 1
            outcomes += chunk[:broken]
            pending = pending[broken:]
            continue
        outcomes += chunk
        if any(isinstance(outcome.error, DatabaseError) for outcome in chunk):
            break
        pending = pending[len(chunk) :]
    return outcomes


def _deadlocked(error: Exception | None) -> bool:
    cause = error.__cause__ if isinstance(error, DatabaseError) else None
    return getattr(cause, "sqlstate", None) == DEADLOCK_DETECTED


class _Undo(Exception):
    """A move of a chunk failed after it began writing: the chunk's transaction is rolled back."""


def _chunk(
    adapter: Any,
    ids: list[int],
    action: Action,
    actor: Any,
    role: RoleAssignment,
    request: HttpRequest | None,
    inputs: dict[str, Any],
) -> list[Outcome]:
    """The moves of `ids` in one transaction; the outcomes of all of them, or of those up to a
    move that failed after it began writing (the chunk ends there)."""
    outcomes: list[Outcome] = []
    try:
        with transaction.atomic(), trail_batch(), batch_memo():
            items = adapter.lock_many(ids)
            chains = adapter.chains(list(items.values()))
            # The audit chain's lock before the ledger's rows, as a single move takes them (its
            # trail is written before its event's followers post): the chunk's audit rows are
            # written last, so the chain's lock is taken now. The summaries' rows, which its
            # updates lock after it, can still meet a single move in the other order: a deadlock
            # PostgreSQL ends by failing one side (the batch tries its chunk again).
            audit_chain_lock()
            for pk in ids:
                item = items.get(pk)
                if item is None:
                    outcomes.append(Outcome(pk, adapter.model.DoesNotExist("不存在或已删除。")))
                    continue
                move = Move(adapter, item, action, actor, role, request, chain=chains.get(pk, []))
                try:
                    # No savepoint: a refusal before the move's first write leaves nothing to undo.
                    _make(move, **inputs)
                except (ValidationError, PermissionDenied, DatabaseError) as error:
                    if move.writing or isinstance(error, DatabaseError):
                        raise _Undo(Outcome(pk, error)) from error
                    outcomes.append(Outcome(pk, error))
                else:
                    outcomes.append(Outcome(pk))
    except _Undo as undo:
        broken: Outcome = undo.args[0]
        return [*_again(adapter, outcomes, action, actor, role, request, inputs), broken]
    except DatabaseError as error:
        # The chunk's reads or its commit failed: none of its moves is done. Refusals stay
        # refusals (they changed nothing anyway).
        failed = [
            outcome if outcome.error is not None else Outcome(outcome.item_id, error)
            for outcome in outcomes
        ]
        return failed or [Outcome(ids[0], error)]
    return outcomes


def _again(
    adapter: Any,
    outcomes: list[Outcome],
    action: Action,
    actor: Any,
    role: RoleAssignment,
    request: HttpRequest | None,
    inputs: dict[str, Any],
) -> list[Outcome]:
    """The moves done before a chunk was rolled back, made again (what becomes of them now is
    what is reported: someone else may have acted meanwhile, or the database may fail again)."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()  # a lost connection: reconnect to try again
    done = [outcome.item_id for outcome in outcomes if outcome.ok]
    again: dict[int, Outcome] = {}
    while done:
        chunk = _chunk(adapter, done, action, actor, role, request, inputs)
        again.update((outcome.item_id, outcome) for outcome in chunk)
        failure = next((o.error for o in chunk if isinstance(o.error, DatabaseError)), None)
        if failure is not None:
            # Not made again: rolled back, not done.
            again.update((pk, Outcome(pk, failure)) for pk in done if pk not in again)
            break
        done = done[len(chunk) :]
    return [again.get(outcome.item_id, outcome) for outcome in outcomes]


def _placement(move: Move, row: Transition) -> tuple[str, int | None]:
    """The review level the new state refers to (where it now waits, or which level turned it
    down; the region's status words may depend on it) and, while pending, the organisation
    that must act now."""
    item = move.item
    if row.target == S.PENDING and move.chain is not None and move.action != A.SUBMIT:
        # A batch's move: the chain loaded with the item is still the item's chain.
        step = next((s for s in move.chain if s.position == item.current_position), None)
        return (step.level_code, step.organization_id) if step else ("", None)
    if row.target == S.PENDING:
        steps = move.adapter.steps(item).filter(position=item.current_position)
        level_code, organization_id = steps.values_list(
            "level_code", "organization_id"
        ).first() or (
            "",
            None,
        )
        return level_code, organization_id
    if row.target in (S.RETURNED, S.REJECTED) and move.step is not None:
        return move.step.level_code, None
    return "", None


TRAIL_ACTIONS = {
    A.SUBMIT: TrailAction.SUBMIT,
    A.WITHDRAW: TrailAction.WITHDRAW,
    A.APPROVE: TrailAction.APPROVE,
    A.RETURN: TrailAction.RETURN,
    A.REJECT: TrailAction.REJECT,
    A.DELETE_APPROVED: TrailAction.DELETE,
    A.AUDIT_CORRECT: TrailAction.AUDIT_CORRECT,
    A.AUDIT_REVOKE: TrailAction.AUDIT_REVOKE,
}


def _audit_correct(move: Move, hours: Decimal | None, reason: str) -> dict[str, Any]:
    """抽查核减: the hours granted go down (never up, never below zero), with the reason."""
    item = move.item
    before = item.hours_granted if item.hours_granted is not None else item.hours_claimed
    if hours is None:
        raise ValidationError({"hours_granted": "请填写核定后的学时。"})
    if hours < 0:
        raise ValidationError({"hours_granted": "核定学时不能为负数。"})
    if hours >= before:
        raise ValidationError(
            {"hours_granted": f"核定学时须少于原批准学时（{before.normalize():f} 学时）。"}
        )
    item.hours_granted = hours
    return {"organization": move.role.organization, "comment": reason, "hours_granted": hours}


def _at_step(move: Move, *, comment: str) -> dict[str, Any]:
    step = _step(move)
    return {
        "level_name": step.level_name,
        "organization": step.organization,
        "comment": comment,
    }


def _submit(move: Move, direct_supervisor: Organization | None) -> dict[str, Any]:
    item, adapter = move.item, move.adapter
    planned, entry = adapter.plan(item, direct_supervisor=direct_supervisor)
    adapter.replace_chain(item, planned)
    item.current_position = item.entry_position = entry
    item.submitted_at = timezone.now()
    item.decided_at = None
    trail_action = adapter.on_submit(item)
    step = planned[entry]
    return {
        "trail_action": trail_action,
        "level_name": step.level_name,
        "organization": step.organization,
        "comment": f"提交至{step.organization.name}（{step.level_name}）",
    }


def _approve(
    move: Move,
    row: Transition,
    *,
    comment: str,
    hours: Decimal | None,
    forward_to: Organization | None = None,
) -> dict[str, Any]:
    """Approve at the current step. `forward_to`: where the reviewer sends the item next (选择
    提交单位, the yearly application); the adapter checks it and may add a step for it."""
    item, step = move.item, _step(move)
    final = row.target == S.APPROVED
    extra = move.adapter.on_approve(
        item, final=final, hours_granted=hours, comment=comment, step=step, forward_to=forward_to
    )
    if final:
        item.current_position = None
        item.decided_at = timezone.now()
    else:
        item.current_position = step.position + 1
    return {**_at_step(move, comment=comment), "hours_granted": item.hours_granted, **extra}


# --- declarations as a reviewable item --------------------------------------------------------


class DeclarationReviewable:
    """学时申报 through the lifecycle: its chain from the region's profile, its trail, events."""

    model: type[models.Model] = Declaration
    EVENTS = {
        "approved": events.declaration_approved,
        "returned": events.declaration_returned,
        "rejected": events.declaration_rejected,
        "approved_deleted": events.approved_declaration_deleted,
        "audit_corrected": events.approved_declaration_corrected,
        "audit_revoked": events.approved_declaration_revoked,
    }
    # Its approved claims may be sampled by an authority's audit (抽查).
    auditable = True

    def outcomes(self, item: Declaration, step: Any) -> tuple[str, ...]:
        return level_outcomes(item.policy_profile, item.profile_version, step.level_code)

    def lock(self, pk: int) -> Declaration:
        return (
            Declaration.objects.select_for_update(of=("self",))
            .select_related("person__unit", "unit")
            .get(pk=pk)
        )

    def lock_many(self, pks: list[int]) -> dict[int, Declaration]:
        """A batch's items, locked in id order (two batches over the same claims never wait
        on each other in a cycle), with what the checks and the ledger's followers read."""
        items = (
            Declaration.objects.select_for_update(of=("self",))
            .select_related("person__unit", "person__user", "unit")
            .filter(pk__in=pks)
            .order_by("pk")
        )
        return {item.pk: item for item in items}

    def chains(self, items: list[Declaration]) -> dict[int, list[ChainStep]]:
        chains: dict[int, list[ChainStep]] = {item.pk: [] for item in items}
        steps = (
            ChainStep.objects.filter(declaration__in=[item.pk for item in items])
            .select_related("organization")
            .order_by("declaration_id", "position")
        )
        for step in steps:
            chains[step.declaration_id].append(step)
        return chains

    def in_scope(self, role: RoleAssignment, pk: int) -> bool:
        return declarations_in_scope(role).filter(pk=pk).exists()

    def is_declarant(self, item: Declaration, role: RoleAssignment) -> bool:
        return is_declarant(item, role)

    def is_own(self, item: Declaration, role: RoleAssignment) -> bool:
        return is_own_claim(item, role)

    def steps(self, item: Declaration) -> models.QuerySet[ChainStep]:
        return ChainStep.objects.filter(declaration=item)

    def plan(
        self, item: Declaration, *, direct_supervisor: Organization | None
    ) -> tuple[list[PlannedStep], int]:
        version = declaration_check_submittable(item)
        # A draft goes to the person's unit now; a returned claim stays with its unit.
        if item.status == State.DRAFT:
            item.unit = item.person.unit
        steps = resolve_chain(
            version,
            unit=item.unit,
            direct_supervisor=None if item.is_supplement else direct_supervisor,
            top_authority=top_authority_for(version, item),
            supplement=item.is_supplement,
            category_code=item.category_code,
        )
        return steps, entry_index(steps, item.registered_by_organization)

    def replace_chain(self, item: Declaration, planned: list[PlannedStep]) -> None:
        chain_replace(ChainStep, item_field="declaration", item=item, planned=planned)

    def on_submit(self, item: Declaration) -> str:
        item.hours_granted = None
        return TrailAction.DECLARE_FOR if item.registered_by_organization_id else TrailAction.SUBMIT

    def on_approve(
        self,
        item: Declaration,
        *,
        final: bool,
        hours_granted: Decimal | None,
        comment: str,
        step: Any = None,
        forward_to: Organization | None = None,
    ) -> dict[str, Any]:
        """减少学时: a reviewer may lower the hours (with a reason), never raise them. A claim's
        chain is planned at submission: no reviewer chooses where it goes next."""
        if forward_to is not None:
            raise ValidationError({"forward_to": "学时申报按审核链审核，不能选择提交单位。"})
        if hours_granted is not None and hours_granted != item.hours_counted:
            if hours_granted < 0:
                raise ValidationError({"hours_granted": "批准学时不能为负数。"})
            if hours_granted > item.hours_claimed:
                raise ValidationError({"hours_granted": "批准学时不能超过申请学时。"})
            if not comment:
                raise ValidationError({"reason": "调整批准学时必须填写原因。"})
            item.hours_granted = hours_granted
        if final:
            item.hours_granted = item.hours_counted
        return {}

    def trail(self, item: Declaration, **kwargs: Any) -> TrailEntry:
        return trail_record(declaration=item, **kwargs)

    def discard(self, item: Declaration, *, actor: Any, role: RoleAssignment, request: Any) -> None:
        audit_discard(item, actor=actor, role=role, request=request)
        files = [attachment.file for attachment in item.attachments.all()]
        item.delete()
        delete_files_on_commit(files)

    def publish(self, event: str, item: Declaration, **kwargs: Any) -> None:
        events.publish(self.EVENTS[event], declaration=item, **kwargs)

    def placed(self, item: Declaration, organization_id: int | None) -> None:
        item.current_organization_id = organization_id


def audit_discard(item: Declaration, *, actor: Any, role: RoleAssignment, request: Any) -> None:
    audit_record(
        action="declaration.delete",
        actor=actor,
        role=role.kind,
        request=request,
        target=item,
        from_state=item.status,
        to_state="",
        details={"title": item.title, "person_id": item.person_id},
    )


def register_declaration() -> None:
    register(DeclarationReviewable())


__all__ = [
    "TABLE",
    "Action",
    "OwnClaim",
    "Reviewable",
    "State",
    "Transition",
    "adapter_for",
    "allowed_actions",
    "register",
    "transition",
    "transition_many",
]
