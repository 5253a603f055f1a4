"""Permissions of the reports app; no tables of its own."""

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
