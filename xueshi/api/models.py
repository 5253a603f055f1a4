"""Organisation API keys, idempotent POST replies, and outbound events (webhooks).

A key acts as the organisation administrator's role it was made under (the same scope
functions, services and lifecycle as the pages), limited further by its scopes. Only the SM3
digest of a key is stored; the key itself is shown once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xueshi.accounts.models import RoleAssignment
from xueshi.core.fields import EncryptedCharField
from xueshi.orgs.models import Organization


class ApiScope(models.TextChoices):
    COMPLETIONS_WRITE = "completions:write", "推送公需科目学习记录"
    DECLARATIONS_READ = "declarations:read", "读取学时申报"
    DECLARATIONS_WRITE = "declarations:write", "统一申报（继续教育基地）"
    REVIEWS_READ = "reviews:read", "读取待审核申报"
    REVIEWS_WRITE = "reviews:write", "审核申报（通过、退回、不予认定）"
    LEDGER_READ = "ledger:read", "读取学时档案"
    ORGANIZATIONS_READ = "organizations:read", "查询单位"
    ID_NUMBERS_FULL = "id_numbers:full", "返回完整身份证号"


class ApiKey(models.Model):
    role = models.ForeignKey(
        RoleAssignment,
        verbose_name="所用角色",
        on_delete=models.CASCADE,  # a role taken away takes its keys with it
        related_name="api_keys",
    )
    organization = models.ForeignKey(
        Organization, verbose_name="机构", on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField("密钥前缀", max_length=16, unique=True)
    digest = models.CharField("密钥摘要（SM3）", max_length=64)
    scopes = models.JSONField("权限范围", default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("停用时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="停用人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "接口密钥"
        verbose_name_plural = "接口密钥"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        # The rate limiter keys on str(request.auth): the prefix, never the secret.
        return f"apikey:{self.prefix}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def scope_labels(self) -> list[str]:
        labels = dict(ApiScope.choices)
        return [labels.get(scope, scope) for scope in self.scopes]


class IdempotentReply(models.Model):
    """The first reply to a POST with an Idempotency-Key, replayed for the same key again."""

    caller = models.CharField("调用方", max_length=40)  # "key:<id>" or "user:<id>"
    key = models.CharField("Idempotency-Key", max_length=100)
    request_digest = models.CharField("请求摘要", max_length=64)
    status = models.PositiveSmallIntegerField("状态码")  # 0 while the first request runs
    body = models.JSONField("应答", null=True)  # None while the first request runs
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "幂等应答"
        verbose_name_plural = "幂等应答"
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="idempotent_reply_once")
        ]

    def __str__(self) -> str:
        return f"{self.caller} {self.key}"


class WebhookEvent(models.TextChoices):
    DECLARATION_APPROVED = "declaration.approved", "申报通过认定"
    DECLARATION_RETURNED = "declaration.returned", "申报被退回"
    APPROVED_DECLARATION_DELETED = "declaration.deleted", "已通过的申报被删除"
    CERTIFICATE_ISSUED = "certificate.issued", "证书发放"
    CERTIFICATE_VOIDED = "certificate.voided", "证书作废"


class Webhook(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name="机构", on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField("接收地址", max_length=500)
    secret = EncryptedCharField("签名密钥", max_length=200)
    events = models.JSONField("事件", default=list)
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "事件推送地址"
        verbose_name_plural = "事件推送地址"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url

    def event_labels(self) -> list[str]:
        labels = dict(WebhookEvent.choices)
        return [labels.get(event, event) for event in self.events]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "发送失败（已停止重试）"


class WebhookDelivery(models.Model):
    webhook = models.ForeignKey(
        Webhook, verbose_name="推送地址", on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField("事件", max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField("内容")
    status = models.CharField(
        "状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField("最近应答码", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = "事件推送记录"
        verbose_name_plural = "事件推送记录"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id}"
