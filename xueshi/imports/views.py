"""导入学员培训信息 / 导入人员信息: template, upload, result. Thin: the work is in services."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from xueshi.accounts.models import RoleAssignment

from . import services
from .forms import ImportUploadForm
from .models import ImportBatch, ImportKind
from .xlsx import ImportRefused

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_PER_PAGE = 100
PAGE_TITLES = {ImportKind.CLAIMS: "导入学员培训信息", ImportKind.STAFF: "导入人员信息"}
MENU_SECTIONS = {ImportKind.CLAIMS: "学时管理", ImportKind.STAFF: "单位管理"}


def _role(request: HttpRequest, kind: str) -> RoleAssignment:
    role: RoleAssignment | None = getattr(request, "active_role", None)
    services.check_import_role(kind, role)
    if role is None:  # refused above; for the type checker
        raise PermissionDenied
    return role


def _import_page(request: HttpRequest, kind: ImportKind) -> HttpResponse:
    role = _role(request, kind)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.import_start(
                kind=kind, upload=form.cleaned_data["file"], role=role, actor=request.user
            )
        except (ImportRefused, ValidationError) as error:
            reason = str(error) if isinstance(error, ImportRefused) else "；".join(error.messages)
            form.add_error("file", reason)
        else:
            return HttpResponseRedirect(reverse("imports:batch_detail", args=[batch.pk]))
    batches = services.recent_batches(request.user, kind)
    context: dict[str, Any] = {
        "kind": kind,
        "page_title": PAGE_TITLES[kind],
        "section": MENU_SECTIONS[kind],
        "form": form,
        "batches": batches,
        "running": services.running_jobs(batches),
        "template_url": reverse(f"imports:{kind.value}_template"),
        "threshold": services.BACKGROUND_ROW_THRESHOLD
        if kind == ImportKind.CLAIMS
        else services.STAFF_BACKGROUND_ROW_THRESHOLD,
        "role": role,
    }
    return render(request, "imports/import_page.html", context, status=400 if form.errors else 200)


@login_required
def claims(request: HttpRequest) -> HttpResponse:
    return _import_page(request, ImportKind.CLAIMS)


@login_required
def staff(request: HttpRequest) -> HttpResponse:
    return _import_page(request, ImportKind.STAFF)


def _template_response(request: HttpRequest, kind: ImportKind) -> HttpResponse:
    try:
        name, content = services.template_for(kind, _role(request, kind))
    except ValidationError as error:
        raise Http404("；".join(error.messages)) from error
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{kind.value}-template.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    return response


@login_required
@require_GET
def claims_template(request: HttpRequest) -> HttpResponse:
    return _template_response(request, ImportKind.CLAIMS)


@login_required
@require_GET
def staff_template(request: HttpRequest) -> HttpResponse:
    return _template_response(request, ImportKind.STAFF)


def _own_batch(request: HttpRequest, pk: int) -> ImportBatch:
    """Only the uploader sees a batch (its rows name people of their scope)."""
    return get_object_or_404(
        ImportBatch.objects.select_related("job", "unit"), pk=pk, created_by=request.user
    )


@login_required
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _own_batch(request, pk)
    kind = ImportKind(batch.kind)
    errors = Paginator(batch.row_errors.all(), ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "batch": batch,
        "kind": kind,
        "page_title": f"{PAGE_TITLES[kind]} · 导入结果",
        "list_title": PAGE_TITLES[kind],
        "section": MENU_SECTIONS[kind],
        "errors": errors,
        "earlier": services.earlier_same_file(batch),
        "list_url": reverse(f"imports:{kind.value}"),
    }
    return render(request, "imports/batch_detail.html", context)


@login_required
@require_GET
def batch_state(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled while a background import runs; asks the page to reload once it has finished."""
    batch = _own_batch(request, pk)
    response = HttpResponse(status=204)
    if batch.is_finished:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def batch_errors(request: HttpRequest, pk: int) -> FileResponse:
    batch = _own_batch(request, pk)
    if not batch.error_file:
        raise Http404("没有错误行。")
    response = FileResponse(
        batch.error_file.open("rb"),
        as_attachment=True,
        filename=services.error_file_name(batch),
        content_type=XLSX_TYPE,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
