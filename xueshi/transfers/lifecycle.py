"""The transfer request as a reviewable item of the review lifecycle.

The table, the row lock, the checks (nobody reviews their own request) and `transition()` are
the lifecycle's (xueshi/review/lifecycle.py); this adapter says what is particular:

- the chain: the person's unit, where the region's profile has a unit level (skipped when the
  unit itself filed the request), then the authority of the person's region, whose approval is
  final;
- approve takes no hours (the years' hours are the evidence's), return and reject need a reason;
- the final approval posts each year's hours to the ledger once (`ledger_record_source`, source
  转入, one reference per request and year), and the person's bell says so.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.core.audit import audit_record
from xueshi.declarations.services import delete_files_on_commit
from xueshi.notifications.services import notify
from xueshi.orgs.models import Organization, OrganizationKind, OrganizationStatus
from xueshi.policy.resolver import try_resolve_version
from xueshi.review.chain import PlannedStep, chain_replace
from xueshi.review.lifecycle import register
from xueshi.review.trail import trail_write

from .models import TransferRequest, TransferStep, TransferTrailEntry
from .selectors import region_of, transfers_in_scope
from .services import transfer_post_to_ledger

UNIT_LEVEL = ("unit", "单位审核")
AUTHORITY_LEVEL = ("authority", "人社部门审核")
OUTCOMES = ("approve", "return", "reject")
UNIT_OUTCOMES = ("approve", "return")  # the authority decides; a unit passes it on or returns


def _level(version: Any, kind: str, default: tuple[str, str]) -> tuple[str, str]:
    """The profile's level of an organisation kind (its code and this region's word)."""
    if version is None:
        return default
    found = [lv for lv in version.review.levels if lv.organization_kind == kind]
    return (found[0].code, found[0].name) if found else ("", "")


class TransferRequestReviewable:
    model: type[models.Model] = TransferRequest

    def lock(self, pk: int) -> TransferRequest:
        return (
            TransferRequest.objects.select_for_update(of=("self",))
            .select_related("person", "person__user", "unit")
            .get(pk=pk)
        )

    def in_scope(self, role: RoleAssignment, pk: int) -> bool:
        return transfers_in_scope(role).filter(pk=pk).exists()

    def is_declarant(self, item: TransferRequest, role: RoleAssignment) -> bool:
        if role.kind == RoleKind.PROFESSIONAL:
            return bool(item.person.user_id == role.user_id)
        # The new unit's admin who filed it on the person's behalf.
        return bool(
            role.kind == RoleKind.UNIT_ADMIN
            and item.created_by_id == role.user_id
            and item.person.unit_id == role.organization_id
        )

    def is_own(self, item: TransferRequest, role: RoleAssignment) -> bool:
        return role.user_id in (item.person.user_id, item.created_by_id)

    def steps(self, item: TransferRequest) -> models.QuerySet[TransferStep]:
        return TransferStep.objects.filter(request=item)

    def plan(
        self, item: TransferRequest, *, direct_supervisor: Organization | None
    ) -> tuple[list[PlannedStep], int]:
        unit = item.person.unit
        if unit is None:
            raise ValidationError("请先在“我的信息”中选择现工作单位，再申请学时转入。")
        if unit.status != OrganizationStatus.ACTIVE:
            raise ValidationError(f"“{unit.name}”尚在审批中，审批通过后才能提交。")
        authority = region_of(unit)
        if authority is None:
            raise ValidationError("未找到您所在地区的人社部门，暂不能申请学时转入。")
        version = try_resolve_version(unit.effective_policy_profile())
        steps = []
        unit_code, unit_name = _level(version, OrganizationKind.UNIT, UNIT_LEVEL)
        if unit_code:
            steps.append(PlannedStep(unit_code, unit_name, unit))
        code, name = _level(version, OrganizationKind.AUTHORITY, AUTHORITY_LEVEL)
        steps.append(PlannedStep(code or AUTHORITY_LEVEL[0], name or AUTHORITY_LEVEL[1], authority))
        # Filed by the unit: its own level is done (nobody reviews what they filed).
        filed_by_unit = item.created_by_id != item.person.user_id
        entry = 1 if filed_by_unit and len(steps) > 1 else 0
        return steps, entry

    def replace_chain(self, item: TransferRequest, planned: list[PlannedStep]) -> None:
        chain_replace(TransferStep, item_field="request", item=item, planned=planned)

    def on_submit(self, item: TransferRequest) -> str:
        item.unit = item.person.unit
        return "submit"

    def outcomes(self, item: TransferRequest, step: Any) -> tuple[str, ...]:
        if step.organization.kind == OrganizationKind.UNIT:
            return UNIT_OUTCOMES
        return OUTCOMES

    def on_approve(
        self,
        item: TransferRequest,
        *,
        final: bool,
        hours_granted: Decimal | None,
        comment: str,
        step: Any = None,
        forward_to: Organization | None = None,
    ) -> dict[str, Any]:
        """The hours are the evidence's: a reviewer approves them as they are, or returns the
        request to be mended."""
        if forward_to is not None:
            raise ValidationError({"forward_to": "学时转入按审核链审核，不能选择提交单位。"})
        if hours_granted is not None:
            raise ValidationError({"hours_granted": "学时转入按证明上的学时认定，不调整学时。"})
        return {}

    def trail(self, item: TransferRequest, **kwargs: Any) -> TransferTrailEntry:
        return trail_write(
            TransferTrailEntry,
            item_field="request",
            item=item,
            audit_prefix="transfer",
            details={"person_id": item.person_id, "source_region": item.source_region_name},
            **kwargs,
        )

    def discard(
        self, item: TransferRequest, *, actor: Any, role: RoleAssignment, request: Any
    ) -> None:
        audit_record(
            action="transfer.delete",
            actor=actor,
            role=role.kind,
            request=request,
            target=item,
            from_state=item.status,
            to_state="",
            details={"person_id": item.person_id, "source_region": item.source_region_name},
        )
        files = [item.evidence] if item.evidence else []
        item.delete()
        delete_files_on_commit(files)

    def placed(self, item: TransferRequest, organization_id: int | None) -> None:
        pass  # its queue joins its own steps (few items); nothing kept on the item

    def publish(self, event: str, item: TransferRequest, **kwargs: Any) -> None:
        """Approved: the hours enter the ledger (once); the person's bell hears every verdict."""
        if event == "approved":
            transfer_post_to_ledger(item)
            message = f"您自{item.source_region_name}转入的学时已认定，已计入学时台账。"
        elif event == "returned":
            message = f"您的学时转入申请已退回。原因：{kwargs.get('reason', '')}"
        elif event == "rejected":
            message = f"您的学时转入申请不予认定。原因：{kwargs.get('reason', '')}"
        else:
            return
        url = reverse("transfers:detail", args=[item.pk])
        recipient = item.person.user
        transaction.on_commit(lambda: notify(recipient=recipient, message=message, url=url))


def register_transfer_request() -> None:
    register(TransferRequestReviewable())
