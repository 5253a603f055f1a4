"""The hours ledger: every change is an entry; yearly figures are the sum of the entries.

`LedgerEntry` is append-only (approval +, deletion −, a general-subject record +). `YearTotal`
holds the stored sums per person and credit year, updated in the same transaction as the entry,
so `ledger_rebuild` can always recompute them from the entries and compare.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from xueshi.accounts.models import Person
from xueshi.declarations.models import Declaration


class SubjectKind(models.TextChoices):
    GENERAL = "general", "公需科目"
    PROFESSIONAL = "professional", "专业科目"


class GeneralRecord(models.Model):
    """公需科目: a course completed on a learning platform; never declared, only imported."""

    person = models.ForeignKey(
        Person, verbose_name="学员", on_delete=models.PROTECT, related_name="general_records"
    )
    provider = models.CharField("学习平台", max_length=100)
    record_id = models.CharField("平台记录号", max_length=100)
    course = models.CharField("课程名称", max_length=200)
    hours = models.DecimalField("学时", max_digits=6, decimal_places=2)
    completed_on = models.DateField("完成日期")
    credit_year = models.PositiveSmallIntegerField("计入年度")
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "公需科目学习记录"
        verbose_name_plural = "公需科目学习记录"
        ordering = ["-completed_on", "-id"]
        constraints = [
            # Re-sending the same record changes nothing.
            models.UniqueConstraint(
                fields=["provider", "record_id"], name="general_record_once_per_provider"
            ),
            models.CheckConstraint(condition=Q(hours__gte=0), name="general_record_hours_gte_0"),
        ]
        indexes = [models.Index(fields=["person", "credit_year"])]

    def __str__(self) -> str:
        return f"{self.course}（{self.hours} 学时）"


class EntrySource(models.TextChoices):
    APPROVAL = "approval", "审核通过"
    DELETION = "deletion", "删除已通过申报"
    GENERAL_RECORD = "general_record", "公需科目学习记录"
    # An item of a higher app (the yearly application, 学时认定申请书) named by `source_ref`:
    # the ledger knows no such model, only the reference and what to show.
    APPLICATION = "application", "学时认定申请书"
    # A sample audit (抽查) lowered or revoked an approved claim: the entry brings the claim's
    # net hours to what the audit decided (once per kind and claim).
    AUDIT_CORRECTION = "audit_correction", "抽查核减学时"
    AUDIT_REVOCATION = "audit_revocation", "抽查撤销认定"
    # Hours certified in another region and recognised here (学时转入, issue 18 item 5); the
    # label names the source region.
    TRANSFER = "transfer", "转入"


class LedgerEntry(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="ledger_entries")
    credit_year = models.PositiveSmallIntegerField("计入年度")
    subject = models.CharField("科目", max_length=12, choices=SubjectKind.choices)
    # For professional hours: which category, so yearly caps per category can be applied.
    category_code = models.CharField("申报类型代码", max_length=60, blank=True)
    hours = models.DecimalField("学时", max_digits=7, decimal_places=2)  # signed
    source = models.CharField("来源", max_length=20, choices=EntrySource.choices)
    declaration = models.ForeignKey(
        Declaration, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    general_record = models.ForeignKey(
        GeneralRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A generic source (e.g. "application:12"), and what the person's year records show for it.
    source_ref = models.CharField("来源编号", max_length=60, blank=True, default="")
    source_label = models.CharField("来源说明", max_length=200, blank=True, default="")
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "台账记录"
        verbose_name_plural = "台账记录"
        ordering = ["person_id", "credit_year", "at", "id"]
        indexes = [models.Index(fields=["person", "credit_year", "subject"])]
        constraints = [
            # An approval, a deletion and an import each count once.
            models.UniqueConstraint(
                fields=["declaration", "source"],
                condition=Q(declaration__isnull=False),
                name="ledger_entry_once_per_declaration_event",
            ),
            models.UniqueConstraint(
                fields=["general_record"],
                condition=Q(general_record__isnull=False),
                name="ledger_entry_once_per_general_record",
            ),
            # A generic source counts once per category (an application approved once).
            models.UniqueConstraint(
                fields=["source", "source_ref", "category_code"],
                condition=~Q(source_ref=""),
                name="ledger_entry_once_per_source_ref",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.credit_year} {self.subject} {self.hours:+}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("台账记录只能追加，不能修改。")
        super().save(*args, **kwargs)


class YearTotal(models.Model):
    """Stored sums of a person's entries for one credit year (before caps)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="year_totals")
    credit_year = models.PositiveSmallIntegerField("计入年度")
    general_hours = models.DecimalField("公需科目学时", max_digits=8, decimal_places=2, default=0)
    professional_hours = models.DecimalField(
        "专业科目学时", max_digits=8, decimal_places=2, default=0
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "年度学时"
        verbose_name_plural = "年度学时"
        ordering = ["person_id", "-credit_year"]
        constraints = [
            models.UniqueConstraint(fields=["person", "credit_year"], name="year_total_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.credit_year}"

    @property
    def total_hours(self) -> Any:
        return self.general_hours + self.professional_hours
