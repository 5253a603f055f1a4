"""Pages: 我的证书, 证书管理 (scope list, 批量发证, ZIP, void), and public verification."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi.accounts.models import RoleAssignment
from xueshi.accounts.permissions import (
    organizations_in_scope,
    people_in_scope,
    permission_kinds,
    require_permission,
    require_role,
    role_may,
)
from xueshi.core.audit import audit_personal_read
from xueshi.core.errors import error_text
from xueshi.orgs.models import OrganizationKind

from . import selectors, services
from .forms import FileForm, NumberForm, StatementForm, VoidForm, YearForm
from .models import CertificateKind
from .ratelimit import rate_limited

PAGE_SIZE = 20


def _year(value: str | None) -> int:
    this_year = timezone.localdate().year
    if value and value.isascii() and value.isdigit() and 2000 <= int(value) <= this_year + 1:
        return int(value)
    return this_year


# --- 我的证书 -------------------------------------------------------------------------------


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """我的证书 (seed 004): by year with 认定单位, 签证状态 (已签名) and 下载证书."""
    role = require_permission(request, "certificates.own")
    person = people_in_scope(role).first()
    if person is None:
        raise Http404("未找到您的人员信息。")
    page = Paginator(selectors.certificates_of(person), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "certificates/mine.html",
        {"page": page, "statement_form": StatementForm(), "person": person},
    )


@login_required
@require_POST
def statement_create(request: HttpRequest) -> HttpResponse:
    """学时证明 for a title committee: one signed PDF of the last 3 or 5 years."""
    role = require_permission(request, "certificates.own")
    person = people_in_scope(role).first()
    if person is None:
        raise Http404("未找到您的人员信息。")
    form = StatementForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors["years"]))
        return redirect("certificates:mine")
    try:
        statement = services.statement_issue(
            person=person, years=form.cleaned_data["years"], actor=request.user
        )
    except services.CertificateRefused as refusal:
        messages.error(request, error_text(refusal))
        return redirect("certificates:mine")
    messages.success(request, f"学时证明 {statement.number} 已出具并签名，可下载。")
    return redirect("certificates:mine")


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> FileResponse:
    """The stored, signed file: one's own, or one of the administrator's scope (else 404)."""
    kinds = permission_kinds("certificates.own") | permission_kinds("certificates.list")
    role = require_role(request, kinds)
    certificate = selectors.visible_certificate(role, pk)
    if certificate is None:
        raise Http404("证书不存在或不在您的查看范围内。")
    if certificate.person.user_id != request.user.pk:
        audit_personal_read(
            request, action="certificates.download", target=certificate, number=certificate.number
        )
    return FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=f"{certificate.title}-{certificate.number}.pdf",
        content_type="application/pdf",
    )


# --- 证书管理 -------------------------------------------------------------------------------


@login_required
@require_GET
def scope_list(request: HttpRequest) -> HttpResponse:
    role = require_permission(request, "certificates.list")
    year = _year(request.GET.get("year"))
    page = Paginator(selectors.certificates_in_scope(role, year), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    this_year = timezone.localdate().year
    return render(
        request,
        "certificates/list.html",
        {
            "page": page,
            "page_query": f"year={year}",
            "year": year,
            "years": list(range(this_year, this_year - 6, -1)),
            "may_issue": role_may(role, "certificates.issue"),
            "units": (
                organizations_in_scope(role)
                .filter(kind=OrganizationKind.UNIT)
                .order_by("name")
                .select_related(None)
                .only("pk", "name")
                if role_may(role, "certificates.issue")
                else []
            ),
        },
    )


def _int(value: str) -> int:
    return int(value) if value.isascii() and value.isdigit() else 0


def _year_from_post(request: HttpRequest) -> int | None:
    form = YearForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors["credit_year"]))
        return None
    year: int = form.cleaned_data["credit_year"]
    return year


@login_required
@require_POST
def batch_issue(request: HttpRequest) -> HttpResponse:
    """批量发证 for the authority's people of a year: a background job with progress."""
    role = require_permission(request, "certificates.issue")
    year = _year_from_post(request)
    if year is None:
        return redirect("certificates:list")
    unit_id = None
    if request.POST.get("unit"):
        # One unit of the authority's tree (another authority's unit is a 404).
        unit = (
            organizations_in_scope(role)
            .filter(kind=OrganizationKind.UNIT, pk=_int(request.POST["unit"]))
            .first()
        )
        if unit is None:
            raise Http404("单位不存在或不在您的管理范围内。")
        unit_id = unit.pk
    job = services.batch_issue_start(role=role, credit_year=year, unit_id=unit_id)
    return redirect("core:job_status", pk=job.pk)


@login_required
@require_POST
def zip_download(request: HttpRequest) -> HttpResponse:
    """The valid certificates of a year of the role's people, as one ZIP (background job)."""
    role = require_permission(request, "certificates.list")
    year = _year_from_post(request)
    if year is None:
        return redirect("certificates:list")
    job = services.zip_start(role=role, credit_year=year)
    return redirect("core:job_status", pk=job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def void(request: HttpRequest, pk: int) -> HttpResponse:
    """作废证书: a confirmation page with the reason; only the issuing authority's admin."""
    role: RoleAssignment = require_permission(request, "certificates.issue")
    certificate = selectors.visible_certificate(role, pk)
    if certificate is None or certificate.kind != CertificateKind.CERTIFICATE:
        raise Http404("证书不存在或不在您的管理范围内。")
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_void(
                certificate_id=certificate.pk,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                request=request,
                role=role.kind,
            )
        except services.CertificateRefused as refusal:
            form.add_error("reason", error_text(refusal))
        else:
            messages.success(request, f"证书 {certificate.number} 已作废。")
            return redirect(f"{reverse('certificates:list')}?year={certificate.credit_year}")
    return render(request, "certificates/void.html", {"certificate": certificate, "form": form})


# --- public verification (no login) --------------------------------------------------------


@require_GET
@rate_limited()
def verify(request: HttpRequest) -> HttpResponse:
    """证书查询: a number typed in → its page."""
    form = NumberForm(request.GET or None)
    if request.GET and form.is_valid():
        return redirect("certificates:verify_number", number=form.cleaned_data["number"])
    return render(request, "certificates/verify.html", {"form": form, "file_form": FileForm()})


@require_GET
@rate_limited()
def verify_number(request: HttpRequest, number: str) -> HttpResponse:
    """The QR code's target: valid / void (date, reason) / unknown."""
    certificate = selectors.certificate_by_number(number)
    return render(
        request,
        "certificates/verify_result.html",
        {"result": selectors.public_facts(certificate, number), "certificate": certificate},
        status=200 if certificate else 404,
    )


@require_GET
@rate_limited(json=True)
def verify_json(request: HttpRequest, number: str) -> JsonResponse:
    """The same answer as JSON, for employers' and committees' systems."""
    certificate = selectors.certificate_by_number(number)
    return JsonResponse(
        selectors.public_facts(certificate, number),
        status=200 if certificate else 404,
        json_dumps_params={"ensure_ascii": False},
    )


@require_http_methods(["GET", "POST"])
@rate_limited()
def verify_file(request: HttpRequest) -> HttpResponse:
    """验证文件: an uploaded PDF's PAdES signature and its SM2 record."""
    form = FileForm(request.POST or None, request.FILES or None)
    outcome = None
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        upload.seek(0)
        outcome = services.verify_file(upload.read())
        if outcome.certificate is not None:
            result = selectors.public_facts(outcome.certificate, outcome.certificate.number)
    return render(
        request,
        "certificates/verify_file.html",
        {"file_form": form, "outcome": outcome, "result": result},
    )
