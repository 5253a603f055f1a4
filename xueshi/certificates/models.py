"""继续教育合格证书 and 学时证明: frozen, signed files with the facts they state.

A row keeps what the PDF prints (name, masked ID number, unit, hours …) as it was at issue, the
stored PDF (never regenerated), its SM3 digest and the SM2 signature over it. A certificate is
never edited after issue: it is voided (with date and reason) and, where the year still meets
the requirement, replaced by a new one that `replaces` it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from xueshi.accounts.models import Person
from xueshi.orgs.models import Organization


class CertificateKind(models.TextChoices):
    CERTIFICATE = "certificate", "继续教育合格证书"
    STATEMENT = "statement", "学时证明"


class CertificateStatus(models.TextChoices):
    VALID = "valid", "有效"
    VOID = "void", "已作废"


def certificate_file_path(instance: Certificate, filename: str) -> str:
    return f"certificates/{instance.issued_at:%Y}/{instance.number}.pdf"


class Certificate(models.Model):
    kind = models.CharField(
        "类别", max_length=12, choices=CertificateKind.choices, default=CertificateKind.CERTIFICATE
    )
    number = models.CharField("证书编号", max_length=30, unique=True)
    title = models.CharField("证书名称", max_length=100)
    person = models.ForeignKey(
        Person, verbose_name="专业技术人员", on_delete=models.PROTECT, related_name="certificates"
    )
    profile_key = models.CharField("政策配置", max_length=60)
    # A certificate's year; a 学时证明 lists several (`years`) and has none.
    credit_year = models.PositiveSmallIntegerField("认定年度", null=True, blank=True)
    years = models.JSONField("年度学时", default=list, blank=True)
    # As printed at issue.
    person_name = models.CharField("姓名", max_length=50)
    masked_id_number = models.CharField("身份证号（脱敏）", max_length=18)
    unit_name = models.CharField("工作单位", max_length=200, blank=True)
    specialty = models.CharField("认定专业", max_length=100, blank=True)
    general_hours = models.DecimalField("公需科目学时", max_digits=8, decimal_places=2, default=0)
    professional_hours = models.DecimalField(
        "专业科目学时", max_digits=8, decimal_places=2, default=0
    )
    total_hours = models.DecimalField("合计学时", max_digits=8, decimal_places=2, default=0)
    authority = models.ForeignKey(
        Organization,
        verbose_name="认定单位",
        on_delete=models.PROTECT,
        related_name="certificates_issued",
    )
    issuer_name = models.CharField("认定单位名称", max_length=200)
    issued_at = models.DateTimeField("发证时间")
    # The frozen file and its signatures.
    pdf = models.FileField("证书文件", upload_to=certificate_file_path, max_length=200)
    sm3_digest = models.CharField("SM3 摘要", max_length=64, db_index=True)
    sm2_signature = models.CharField("SM2 签名", max_length=200)
    # Validity.
    status = models.CharField(
        "状态", max_length=8, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=500, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作废人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name="换发自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )

    class Meta:
        verbose_name = "继续教育合格证书"
        verbose_name_plural = "继续教育合格证书"
        ordering = ["-issued_at", "-id"]
        constraints = [
            # Exactly one valid certificate per person, year and profile, whatever runs at once.
            models.UniqueConstraint(
                fields=["person", "credit_year", "profile_key"],
                condition=Q(kind="certificate", status="valid"),
                name="one_valid_certificate_per_person_year_profile",
            ),
            models.CheckConstraint(
                condition=Q(kind="statement") | Q(credit_year__isnull=False),
                name="certificate_has_credit_year",
            ),
            models.CheckConstraint(
                condition=Q(status="valid") | Q(voided_at__isnull=False),
                name="void_certificate_has_date",
            ),
        ]
        indexes = [models.Index(fields=["credit_year", "status"])]

    def __str__(self) -> str:
        return f"{self.title} {self.number}"

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID

    @property
    def signed_label(self) -> str:
        """签证状态 (seed 004: "证书显示：已签名，即可下载证书")."""
        return "已签名" if self.sm2_signature and self.pdf else "未签名"


class NumberSequence(models.Model):
    """The last sequence number used per prefix and year (GX + 2025 → 000001, 000002 …)."""

    prefix = models.CharField(max_length=12)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "证书编号序列"
        verbose_name_plural = "证书编号序列"
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="number_sequence_once")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}{self.year}: {self.last}"
