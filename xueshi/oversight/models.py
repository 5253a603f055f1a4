"""What the daily oversight task has already sent: one row per reminder, so it never sends twice."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from xueshi.accounts.models import Person
from xueshi.declarations.models import Declaration
from xueshi.orgs.models import Organization


class ReminderKind(models.TextChoices):
    STALE = "stale", "本级审核超期提醒"
    ESCALATED = "escalated", "下级超期待审（报上级）"
    YEAR_END = "year_end", "年底学时未达标提醒"


class Reminder(models.Model):
    """One reminder sent: for a claim that waited too long at one step (once per arrival at the
    step and kind: a claim returned and sent again may be reminded about again), or for a person
    short of a credit year's hours (once per person and year)."""

    kind = models.CharField("提醒类型", max_length=20, choices=ReminderKind.choices)
    declaration = models.ForeignKey(
        Declaration,
        verbose_name="申报",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # When the claim reached the step it waited at (review/waiting.py): identifies the stay.
    waiting_since = models.DateTimeField("到达本级时间", null=True, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name="超期机构",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    person = models.ForeignKey(
        Person,
        verbose_name="学员",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    credit_year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    sent_at = models.DateTimeField("提醒时间")

    class Meta:
        verbose_name = "督办提醒"
        verbose_name_plural = "督办提醒"
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "declaration", "waiting_since"],
                condition=Q(declaration__isnull=False),
                name="reminder_once_per_stay",
            ),
            models.UniqueConstraint(
                fields=["kind", "person", "credit_year"],
                condition=Q(person__isnull=False),
                name="reminder_once_per_person_year",
            ),
            models.CheckConstraint(
                condition=Q(declaration__isnull=False, waiting_since__isnull=False)
                | Q(person__isnull=False, credit_year__isnull=False),
                name="reminder_names_a_claim_or_a_person_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sent_at:%Y-%m-%d}"
