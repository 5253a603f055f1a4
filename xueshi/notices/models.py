"""通知公告 and 政策法规 an authority publishes for its region: to the public, or to one role
(units see notices meant for them after login). The body is HTML sanitised with nh3 on save."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xueshi.accounts.models import RoleKind
from xueshi.orgs.models import Organization


class NoticeKind(models.TextChoices):
    NOTICE = "notice", "通知公告"
    POLICY = "policy", "政策法规"


PUBLIC = "public"
AUDIENCE_CHOICES = [(PUBLIC, "公开（所有访客）"), *RoleKind.choices]


class Notice(models.Model):
    authority = models.ForeignKey(
        Organization, verbose_name="发布机构", on_delete=models.PROTECT, related_name="notices"
    )
    kind = models.CharField("栏目", max_length=10, choices=NoticeKind.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文", blank=True)
    audience = models.CharField("对象", max_length=30, choices=AUDIENCE_CHOICES, default=PUBLIC)
    published = models.BooleanField("已发布", default=False)
    pinned = models.BooleanField("置顶", default=False)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="撰写人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "通知公告"
        verbose_name_plural = "通知公告"
        ordering = ["-pinned", "-published_at", "-id"]
        indexes = [models.Index(fields=["authority", "kind", "published"])]

    def __str__(self) -> str:
        return self.title


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(
        Notice, verbose_name="通知", on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField("文件", upload_to="notices/%Y/%m/")
    name = models.CharField("文件名", max_length=200)
    kind = models.CharField("类型", max_length=10)
    size = models.PositiveIntegerField("大小（字节）")

    class Meta:
        verbose_name = "通知附件"
        verbose_name_plural = "通知附件"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
