"""The supplement request as a reviewable item of the review lifecycle.

The table, the row lock, the checks (nobody decides their own request) and `transition()` are
the lifecycle's (xueshi/review/lifecycle.py); this adapter says what is particular: the chain is
one step, the person's unit (the review level of `organization_kind: unit` in the region's
supplement chain); the unit may agree (approve) or refuse (reject), never return; the trail is
`SupplementTrailEntry`, written together with the audit log.

    已申请 (draft) --提交申请 (submit)--> 个人申请中 (pending)
    个人申请中 --同意增补 (approve, last level)--> 同意 (approved)
    个人申请中 --拒绝增补 (reject, with a reason)--> 不同意 (rejected)
    已申请 / 个人申请中 (untouched) --撤销增补 (discard)--> gone
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.core.audit import audit_record
from xueshi.notifications.services import notify
from xueshi.orgs.models import Organization, OrganizationKind
from xueshi.policy.resolver import resolve_version
from xueshi.review.chain import PlannedStep, chain_replace, resolve_chain
from xueshi.review.lifecycle import register
from xueshi.review.trail import trail_write

from .models import SupplementRequest, SupplementStep, SupplementTrailEntry
from .selectors import requests_in_scope

# A unit agrees (approve) or refuses (reject); a request is never sent back to be mended.
OUTCOMES = ("approve", "reject")


class SupplementRequestReviewable:
    model: type[models.Model] = SupplementRequest

    def lock(self, pk: int) -> SupplementRequest:
        return (
            SupplementRequest.objects.select_for_update(of=("self",))
            .select_related("person", "unit")
            .get(pk=pk)
        )

    def in_scope(self, role: RoleAssignment, pk: int) -> bool:
        return requests_in_scope(role).filter(pk=pk).exists()

    def is_declarant(self, item: SupplementRequest, role: RoleAssignment) -> bool:
        return role.kind == RoleKind.PROFESSIONAL and item.person.user_id == role.user_id

    def is_own(self, item: SupplementRequest, role: RoleAssignment) -> bool:
        return role.user_id in (item.person.user_id, item.created_by_id)

    def steps(self, item: SupplementRequest) -> models.QuerySet[SupplementStep]:
        return SupplementStep.objects.filter(request=item)

    def plan(
        self, item: SupplementRequest, *, direct_supervisor: Organization | None
    ) -> tuple[list[PlannedStep], int]:
        """One step: the person's unit, as the region's supplement chain names its level."""
        version = resolve_version(item.policy_profile, item.profile_version)
        item.unit = item.person.unit
        steps = resolve_chain(version, unit=item.unit, supplement=True)
        unit_steps = [s for s in steps if s.organization.kind == OrganizationKind.UNIT]
        if not unit_steps:
            raise ValidationError("未找到审批增补申请的单位，请先在“我的信息”中选择单位。")
        return unit_steps[:1], 0

    def replace_chain(self, item: SupplementRequest, planned: list[PlannedStep]) -> None:
        chain_replace(SupplementStep, item_field="request", item=item, planned=planned)

    def on_submit(self, item: SupplementRequest) -> str:
        item.reason = ""
        return "submit"

    def outcomes(self, item: SupplementRequest, step: Any) -> tuple[str, ...]:
        return OUTCOMES

    def on_approve(
        self,
        item: SupplementRequest,
        *,
        final: bool,
        hours_granted: Decimal | None,
        comment: str,
        step: Any = None,
        forward_to: Organization | None = None,
    ) -> dict[str, Any]:
        """Agreeing grants no hours: the claims added afterwards are reviewed on their own. The
        unit's say is the last: nobody chooses where a request goes next."""
        if forward_to is not None:
            raise ValidationError({"forward_to": "增补申请由所在单位决定，不能选择提交单位。"})
        return {}

    def trail(self, item: SupplementRequest, **kwargs: Any) -> SupplementTrailEntry:
        return trail_write(
            SupplementTrailEntry,
            item_field="request",
            item=item,
            audit_prefix="supplement",
            details={"credit_year": item.credit_year, "category": item.category_code},
            **kwargs,
        )

    def discard(
        self, item: SupplementRequest, *, actor: Any, role: RoleAssignment, request: Any
    ) -> None:
        """撤销增补: the request goes; the audit log keeps that it was made and cancelled."""
        audit_record(
            action="supplement.cancel",
            actor=actor,
            role=role.kind,
            request=request,
            target=item,
            from_state=item.status,
            to_state="",
            details={
                "credit_year": item.credit_year,
                "category": item.category_code,
                "person_id": item.person_id,
            },
        )
        item.delete()

    def placed(self, item: SupplementRequest, organization_id: int | None) -> None:
        pass  # its queue joins its own steps (few items); nothing kept on the item

    def publish(self, event: str, item: SupplementRequest, **kwargs: Any) -> None:
        """The unit decided: the person's bell says so, once the decision is committed."""
        words = item.words
        what = f"{item.credit_year}年度“{item.category_name}”"
        if event == "approved":
            message = f"单位已{words.agree}：{what}，可新增该类别的学时登记。"
        elif event == "rejected":
            message = f"单位已{words.refuse}：{what}。原因：{kwargs.get('reason', '')}"
        else:
            return
        url = reverse("supplements:category", args=[item.credit_year, item.category_code])
        recipient = item.person.user
        transaction.on_commit(lambda: notify(recipient=recipient, message=message, url=url))


def register_supplement_request() -> None:
    register(SupplementRequestReviewable())
