"""A declaration (学时申报): one claim of hours for one activity, and its evidence files."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from xueshi.accounts.models import Person
from xueshi.orgs.models import Organization
from xueshi.plans.models import PlannedTraining
from xueshi.policy.words import DEFAULT_STATE_WORDS, status_word

_W = DEFAULT_STATE_WORDS


class DeclarationStatus(models.TextChoices):
    """Stable codes; the labels are the platform's default words (a region may name its own,
    see `Declaration.status_word`)."""

    DRAFT = "draft", _W["draft"]
    PENDING = "pending", _W["pending"]
    RETURNED = "returned", _W["returned"]
    APPROVED = "approved", _W["approved"]
    REJECTED = "rejected", _W["rejected"]
    DELETED = "deleted", _W["deleted"]


# The declarant may change these; the others belong to reviewers.
EDITABLE_STATUSES = (DeclarationStatus.DRAFT, DeclarationStatus.RETURNED)


class Declaration(models.Model):
    person = models.ForeignKey(
        Person, verbose_name="申报人", on_delete=models.PROTECT, related_name="declarations"
    )
    # The unit when it was declared: past claims stay with the unit that reviewed them.
    unit = models.ForeignKey(
        Organization,
        verbose_name="申报时单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="declarations",
    )
    # 登记机构: set when an organisation declared on the person's behalf.
    registered_by_organization = models.ForeignKey(
        Organization,
        verbose_name="登记机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_declarations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Which rules: the profile key and the version in force, so old claims keep old rules.
    policy_profile = models.CharField("政策配置", max_length=40)
    profile_version = models.DateField("政策版本（生效日期）")
    category_code = models.CharField("申报类型代码", max_length=60)
    category_name = models.CharField("申报类型", max_length=300)
    level_code = models.CharField("申报等级代码", max_length=60)
    level_name = models.CharField("申报等级", max_length=300)
    title = models.CharField("认定内容", max_length=200)
    description = models.TextField("认定内容说明", blank=True)
    certificate_number = models.CharField("证书编号", max_length=100, blank=True)
    start_date = models.DateField("开始时间", null=True, blank=True)
    end_date = models.DateField("结束时间", null=True, blank=True)
    quantity = models.DecimalField(
        "学时系数", max_digits=8, decimal_places=2, null=True, blank=True
    )
    # Henan forms 13/14: the training of a yearly plan filed with 人社 that the claim is for.
    planned_training = models.ForeignKey(
        PlannedTraining,
        verbose_name="年度计划培训项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="declarations",
    )
    # Whatever else the category's fields ask for (organiser, project type, months on duty…).
    extra = models.JSONField("其他信息", default=dict, blank=True)
    credit_year = models.PositiveSmallIntegerField("计入年度")
    hours_claimed = models.DecimalField("申请学时", max_digits=7, decimal_places=2)
    # A 学分申报 (Henan "学时/学分申报"): what was declared in credits; hours_claimed is its
    # conversion at the profile's rate. None: declared in hours.
    credits_claimed = models.DecimalField(
        "申报学分", max_digits=7, decimal_places=2, null=True, blank=True
    )
    hours_explanation = models.CharField("学时计算说明", max_length=500, blank=True)
    hours_granted = models.DecimalField(
        "批准学时", max_digits=7, decimal_places=2, null=True, blank=True
    )
    pledge = models.BooleanField("本人承诺以上信息属实", default=False)
    status = models.CharField(
        "状态", max_length=10, choices=DeclarationStatus.choices, default=DeclarationStatus.DRAFT
    )
    # 增补: a late claim for a closed year, allowed by a granted supplement request
    # (xueshi/supplements); it follows the profile's supplement chain (review/chain.py).
    is_supplement = models.BooleanField("增补", default=False)
    # Position in the chain (review.ChainStep.position) that must act now; None unless pending.
    current_position = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # The organisation of the step that must act now (None unless pending), kept by the
    # lifecycle with `current_position`: a reviewer's queue is then one index range
    # ("pending at X, by submission") instead of a join through every pending claim's chain.
    current_organization = models.ForeignKey(
        Organization,
        verbose_name="当前审核机构",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Where the claim entered the chain; while current == entry nobody has acted yet.
    entry_position = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # The review level the state refers to: where a pending claim waits, or which level returned
    # or rejected it ("" otherwise). Kept by the lifecycle so a list can word each row in its
    # region's words (Zhejiang's 企业审核通过 / 省级审核不通过) without a query per row.
    status_level = models.CharField("状态所在审核级别", max_length=60, blank=True, editable=False)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    decided_at = models.DateTimeField("审核完成时间", null=True, blank=True)
    created_at = models.DateTimeField("登记日期", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "学时申报"
        verbose_name_plural = "学时申报"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "current_position"]),
            models.Index(fields=["person", "credit_year"]),
            models.Index(fields=["credit_year", "status"]),
            # The review queue: pending at one organisation, oldest submission first.
            models.Index(
                fields=["current_organization", "submitted_at", "id"],
                condition=Q(status=DeclarationStatus.PENDING),
                name="declaration_review_queue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_claimed__gte=0), name="declaration_hours_claimed_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(hours_granted__isnull=True) | Q(hours_granted__gte=0),
                name="declaration_hours_granted_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="declaration_end_not_before_start",
            ),
            # Pending exactly when a chain position must act.
            models.CheckConstraint(
                condition=(
                    Q(status=DeclarationStatus.PENDING, current_position__isnull=False)
                    | (~Q(status=DeclarationStatus.PENDING) & Q(current_position__isnull=True))
                ),
                name="declaration_pending_has_position",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.title}（{self.credit_year}）"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def status_word(self) -> str:
        """The state in the words of the claim's own region (and review level)."""
        return status_word(
            self.policy_profile, self.profile_version, self.status, self.status_level
        )

    @property
    def draft_word(self) -> str:
        """What the region calls a draft (Zhejiang: 个人保存), e.g. for "撤回后变为…"."""
        return status_word(self.policy_profile, self.profile_version, "draft")

    @property
    def is_untouched_pending(self) -> bool:
        """Pending and no reviewer has acted since it was sent: it may still be withdrawn."""
        return (
            self.status == DeclarationStatus.PENDING
            and self.current_position == self.entry_position
        )

    def evidence(self) -> models.QuerySet[Attachment]:
        """The evidence files (佐证材料 / 小课件), not the pictures inside the rich text."""
        return self.attachments.filter(purpose=AttachmentPurpose.EVIDENCE)

    def evidence_list(self) -> list[Attachment]:
        """The same from ``attachments`` (uses a prefetch when there is one)."""
        return [a for a in self.attachments.all() if a.purpose == AttachmentPurpose.EVIDENCE]

    @property
    def record_kind(self) -> str:
        """申报进度查询's kinds: 学时申报, 学分申报, 继续教育基地学时申报."""
        if self.credits_claimed is not None:
            return "学分申报"
        organization = (
            self.registered_by_organization if self.registered_by_organization_id else None
        )
        if organization is not None and organization.kind == "training_base":
            return "继续教育基地学时申报"
        return "学时申报"

    @property
    def hours_counted(self) -> Any:
        """What the ledger counts for an approved claim: the hours granted."""
        return self.hours_granted if self.hours_granted is not None else self.hours_claimed


def attachment_path(instance: Attachment, filename: str) -> str:
    """A server-made name: nothing the uploader typed reaches the file system."""
    return f"evidence/{instance.declaration_id}/{uuid.uuid4().hex}.{instance.kind}"


class AttachmentPurpose(models.TextChoices):
    EVIDENCE = "evidence", "佐证材料"
    # A picture inside a rich-text field (Anyang's 详细及附件), shown where the text puts it.
    INLINE = "inline", "正文图片"


class Attachment(models.Model):
    """附件 / 佐证材料: an evidence file, type checked by content when uploaded; or a picture
    inside the claim's rich text (``purpose`` inline), checked the same way."""

    declaration = models.ForeignKey(
        Declaration, verbose_name="申报", on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField("文件", upload_to=attachment_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    # 附件说明 where the profile asks for one (attachments.caption; Zhejiang: at most 33 字).
    caption = models.CharField("附件说明", max_length=200, blank=True, default="")
    kind = models.CharField("类型", max_length=10)  # jpg, png, pdf, zip… from the content
    content_type = models.CharField("内容类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    purpose = models.CharField(
        "用途",
        max_length=10,
        choices=AttachmentPurpose.choices,
        default=AttachmentPurpose.EVIDENCE,
    )

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["declaration_id", "id"]

    def __str__(self) -> str:
        return self.original_name
