"""Review pages: the queue of a level, one claim's detail with the verdicts, results, removal.

Thin: reads come from selectors, every change from one service function. The services refuse
what is not allowed; the views turn their refusals into messages (AlreadyHandled), form errors
(ValidationError) and 404 (PermissionDenied, outside the scope).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi.accounts.models import RoleAssignment
from xueshi.accounts.permissions import permission_kinds, require_role
from xueshi.core.audit import audit_id_search
from xueshi.core.errors import error_text
from xueshi.core.exports import export_from_request
from xueshi.declarations.models import Attachment, Declaration, DeclarationStatus
from xueshi.declarations.permissions import declarations_in_scope
from xueshi.declarations.services import AlreadyHandled, BatchResult
from xueshi.policy.hours import fmt
from xueshi.policy.schema import OversightRules
from xueshi.policy.words import level_outcomes

from . import flags, selectors, services
from .flags import Flag
from .forms import (
    BATCH_APPROVE,
    BATCH_DONE,
    ApproveForm,
    BatchForm,
    DeleteApprovedForm,
    QueueFilterForm,
    ReasonForm,
    ResultFilterForm,
    VerdictForm,
    VerdictInputs,
    verdict_auto_id,
)
from .lifecycle import Action, allowed_actions
from .models import EvidenceCheck
from .permissions import REMOVER_ROLES, fills_step, is_own_claim
from .waiting import overdue_label, oversight_rules

PAGE_SIZE = 20
# Read from the permission registry (xueshi/accounts/permissions.py), never copied.
REVIEW_ROLES = permission_kinds("review.act")
# 审核结果 and removing an approved claim: the reviewers, and the platform admin (who does not
# review, but may remove: review.permissions.REMOVER_ROLES).
RESULT_ROLES = permission_kinds("review.results")
DELETE_WARNING = "删除后该学时将从年度学时中扣除，已生成的继续教育合格证书将自动失效。"
GUIDANCE = (
    "认定内容必须属于专业技术人员从事专业工作应当掌握的专业知识，"
    "由用人单位或行业主管部门根据其所聘岗位和所从事专业确定。"
)

# The three verdicts: (service, Chinese verb, what the comment or reason is called).
VERDICTS: dict[str, tuple[Callable[..., Declaration], str, str]] = {
    "approve": (services.declaration_approve, "通过", "审核意见"),
    "return": (services.declaration_return, "退回", "退回原因"),
    "reject": (services.declaration_reject, "不予认定", "不予认定原因"),
}


# --- helpers ----------------------------------------------------------------------------------


def _reviewer(request: HttpRequest, kinds: frozenset[str] = REVIEW_ROLES) -> RoleAssignment:
    return require_role(request, kinds, "当前角色无权审核学时申报。")


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _safe_next(request: HttpRequest, fallback: str) -> str:
    """A `next` path on this site, else `fallback`.

    Only a path: `redirect()` would take a bare word ("queue") for a URL name and raise
    NoReverseMatch, after the verdict is saved.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _in_scope(role: RoleAssignment, pk: int) -> Declaration:
    try:
        return selectors.review_detail(role, pk)
    except Declaration.DoesNotExist as error:
        raise Http404("申报不存在。") from error


def _verdict_form(
    action: str, declaration: Declaration, data: Any = None, *, next_url: str = ""
) -> VerdictForm:
    """The form of one verdict for one claim; ids unique per claim (many rows on a page)."""
    auto_id = verdict_auto_id(action, declaration.pk)
    initial = {"expected_position": declaration.current_position, "next": next_url}
    if action == "approve":
        initial["hours_granted"] = fmt(declaration.hours_counted)
        return ApproveForm(data, auto_id=auto_id, initial=initial)
    return ReasonForm(data, auto_id=auto_id, initial=initial, label=VERDICTS[action][2])


def _page(request: HttpRequest, queryset: Any) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _back_query(next_url: str) -> str:
    """`?next=…` of a row's 详情 link (once per page, not twice per row)."""
    return f"?next={quote(next_url)}"


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- queue ------------------------------------------------------------------------------------


class RowLinks:
    """The 详情 and verdict URLs of a page's rows: each name is reversed once per page with a
    stand-in id that each row replaces with its own (a reverse() per row and link, four a row,
    cost more than the rest of the row's links and ids together)."""

    STAND_IN = 2_147_483_647  # no URL prefix contains it
    NAMES = ("detail", *VERDICTS)

    def __init__(self) -> None:
        self.patterns = {
            name: reverse(f"review:{name}", args=[self.STAND_IN]) for name in self.NAMES
        }

    def of(self, pk: int) -> dict[str, str]:
        stand_in, own = str(self.STAND_IN), str(pk)
        return {name: pattern.replace(stand_in, own) for name, pattern in self.patterns.items()}


@dataclass
class QueueRow:
    declaration: Declaration
    # 详情 and the verdicts' URLs (RowLinks).
    urls: dict[str, str]
    # The claim's id as text for the row's ids and targets: the template engine localises a
    # number each time it writes one, six times a row.
    key: str
    # The verdicts the waiting level offers, as the row writes their inputs (not as forms).
    verdicts: dict[str, VerdictInputs] = field(default_factory=dict)
    error: str = ""
    done: bool = False
    # Set for the reviewer's own claim: no verdicts, only who must act instead.
    own_note: str = ""
    # 已超期 N 天 past the region's limit at this level (review/waiting.py), else "".
    overdue: str = ""
    # Raised by apps above (review/flags.py): 证书与申报不一致, 证书重复使用.
    flags: list[Flag] = field(default_factory=list)


def own_claim_note(role: RoleAssignment) -> str:
    """Who must act on a claim the reviewer declared, or that was declared for them."""
    organization = role.organization
    where = "本单位" if organization is None or organization.kind == "unit" else "本机构"
    return f"本人申报，须由{where}其他管理员审核"


def _queue_row(
    role: RoleAssignment,
    declaration: Declaration,
    next_url: str,
    links: RowLinks,
    bound: tuple[str, VerdictForm] | None = None,
) -> QueueRow:
    pk = declaration.pk
    row = QueueRow(declaration, urls=links.of(pk), key=str(pk))
    if is_own_claim(declaration, role):
        row.own_note = own_claim_note(role)
        return row
    # Only the outcomes the waiting level has in the claim's region (no query: status_level).
    offered = level_outcomes(
        declaration.policy_profile, declaration.profile_version, declaration.status_level
    )
    position = declaration.current_position
    row.verdicts = {
        action: VerdictInputs.blank(action, pk, position, next_url, VERDICTS[action][2])
        for action in VERDICTS
        if action in offered
    }
    if bound is not None:
        action, form = bound
        row.verdicts[action] = VerdictInputs.of(form)
    return row


def _mark(
    role: RoleAssignment,
    rows: list[QueueRow],
    now: datetime.datetime,
    rules: dict[str, OversightRules],
) -> None:
    """已超期 and the flags of a page's rows, for all of them at once."""
    found = flags.flags_for(role, [row.declaration for row in rows])
    for row in rows:
        row.overdue = overdue_label(row.declaration, now, rules)
        row.flags = found.get(row.declaration.pk, [])


def _queue_response(
    request: HttpRequest,
    role: RoleAssignment,
    *,
    batch_form: BatchForm | None = None,
    status: int = 200,
) -> HttpResponse:
    region = selectors.role_region(role)  # once: a query for a unit
    filter_form = QueueFilterForm(
        request.GET or None,
        categories=selectors.category_choices(role, region=region),
        flags=flags.any_provider(),
    )
    now = timezone.now()
    rules = oversight_rules(timezone.localdate(now))
    page = _page(request, selectors.review_queue_page(role, filter_form.filters(), now=now))
    audit_id_search(request, request.GET.get("id_number", ""), where="review.queue")
    # After a refused batch (a POST to review:batch), "back" means the queue, not the POST URL.
    next_url = (
        request.get_full_path()
        if request.method == "GET"
        else _safe_next(request, reverse("review:queue"))
    )
    links = RowLinks()
    rows = [_queue_row(role, declaration, next_url, links) for declaration in page.object_list]
    _mark(role, rows, now, rules)
    region_rule = rules.get(region)
    levels = selectors.review_levels(role, region=region)
    outcomes = selectors.review_outcomes(role, region=region)
    selected = set(request.POST.getlist("ids")) if batch_form is not None else set()
    return render(
        request,
        "review/queue.html",
        {
            "role": role,
            "level_title": "／".join(levels) or "学时审核",
            "filter_form": filter_form,
            "page": page,
            "rows": rows,
            "batch_form": batch_form or BatchForm(outcomes=outcomes),
            "selected": selected,
            "next_url": next_url,
            "back_query": _back_query(next_url),
            "page_query": _query_without_page(request),
            "export_url": reverse("review:queue_export"),
            "guidance": GUIDANCE,
            "stale_after_days": region_rule.stale_after_days if region_rule else None,
        },
        status=status,
    )


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """审核 page of the active role's level: pending claims waiting for it, with filters."""
    return _queue_response(request, _reviewer(request))


@login_required
@require_GET
def queue_export(request: HttpRequest) -> HttpResponseBase:
    """The queue (same level, scope and filters) as xlsx or CSV."""
    _reviewer(request)
    return export_from_request(request, "review_queue")


# --- detail -----------------------------------------------------------------------------------


def _detail_response(
    request: HttpRequest,
    role: RoleAssignment,
    declaration: Declaration,
    *,
    bound: tuple[str, VerdictForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    steps = list(declaration.chain_steps.all())
    current = selectors.current_step(declaration)
    allowed = allowed_actions(declaration, role)
    next_url = _safe_next(request, reverse("review:queue"))
    # Only the verdicts the lifecycle table allows this role now.
    forms: dict[str, VerdictForm] = {
        action: _verdict_form(action, declaration, next_url=next_url)
        for action in VERDICTS
        if Action(action) in allowed
    }
    if bound is not None and bound[0] in forms:
        forms[bound[0]] = bound[1]
    may_act = bool(forms)
    checks = selectors.evidence_checks_at_step(declaration)
    return render(
        request,
        "review/detail.html",
        {
            "role": role,
            "declaration": declaration,
            "person": declaration.person,
            "steps": steps,
            "current": current,
            "may_act": may_act,
            "forms": forms,
            "attachments": declaration.evidence_list(),
            "files": [
                _file_row(declaration, attachment, checks.get(attachment.pk), may_check=may_act)
                for attachment in declaration.evidence_list()
            ],
            "extra_items": selectors.extra_items(declaration),
            "trail": list(selectors.trail_of(declaration)),
            "may_delete": Action.DELETE_APPROVED in allowed,
            "own_claim": fills_step(declaration, role, current) and is_own_claim(declaration, role),
            "own_note": own_claim_note(role),
            "guidance": GUIDANCE,
            "back_url": next_url,
            "flag_panels": flags.panels(request, role, declaration),
        },
        status=status,
    )


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    role = _reviewer(request)
    return _detail_response(request, role, _in_scope(role, pk))


# --- per-file review (材料核验) -----------------------------------------------------------------


def _file_row(
    declaration: Declaration,
    attachment: Attachment,
    check: EvidenceCheck | None,
    *,
    may_check: bool,
    error: str = "",
    note: str = "",
) -> dict[str, Any]:
    return {
        "declaration": declaration,
        "attachment": attachment,
        "check": check,
        "may_check": may_check,
        "error": error,
        "note": note if error else (check.note if check else ""),
    }


@login_required
@require_POST
def evidence_check(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """已核验 / 不充分 on one evidence file (HTMX: the file's row comes back)."""
    role = _reviewer(request)
    declaration = _in_scope(role, pk)
    attachment = next((a for a in declaration.evidence_list() if a.pk == attachment_pk), None)
    if attachment is None:
        raise Http404("材料不存在。")
    note = request.POST.get("note", "")
    try:
        check = services.evidence_check_mark(
            declaration_id=declaration.pk,
            attachment_id=attachment.pk,
            verdict=request.POST.get("verdict", ""),
            note=note,
            actor=request.user,
            role=role,
            request=request,
        )
    except PermissionDenied as error:
        raise PermissionDenied(error_text(error)) from error
    except ValidationError as error:
        row = _file_row(
            declaration,
            attachment,
            selectors.evidence_checks_at_step(declaration).get(attachment.pk),
            may_check=True,
            error=error_text(error),
            note=note,
        )
        if _htmx(request):
            return render(request, "review/_evidence_file.html", {"row": row}, status=400)
        messages.error(request, row["error"])
        return redirect("review:detail", pk=declaration.pk)
    if _htmx(request):
        row = _file_row(declaration, attachment, check, may_check=True)
        return render(request, "review/_evidence_file.html", {"row": row})
    verdict = check.get_verdict_display()
    messages.success(request, f"已将“{attachment.original_name}”标记为{verdict}。")
    return redirect("review:detail", pk=declaration.pk)


# --- verdicts ---------------------------------------------------------------------------------


def _row_response(
    request: HttpRequest,
    role: RoleAssignment,
    declaration: Declaration,
    *,
    bound: tuple[str, VerdictForm] | None = None,
    error: str = "",
    done: bool = False,
) -> HttpResponse:
    """The queue row after an HTMX action: its new state, or its forms with the errors."""
    next_url = _safe_next(request, reverse("review:queue"))
    if done:
        # Reload: the new status and level to show in place of the actions.
        declaration = selectors.with_current_level(
            Declaration.objects.select_related("person", "unit")
        ).get(pk=declaration.pk)
    else:
        # Still waiting here: as the queue shows it (its level, since when, its flags).
        declaration = (
            selectors.review_queue_page(role).filter(pk=declaration.pk).first() or declaration
        )
    row = _queue_row(role, declaration, next_url, RowLinks(), bound)
    row.error, row.done = error, done
    if not done:
        now = timezone.now()
        _mark(role, [row], now, oversight_rules(timezone.localdate(now)))
    return render(
        request,
        "review/_queue_row.html",
        {"row": row, "back_query": _back_query(next_url)},
    )


def _success_message(declaration: Declaration, action: str) -> str:
    name = f"{declaration.person.name}的申报“{declaration.title}”"
    if action == "approve" and declaration.status == DeclarationStatus.PENDING:
        return f"已通过{name}，已转入下一级审核。"
    if action == "approve":
        hours = f"{declaration.hours_counted.normalize():f}"
        return f"已通过{name}，审核完成（{declaration.status_word}，批准 {hours} 学时）。"
    if action == "return":
        return f"已退回{name}。"
    return f"已对{name}作出不予认定。"


def _verdict(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    role = _reviewer(request)
    declaration = _in_scope(role, pk)
    service, verb, _ = VERDICTS[action]
    form = _verdict_form(action, declaration, request.POST)
    fallback = reverse("review:queue")
    if form.is_valid():
        data = form.cleaned_data
        arguments: dict[str, Any] = {
            "declaration_id": declaration.pk,
            "actor": request.user,
            "role": role,
            "expected_position": data["expected_position"],
            "request": request,
        }
        if action == "approve":
            arguments.update(comment=data["comment"], hours_granted=data["hours_granted"])
        else:
            arguments["reason"] = data["reason"]
        try:
            updated = service(**arguments)
        except AlreadyHandled as error:
            message = error_text(error)
            if _htmx(request):
                return _row_response(request, role, declaration, error=message)
            messages.warning(request, message)
            return redirect(_safe_next(request, fallback))
        except PermissionDenied as error:
            raise Http404("申报不存在。") from error
        except ValidationError as error:
            form.add_service_error(error)
        else:
            if _htmx(request):
                return _row_response(request, role, updated, done=True)
            messages.success(request, _success_message(updated, action))
            return redirect(_safe_next(request, fallback))
    if _htmx(request):
        return _row_response(request, role, declaration, bound=(action, form))
    messages.error(request, f"未能{verb}：请按提示修改后重新提交。")
    return _detail_response(request, role, declaration, bound=(action, form), status=400)


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _verdict(request, pk, "approve")


@login_required
@require_POST
def return_(request: HttpRequest, pk: int) -> HttpResponse:
    return _verdict(request, pk, "return")


@login_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _verdict(request, pk, "reject")


@login_required
@require_POST
def batch(request: HttpRequest) -> HttpResponse:
    """批量通过审核 / 批量不通过审核 of the ticked rows; each claim is its own transition."""
    role = _reviewer(request)
    # Only the outcomes the role's levels have in its region (Anyang: 通过 and 退回).
    form = BatchForm(request.POST, outcomes=selectors.review_outcomes(role))
    if not form.is_valid():  # nothing ticked, or 批量不通过/退回 without a reason: nothing changes
        return _queue_response(request, role, batch_form=form, status=400)
    data = form.cleaned_data
    action = data["action"]
    kwargs: dict[str, Any] = {"actor": request.user, "role": role, "request": request}
    if action == BATCH_APPROVE:
        kwargs["comment"] = data["reason"]
    else:
        kwargs["reason"] = data["reason"]
    ids = _visible_ids(role, data["ids"])
    # A flagged claim (the certificate disagrees, or is used in another claim) is approved only
    # one by one, from its own page, after the reviewer has looked.
    left_out = flags.flagged_ids(ids) if action == BATCH_APPROVE else set()
    results = services.review_many(
        VERDICTS[action][0], declaration_ids=[pk for pk in ids if pk not in left_out], **kwargs
    )
    missing = len(data["ids"]) - len(results) - len(left_out)
    done = sum(1 for result in results if result.ok)
    if done:
        messages.success(request, f"已{BATCH_DONE[action]} {done} 条申报。")
    if services.batch_interrupted(results):
        messages.error(request, _interrupted_text(results))
        results = [r for r in results if r.message not in services.INTERRUPTION_MESSAGES]
    failed = [result for result in results if not result.ok]
    for result in failed[:10]:
        messages.warning(request, f"申报 #{result.declaration_id} 未处理：{result.message}")
    if len(failed) > 10:
        messages.warning(request, f"另有 {len(failed) - 10} 条未处理，请刷新后查看。")
    if missing:
        messages.warning(request, f"{missing} 条申报不存在或不在您的管理范围内，未处理。")
    if left_out:
        messages.warning(
            request,
            f"{len(left_out)} 条申报的证书存疑（与申报不一致或重复使用），未批量通过，"
            "请逐条打开核对后审核：" + "、".join(f"#{pk}" for pk in ids if pk in left_out),
        )
    return redirect(_safe_next(request, reverse("review:queue")))


def _interrupted_text(results: list[BatchResult]) -> str:
    """Which claims of a batch cut short by a database failure were done and which were not."""
    done = "、".join(f"#{r.declaration_id}" for r in results if r.ok) or "无"
    left = [r for r in results if r.message in services.INTERRUPTION_MESSAGES]
    return (
        f"批量处理因数据库故障中断。已处理：{done}；未处理 {len(left)} 条："
        + "、".join(f"#{r.declaration_id}" for r in left)
        + "。未处理的申报保持原状态，请稍后重试。"
    )


def _visible_ids(role: RoleAssignment, ids: list[int]) -> list[int]:
    """The ticked ids the role may see, in the order ticked; the rest are never touched."""
    visible = set(declarations_in_scope(role).filter(pk__in=ids).values_list("pk", flat=True))
    return [pk for pk in dict.fromkeys(ids) if pk in visible]


# --- results and removal ----------------------------------------------------------------------


@login_required
@require_GET
def results(request: HttpRequest) -> HttpResponse:
    """专业科目学时审核结果: decided claims in the role's scope, filtered by status."""
    role = _reviewer(request, RESULT_ROLES)
    filter_form = ResultFilterForm(
        request.GET or None,
        tabs=selectors.region_status_tabs(role, selectors.RESULT_STATUSES),
    )
    page = _page(request, selectors.review_results(role, filter_form.filters()))
    audit_id_search(request, request.GET.get("query", ""), where="review.results")
    rows = list(page.object_list)
    return render(
        request,
        "review/results.html",
        {
            "role": role,
            "filter_form": filter_form,
            "page": page,
            "rows": rows,
            # 删除 where the lifecycle lets this role discard the claim (its own declaring).
            "discardable": {d.pk for d in rows if allowed_actions(d, role, (Action.DISCARD,))},
            "may_delete": role.kind in REMOVER_ROLES,
            "page_query": _query_without_page(request),
            "export_url": reverse("review:results_export"),
            "next_url": request.get_full_path(),
        },
    )


@login_required
@require_GET
def results_export(request: HttpRequest) -> HttpResponseBase:
    """审核结果 (same scope and filters) as xlsx or CSV."""
    _reviewer(request, RESULT_ROLES)
    return export_from_request(request, "review_results")


@login_required
@require_http_methods(["GET", "POST"])
def delete_approved(request: HttpRequest, pk: int) -> HttpResponse:
    """删除 an approved claim: a confirmation with the consequence, and a required reason."""
    role = _reviewer(request, RESULT_ROLES)
    declaration = _in_scope(role, pk)
    if role.kind not in REMOVER_ROLES:
        raise PermissionDenied("只有单位管理员及以上可以删除已通过的申报。")
    fallback = reverse("review:results")
    if declaration.status != DeclarationStatus.APPROVED:
        messages.warning(request, f"该申报当前为“{declaration.status_word}”，不是已通过的申报。")
        return redirect(fallback)
    form = DeleteApprovedForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.approved_declaration_delete(
                declaration_id=declaration.pk,
                actor=request.user,
                role=role,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except AlreadyHandled as error:
            messages.warning(request, error_text(error))
            return redirect(fallback)
        except PermissionDenied as error:
            raise Http404("申报不存在。") from error
        except ValidationError as error:
            form.add_error("reason" if hasattr(error, "error_dict") else None, error.messages)
        else:
            messages.success(
                request,
                f"已删除{declaration.person.name}的申报“{declaration.title}”，"
                "该学时已从年度学时中扣除。",
            )
            return redirect(_safe_next(request, fallback))
    return render(
        request,
        "review/delete_approved.html",
        {
            "declaration": declaration,
            "form": form,
            "warning": DELETE_WARNING,
            "next_url": _safe_next(request, fallback),
        },
        status=400 if form.is_bound else 200,
    )
