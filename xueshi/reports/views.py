"""学时申报统计 and its exports. Thin: the figures come from selectors, files from exports."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from xueshi.accounts.models import RoleAssignment
from xueshi.accounts.permissions import require_permission
from xueshi.core.exports import export_from_request
from xueshi.core.replica import reads_from_replica
from xueshi.review.selectors import region_status_word

from . import selectors
from .exports import STATISTICS_EXPORTS
from .forms import STATUS_CHOICES, read_filters


def _statistics_role(request: HttpRequest) -> RoleAssignment:
    return require_permission(request, "reports.statistics", "当前角色不能查看学时申报统计。")


def _query(params: dict[str, str], **changes: Any) -> str:
    query = QueryDict(mutable=True)
    merged = {**params, **{key: str(value) for key, value in changes.items() if value}}
    for key in changes:
        if not changes[key]:
            merged.pop(key, None)
    query.update(merged)
    return query.urlencode()


def _chart_data(stats: selectors.Statistics) -> dict[str, Any]:
    organization = stats.tables["organization"].rows
    return {
        "units": {
            "labels": [row.label for row in organization],
            "counts": [row.count for row in organization],
            "approved": [row.approved for row in organization],
            "hours": [float(row.hours_granted) for row in organization],
        },
        "categories": [
            {"name": row.label, "value": row.count} for row in stats.tables["category"].rows
        ],
        "months": {
            "labels": [row.key for row in stats.tables["month"].rows],
            "counts": [row.count for row in stats.tables["month"].rows],
        },
    }


@login_required
@require_GET
@reads_from_replica
def statistics(request: HttpRequest) -> HttpResponse:
    role = _statistics_role(request)
    filters, form = read_filters(role, request.GET)
    stats = selectors.statistics(role, filters)
    region_word = region_status_word(role)
    params = filters.as_params()
    tables = stats.tables
    return render(
        request,
        "reports/statistics.html",
        {
            "form": form,
            "filters": filters,
            "params": params,
            "choices": selectors.filter_choices(role),
            # The filter in the region's words (Henan 审核通过, Zhejiang 终审通过 …).
            "status_choices": [
                (value, region_word(value, "") if value else label)
                for value, label in STATUS_CHOICES
            ],
            "stats": stats,
            "count_tables": [
                tables[key] for key in ("category", "status", "year", "region", "track", "month")
            ],
            "organization_table": tables["organization"],
            "organization_rows": [
                (row, _query(params, org=row.organization_id) if row.organization_id else "")
                for row in tables["organization"].rows
            ],
            "breadcrumbs": [
                (node, _query(params, org=node.pk))
                for node in selectors.breadcrumbs(role, filters.organization)
            ],
            "top_query": _query(params, org=""),
            "export_query": _query(params),
            "chart_data": _chart_data(stats),
            "sections": {
                key: f"{reverse('reports:statistics_section', args=[key])}?{_query(params)}"
                for key in selectors.SECTIONS
            },
        },
    )


# Rows a section shows at a time; the export holds them all.
SECTION_ROWS = 20


@login_required
@require_GET
@reads_from_replica
def statistics_section(request: HttpRequest, key: str) -> HttpResponse:
    """One of the page's tables with a row per organisation, a page at a time (HTMX loads it
    into the page after the page itself, and swaps it when paged)."""
    role = _statistics_role(request)
    if key not in selectors.SECTIONS:
        raise Http404("未知的统计表。")
    filters, _form = read_filters(role, request.GET)
    rows = selectors.SECTIONS[key](role, filters)
    params = filters.as_params()
    return render(
        request,
        f"reports/_section_{key}.html",
        {
            "page": Paginator(rows, SECTION_ROWS).get_page(request.GET.get("page")),
            "section_url": reverse("reports:statistics_section", args=[key]),
            "page_query": _query(params),
            "target": f"#section-{key}",
        },
    )


@login_required
@require_GET
def statistics_export(request: HttpRequest) -> HttpResponseBase:
    """One table of the statistics page (`table`), in the page's conditions."""
    _statistics_role(request)
    key = f"stats_{request.GET.get('table', '')}"
    if key not in STATISTICS_EXPORTS:
        raise PermissionDenied("未知的统计表。")
    return export_from_request(request, key)


@login_required
@require_GET
def export_declarations(request: HttpRequest) -> HttpResponseBase:
    """The claims behind the statistics (same conditions), one row each."""
    _statistics_role(request)
    return export_from_request(request, "declarations")
