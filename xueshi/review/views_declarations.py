"""申报进度查询 / 单位申报记录, the detail page, the declarant's transitions, evidence download.

Thin views: reads come from selectors (always scoped to the active role), writes go through
services with `request.active_role`; refusals become Chinese messages, never a 500.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from xueshi.accounts.models import RoleAssignment, RoleKind, id_number_q
from xueshi.accounts.permissions import NO_ACTIVE_ROLE, active_role, require_role
from xueshi.core.audit import audit_id_search
from xueshi.core.errors import error_text
from xueshi.declarations import picker, selectors, services
from xueshi.declarations.evidence import with_evidence_notes
from xueshi.declarations.models import Attachment, Declaration, DeclarationStatus
from xueshi.declarations.permissions import declarations_in_scope, is_declarant
from xueshi.orgs.models import Organization

from . import selectors as review_selectors
from . import services as lifecycle
from .lifecycle import Action, allowed_actions

PAGE_SIZE = 20
BATCH_RESULTS_SESSION_KEY = "declarations.batch_results"
BATCH_TITLE_SESSION_KEY = "declarations.batch_title"

# 全部 / 待提交 / 待审核 / 已退回 / 通过认定 / 不予认定, in the words of the role's region
# (Henan: 审核通过 / 审核不通过; Zhejiang: 个人保存 … 终审通过).
STATUS_BADGES: dict[str, str] = {
    DeclarationStatus.DRAFT: "text-bg-secondary",
    DeclarationStatus.PENDING: "text-bg-primary",
    DeclarationStatus.RETURNED: "text-bg-warning",
    DeclarationStatus.APPROVED: "text-bg-success",
    DeclarationStatus.REJECTED: "text-bg-danger",
}


@dataclass(frozen=True)
class Row:
    """One claim as the list shows it, with what the viewer may do to it."""

    declaration: Declaration
    mine: bool
    # The declarant's moves the lifecycle table allows now (submit, withdraw, delete).
    moves: tuple[Action, ...] = ()

    @property
    def can_edit(self) -> bool:
        return self.mine and self.declaration.is_editable

    @property
    def can_submit(self) -> bool:
        return Action.SUBMIT in self.moves

    @property
    def can_withdraw(self) -> bool:
        return Action.WITHDRAW in self.moves

    @property
    def can_delete(self) -> bool:
        return Action.DISCARD in self.moves

    @property
    def badge(self) -> str:
        return STATUS_BADGES.get(self.declaration.status, "text-bg-light")


DECLARANT_MOVES = (Action.SUBMIT, Action.WITHDRAW, Action.DISCARD)


def _row(declaration: Declaration, role: RoleAssignment | None) -> Row:
    if not is_declarant(declaration, role):
        return Row(declaration, False)
    return Row(declaration, True, tuple(allowed_actions(declaration, role, DECLARANT_MOVES)))


def _is_admin(role: RoleAssignment | None) -> bool:
    return role is not None and role.kind != RoleKind.PROFESSIONAL


PICKER_PARAMS = ("supervisor_q", "supervisor_region", "supervisor_page")


def _picker_context(request: HttpRequest, target: selectors.SubmitTarget) -> dict[str, Any]:
    """The supervisor picker: a region tree, a keyword, ten to a page (seed 002)."""
    query = " ".join(request.GET.get("supervisor_q", "").split())[:50]
    node = request.GET.get("supervisor_region", "").strip()[:4]
    if not target.direct_allowed:
        return {"direct_allowed": False, "supervisors": [], "picker_open": False}
    page = picker.supervisor_page(
        query,
        region_code=target.region_code,
        node=node,
        page=request.GET.get("supervisor_page", 1),
    )
    return {
        "direct_allowed": True,
        "supervisor_query": query,
        "supervisor_node": node,
        "supervisor_tree": picker.region_tree(target.region_code[:2]),
        "supervisor_pager": page,
        "supervisors": list(page.object_list),
        "picker_open": any(name in request.GET for name in PICKER_PARAMS),
    }


def _picker_fragment(request: HttpRequest, form_id: str) -> HttpResponse | None:
    """HTMX search inside the picker: only the results table."""
    if not (getattr(request, "htmx", False) and any(name in request.GET for name in PICKER_PARAMS)):
        return None
    context = _picker_context(request, selectors.submit_target(active_role(request)))
    return render(
        request,
        "declarations/_supervisor_picker.html",
        {**context, "results_only": True, "form_id": form_id},
    )


def _search(
    declarations: QuerySet[Declaration], query: str, *, admin: bool
) -> QuerySet[Declaration]:
    if not query:
        return declarations
    condition = Q(title__icontains=query)
    if admin:
        condition |= Q(person__name__contains=query) | id_number_q(query, "person__")
    return declarations.filter(condition)


def _year(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) == 4 else None


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class ListFilters:
    """Guangxi's list filters (issue 13 item 8): 开始时间 / 结束时间 of the activity for the
    person and the unit, 培训名称 for the unit. A date typed wrongly is ignored and said so."""

    start: datetime.date | None = None
    end: datetime.date | None = None
    title: str = ""
    problems: tuple[str, ...] = ()

    @classmethod
    def from_query(cls, query: Any) -> ListFilters:
        raw_start, raw_end = query.get("start", ""), query.get("end", "")
        start, end = _date(raw_start), _date(raw_end)
        problems = [
            f"{label}“{raw}”不是有效日期（格式如 2025-05-04），已忽略。"
            for label, raw, parsed in (("开始时间", raw_start, start), ("结束时间", raw_end, end))
            if raw.strip() and parsed is None
        ]
        if start and end and start > end:
            problems.append("开始时间不能晚于结束时间。")
        title = " ".join(query.get("title", "").split())[:50]
        return cls(start, end, title, tuple(problems))

    def apply(self, declarations: QuerySet[Declaration]) -> QuerySet[Declaration]:
        """Activities within the range: started on or after 开始时间, ended on or before 结束时间
        (a one-day activity by its start date)."""
        if self.start:
            declarations = declarations.filter(start_date__gte=self.start)
        if self.end:
            declarations = declarations.filter(
                Q(end_date__lte=self.end) | Q(end_date__isnull=True, start_date__lte=self.end)
            )
        if self.title:
            declarations = declarations.filter(title__contains=self.title)
        return declarations

    @property
    def active(self) -> bool:
        return bool(self.start or self.end or self.title)


@login_required
@require_GET
def declaration_list(request: HttpRequest) -> HttpResponse:
    """申报进度查询 (a person) / 单位申报记录 (an organisation's admins)."""
    fragment = _picker_fragment(request, "batch-form")
    if fragment is not None:
        return fragment
    role = active_role(request)
    admin = _is_admin(role)
    # The status tabs in the region's own words (Zhejiang: 个人保存 … 终审通过).
    tabs = review_selectors.region_status_tabs(role, selectors.STATUS_FILTERS)
    wanted = request.GET.get("status", "")
    tab = next((tab for tab in tabs if tab.code == wanted), None)
    if tab is None and wanted in selectors.STATUS_FILTERS:
        # A plain state (a bookmarked ?status=rejected): by the state alone.
        tab = review_selectors.StatusTab(wanted, wanted, Q(status=wanted))
    status = tab.code if tab is not None else ""
    query = " ".join(request.GET.get("q", "").split())[:50]
    year = _year(request.GET.get("year", ""))
    filters = ListFilters.from_query(request.GET)
    if not admin:
        filters = dataclasses.replace(filters, title="")  # the person's 认定内容 search is q

    if admin:
        audit_id_search(request, query, where="review.declaration_list")
    declarations = _search(selectors.declaration_list(role), query, admin=admin)
    if tab is not None:
        declarations = declarations.filter(tab.condition)
    filtered = _search(declarations_in_scope(role), query, admin=admin)
    declarations, filtered = filters.apply(declarations), filters.apply(filtered)
    if year is not None:
        declarations = declarations.filter(credit_year=year)
        filtered = filtered.filter(credit_year=year)
    counts = filtered.aggregate(
        all=Count("pk"),
        **{f"tab{number}": Count("pk", filter=t.condition) for number, t in enumerate(tabs)},
    )
    years = list(
        declarations_in_scope(role)
        .order_by("-credit_year")
        .values_list("credit_year", flat=True)
        .distinct()
    )
    paginator = Paginator(declarations, PAGE_SIZE)
    # The tabs' counts already hold the list's own count (the same filters): no COUNT again
    # (a bookmarked plain state that is not a tab of the region is counted by the paginator).
    shown = "all" if tab is None else next((f"tab{n}" for n, t in enumerate(tabs) if t is tab), "")
    if shown:
        paginator.count = counts[shown]
    page = paginator.get_page(request.GET.get("page"))
    rows = [_row(declaration, role) for declaration in page.object_list]
    any_submittable = any(row.can_submit for row in rows)
    any_deletable = any(row.can_delete for row in rows)
    target = selectors.submit_target(role) if any_submittable else selectors.SubmitTarget(False, "")

    keep = request.GET.copy()
    keep.pop("page", None)
    for name in PICKER_PARAMS:
        keep.pop(name, None)
    context = {
        "window": None if admin else selectors.declaring_window_for(role),
        "admin": admin,
        "role": role,
        "page_title": "单位申报记录" if admin else "申报进度查询",
        "tabs": [("", "全部", counts["all"])]
        + [(t.code, t.label, counts[f"tab{number}"]) for number, t in enumerate(tabs)],
        "draft_word": tabs[0].label if tabs and tabs[0].code == "draft" else "待提交",
        "status": status,
        "query": query,
        "year": year,
        "years": years,
        "page": page,
        "rows": rows,
        "any_submittable": any_submittable,
        "any_deletable": any_deletable,
        "filters": filters,
        "batch_title": request.session.pop(BATCH_TITLE_SESSION_KEY, "提交结果"),
        "filter_query": _without(keep, "status"),
        "page_query": keep.urlencode(),
        "current_url": request.get_full_path(),
        "batch_results": request.session.pop(BATCH_RESULTS_SESSION_KEY, None),
        **_picker_context(request, target),
    }
    return render(request, "declarations/list.html", context)


def _without(params: Any, name: str) -> str:
    params = params.copy()
    params.pop(name, None)
    text: str = params.urlencode()
    return text


def _declaration_or_404(role: RoleAssignment | None, pk: int) -> Declaration:
    try:
        return selectors.declaration_for(role, pk)
    except Declaration.DoesNotExist as error:
        raise Http404("申报不存在或不在您的查看范围内。") from error


def submit_after_save(request: HttpRequest, role: RoleAssignment, saved: Declaration) -> str:
    """ "保存并提交" on the drafting form: submit, and say where the claim went."""
    submitted = lifecycle.declaration_submit(
        declaration_id=saved.pk, actor=request.user, role=role, request=request
    )
    step = review_selectors.current_step(submitted)
    return f"{step.organization.name}（{step.level_name}）" if step else "审核单位"


@login_required
@require_GET
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fragment = _picker_fragment(request, f"submit-{pk}")
    if fragment is not None:
        return fragment
    role = active_role(request)
    declaration = _declaration_or_404(role, pk)
    chain = list(
        review_selectors.with_chain(Declaration.objects.filter(pk=declaration.pk))
        .get()
        .chain_steps.all()
    )
    row = _row(declaration, role)
    target = selectors.submit_target(role) if row.can_submit else selectors.SubmitTarget(False, "")
    context = {
        "declaration": declaration,
        "row": row,
        "admin": _is_admin(role),
        "chain": chain,
        "trail": list(review_selectors.trail_of(declaration)),
        "attachments": with_evidence_notes(declaration.evidence_list()),
        # After a return: which file a reviewer found 不充分, and why.
        "insufficient": (
            review_selectors.insufficient_evidence(declaration)
            if declaration.status == DeclarationStatus.RETURNED
            else []
        ),
        "field_rows": selectors.detail_field_rows(declaration),
        "list_url": reverse("declarations:list"),
        "current_url": request.path,
        "submit_form_id": f"submit-{declaration.pk}",
        **_picker_context(request, target),
    }
    return render(request, "declarations/detail.html", context)


@login_required
@require_GET
def declaration_trail(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: the review trail (审核进度) shown under a list row, with where the claim stands."""
    declaration = _declaration_or_404(active_role(request), pk)
    chain = list(
        review_selectors.with_chain(Declaration.objects.filter(pk=declaration.pk))
        .get()
        .chain_steps.all()
    )
    return render(
        request,
        "declarations/_trail.html",
        {
            "trail": review_selectors.trail_of(declaration),
            "chain": chain,
            "declaration": declaration,
        },
    )


def _back(request: HttpRequest, default: str | None = None) -> HttpResponse:
    """Back to where the action came from (a safe `next`), else the list."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default or reverse("declarations:list")
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return HttpResponseRedirect(target)


def _ids(values: list[str]) -> list[int]:
    seen: dict[int, None] = {}
    for value in values:
        if value.strip().isascii() and value.strip().isdigit() and len(value.strip()) < 19:
            seen.setdefault(int(value), None)
    return list(seen)


@login_required
@require_POST
def declaration_submit(request: HttpRequest) -> HttpResponse:
    """提交 one claim or 批量提交 the ticked drafts: to the own unit, or to a chosen supervisor."""
    role = require_role(request, message=NO_ACTIVE_ROLE)
    ids = _ids(request.POST.getlist("ids"))
    if not ids:
        messages.warning(request, "请先勾选要提交的申报。")
        return _back(request)
    supervisor: Organization | None = None
    wanted = request.POST.get("supervisor", "").strip()
    if wanted or request.POST.get("target") == "supervisor":
        supervisor = picker.supervisor_for_submission(wanted)
        if supervisor is None:
            messages.error(request, "请选择要提交的主管部门。")
            return _back(request)
    titles = dict(
        declarations_in_scope(role).filter(pk__in=ids).values_list("pk", "title").order_by()
    )
    results = lifecycle.declaration_submit_many(
        declaration_ids=[pk for pk in ids if pk in titles],
        actor=request.user,
        role=role,
        direct_supervisor=supervisor,
        request=request,
    )
    results += [
        services.BatchResult(pk, False, "申报不存在或不在您的范围内。")
        for pk in ids
        if pk not in titles
    ]
    sent = sum(1 for result in results if result.ok)
    where = supervisor.name if supervisor is not None else "本单位"
    request.session[BATCH_RESULTS_SESSION_KEY] = [
        {
            "title": titles.get(result.declaration_id, f"#{result.declaration_id}"),
            "ok": result.ok,
            "message": f"已提交至{where}审核" if result.ok else result.message,
        }
        for result in results
    ]
    if sent == len(results):
        messages.success(request, f"已提交 {sent} 条申报至{where}审核。")
    elif sent:
        messages.warning(
            request, f"已提交 {sent} 条，{len(results) - sent} 条未能提交，原因见下表。"
        )
    else:
        messages.error(request, "未能提交：" + "；".join({result.message for result in results}))
    return _back(request)


@login_required
@require_POST
def declaration_delete_many(request: HttpRequest) -> HttpResponse:
    """批量删除 the ticked claims (Guangxi, the person's and the unit's list): only those the
    lifecycle lets the declarant delete go; each other one is listed with its reason."""
    role = require_role(request, message=NO_ACTIVE_ROLE)
    ids = _ids(request.POST.getlist("ids"))
    if not ids:
        messages.warning(request, "请先勾选要删除的申报。")
        return _back(request)
    titles = dict(
        declarations_in_scope(role).filter(pk__in=ids).values_list("pk", "title").order_by()
    )
    results = lifecycle.declaration_delete_many(
        declaration_ids=[pk for pk in ids if pk in titles],
        actor=request.user,
        role=role,
        request=request,
    )
    results += [
        services.BatchResult(pk, False, "申报不存在或不在您的范围内。")
        for pk in ids
        if pk not in titles
    ]
    deleted = sum(1 for result in results if result.ok)
    request.session[BATCH_TITLE_SESSION_KEY] = "删除结果"
    request.session[BATCH_RESULTS_SESSION_KEY] = [
        {
            "title": titles.get(result.declaration_id, f"#{result.declaration_id}"),
            "ok": result.ok,
            "message": "已删除" if result.ok else result.message,
        }
        for result in results
    ]
    if deleted == len(results):
        messages.success(request, f"已删除 {deleted} 条申报。")
    elif deleted:
        messages.warning(
            request, f"已删除 {deleted} 条，{len(results) - deleted} 条未能删除，原因见下表。"
        )
    else:
        messages.error(request, "未能删除：" + "；".join({result.message for result in results}))
    return _back(request)


@login_required
@require_POST
def declaration_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """撤回: a pending claim nobody has acted on goes back to draft."""
    role = require_role(request, message=NO_ACTIVE_ROLE)
    declaration = _declaration_or_404(role, pk)
    try:
        lifecycle.declaration_withdraw(
            declaration_id=declaration.pk, actor=request.user, role=role, request=request
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        draft = declaration.draft_word
        messages.success(
            request, f"已撤回“{declaration.title}”，现为{draft}状态，可修改后重新提交。"
        )
    return _back(request)


@login_required
@require_POST
def declaration_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """删除 a draft, a returned claim, or a pending one nobody has acted on yet."""
    role = require_role(request, message=NO_ACTIVE_ROLE)
    declaration = _declaration_or_404(role, pk)
    try:
        lifecycle.declaration_delete(
            declaration_id=declaration.pk, actor=request.user, role=role, request=request
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
        return _back(request, reverse("declarations:detail", args=[declaration.pk]))
    messages.success(request, f"已删除“{declaration.title}”。")
    return _back(request)


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Evidence only for whoever may see its claim; always a download, never rendered inline."""
    attachment = (
        Attachment.objects.filter(
            pk=pk, declaration__in=declarations_in_scope(active_role(request))
        )
        .only("file", "original_name", "content_type")
        .first()
    )
    if attachment is None:
        raise Http404("附件不存在或不在您的查看范围内。")
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404("附件文件已不存在。") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
