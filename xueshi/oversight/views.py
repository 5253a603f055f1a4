"""Oversight pages: 下级超期待审 (claims waiting too long below the role's level) and 学时未达标人员
(the unit's people short of a year's hours, exportable). Thin: reads come from selectors."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from xueshi.accounts.models import RoleAssignment
from xueshi.accounts.permissions import people_in_scope, require_permission
from xueshi.core.exports import export_from_request
from xueshi.ledger.selectors import credit_years
from xueshi.review.waiting import oversight_rules

from . import selectors

PAGE_SIZE = 20


@login_required
@require_GET
def overdue_below(request: HttpRequest) -> HttpResponse:
    """下级超期待审: the claims waiting past the second limit at the levels below this one."""
    role = require_permission(request, "oversight.overdue_below")
    now = timezone.now()
    rules = oversight_rules(timezone.localdate(now))
    page = Paginator(selectors.overdue_below(role, now, rules), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    region_rule = (
        rules.get(role.organization.effective_policy_profile()) if role.organization else None
    )
    return render(
        request,
        "oversight/overdue_below.html",
        {
            "role": role,
            "page": page,
            "rows": selectors.overdue_rows(page.object_list, now, rules),
            "escalate_after_days": region_rule.escalate_after_days if region_rule else None,
            "page_query": "",
        },
    )


def chosen_year(role: RoleAssignment, params: Mapping[str, str]) -> tuple[int, list[int]]:
    """The credit year asked for (one of those offered), else the current one; and the offer."""
    today = timezone.localdate()
    years = credit_years(people_in_scope(role), today=today)
    raw = params.get("year", "")
    if raw.isascii() and raw.isdigit() and int(raw) in years:
        return int(raw), years
    return today.year, years


@login_required
@require_GET
def short_people(request: HttpRequest) -> HttpResponse:
    """学时未达标人员: the unit's (department's) people below a year's requirement."""
    role = require_permission(request, "oversight.short_people")
    year, years = chosen_year(role, request.GET)
    page = Paginator(selectors.short_people(role, year), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(person, selectors.missing_of(person)) for person in page.object_list]
    rules = oversight_rules()
    region_rule = (
        rules.get(role.organization.effective_policy_profile()) if role.organization else None
    )
    reminder_from: datetime.date | None = region_rule.reminder_from(year) if region_rule else None
    return render(
        request,
        "oversight/short_people.html",
        {
            "role": role,
            "year": year,
            "years": years,
            "page": page,
            "rows": rows,
            "reminder_from": reminder_from,
            "page_query": f"year={year}",
            "export_url": reverse("oversight:short_people_export"),
        },
    )


@login_required
@require_GET
def short_people_export(request: HttpRequest) -> HttpResponseBase:
    """The same list (same scope and year) as xlsx or CSV, ID numbers masked."""
    require_permission(request, "oversight.short_people")
    return export_from_request(request, "oversight_short_people")
