"""安全审计: the audit admin reads and exports the audit log; nothing here changes anything."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from xueshi.accounts.permissions import require_permission
from xueshi.core.exports import export_from_request

from .audit_log import audit_log_filters, audit_log_search

AUDIT_PAGE_SIZE = 50


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    require_permission(request, "audit.read")
    form, filters = audit_log_filters(request.GET)
    page = Paginator(audit_log_search(filters), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "filter_query": keep.urlencode(),
        "export_url": reverse("core:audit_log_export"),
    }
    return render(request, "portal/audit_log.html", context)


@login_required
@require_GET
def audit_log_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered log as xlsx or CSV; the export is itself an audit row (core/exports.py)."""
    require_permission(request, "audit.read")
    return export_from_request(request, "audit_log")
