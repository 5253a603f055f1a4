from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditResult(models.TextChoices):
    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"


class AuditLog(models.Model):
    """Append-only record of who did what, in which role, from where. Never updated or deleted."""

    # Set by audit_record under the chain lock (not auto_now_add, which would change it after the
    # digest was computed).
    at = models.DateTimeField("时间", default=timezone.now, editable=False, db_index=True)
    # No database constraint and no cascade: a row keeps the actor's id after the account is
    # gone, since the database refuses any UPDATE of an audit row (core/audit_guards.py).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    role = models.CharField("角色", max_length=40, blank=True)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    action = models.CharField("操作", max_length=60, db_index=True)
    target_type = models.CharField("对象类型", max_length=60, blank=True)
    target_id = models.CharField("对象编号", max_length=40, blank=True)
    from_state = models.CharField("原状态", max_length=40, blank=True)
    to_state = models.CharField("新状态", max_length=40, blank=True)
    reason = models.TextField("原因", blank=True)
    details = models.JSONField("详情", default=dict, blank=True)
    result = models.CharField(
        "结果", max_length=10, choices=AuditResult.choices, default=AuditResult.SUCCESS
    )
    # SM3 of the previous row's digest and this row's canonical content (core/audit.py): an
    # edited, removed or inserted row breaks the chain, which `manage.py verify_audit` finds.
    digest = models.CharField("摘要 (SM3)", max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("审计日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("审计日志只能追加，不能删除。")


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "处理中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


def job_file_path(instance: BackgroundJob, filename: str) -> str:
    return f"jobs/{instance.pk}/{filename}"


class BackgroundJob(models.Model):
    """An import, export or certificate batch running in the background, with its progress."""

    kind = models.CharField("类型", max_length=40)
    title = models.CharField("说明", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs"
    )
    status = models.CharField(
        "状态", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    total = models.PositiveIntegerField("总数", default=0)
    done = models.PositiveIntegerField("已完成", default=0)
    message = models.CharField("结果说明", max_length=500, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    file = models.FileField("结果文件", upload_to=job_file_path, blank=True, max_length=200)
    file_name = models.CharField("下载文件名", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_status_display()}）"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
