"""What was read from an evidence file, and which other claims use the same certificate."""

from __future__ import annotations

from django.db import models

from xueshi.declarations.models import Attachment, Declaration


class RecognitionStatus(models.TextChoices):
    PENDING = "pending", "等待识别"
    RUNNING = "running", "正在识别"
    DONE = "done", "已识别"
    FAILED = "failed", "未能识别"


class EvidenceRecognition(models.Model):
    """One evidence file's text (lines with confidence) and the fields read from it."""

    attachment = models.OneToOneField(
        Attachment, verbose_name="附件", on_delete=models.CASCADE, related_name="recognition"
    )
    # The attachment's claim, kept here so the queue's flags are one join away.
    declaration = models.ForeignKey(
        Declaration, verbose_name="申报", on_delete=models.CASCADE, related_name="recognitions"
    )
    status = models.CharField(
        "识别状态",
        max_length=10,
        choices=RecognitionStatus.choices,
        default=RecognitionStatus.PENDING,
    )
    # [{"text": …, "confidence": 0.98}, …] top to bottom, over the pages read.
    lines = models.JSONField("识别文字", default=list, blank=True)
    fields = models.JSONField("识别字段", default=dict, blank=True)
    certificate_number = models.CharField("证书编号", max_length=100, blank=True, db_index=True)
    # Perceptual hash of the first page (16 hex digits), for the same picture re-uploaded.
    image_hash = models.CharField("图像指纹", max_length=16, blank=True, db_index=True)
    # The comparison with the claim, kept for the queue's flag and filter (sentences).
    mismatches = models.JSONField("与申报不一致", default=list, blank=True)
    has_mismatch = models.BooleanField("存在不一致", default=False)
    pages = models.PositiveSmallIntegerField("识别页数", default=0)
    seconds = models.FloatField("识别用时（秒）", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "证书识别"
        verbose_name_plural = "证书识别"
        ordering = ["attachment_id"]
        indexes = [models.Index(fields=["declaration", "status"])]

    def __str__(self) -> str:
        return f"{self.attachment_id} · {self.get_status_display()}"

    @property
    def finished(self) -> bool:
        return self.status in (RecognitionStatus.DONE, RecognitionStatus.FAILED)


class ReuseReason(models.TextChoices):
    NUMBER = "number", "证书编号相同"
    IMAGE = "image", "证书图像相同"


class EvidenceReuse(models.Model):
    """The same certificate in another claim; kept in both directions."""

    recognition = models.ForeignKey(
        EvidenceRecognition, on_delete=models.CASCADE, related_name="reuses"
    )
    other = models.ForeignKey(EvidenceRecognition, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField("原因", max_length=10, choices=ReuseReason.choices)

    class Meta:
        verbose_name = "重复使用的证书"
        verbose_name_plural = "重复使用的证书"
        constraints = [
            models.UniqueConstraint(
                fields=["recognition", "other", "reason"], name="evidence_reuse_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recognition_id} ↔ {self.other_id} ({self.reason})"
