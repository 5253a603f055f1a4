"""学时认定申请书 as a reviewable item of the lifecycle (`review/lifecycle.py`).

Its chain: the person's unit (信息审核), any supervisor a reviewer forwards it to (同意 → 选择
提交单位, as the profile's `yearly_application.forwarding` allows), and the 认定单位 the person
chose in step 3, whose 同意 is final and puts the hours into the ledger, once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.core.audit import audit_record
from xueshi.declarations.services import delete_files_on_commit
from xueshi.ledger.services import ledger_record_source
from xueshi.orgs.models import Organization, OrganizationStatus
from xueshi.review.chain import PlannedStep, chain_replace
from xueshi.review.lifecycle import register
from xueshi.review.models import TrailAction
from xueshi.review.trail import trail_write

from . import events
from .models import Application, ApplicationStep, ApplicationTrail, EntryEvidence
from .selectors import applications_in_scope, forward_options
from .services import check_submittable, version_of

SUPERVISOR_LEVEL = ("supervisor", "主管部门审核")


def ledger_ref(application: Application) -> str:
    return f"application:{application.pk}"


class ApplicationReviewable:
    model: type[models.Model] = Application
    EVENTS = {
        "approved": events.application_approved,
        "returned": events.application_returned,
    }

    def lock(self, pk: int) -> Application:
        return (
            Application.objects.select_for_update(of=("self",))
            .select_related("person", "unit", "certifier")
            .get(pk=pk)
        )

    def in_scope(self, role: RoleAssignment, pk: int) -> bool:
        return applications_in_scope(role).filter(pk=pk).exists()

    def is_declarant(self, item: Application, role: RoleAssignment) -> bool:
        return role.kind == RoleKind.PROFESSIONAL and item.person.user_id == role.user_id

    def is_own(self, item: Application, role: RoleAssignment) -> bool:
        return role.user_id in (item.person.user_id, item.created_by_id)

    def steps(self, item: Application) -> models.QuerySet[ApplicationStep]:
        return ApplicationStep.objects.filter(application=item)

    def plan(
        self, item: Application, *, direct_supervisor: Organization | None
    ) -> tuple[list[PlannedStep], int]:
        version = check_submittable(item)
        unit = item.person.unit
        if unit is None:
            raise ValidationError("您当前没有工作单位，请先在“我的信息”中选择单位。")
        if unit.status != OrganizationStatus.ACTIVE:
            raise ValidationError(f"“{unit.name}”尚在审批中，审批通过后才能提交。")
        if item.certifier is None:  # check_submittable refused already; a safety net
            raise ValidationError("请选择认定单位。")
        unit_level = next(lv for lv in version.review.levels if lv.organization_kind == "unit")
        final = version.review_chain()[-1]
        steps = [PlannedStep(unit_level.code, unit_level.name, unit)]
        if item.certifier.pk != unit.pk:
            steps.append(PlannedStep(final.code, final.name, item.certifier))
        return steps, 0

    def replace_chain(self, item: Application, planned: list[PlannedStep]) -> None:
        chain_replace(ApplicationStep, item_field="application", item=item, planned=planned)

    def on_submit(self, item: Application) -> str:
        item.hours_granted = None
        item.unit = item.person.unit
        return TrailAction.SUBMIT

    def outcomes(self, item: Application, step: Any) -> tuple[str, ...]:
        return tuple(version_of(item).yearly_application.outcomes)

    def on_approve(
        self,
        item: Application,
        *,
        final: bool,
        hours_granted: Decimal | None,
        comment: str,
        step: Any,
        forward_to: Organization | None,
    ) -> dict[str, Any]:
        """同意: before the certifier with a 推荐意见 and the 提交单位; the certifier's is final."""
        if hours_granted is not None:
            raise ValidationError({"hours_granted": "申请书按申请总学时认定，不调整学时。"})
        if final:
            item.hours_granted = Decimal(sum(item.entries.values_list("hours", flat=True)))
            return {}
        errors = {}
        if not comment:
            errors["comment"] = "请填写推荐意见。"
        options = forward_options(item, step)
        if forward_to is None or forward_to.pk not in {org.pk for org in options}:
            errors["forward_to"] = "请选择提交单位。"
        if errors or forward_to is None:
            raise ValidationError(errors)
        if forward_to.pk != item.certifier_id:
            # A supervisor reviews next: a step right after this one, the later ones move down.
            later = ApplicationStep.objects.filter(application=item, position__gt=step.position)
            for moved in later.order_by("-position"):
                ApplicationStep.objects.filter(pk=moved.pk).update(position=F("position") + 1)
            ApplicationStep.objects.create(
                application=item,
                position=step.position + 1,
                level_code=SUPERVISOR_LEVEL[0],
                level_name=SUPERVISOR_LEVEL[1],
                organization=forward_to,
            )
        return {"forwarded_to": forward_to}

    def trail(self, item: Application, **kwargs: Any) -> ApplicationTrail:
        return _trail_record(item, **kwargs)

    def discard(self, item: Application, *, actor: Any, role: RoleAssignment, request: Any) -> None:
        audit_record(
            action="application.delete",
            actor=actor,
            role=role.kind,
            request=request,
            target=item,
            from_state=item.status,
            to_state="",
            details={"number": item.number, "person_id": item.person_id},
        )
        files = [e.file for e in EntryEvidence.objects.filter(entry__application=item)]
        item.delete()
        delete_files_on_commit(files)

    def placed(self, item: Application, organization_id: int | None) -> None:
        pass  # its queue joins its own steps (few items); nothing kept on the item

    def publish(self, event: str, item: Application, **kwargs: Any) -> None:
        if event == "approved":
            hours: dict[str, Decimal] = {}
            for section, entry_hours in item.entries.values_list("section", "hours"):
                hours[section] = hours.get(section, Decimal(0)) + entry_hours
            ledger_record_source(
                person_id=item.person_id,
                credit_year=item.credit_year,
                source_ref=ledger_ref(item),
                label=item.title,
                hours_by_category=hours,
            )
        signal = self.EVENTS.get(event)
        if signal is not None:
            signal.send(sender=Application, application=item, **kwargs)


def _trail_record(
    item: Application,
    *,
    forwarded_to: Organization | None = None,
    level_name: str = "",
    **kwargs: Any,
) -> ApplicationTrail:
    return trail_write(
        ApplicationTrail,
        item_field="application",
        item=item,
        audit_prefix="application",
        level_name=level_name,
        details={
            "number": item.number,
            "level": level_name,
            "forwarded_to": forwarded_to.pk if forwarded_to else None,
        },
        forwarded_to=forwarded_to,
        to_level=item.status_level,
        **kwargs,
    )


def register_application() -> None:
    register(ApplicationReviewable())
