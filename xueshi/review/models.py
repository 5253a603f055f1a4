"""The review chain a declaration follows and the trail of everything done to it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from xueshi.declarations.models import Attachment, Declaration
from xueshi.orgs.models import Organization
from xueshi.policy.words import region_word


class StepFields(models.Model):
    """One level an item of the lifecycle must pass (a declaration, a supplement request, a
    yearly application): each item's own step model adds the link to its item."""

    position = models.PositiveSmallIntegerField("顺序")
    level_code = models.CharField("审核层级代码", max_length=60)
    level_name = models.CharField("审核层级", max_length=100)  # this region's word: 协会审核…
    organization = models.ForeignKey(
        Organization, verbose_name="审核机构", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.level_name}（{self.organization}）"


class TrailFields(models.Model):
    """One step anyone took on an item of the lifecycle; append-only."""

    action = models.CharField("操作", max_length=20)
    level_name = models.CharField("审核层级", max_length=100, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name="机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField("角色", max_length=30)
    from_status = models.CharField("原状态", max_length=10)
    to_status = models.CharField("新状态", max_length=10)
    comment = models.TextField("意见", blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("记录只能追加，不能修改。")
        super().save(*args, **kwargs)


class ChainStep(StepFields):
    """One level a submitted declaration must pass, resolved from the profile at submission."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="chain_steps"
    )

    class Meta:
        verbose_name = "审核层级"
        verbose_name_plural = "审核层级"
        ordering = ["declaration_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "position"], name="chain_step_position_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "position"])]


class TrailAction(models.TextChoices):
    SUBMIT = "submit", "提交"
    DECLARE_FOR = "declare_for", "代为申报"
    WITHDRAW = "withdraw", "撤回"
    APPROVE = "approve", "审核通过"
    RETURN = "return", "退回"
    REJECT = "reject", "不予认定"
    DELETE = "delete", "删除"
    AUDIT_CORRECT = "audit_correct", "抽查核减学时"
    AUDIT_REVOKE = "audit_revoke", "抽查撤销认定"


VERDICT_TRAIL_ACTIONS = (TrailAction.APPROVE, TrailAction.RETURN, TrailAction.REJECT)


class TrailEntry(TrailFields):
    """审核进度: append-only, one row per step anyone took on a declaration."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="trail")
    action = models.CharField("操作", max_length=20, choices=TrailAction.choices)
    # Declaration.status_level after the step: the region's words may depend on it.
    to_level = models.CharField("新状态所在审核级别", max_length=60, blank=True, default="")
    comment = models.TextField("审核意见", blank=True)
    hours_granted = models.DecimalField(
        "批准学时", max_digits=7, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = "审核记录"
        verbose_name_plural = "审核记录"
        ordering = ["declaration_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"

    @property
    def word(self) -> str:
        """What the trail shows: a verdict in the region's own status word where it names one
        (Zhejiang: 企业审核通过, 省级审核不通过, 终审通过), else the platform's action word."""
        if self.action in VERDICT_TRAIL_ACTIONS:
            declaration = self.declaration  # trail_of reads through declaration.trail: cached
            word = region_word(
                declaration.policy_profile,
                declaration.profile_version,
                self.to_status,
                self.to_level,
            )
            if word:
                return word
        return str(self.get_action_display())


class EvidenceVerdict(models.TextChoices):
    VERIFIED = "verified", "已核验"
    INSUFFICIENT = "insufficient", "不充分"


class EvidenceCheck(models.Model):
    """Per-file review: a reviewer's mark on one evidence file at one step of the chain.

    One row per file and chain position; marking again at the same step replaces the mark
    (`checked_at` moves). Kept after a return, so the person sees which file was insufficient.
    """

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="evidence_checks"
    )
    attachment = models.ForeignKey(
        Attachment, verbose_name="佐证材料", on_delete=models.CASCADE, related_name="checks"
    )
    position = models.PositiveSmallIntegerField("审核环节顺序")
    level_name = models.CharField("审核层级", max_length=100)
    organization = models.ForeignKey(
        Organization, verbose_name="审核机构", on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField("核验结果", max_length=12, choices=EvidenceVerdict.choices)
    note = models.TextField("说明", blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="核验人", on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField("核验时间")

    class Meta:
        verbose_name = "材料核验"
        verbose_name_plural = "材料核验"
        ordering = ["declaration_id", "position", "attachment_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["attachment", "position"], name="evidence_check_once_per_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attachment_id} {self.get_verdict_display()}"
