from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """An in-app message (the bell): a claim returned, rejected or finally approved."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.CharField("内容", max_length=300)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.message


class NotificationPreference(models.Model):
    """Whether the in-app messages also go by e-mail or SMS (the person opts in)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    by_email = models.BooleanField("同时发送电子邮件", default=False)
    by_sms = models.BooleanField("同时发送短信", default=False)

    class Meta:
        verbose_name = "消息提醒设置"
        verbose_name_plural = "消息提醒设置"

    def __str__(self) -> str:
        return f"{self.user_id}"
