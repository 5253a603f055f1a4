"""学时查询 pages: a person's years, administrators' query and drill-down, general-record import.

Thin views: reads come from `selectors` (people always through `people_in_scope` of the active
role, so anyone outside it is a 404), the import goes through `parsers` and the one service
`general_records_import`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.accounts.permissions import people_in_scope, permission_kinds, require_role
from xueshi.accounts.roles import role_person
from xueshi.core.audit import audit_id_search, audit_personal_read
from xueshi.core.exports import export_from_request

from . import parsers, selectors
from .forms import GeneralImportForm, UnitQueryForm
from .selectors import Compliance
from .services import general_records_import

PAGE_SIZE = 20
FIRST_YEAR, LAST_YEAR = 1990, 2100


@dataclass(frozen=True)
class YearRow:
    """One line of 培训总体查询 and where choosing it leads."""

    compliance: Compliance
    url: str
    selected: bool


def _role(request: HttpRequest, *permissions: str) -> RoleAssignment:
    """The active role if it holds any of the named permissions (the registry's role kinds)."""
    kinds = frozenset().union(*(permission_kinds(name) for name in permissions))
    return require_role(request, kinds, "当前角色无权查看此页面。")


def _year(value: str | None) -> int | None:
    if value and value.isascii() and value.isdigit() and FIRST_YEAR <= int(value) <= LAST_YEAR:
        return int(value)
    return None


def _year_context(
    person: Person, year: int | None, url_for: Any, *, default_newest: bool = True
) -> dict[str, Any]:
    """培训总体查询 of `person`, with the chosen year's compliance and records."""
    years = selectors.person_years(person)
    if year is None and default_newest and years:
        year = years[0].credit_year
    chosen = next((row for row in years if row.credit_year == year), None)
    if year is not None and chosen is None:
        chosen = selectors.year_compliance(person, year)
    return {
        "person": person,
        "year_rows": [
            YearRow(row, url_for(row.credit_year), row.credit_year == year) for row in years
        ],
        "year": year,
        "chosen": chosen,
        "records": selectors.year_records(person, year) if year is not None else [],
    }


@login_required
@require_GET
def my_years(request: HttpRequest) -> HttpResponse:
    """学时查询 · 培训总体查询 of the logged-in professional."""
    role = _role(request, "ledger.own")
    # ledger.own is a professional's: their own record, loaded with the role.
    person = role_person(role)
    if person is None:
        raise Http404("未找到您的人员信息。")
    context = _year_context(person, _year(request.GET.get("year")), lambda y: f"?year={y}")
    # 年度 filter (Guangxi seed 002: "年度 … 查询 重置 导出"): the chosen year alone.
    context["filtered"] = "year" in request.GET and context["year"] is not None
    context["years"] = [row.compliance.credit_year for row in context["year_rows"]]
    if context["filtered"]:
        context["year_rows"] = [row for row in context["year_rows"] if row.selected]
    context["export_url"] = reverse("ledger:my_export")
    context["export_query"] = f"year={context['year']}" if context["year"] else ""
    return render(request, "ledger/my_years.html", context)


@login_required
@require_GET
def my_export(request: HttpRequest) -> HttpResponseBase:
    """导出 the person's own records of the chosen year (xlsx or CSV, audited)."""
    _role(request, "ledger.own")
    return export_from_request(request, "my_hours")


@login_required
@require_GET
def person_year(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    """An administrator's drill-down to one person of their scope and one year."""
    role = _role(request, "ledger.query", "ledger.own")
    person = people_in_scope(role).filter(pk=pk).first()
    if person is None or _year(str(year)) is None:
        raise Http404("人员不存在或不在您的查看范围内。")
    audit_personal_read(request, action="person.ledger_read", target=person, year=year)
    context = _year_context(
        person, year, lambda y: reverse("ledger:person_year", args=(person.pk, y))
    )
    context["back_url"] = f"{reverse('ledger:unit_query')}?year={year}"
    return render(request, "ledger/person_year.html", context)


@login_required
@require_GET
def unit_query(request: HttpRequest) -> HttpResponse:
    """专业科目学时查询 (unit, department) / 全学时查询 (supervisor, authority, platform)."""
    role = _role(request, "ledger.query")
    today = timezone.localdate()
    scope = people_in_scope(role)
    form = UnitQueryForm(request.GET or None, years=selectors.credit_years(scope, today=today))
    filters: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    year = filters.get("year") or today.year
    matching = selectors.search_people(scope, filters.get("q", ""))
    audit_id_search(request, filters.get("q", ""), where="ledger.unit_query")
    people = selectors.people_year_hours(matching, year, compliance=filters.get("compliance", ""))
    counts = selectors.people_year_hours(matching, year).aggregate(
        people=Count("pk"), met_count=Count("pk", filter=Q(met=True))
    )
    page = Paginator(
        people.order_by("unit__name", "department__name", "name", "pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    wide = role.kind not in (RoleKind.UNIT_ADMIN, RoleKind.DEPARTMENT_ADMIN)
    context = {
        "form": form,
        "year": year,
        "page": page,
        "counts": counts,
        "unmet": counts["people"] - counts["met_count"],
        "met_percent": round(counts["met_count"] * 100 / counts["people"])
        if counts["people"]
        else 0,
        "page_query": keep.urlencode(),
        "export_url": reverse("ledger:unit_query_export"),
        "wide": wide,
        "page_title": "全学时查询" if wide else "专业科目学时查询",
    }
    return render(request, "ledger/unit_query.html", context)


@login_required
@require_GET
def unit_query_export(request: HttpRequest) -> HttpResponseBase:
    """The query page's people (same scope, year, search, compliance) as xlsx or CSV."""
    _role(request, "ledger.query")
    return export_from_request(request, "ledger_hours")


@login_required
@require_http_methods(["GET", "POST"])
def general_import(request: HttpRequest) -> HttpResponse:
    """公需科目导入: a CSV/xlsx file of course completions → created, unchanged, problems."""
    role = _role(request, "ledger.general_import")
    context: dict[str, Any] = {}
    form = GeneralImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            parsed = parsers.parse_general_records(
                upload.read(),
                file_name=upload.name or "",
                default_provider=form.cleaned_data["provider"],
            )
        except parsers.ParseError as error:
            form.add_error("file", str(error))
        else:
            report = general_records_import(
                rows=parsed.rows, actor=request.user, source_name=upload.name or "", role=role
            )
            context.update(
                report=report,
                file_name=upload.name,
                problems=sorted([*parsed.problems, *report.problems]),
            )
    context["form"] = form
    context["labels"] = parsers.LABELS.values()
    return render(request, "ledger/general_import.html", context)


@login_required
@require_GET
def general_import_template(request: HttpRequest) -> HttpResponse:
    """The import template (CSV, UTF-8 with BOM so Excel shows the Chinese headers)."""
    _role(request, "ledger.general_import")
    response = HttpResponse(parsers.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        'attachment; filename="general-records-template.csv"; '
        f"filename*=UTF-8''{quote('公需科目导入模板.csv')}"
    )
    return response
