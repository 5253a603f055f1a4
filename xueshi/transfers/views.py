"""学时转入 pages: the person's (or the unit's) list and form, the reviewers' queue, a request
with its trail and verdicts. Thin: reads in selectors.py, every write a service; a request
outside the role's scope is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from xueshi.accounts.models import Person, RoleAssignment, RoleKind, id_number_q
from xueshi.accounts.permissions import active_role, people_in_scope, require_permission, role_may
from xueshi.core.audit import audit_record
from xueshi.core.errors import error_text
from xueshi.review.lifecycle import Action, allowed_actions

from . import selectors, services
from .forms import ReasonForm, TransferForm, year_rows
from .models import TransferRequest

PAGE_SIZE = 20
VERDICTS = {
    "approve": Action.APPROVE,
    "return": Action.RETURN,
    "reject": Action.REJECT,
    "submit": Action.SUBMIT,
    "discard": Action.DISCARD,
}


def _filer(request: HttpRequest) -> RoleAssignment:
    """The person (学时转入) or their unit's admin (代为申请学时转入)."""
    role = active_role(request)
    if role is not None and role.kind == RoleKind.UNIT_ADMIN:
        return require_permission(request, "transfers.file_for")
    return require_permission(request, "transfers.request")


def _own_person(role: RoleAssignment) -> Person | None:
    if role.kind != RoleKind.PROFESSIONAL:
        return None
    person = Person.objects.select_related("unit").filter(user_id=role.user_id).first()
    if person is None:
        raise Http404("当前账号没有专业技术人员信息。")
    return person


def _list_context(role: RoleAssignment, page_number: str | None) -> dict[str, Any]:
    person = _own_person(role)
    found = (
        selectors.person_transfers(person)
        if person is not None
        else selectors.with_years(selectors.transfers_in_scope(role))
    )
    page = Paginator(found, PAGE_SIZE).get_page(page_number)
    return {"person": person, "page": page, "for_unit": person is None}


def _render_index(
    request: HttpRequest,
    role: RoleAssignment,
    form: TransferForm,
    *,
    errors: dict[str, list[str]] | None = None,
    rows: list[tuple[str, str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    year = timezone.localdate().year
    context = _list_context(role, request.GET.get("page"))
    context.update(
        {
            "form": form,
            "errors": errors or {},
            "rows": rows or [(str(year - 1), "", "")],
            "this_year": year,
        }
    )
    return render(request, "transfers/index.html", context, status=status)


def _own_region_id(role: RoleAssignment) -> int | None:
    """The region of the filer (the person's unit, or the unit admin's unit)."""
    person = _own_person(role)
    region = selectors.region_of(person.unit if person is not None else role.organization)
    return region.pk if region is not None else None


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    role = _filer(request)
    return _render_index(request, role, TransferForm(own_region_id=_own_region_id(role)))


@login_required
@require_GET
def year_row(request: HttpRequest) -> HttpResponse:
    """添加年度: one empty row for the form (HTMX)."""
    _filer(request)
    return render(request, "transfers/_year_row.html", {"row": ("", "", "")})


def _person_for(role: RoleAssignment, id_number: str) -> Person:
    """Whom the request is for: the person themself, or one of the unit admin's people."""
    person = _own_person(role)
    if person is not None:
        return person
    id_number = (id_number or "").strip()
    if not id_number:
        raise ValidationError({"id_number": "请填写本单位人员的身份证号。"})
    found = people_in_scope(role).filter(id_number_q(id_number)).first()
    if found is None:
        raise ValidationError({"id_number": "本单位没有该身份证号的人员，请先在人员管理中添加。"})
    return found


def _errors(error: ValidationError) -> dict[str, list[str]]:
    """Messages by field; those of no field under "general" (templates cannot read "__all__")."""
    if hasattr(error, "error_dict"):
        return {
            ("general" if key == NON_FIELD_ERRORS else key): list(value)
            for key, value in error.message_dict.items()
        }
    return {"general": list(error.messages)}


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    role = _filer(request)
    form = TransferForm(request.POST, request.FILES, own_region_id=_own_region_id(role))
    rows = year_rows(request.POST)
    if not form.is_valid():
        return _render_index(request, role, form, rows=rows, status=400)
    data = form.cleaned_data
    try:
        person = _person_for(role, data["id_number"])
        certificate_number = data["certificate_number"]
        years = (
            []
            if certificate_number.strip()
            else services.clean_years(rows, today=timezone.localdate())
        )
        transfer = services.transfer_create(
            person=person,
            role=role,
            years=years,
            source_region_id=data["source_region"].pk if data["source_region"] else None,
            source_region_name=data["source_region_name"],
            certificate_number=certificate_number,
            upload=data["evidence"],
            http_request=request,
        )
    except ValidationError as error:
        return _render_index(
            request, role, form, errors=_errors(error), rows=rows or None, status=400
        )
    except PermissionDenied as error:
        messages.error(request, error_text(error))
        return redirect("transfers:index")
    messages.success(request, f"学时转入申请已提交（{transfer.status_word}）。")
    return redirect("transfers:detail", transfer.pk)


@login_required
@require_POST
def certificate_check(request: HttpRequest) -> HttpResponse:
    """查验: a certificate number of this platform, its holder, status and years (HTMX)."""
    role = _filer(request)
    context: dict[str, Any] = {}
    try:
        person = _person_for(role, request.POST.get("id_number", ""))
        context["recognised"] = services.certificate_recognise(
            person=person, number=request.POST.get("certificate_number", "")[:30]
        )
    except ValidationError as error:
        context["problem"] = error_text(error)
    return render(request, "transfers/_certificate.html", context)


def _load(request: HttpRequest, pk: int) -> tuple[RoleAssignment, TransferRequest]:
    role = active_role(request)
    if role is None:
        raise PermissionDenied("当前账号没有可用的角色。")
    transfer = selectors.transfers_in_scope(role).filter(pk=pk).first()
    if transfer is None:
        raise Http404("学时转入申请不存在或不在您的查看范围内。")
    return role, transfer


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    role, transfer = _load(request, pk)
    years = list(transfer.years.order_by("-credit_year"))
    held = selectors.ledger_years(transfer.person, [y.credit_year for y in years])
    audit_record(
        action="transfer.view",
        actor=request.user,
        role=role.kind,
        request=request,
        target=transfer,
        details={"person_id": transfer.person_id},
    )
    return render(
        request,
        "transfers/detail.html",
        {
            "transfer": transfer,
            "years": [(y, held.get(y.credit_year)) for y in years],
            "trail": selectors.trail_of(transfer),
            "steps": transfer.steps.select_related("organization").order_by("position"),
            "actions": [str(a) for a in allowed_actions(transfer, role)],
            "form": ReasonForm(),
            "reviewer": role.kind != RoleKind.PROFESSIONAL,
        },
    )


@login_required
@require_GET
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    """The uploaded certificate or 学时证明 (personal data: audited)."""
    role, transfer = _load(request, pk)
    if not transfer.evidence:
        raise Http404("该申请没有上传的文件。")
    audit_record(
        action="transfer.evidence_read",
        actor=request.user,
        role=role.kind,
        request=request,
        target=transfer,
        details={"file": transfer.evidence_name},
    )
    return FileResponse(
        transfer.evidence.open("rb"),
        as_attachment=False,
        filename=transfer.evidence_name or f"evidence.{transfer.evidence_kind}",
    )


@login_required
@require_POST
def act(request: HttpRequest, pk: int) -> HttpResponse:
    """A move of the lifecycle: a verdict, the declarant's 重新提交 or 删除."""
    role, transfer = _load(request, pk)
    action = VERDICTS.get(request.POST.get("action", ""))
    if action is None:
        raise Http404("未知的操作。")
    if action in (Action.APPROVE, Action.RETURN, Action.REJECT) and not role_may(
        role, "transfers.review"
    ):
        raise PermissionDenied("当前角色不能审核学时转入申请。")
    form = ReasonForm(request.POST)
    reason = form.data.get("reason", "")[:500]
    try:
        if action == Action.APPROVE:
            services.transfer_approve(
                transfer_id=transfer.pk, role=role, comment=reason, http_request=request
            )
            done = "已审核通过。"
        elif action == Action.RETURN:
            services.transfer_return(
                transfer_id=transfer.pk, role=role, reason=reason, http_request=request
            )
            done = "已退回。"
        elif action == Action.REJECT:
            services.transfer_reject(
                transfer_id=transfer.pk, role=role, reason=reason, http_request=request
            )
            done = "已作出不予认定。"
        elif action == Action.SUBMIT:
            services.transfer_resubmit(transfer_id=transfer.pk, role=role, http_request=request)
            done = "已重新提交。"
        else:
            services.transfer_discard(transfer_id=transfer.pk, role=role, http_request=request)
            messages.success(request, "学时转入申请已删除。")
            return redirect("transfers:index")
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
        return redirect("transfers:detail", transfer.pk)
    messages.success(request, done)
    if action in (Action.APPROVE, Action.RETURN, Action.REJECT):
        return redirect("transfers:queue")
    return redirect("transfers:detail", transfer.pk)


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """学时转入审核: the requests waiting at the role's organisation, or those it handled."""
    role = require_permission(request, "transfers.review")
    decided = request.GET.get("state") == "decided"
    page = Paginator(selectors.review_queue(role, decided=decided), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "transfers/queue.html",
        {
            "page": page,
            "decided": decided,
            "page_query": "state=decided" if decided else "",
        },
    )
