"""学时抽查 pages: the list of audits, starting one, the audit with its sample and verdicts
(HTMX per item), the report's exports. Thin: reads from selectors, writes from services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi.accounts.models import RoleAssignment
from xueshi.accounts.permissions import require_permission
from xueshi.core.errors import error_text
from xueshi.core.exports import export_or_enqueue, requested_format
from xueshi.declarations.services import AlreadyHandled

from . import selectors, services
from .forms import StartForm, VerdictForm
from .models import SampleAudit, SampledItem

PERMISSION = "sample_audits.manage"
PAGE_SIZE = 20
SHOWN_TABS = (
    ("all", "全部"),
    ("open", "未核查"),
    ("findings", "有问题"),
    ("confirmed", "确认无误"),
)


def _role(request: HttpRequest) -> RoleAssignment:
    return require_permission(request, PERMISSION)


def _audit_or_404(role: RoleAssignment, pk: int) -> SampleAudit:
    try:
        return selectors.audit_of(role, pk)
    except SampleAudit.DoesNotExist as error:
        raise Http404("抽查不存在。") from error


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    role = _role(request)
    page = Paginator(selectors.audits_of(role), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "sample_audits/list.html", {"page": page, "audits": page.object_list})


@login_required
@require_http_methods(["GET", "POST"])
def audit_start(request: HttpRequest) -> HttpResponse:
    role = _role(request)
    form = StartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            audit = services.sample_audit_start(
                role=role,
                actor=request.user,
                credit_year=data["credit_year"],
                size_kind=data["size_kind"],
                size_value=data["size_value"],
                stratify=data["stratify"],
                seed=data["seed"],
                note=data["note"],
                request=request,
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                f"已从 {audit.population_size} 件已通过认定的申报中抽取 {audit.sample_size} 件"
                f"（随机种子 {audit.seed}）。",
            )
            return redirect("sample_audits:detail", pk=audit.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "sample_audits/start.html", {"form": form}, status=status)


def _item_context(item: SampledItem, form: VerdictForm | None = None) -> dict[str, Any]:
    return {
        "item": item,
        "form": form or VerdictForm(auto_id=f"id_item_{item.pk}_%s"),
    }


@login_required
@require_GET
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    role = _role(request)
    audit = _audit_or_404(role, pk)
    shown = request.GET.get("show", "all")
    if shown not in selectors.SHOWN:
        shown = "all"
    page = Paginator(selectors.sampled_items(audit, shown), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "sample_audits/detail.html",
        {
            "audit": audit,
            "page": page,
            "rows": [_item_context(item) for item in page.object_list],
            "shown": shown,
            "tabs": SHOWN_TABS,
            "page_query": f"show={shown}" if shown != "all" else "",
            "progress": selectors.audit_progress(audit),
            "unit_rates": selectors.unit_rates(audit),
        },
    )


@login_required
@require_POST
def item_decide(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """One verdict (HTMX: the item's row comes back; otherwise back to the audit page)."""
    role = _role(request)
    try:
        item = selectors.sampled_item_of(role, pk, item_pk)
    except (SampleAudit.DoesNotExist, SampledItem.DoesNotExist) as error:
        raise Http404("抽查项不存在。") from error
    form = VerdictForm(request.POST, auto_id=f"id_item_{item.pk}_%s")
    htmx = bool(getattr(request, "htmx", False))
    error_message = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.sampled_item_decide(
                role=role,
                actor=request.user,
                item_id=item.pk,
                verdict=data["verdict"],
                reason=data["reason"],
                hours_after=data["hours_after"],
                request=request,
            )
        except PermissionDenied as error:
            raise Http404("抽查项不存在。") from error
        except AlreadyHandled as error:
            error_message = error_text(error)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            item = selectors.sampled_item_of(role, pk, item_pk)
            if htmx:
                response = render(request, "sample_audits/_item_row.html", _item_context(item))
                response["HX-Trigger"] = "sample-audit-changed"
                return response
            messages.success(request, f"已记录第 {item.position} 件的抽查结论。")
            return redirect("sample_audits:detail", pk=pk)
    if htmx:
        context = {**_item_context(item, form), "error": error_message}
        return render(request, "sample_audits/_item_row.html", context, status=400)
    messages.error(request, error_message or "未能记录抽查结论：请按提示修改后重新提交。")
    return redirect(reverse("sample_audits:detail", args=(pk,)))


@login_required
@require_GET
def audit_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress and the per-unit rates (HTMX refreshes them after each verdict)."""
    role = _role(request)
    audit = _audit_or_404(role, pk)
    return render(
        request,
        "sample_audits/_summary.html",
        {
            "audit": audit,
            "progress": selectors.audit_progress(audit),
            "unit_rates": selectors.unit_rates(audit),
        },
    )


@login_required
@require_GET
def audit_export(request: HttpRequest, pk: int) -> HttpResponseBase:
    role = _role(request)
    audit = _audit_or_404(role, pk)
    key = "sample_audit_units" if request.GET.get("table") == "units" else "sample_audit_items"
    params = {**request.GET.dict(), "audit": str(audit.pk)}
    return export_or_enqueue(request, key, params, requested_format(request))
