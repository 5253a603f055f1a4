"""A yearly training plan (年度培训计划) and its trainings, filed with 人社 (备案).

Seed 001, form 13: "行业主管部门组织的专业技术人员专业科目培训 — 培训项目列入年度计划，并报
人社部门备案"; form 14: "用人单位组织的本单位专业技术人员专业科目培训 — 培训项目纳入主管部门
年度培训计划，并报人社部门备案". A plan belongs to a supervising department (or a unit with
none above it); each training names who organises it (the department itself or one of its
units). Only the trainings of a filed plan may be declared.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from xueshi.orgs.models import Organization


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "编制中"
    FILED = "filed", "已报人社部门备案"


class TrainingPlan(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name="编制机构", on_delete=models.PROTECT, related_name="plans"
    )
    year = models.PositiveSmallIntegerField("计划年度")
    status = models.CharField(
        "状态", max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="备案人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "年度培训计划"
        verbose_name_plural = "年度培训计划"
        ordering = ["-year", "organization_id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="plan_one_per_year"),
            models.CheckConstraint(
                condition=Q(status=PlanStatus.DRAFT) | Q(filed_at__isnull=False),
                name="plan_filed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization.name} {self.year} 年度培训计划"

    @property
    def is_filed(self) -> bool:
        return self.status == PlanStatus.FILED


class PlannedTraining(models.Model):
    plan = models.ForeignKey(
        TrainingPlan, verbose_name="年度计划", on_delete=models.CASCADE, related_name="trainings"
    )
    # The category a claim of it is declared in (Henan: supervisor_training / employer_training).
    category_code = models.CharField("学习形式代码", max_length=60)
    title = models.CharField("培训项目名称", max_length=200)
    organizer = models.ForeignKey(
        Organization, verbose_name="组织单位", on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField("开始时间")
    end_date = models.DateField("结束时间")
    hours = models.DecimalField("计划学时", max_digits=6, decimal_places=1)

    class Meta:
        verbose_name = "计划培训项目"
        verbose_name_plural = "计划培训项目"
        ordering = ["start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="training_end_after_start"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_hours_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def label(self) -> str:
        """How the claim form offers it."""
        hours = f"{self.hours.normalize():f}"
        return (
            f"{self.title}（{self.organizer.name}，{self.start_date:%Y-%m-%d}至"
            f"{self.end_date:%Y-%m-%d}，{hours} 学时）"
        )
