"""Bulk imports (导入学员培训信息 / 导入人员信息): one batch per uploaded file, row by row.

- ``ImportBatch`` records the file (kept so a background task can read it and the bad rows can
  be offered back), who uploaded it for which unit, its progress and its counts.
- ``ImportedRow`` is the fingerprint of every claim an import created, unique per unit: the
  same row uploaded again (same file or another) is skipped, never duplicated. Deleting the
  claim deletes its fingerprint, so it may then be imported again.
- ``ImportRowError`` is one reason a row was refused: row number, column, message.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xueshi.accounts.models import RoleAssignment
from xueshi.core.models import BackgroundJob
from xueshi.declarations.models import Declaration
from xueshi.orgs.models import Organization


class ImportKind(models.TextChoices):
    CLAIMS = "claims", "学员培训信息"
    STAFF = "staff", "人员信息"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


def upload_path(instance: ImportBatch, filename: str) -> str:
    # A server-made name: nothing the uploader typed reaches the file system.
    return f"imports/{instance.kind}/{instance.sha256[:2]}/{instance.sha256}.xlsx"


def error_file_path(instance: ImportBatch, filename: str) -> str:
    return f"imports/errors/{instance.pk}.xlsx"


class ImportBatch(models.Model):
    unit = models.ForeignKey(
        Organization, verbose_name="单位", on_delete=models.PROTECT, related_name="import_batches"
    )
    kind = models.CharField("导入类型", max_length=10, choices=ImportKind.choices)
    # The role the rows are imported in (a department admin's scope is one department).
    role = models.ForeignKey(
        RoleAssignment,
        verbose_name="导入角色",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        on_delete=models.PROTECT,
        related_name="import_batches",
    )
    file = models.FileField("上传文件", upload_to=upload_path, max_length=200)
    file_name = models.CharField("原文件名", max_length=200)
    sha256 = models.CharField("文件摘要（SHA-256）", max_length=64, db_index=True)
    status = models.CharField(
        "状态", max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    created_count = models.PositiveIntegerField("新建", default=0)
    skipped_count = models.PositiveIntegerField("已存在未重复创建", default=0)
    error_count = models.PositiveIntegerField("错误行", default=0)
    message = models.CharField("结果说明", max_length=500, blank=True)
    error_file = models.FileField(
        "错误行文件", upload_to=error_file_path, blank=True, max_length=200
    )
    job = models.OneToOneField(
        BackgroundJob,
        verbose_name="后台任务",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_batch",
    )
    created_at = models.DateTimeField("导入时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}导入 #{self.pk}（{self.file_name}）"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return min(100, self.processed_rows * 100 // self.total_rows) if self.total_rows else 0


class ImportedRow(models.Model):
    """A claim created by an import, by fingerprint; unique per unit (no duplicates)."""

    unit = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField("行指纹", max_length=64)
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="imported_rows")
    row_number = models.PositiveIntegerField("行号")
    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="import_rows"
    )

    class Meta:
        verbose_name = "已导入行"
        verbose_name_plural = "已导入行"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "fingerprint"], name="imported_row_unique_in_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.fingerprint[:12]}（第 {self.row_number} 行）"


class ImportRowError(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField("行号")
    column = models.CharField("列", max_length=60, blank=True)
    message = models.CharField("原因", max_length=500)

    class Meta:
        verbose_name = "导入错误"
        verbose_name_plural = "导入错误"
        ordering = ["batch_id", "row_number", "id"]
        indexes = [models.Index(fields=["batch", "row_number"])]

    def __str__(self) -> str:
        return f"第 {self.row_number} 行 {self.column}：{self.message}"
