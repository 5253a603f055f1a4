"""增补申请: a person asks their unit to let them add claims to a closed year's category.

A request is a reviewable item of the review lifecycle (xueshi/review/lifecycle.py): its states
are the lifecycle's (draft 已申请 → pending 个人申请中 → approved 同意 / rejected 不同意; 撤销增补
discards it), its one-step chain (the person's unit) is `SupplementStep` rows and its trail
`SupplementTrailEntry` rows. What the region calls each state is profile data
(`windows.supplement.words`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from xueshi.accounts.models import Person
from xueshi.orgs.models import Organization
from xueshi.policy.resolver import resolve_version
from xueshi.policy.schema import SupplementWindow, SupplementWords
from xueshi.review.models import StepFields, TrailFields


class SupplementStatus(models.TextChoices):
    """The lifecycle's state codes; labels are the platform's words (seed 003's)."""

    DRAFT = "draft", "已申请"
    PENDING = "pending", "个人申请中"
    APPROVED = "approved", "同意"
    REJECTED = "rejected", "不同意"


OPEN_STATUSES = (SupplementStatus.DRAFT, SupplementStatus.PENDING, SupplementStatus.APPROVED)


class SupplementRequest(models.Model):
    person = models.ForeignKey(
        Person, verbose_name="申请人", on_delete=models.PROTECT, related_name="supplement_requests"
    )
    # The unit asked (the person's when the request was made): it agrees or refuses.
    unit = models.ForeignKey(
        Organization,
        verbose_name="单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supplement_requests",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人账号",
        on_delete=models.PROTECT,
        related_name="+",
    )
    policy_profile = models.CharField("政策配置", max_length=40)
    profile_version = models.DateField("政策版本（生效日期）")
    credit_year = models.PositiveSmallIntegerField("增补年度")
    category_code = models.CharField("类别代码", max_length=60)
    category_name = models.CharField("类别", max_length=300)
    status = models.CharField(
        "状态", max_length=10, choices=SupplementStatus.choices, default=SupplementStatus.DRAFT
    )
    status_level = models.CharField("状态所在审核级别", max_length=60, blank=True, editable=False)
    current_position = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    entry_position = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    reason = models.TextField("拒绝原因", blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    submitted_at = models.DateTimeField("提交申请时间", null=True, blank=True)
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "增补申请"
        verbose_name_plural = "增补申请"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["person", "credit_year", "category_code"]),
            models.Index(fields=["unit", "status"]),
        ]
        constraints = [
            # One request at a time per category and year; after 不同意 a new one may be made.
            models.UniqueConstraint(
                fields=["person", "credit_year", "category_code"],
                condition=Q(status__in=["draft", "pending", "approved"]),
                name="supplement_request_one_open",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=SupplementStatus.PENDING, current_position__isnull=False)
                    | (~Q(status=SupplementStatus.PENDING) & Q(current_position__isnull=True))
                ),
                name="supplement_request_pending_has_position",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.credit_year} {self.category_name}"

    # What the lifecycle reads of every reviewable item.
    hours_granted: Any = None

    @property
    def status_word(self) -> str:
        from_words: str = getattr(self.words, str(self.status), "")
        return from_words or str(SupplementStatus(self.status).label)

    @property
    def words(self) -> SupplementWords:
        """The region's words (`windows.supplement.words`) of the request's profile."""
        return supplement_words(self.policy_profile, self.profile_version)


class SupplementStep(StepFields):
    """The level that decides a request (the person's unit), like review.ChainStep."""

    request = models.ForeignKey(SupplementRequest, on_delete=models.CASCADE, related_name="steps")

    class Meta:
        verbose_name = "增补申请审核层级"
        verbose_name_plural = "增补申请审核层级"
        ordering = ["request_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "position"], name="supplement_step_position_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "position"])]


class SupplementTrailEntry(TrailFields):
    """Every step anyone took on a request (append-only), like review.TrailEntry."""

    request = models.ForeignKey(SupplementRequest, on_delete=models.CASCADE, related_name="trail")

    class Meta:
        verbose_name = "增补申请记录"
        verbose_name_plural = "增补申请记录"
        ordering = ["request_id", "at", "id"]


def supplement_words(key: str, version_date: Any) -> SupplementWords:
    """`windows.supplement.words` of a profile version; the defaults where it has none."""
    from_version = _supplement_settings(key, version_date)
    return from_version.words if from_version is not None else SupplementWords()


def _supplement_settings(key: str, version_date: Any) -> SupplementWindow | None:
    try:
        version = resolve_version(key, version_date)
    except ValidationError:
        return None
    return version.windows.supplement
