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
