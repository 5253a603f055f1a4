"""学时转入: a person who joined a unit in another region brings hours certified there.

A request names the source region (one of the platform's regions, or a free name for a region
not on the platform), the years with general and professional hours, and its evidence: an
uploaded certificate or 学时证明 of the old region (checked by content), or a certificate this
platform issued, verified by number or file. It is a reviewable item of the review lifecycle
(xueshi/review/lifecycle.py): its chain (the person's unit where the profile has a unit level,
then the authority of the person's region) is `TransferStep` rows, its trail
`TransferTrailEntry` rows. The authority's approval posts the hours to the ledger once, as
转入 with the source region.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from xueshi.accounts.models import Person
from xueshi.certificates.models import Certificate
from xueshi.orgs.models import Organization
from xueshi.review.models import StepFields, TrailFields


class TransferStatus(models.TextChoices):
    """The lifecycle's state codes."""

    DRAFT = "draft", "待提交"
    PENDING = "pending", "待审核"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已转入"
    REJECTED = "rejected", "不予认定"


def evidence_path(instance: TransferRequest, filename: str) -> str:
    return f"transfers/{instance.person_id}/{filename}"


class TransferRequest(models.Model):
    person = models.ForeignKey(
        Person,
        verbose_name="专业技术人员",
        on_delete=models.PROTECT,
        related_name="transfer_requests",
    )
    # The person's unit when the request was sent (the first level of the chain).
    unit = models.ForeignKey(
        Organization,
        verbose_name="现工作单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfer_requests",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT, related_name="+"
    )
    # One of the platform's regions (its top authority), or only a name for another region.
    source_region = models.ForeignKey(
        Organization,
        verbose_name="原地区（本平台）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_region_name = models.CharField("原地区", max_length=100)
    # A certificate this platform issued, verified (its hours are the request's).
    certificate = models.ForeignKey(
        Certificate,
        verbose_name="本平台证书",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    evidence = models.FileField(
        "原地区证书或学时证明", upload_to=evidence_path, blank=True, max_length=200
    )
    evidence_name = models.CharField("文件名", max_length=200, blank=True)
    evidence_kind = models.CharField("文件类型", max_length=10, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=TransferStatus.choices, default=TransferStatus.DRAFT
    )
    status_level = models.CharField("状态所在审核级别", max_length=60, blank=True, editable=False)
    current_position = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    entry_position = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField("填报时间", auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    decided_at = models.DateTimeField("认定时间", null=True, blank=True)

    class Meta:
        verbose_name = "学时转入申请"
        verbose_name_plural = "学时转入申请"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "current_position"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status=TransferStatus.PENDING, current_position__isnull=False)
                    | (~Q(status=TransferStatus.PENDING) & Q(current_position__isnull=True))
                ),
                name="transfer_request_pending_has_position",
            ),
            # Evidence: a certificate of this platform or an uploaded file.
            models.CheckConstraint(
                condition=Q(certificate__isnull=False) | ~Q(evidence=""),
                name="transfer_request_has_evidence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · 自{self.source_region_name}转入"

    # What the lifecycle reads of every reviewable item: the hours are per year, not one figure.
    hours_granted: Any = None

    @property
    def status_word(self) -> str:
        return str(TransferStatus(self.status).label)

    @property
    def ledger_label(self) -> str:
        """What the person's year records show for the hours (转入 and the source region)."""
        return f"学时转入（原地区：{self.source_region_name}）"


class TransferYear(models.Model):
    """One credit year of a request: the hours certified in the source region, and what its
    approval put into the ledger (None until approved)."""

    request = models.ForeignKey(TransferRequest, on_delete=models.CASCADE, related_name="years")
    credit_year = models.PositiveSmallIntegerField("年度")
    general_hours = models.DecimalField("公需科目学时", max_digits=6, decimal_places=1)
    professional_hours = models.DecimalField("专业科目学时", max_digits=6, decimal_places=1)
    general_recorded = models.DecimalField(
        "计入公需科目学时", max_digits=6, decimal_places=1, null=True, blank=True
    )
    professional_recorded = models.DecimalField(
        "计入专业科目学时", max_digits=6, decimal_places=1, null=True, blank=True
    )

    class Meta:
        verbose_name = "转入年度学时"
        verbose_name_plural = "转入年度学时"
        ordering = ["request_id", "-credit_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "credit_year"], name="transfer_year_once_per_request"
            ),
            models.CheckConstraint(
                condition=Q(general_hours__gte=0) & Q(professional_hours__gte=0),
                name="transfer_year_hours_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.credit_year}: {self.general_hours} + {self.professional_hours}"

    @property
    def total_hours(self) -> Any:
        return self.general_hours + self.professional_hours


class TransferStep(StepFields):
    """A level that reviews a request, like review.ChainStep."""

    request = models.ForeignKey(TransferRequest, on_delete=models.CASCADE, related_name="steps")

    class Meta:
        verbose_name = "学时转入审核层级"
        verbose_name_plural = "学时转入审核层级"
        ordering = ["request_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "position"], name="transfer_step_position_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "position"])]


class TransferTrailEntry(TrailFields):
    """Every step anyone took on a request (append-only), like review.TrailEntry."""

    request = models.ForeignKey(TransferRequest, on_delete=models.CASCADE, related_name="trail")

    class Meta:
        verbose_name = "学时转入记录"
        verbose_name_plural = "学时转入记录"
        ordering = ["request_id", "at", "id"]
