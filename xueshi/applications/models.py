"""学时认定申请书 (issue 14): one application a year gathering a person's activities.

An `Application` holds the wizard's choices (申报区域, 认定专业, 认定单位), its `ApplicationEntry`
rows per section (the profile's activity categories, items 3–11) and their `EntryEvidence`
files. Once submitted it is a reviewable item of the lifecycle (`review/lifecycle.py`): its chain
is `ApplicationStep` rows (the unit, any supervisor it is forwarded to, the certifier) and its
trail `ApplicationTrail` rows, shaped as the declaration's `review.ChainStep` / `TrailEntry`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from xueshi.accounts.models import Person
from xueshi.orgs.models import Organization
from xueshi.policy.words import DEFAULT_STATE_WORDS, region_word, status_word
from xueshi.review.models import VERDICT_TRAIL_ACTIONS, StepFields, TrailAction, TrailFields

_W = DEFAULT_STATE_WORDS
MAX_HOURS = 999  # 申请学时: at most 3 digits ("2/3")


class ApplicationStatus(models.TextChoices):
    """The lifecycle's state codes (an application is never rejected or deleted)."""

    DRAFT = "draft", _W["draft"]
    PENDING = "pending", _W["pending"]
    RETURNED = "returned", _W["returned"]
    APPROVED = "approved", _W["approved"]
    REJECTED = "rejected", _W["rejected"]


EDITABLE_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)


class Application(models.Model):
    number = models.CharField("编号", max_length=30, unique=True)
    person = models.ForeignKey(
        Person, verbose_name="申报人", on_delete=models.PROTECT, related_name="applications"
    )
    unit = models.ForeignKey(
        Organization,
        verbose_name="工作单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT, related_name="+"
    )
    policy_profile = models.CharField("政策配置", max_length=40)
    profile_version = models.DateField("政策版本（生效日期）")
    filing_year = models.PositiveSmallIntegerField("填报年度")
    filed_on = models.DateField("填报日期")
    credit_year = models.PositiveSmallIntegerField("认定年度")
    declaring_region = models.CharField("申报区域代码", max_length=60, blank=True)
    declaring_region_name = models.CharField("申报区域", max_length=100, blank=True)
    specialty = models.CharField("认定专业", max_length=200, blank=True)
    title_rank = models.CharField("职称等级", max_length=2, blank=True)
    certifier = models.ForeignKey(
        Organization,
        verbose_name="认定单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certified_applications",
    )
    # The furthest wizard step saved (0: none, 3: all three; the application page opens then).
    wizard_step = models.PositiveSmallIntegerField("填报引导进度", default=0)
    status = models.CharField(
        "状态", max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    current_position = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    entry_position = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    status_level = models.CharField("状态所在审核级别", max_length=60, blank=True, editable=False)
    hours_granted = models.DecimalField(
        "认定学时", max_digits=7, decimal_places=2, null=True, blank=True
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    decided_at = models.DateTimeField("认定时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "学时认定申请书"
        verbose_name_plural = "学时认定申请书"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["credit_year", "status"]),
            models.Index(fields=["status", "current_position"]),
        ]
        constraints = [
            # One application per person and 认定年度: its hours enter the ledger once.
            models.UniqueConstraint(
                fields=["person", "credit_year"], name="application_once_per_person_year"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=ApplicationStatus.PENDING, current_position__isnull=False)
                    | (~Q(status=ApplicationStatus.PENDING) & Q(current_position__isnull=True))
                ),
                name="application_pending_has_position",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}（{self.person.name}，{self.credit_year}）"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def status_word(self) -> str:
        return status_word(
            self.policy_profile, self.profile_version, self.status, self.status_level
        )

    @property
    def title(self) -> str:
        """What the ledger and the audit log call it."""
        return f"学时认定申请书 {self.number}"


class ApplicationEntry(models.Model):
    """One activity in one section (高级研修项目、进修项目 …) of an application."""

    application = models.ForeignKey(
        Application, verbose_name="申请书", on_delete=models.CASCADE, related_name="entries"
    )
    section = models.CharField("栏目（类别代码）", max_length=60)
    title = models.CharField("项目标题", max_length=200)
    organizer = models.CharField("组织单位", max_length=200)
    activity_type = models.CharField("项目类型", max_length=50, blank=True)
    start_date = models.DateField("开始时间")
    end_date = models.DateField("结束时间", null=True, blank=True)
    hours = models.PositiveSmallIntegerField("申请学时", validators=[MaxValueValidator(MAX_HOURS)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "申请书项目"
        verbose_name_plural = "申请书项目"
        ordering = ["application_id", "section", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__lte=MAX_HOURS), name="application_entry_hours_3_digits"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="application_entry_end_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title


def evidence_path(instance: EntryEvidence, filename: str) -> str:
    return f"applications/{instance.entry.application_id}/{uuid.uuid4().hex}.{instance.kind}"


class EntryEvidence(models.Model):
    """佐证材料 of one entry, in the order the person sets (顺序号 − / +)."""

    entry = models.ForeignKey(
        ApplicationEntry, verbose_name="项目", on_delete=models.CASCADE, related_name="evidence"
    )
    position = models.PositiveSmallIntegerField("顺序号")
    file_kind = models.CharField("附件类型", max_length=20, default="佐证材料")
    file = models.FileField("文件", upload_to=evidence_path, max_length=200)
    original_name = models.CharField("文件名", max_length=200)
    kind = models.CharField("类型", max_length=10)
    content_type = models.CharField("内容类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["entry_id", "position", "id"]

    def __str__(self) -> str:
        return self.original_name


class ApplicationStep(StepFields):
    """One organisation that must act on a submitted application, in order."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")

    class Meta:
        verbose_name = "申请书审核层级"
        verbose_name_plural = "申请书审核层级"
        ordering = ["application_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "position"], name="application_step_position_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "position"])]


class ApplicationTrail(TrailFields):
    """操作流程: append-only, one row per step anyone took on an application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="trail")
    action = models.CharField("操作", max_length=20, choices=TrailAction.choices)
    # 同意 → 选择提交单位: where the reviewer sent it.
    forwarded_to = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_level = models.CharField("新状态所在审核级别", max_length=60, blank=True, default="")
    comment = models.TextField("推荐意见/退回原因", blank=True)
    hours_granted = models.DecimalField(
        "认定学时", max_digits=7, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = "申请书审核记录"
        verbose_name_plural = "申请书审核记录"
        ordering = ["application_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"

    @property
    def word(self) -> str:
        """The seed's words: 同意 / 退回 for a verdict, else the platform's action word."""
        if self.action == TrailAction.APPROVE:
            return "同意" if self.to_status == ApplicationStatus.PENDING else "认定通过"
        if self.action in VERDICT_TRAIL_ACTIONS:
            application = self.application
            word = region_word(
                application.policy_profile,
                application.profile_version,
                self.to_status,
                self.to_level,
            )
            if word:
                return word
        return str(self.get_action_display())
