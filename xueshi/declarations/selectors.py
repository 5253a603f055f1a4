"""Reads for declarants and administrators: 申报进度查询 and 单位申报记录."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from xueshi.accounts.models import RoleAssignment

from .models import Declaration
from .permissions import declarations_in_scope

# The progress page's filters: all / draft / pending / returned / approved / rejected.
STATUS_FILTERS = ("draft", "pending", "returned", "approved", "rejected")


def declaration_list(role: RoleAssignment | None, *, status: str = "") -> QuerySet[Declaration]:
    declarations = declarations_in_scope(role)
    if status in STATUS_FILTERS:
        declarations = declarations.filter(status=status)
    return (
        declarations.select_related("person", "unit", "registered_by_organization")
        .annotate(attachment_total=Count("attachments"))
        .order_by("-created_at", "-id")
    )


def declaration_for(role: RoleAssignment | None, pk: int) -> Declaration:
    """One declaration the role may see (raises Declaration.DoesNotExist otherwise → 404)."""
    return (
        declarations_in_scope(role)
        .select_related("person", "person__department", "unit", "registered_by_organization")
        .get(pk=pk)
    )
