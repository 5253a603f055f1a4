"""Writes of sample audits: start one (draw the sample), give each drawn claim its verdict.

A correction or a revocation is a move of the lifecycle (`review/lifecycle.py`: audit_correct,
audit_revoke): the lock, the trail, the audit log and the domain event happen there, the ledger
posts the difference and the certificate follows the ledger. This app checks only what the
lifecycle cannot know: that the claim was drawn by an audit of the actor's authority.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.core.audit import audit_record
from xueshi.declarations.models import Declaration
from xueshi.declarations.services import AlreadyHandled
from xueshi.review.lifecycle import Action, transition

from .drawing import draw_sample, sample_size
from .models import AuditVerdict, SampleAudit, SampledItem, SizeKind, Stratify
from .selectors import audit_population

# A recorded seed stays readable (12 digits) yet far too many to guess.
SEED_LIMIT = 10**12


def _stratum_key(declaration: Mapping[str, Any], stratify: str) -> str:
    if stratify == Stratify.UNIT:
        return str(declaration["unit_id"] or "")
    if stratify == Stratify.CATEGORY:
        return str(declaration["category_code"])
    return ""


def _stratum_label(declaration: Declaration, stratify: str) -> str:
    if stratify == Stratify.UNIT:
        return declaration.unit.name if declaration.unit is not None else "其他单位"
    if stratify == Stratify.CATEGORY:
        return declaration.category_name or declaration.category_code
    return ""


@transaction.atomic
def sample_audit_start(
    *,
    role: RoleAssignment,
    actor: Any,
    credit_year: int,
    size_kind: str,
    size_value: Decimal,
    stratify: str = Stratify.NONE,
    seed: int | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> SampleAudit:
    """Draw the sample of `credit_year`'s approved claims in the role's scope and record it."""
    if role.kind != RoleKind.AUTHORITY_ADMIN or role.organization is None:
        raise PermissionDenied("只有认定机构管理员可以发起抽查。")
    if size_kind not in SizeKind.values or stratify not in Stratify.values:
        raise ValidationError("抽查方式或分层方式无效。")
    if size_kind == SizeKind.PERCENT and not Decimal(0) < size_value <= Decimal(100):
        raise ValidationError({"size_value": "抽查比例须大于 0 且不超过 100。"})
    if size_kind == SizeKind.COUNT and (size_value < 1 or size_value != size_value.to_integral()):
        raise ValidationError({"size_value": "抽查件数须为正整数。"})
    if seed is None:
        seed = secrets.randbelow(SEED_LIMIT)
    if not 0 <= seed < 2**63:
        raise ValidationError({"seed": "随机种子须为非负整数。"})
    rows = list(audit_population(role, credit_year).values("pk", "unit_id", "category_code"))
    if not rows:
        raise ValidationError(
            {"credit_year": f"您的管辖范围内没有 {credit_year} 年度已通过认定的申报，无法抽查。"}
        )
    strata: dict[str, list[int]] = {}
    for row in rows:
        strata.setdefault(_stratum_key(row, stratify), []).append(row["pk"])
    size = sample_size(len(rows), size_kind, size_value)
    drawn = draw_sample(strata, size, seed)
    audit = SampleAudit.objects.create(
        authority=role.organization,
        credit_year=credit_year,
        size_kind=size_kind,
        size_value=size_value,
        stratify=stratify,
        seed=seed,
        population_size=len(rows),
        sample_size=len(drawn),
        note=note.strip()[:200],
        created_by=actor,
    )
    claims = Declaration.objects.select_related("unit").in_bulk(drawn)
    SampledItem.objects.bulk_create(
        SampledItem(
            audit=audit,
            declaration=claims[pk],
            position=position,
            stratum=_stratum_label(claims[pk], stratify),
            unit=claims[pk].unit,
            hours_before=claims[pk].hours_counted,
        )
        for position, pk in enumerate(drawn, start=1)
    )
    audit_record(
        action="sample_audit.start",
        actor=actor,
        role=role.kind,
        request=request,
        target=audit,
        details={
            "credit_year": credit_year,
            "size": f"{size_kind}:{size_value}",
            "stratify": stratify,
            "seed": seed,
            "population": len(rows),
            "sample": len(drawn),
        },
    )
    return audit


@transaction.atomic
def sampled_item_decide(
    *,
    role: RoleAssignment,
    actor: Any,
    item_id: int,
    verdict: str,
    reason: str = "",
    hours_after: Decimal | None = None,
    request: HttpRequest | None = None,
) -> SampledItem:
    """The audit's verdict on one drawn claim. Corrected and revoked move the claim through the
    lifecycle (which refuses what its table does not allow); confirmed changes nothing else.

    Raises PermissionDenied (not an item of the actor's authority), AlreadyHandled (decided
    already, or the claim is no longer approved) or ValidationError (reason, hours).
    """
    item = (
        SampledItem.objects.select_for_update(of=("self",))
        .select_related("audit", "declaration")
        .filter(pk=item_id)
        .first()
    )
    if item is None or role.organization_id is None:
        raise PermissionDenied("抽查项不存在。")
    if item.audit.authority_id != role.organization_id or role.kind != RoleKind.AUTHORITY_ADMIN:
        raise PermissionDenied("该抽查不属于本机构。")
    if item.verdict:
        raise AlreadyHandled("该抽查项已有结论，请刷新后查看。")
    reason = (reason or "").strip()
    if verdict == AuditVerdict.CONFIRMED:
        pass
    elif verdict == AuditVerdict.CORRECTED:
        if not reason:
            raise ValidationError({"reason": "核减学时必须填写原因。"})
        declaration = transition(
            Declaration,
            item_id=item.declaration_id,
            action=Action.AUDIT_CORRECT,
            actor=actor,
            role=role,
            request=request,
            reason=reason,
            hours_granted=hours_after,
        )
        item.hours_after = declaration.hours_granted
    elif verdict == AuditVerdict.REVOKED:
        if not reason:
            raise ValidationError({"reason": "撤销认定必须填写原因。"})
        transition(
            Declaration,
            item_id=item.declaration_id,
            action=Action.AUDIT_REVOKE,
            actor=actor,
            role=role,
            request=request,
            reason=reason,
        )
        item.hours_after = Decimal(0)
    else:
        raise ValidationError({"verdict": "请选择抽查结论。"})
    item.verdict = verdict
    item.reason = reason
    item.decided_by = actor
    item.decided_at = timezone.now()
    item.save(update_fields=["verdict", "reason", "hours_after", "decided_by", "decided_at"])
    audit_record(
        action="sample_audit.verdict",
        actor=actor,
        role=role.kind,
        request=request,
        target=item.declaration,
        reason=reason,
        details={
            "audit": item.audit_id,
            "item": item.pk,
            "verdict": verdict,
            "hours_before": str(item.hours_before),
            "hours_after": None if item.hours_after is None else str(item.hours_after),
        },
    )
    return item
