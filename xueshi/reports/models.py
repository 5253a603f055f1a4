"""The reports app's tables: the statistics summaries, and the export permission."""

from __future__ import annotations

from django.db import models


class ExportPermission(models.Model):
    """Carries `reports.view_full_id_number`: exports show full ID numbers only to holders."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_full_id_number", "导出时可查看完整证件号码")]
        verbose_name = "导出权限"
        verbose_name_plural = "导出权限"

    def __str__(self) -> str:
        return "导出权限"


class DeclarationSummary(models.Model):
    """Counts and hours of the counted claims (not drafts, not deleted) per combination of
    the statistics page's dimensions, so the page sums a few thousand rows instead of grouping
    a million claims. Kept by PostgreSQL triggers in the same statement as every write to the
    claims (``reports/summaries.py``: the lifecycle's transitions, edits, COPY imports, admin
    actions alike); ``stats_rebuild`` refills it and ``stats_check`` compares it with a full
    GROUP BY. Region and path come from the unit at read time (a join on a small table)."""

    unit = models.ForeignKey(
        "orgs.Organization",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    registered_by_organization = models.ForeignKey(
        "orgs.Organization",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    category_code = models.CharField(max_length=60)
    category_name = models.CharField(max_length=300)
    status = models.CharField(max_length=10)
    status_level = models.CharField(max_length=60)
    credit_year = models.PositiveSmallIntegerField()
    # The month the claim was sent (Asia/Shanghai), as the page's TruncMonth; None: never sent.
    month = models.DateField(null=True)
    # The declarant's title series (Person.specialty before the first "/"), "" when none.
    track = models.CharField(max_length=100)
    declarations = models.IntegerField(default=0)
    hours_claimed = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    hours_granted = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        verbose_name = "申报统计汇总"
        verbose_name_plural = "申报统计汇总"
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "unit",
                    "registered_by_organization",
                    "category_code",
                    "category_name",
                    "status",
                    "status_level",
                    "credit_year",
                    "month",
                    "track",
                ],
                name="declaration_summary_key",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.category_code} {self.status} {self.credit_year}"


class RoutedStep(models.Model):
    """A chain step at an organisation that is not the claim's unit or one of its ancestors
    (a claim sent straight to a supervisor elsewhere): the few claims a supervisor or authority
    sees without their unit being in its subtree. Kept by a trigger on the chain steps."""

    chain_step_id = models.BigIntegerField(primary_key=True)
    declaration_id = models.BigIntegerField(db_index=True)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        verbose_name = "跨范围审核层级"
        verbose_name_plural = "跨范围审核层级"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.declaration_id} → {self.organization_id}"


# --- the per-table summaries ----------------------------------------------------------------
# The fine summary above is nearly as large as the claims when they spread evenly over its
# nine dimensions. Each table of the page reads instead a summary holding only its own
# dimension, the scope (the unit, or where no table drills down to units, the top-level
# authority it lies under: `root`) and the credit year, the filter nearly every visit sets.
# Other filters are answered from the fine summary (`reports.selectors`).


def _organization(*, null: bool = True) -> models.ForeignKey:
    return models.ForeignKey(
        "orgs.Organization",
        null=null,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )


class RolledUpCounts(models.Model):
    """Counts and hours of the counted claims (not drafts, not deleted) of one key."""

    registered_by_organization = _organization()
    credit_year = models.PositiveSmallIntegerField()
    declarations = models.IntegerField(default=0)
    approved = models.IntegerField(default=0)
    hours_claimed = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    hours_granted = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        abstract = True
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.credit_year}: {self.declarations}"


class UnitSummary(RolledUpCounts):
    """Per unit and year: the organisation table (drills down to units) and the region table."""

    unit = _organization()

    class Meta(RolledUpCounts.Meta):
        verbose_name = "单位年度统计汇总"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "registered_by_organization", "credit_year"],
                name="unit_summary_key",
                nulls_distinct=False,
            )
        ]


class CategorySummary(RolledUpCounts):
    """Per top-level authority, year and category: the category table."""

    root = _organization()
    category_code = models.CharField(max_length=60)
    category_name = models.CharField(max_length=300)

    class Meta(RolledUpCounts.Meta):
        verbose_name = "申报类型统计汇总"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "root",
                    "registered_by_organization",
                    "credit_year",
                    "category_code",
                    "category_name",
                ],
                name="category_summary_key",
                nulls_distinct=False,
            )
        ]


class StatusSummary(RolledUpCounts):
    """Per top-level authority, year, status and level: the status and year tables."""

    root = _organization()
    status = models.CharField(max_length=10)
    status_level = models.CharField(max_length=60)

    class Meta(RolledUpCounts.Meta):
        verbose_name = "状态统计汇总"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "root",
                    "registered_by_organization",
                    "credit_year",
                    "status",
                    "status_level",
                ],
                name="status_summary_key",
                nulls_distinct=False,
            )
        ]


class TrackSummary(RolledUpCounts):
    """Per top-level authority, year and title series: the track table."""

    root = _organization()
    track = models.CharField(max_length=100)

    class Meta(RolledUpCounts.Meta):
        verbose_name = "职称系列统计汇总"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["root", "registered_by_organization", "credit_year", "track"],
                name="track_summary_key",
                nulls_distinct=False,
            )
        ]


class MonthSummary(RolledUpCounts):
    """Per top-level authority, year and month sent (None: never sent): the month table."""

    root = _organization()
    month = models.DateField(null=True)

    class Meta(RolledUpCounts.Meta):
        verbose_name = "提交月份统计汇总"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["root", "registered_by_organization", "credit_year", "month"],
                name="month_summary_key",
                nulls_distinct=False,
            )
        ]


class VerdictSummary(models.Model):
    """Verdicts (approve, return, reject) per reviewing organisation, level and action, over
    the counted claims of a top-level authority, declaring organisation and year: the
    reviewer throughput table. No day: a verdict-date range is counted from the trail."""

    root = _organization()
    registered_by_organization = _organization()
    credit_year = models.PositiveSmallIntegerField()
    organization = _organization()
    level_name = models.CharField(max_length=100)
    action = models.CharField(max_length=20)
    verdicts = models.IntegerField(default=0)

    class Meta:
        verbose_name = "审核结论统计汇总"
        verbose_name_plural = verbose_name
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "root",
                    "registered_by_organization",
                    "credit_year",
                    "organization",
                    "level_name",
                    "action",
                ],
                name="verdict_summary_key",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.level_name} {self.action}: {self.verdicts}"


class PendingClaim(models.Model):
    """A pending claim at the step that must act now, and since when it waits there (its
    last arriving trail entry, else its submission: ``review/waiting.py``): the pending-age
    table. One narrow row per pending claim rather than counts, because the oldest wait of a
    group (a minimum) cannot be taken back when a claim leaves it."""

    declaration_id = models.BigIntegerField(primary_key=True)
    root = _organization()
    registered_by_organization = _organization()
    credit_year = models.PositiveSmallIntegerField()
    organization = _organization()
    level_name = models.CharField(max_length=100)
    arrived_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "待审申报"
        verbose_name_plural = verbose_name
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.declaration_id} @ {self.organization_id}"
