"""A random sample audit (抽查) of a credit year's approved claims, and the items it drew.

Not the audit log (`xueshi/core/audit.py`, `core.AuditLog`): a sample audit is work an authority
does on claims; every step of it is also written to the audit log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xueshi.declarations.models import Declaration
from xueshi.orgs.models import Organization


class SizeKind(models.TextChoices):
    PERCENT = "percent", "按比例（%）"
    COUNT = "count", "按件数"


class Stratify(models.TextChoices):
    NONE = "none", "不分层"
    UNIT = "unit", "按单位分层"
    CATEGORY = "category", "按申报类型分层"


class AuditVerdict(models.TextChoices):
    CONFIRMED = "confirmed", "确认无误"
    CORRECTED = "corrected", "核减学时"
    REVOKED = "revoked", "撤销认定"


# Verdicts that are findings (the claim was wrong).
FINDINGS = (AuditVerdict.CORRECTED, AuditVerdict.REVOKED)


class SampleAudit(models.Model):
    """One audit: which authority, which credit year, how many were drawn and with which seed."""

    authority = models.ForeignKey(
        Organization, verbose_name="认定机构", on_delete=models.PROTECT, related_name="+"
    )
    credit_year = models.PositiveSmallIntegerField("计入年度")
    size_kind = models.CharField("抽查方式", max_length=10, choices=SizeKind.choices)
    size_value = models.DecimalField("比例或件数", max_digits=8, decimal_places=2)
    stratify = models.CharField(
        "分层", max_length=10, choices=Stratify.choices, default=Stratify.NONE
    )
    # The draw is `random.Random(seed)` over the population ordered by pk: the same seed and
    # population give the same sample (drawing.draw_sample).
    seed = models.PositiveBigIntegerField("随机种子")
    population_size = models.PositiveIntegerField("总体件数")
    sample_size = models.PositiveIntegerField("抽取件数")
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("发起时间", auto_now_add=True)

    class Meta:
        verbose_name = "学时抽查"
        verbose_name_plural = "学时抽查"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["authority", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.credit_year} 年度抽查 #{self.pk}"

    @property
    def size_text(self) -> str:
        value = f"{self.size_value.normalize():f}"
        return f"{value}%" if self.size_kind == SizeKind.PERCENT else f"{value} 件"


class SampledItem(models.Model):
    """One approved claim drawn by an audit, and the audit's verdict on it."""

    audit = models.ForeignKey(SampleAudit, on_delete=models.CASCADE, related_name="items")
    declaration = models.ForeignKey(
        Declaration, verbose_name="申报", on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveIntegerField("抽取顺序")
    stratum = models.CharField("所在层", max_length=200, blank=True)
    # The claim's unit when drawn: the per-unit rate of findings counts by it.
    unit = models.ForeignKey(
        Organization,
        verbose_name="单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    hours_before = models.DecimalField("原批准学时", max_digits=7, decimal_places=2)
    verdict = models.CharField(
        "抽查结论", max_length=10, choices=AuditVerdict.choices, blank=True, default=""
    )
    hours_after = models.DecimalField(
        "核定学时", max_digits=7, decimal_places=2, null=True, blank=True
    )
    reason = models.TextField("原因", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核查人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("核查时间", null=True, blank=True)

    class Meta:
        verbose_name = "抽查项"
        verbose_name_plural = "抽查项"
        ordering = ["audit_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "declaration"], name="sampled_item_once_per_audit"
            ),
            models.UniqueConstraint(
                fields=["audit", "position"], name="sampled_item_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.audit_id}/{self.position}"

    @property
    def is_finding(self) -> bool:
        return self.verdict in FINDINGS
