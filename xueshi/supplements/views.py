"""增补 pages: the person's closed year and requests, the unit's decision list. Thin: reads in
selectors.py, every write a service (the moves through the review lifecycle)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi.accounts.models import Person, RoleAssignment
from xueshi.accounts.permissions import require_permission
from xueshi.core.errors import error_text
from xueshi.declarations.views_form import supplement_claim_page
from xueshi.policy.schema import SupplementWords
from xueshi.review.views_declarations import submit_after_save

from . import selectors, services
from .forms import RefuseForm
from .models import SupplementRequest, SupplementStatus, supplement_words
from .rules import window_state

PAGE_SIZE = 20


def _person(role: RoleAssignment) -> Person:
    person = Person.objects.select_related("unit").filter(user_id=role.user_id).first()
    if person is None:
        raise Http404("当前账号没有专业技术人员信息。")
    return person


# --- the person ------------------------------------------------------------------------------


@login_required
@require_GET
def supplement_index(request: HttpRequest) -> HttpResponse:
    """The closed year's categories with a 终审通过 claim, each with its supplement state."""
    role = require_permission(request, "supplements.request")
    person = _person(role)
    window = window_state(person, timezone.localdate())
    rows = selectors.closed_year_categories(person, window.credit_year)
    return render(
        request,
        "supplements/index.html",
        {
            "window": window,
            "words": window.words,
            "rows": [(row, row.handled_word(window.words)) for row in rows],
        },
    )


@login_required
@require_GET
def supplement_category(request: HttpRequest, year: int, category: str) -> HttpResponse:
    """查看: the category's 终审通过 claims (明细), its requests and the claims added."""
    role = require_permission(request, "supplements.request")
    person = _person(role)
    window = window_state(person, timezone.localdate())
    rows = [r for r in selectors.closed_year_categories(person, year) if r.code == category]
    if not rows:
        raise Http404("该年度该类别没有终审通过的学时登记。")
    row = rows[0]
    approved, added = selectors.category_claims(person, year, category)
    current = year == window.credit_year
    open_request = row.open_request
    return render(
        request,
        "supplements/category.html",
        {
            "window": window,
            "words": window.words,
            "row": row,
            "year": year,
            "handled": row.handled_word(window.words),
            "approved": approved,
            "added": added,
            "drafts": [claim for claim in added if claim.is_editable],
            "may_request": current and window.open and open_request is None,
            "open_request": open_request,
            "may_add": open_request is not None
            and open_request.status == SupplementStatus.APPROVED,
            "next": request.get_full_path(),
        },
    )


def _category_url(supplement: SupplementRequest) -> str:
    return reverse("supplements:category", args=[supplement.credit_year, supplement.category_code])


@login_required
@require_POST
def supplement_request(request: HttpRequest) -> HttpResponse:
    """增补申请 (after the page's confirmation): the request is made, 已申请."""
    role = require_permission(request, "supplements.request")
    person = _person(role)
    category = request.POST.get("category", "")
    today = timezone.localdate()
    window = window_state(person, today)
    back = reverse("supplements:category", args=[window.credit_year, category])
    try:
        made = services.supplement_request_create(
            person=person,
            category_code=category,
            actor=request.user,
            role=role,
            today=today,
            http_request=request,
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
        return redirect(back if category.isidentifier() else reverse("supplements:index"))
    words = window.words
    messages.success(
        request,
        f"{words.request}成功，状态为“{words.draft}”。请点击“{words.send}”，企业将收到您的{words.request}。",
    )
    return redirect(_category_url(made))


def _own_request(role: RoleAssignment, pk: int) -> SupplementRequest:
    return get_object_or_404(selectors.requests_in_scope(role), pk=pk)


@login_required
@require_POST
def supplement_send(request: HttpRequest, pk: int) -> HttpResponse:
    """提交申请: to the enterprise (个人申请中)."""
    role = require_permission(request, "supplements.request")
    supplement = _own_request(role, pk)
    words = supplement.words
    try:
        services.supplement_request_send(
            request_id=supplement.pk,
            actor=request.user,
            role=role,
            today=timezone.localdate(),
            http_request=request,
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"申请成功，企业将收到您的{words.request}（{words.pending}）。")
    return redirect(_category_url(supplement))


@login_required
@require_POST
def supplement_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """撤销增补, until the enterprise acts."""
    role = require_permission(request, "supplements.request")
    supplement = _own_request(role, pk)
    words = supplement.words
    try:
        services.supplement_request_cancel(
            request_id=supplement.pk, actor=request.user, role=role, http_request=request
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"已{words.cancel}。")
    return redirect(_category_url(supplement))


@login_required
@require_http_methods(["GET", "POST"])
def supplement_new_claim(request: HttpRequest, pk: int) -> HttpResponse:
    """新增: after 同意增补, a claim of the category for the closed year (saved 个人保存)."""
    role = require_permission(request, "supplements.request")
    supplement = _own_request(role, pk)
    if supplement.status != SupplementStatus.APPROVED:
        words = supplement.words
        messages.error(request, f"企业{words.agree}后才能新增{supplement.credit_year}年度的学时。")
        return redirect(_category_url(supplement))
    return supplement_claim_page(
        request,
        role=role,
        person=supplement.person,
        category_code=supplement.category_code,
        credit_year=supplement.credit_year,
        submit=submit_after_save,
    )


# --- the enterprise --------------------------------------------------------------------------


@dataclass
class DecisionRow:
    request: SupplementRequest
    form: RefuseForm


def _unit_words(role: RoleAssignment) -> SupplementWords:
    """The words of the unit's region (the page's buttons and headings)."""
    organization = role.organization
    key = organization.effective_policy_profile() if organization is not None else ""
    return supplement_words(key, timezone.localdate()) if key else SupplementWords()


@login_required
@require_GET
def supplement_decisions(request: HttpRequest) -> HttpResponse:
    """The unit's requests: pending ones to agree or refuse (同意增补 / 拒绝增补), or decided."""
    role = require_permission(request, "supplements.decide")
    decided = request.GET.get("state") == "decided"
    queue = selectors.decision_queue(role, decided=decided)
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        DecisionRow(item, RefuseForm(auto_id=f"id_refuse_{item.pk}_%s"))
        for item in page.object_list
    ]
    context: dict[str, Any] = {
        "page": page,
        "rows": rows,
        "decided": decided,
        "words": _unit_words(role),
        "page_query": "state=decided" if decided else "",
    }
    return render(request, "supplements/decisions.html", context)


def _back_to_decisions(request: HttpRequest) -> HttpResponse:
    url = reverse("supplements:decisions")
    page = request.POST.get("page", "")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@login_required
@require_POST
def supplement_agree(request: HttpRequest, pk: int) -> HttpResponse:
    role = require_permission(request, "supplements.decide")
    supplement = get_object_or_404(selectors.requests_in_scope(role), pk=pk)
    words = supplement.words
    try:
        services.supplement_request_agree(
            request_id=supplement.pk, actor=request.user, role=role, http_request=request
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            f"已{words.agree}：{supplement.person.name}可新增{supplement.credit_year}年度"
            f"“{supplement.category_name}”的学时。",
        )
    return _back_to_decisions(request)


@login_required
@require_POST
def supplement_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    role = require_permission(request, "supplements.decide")
    supplement = get_object_or_404(selectors.requests_in_scope(role), pk=pk)
    words = supplement.words
    form = RefuseForm(request.POST, auto_id=f"id_refuse_{supplement.pk}_%s")
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for e in form.errors.get("reason", [])))
        return _back_to_decisions(request)
    try:
        services.supplement_request_refuse(
            request_id=supplement.pk,
            reason=form.cleaned_data["reason"],
            actor=request.user,
            role=role,
            http_request=request,
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"已{words.refuse}（{supplement.person.name}）。")
    return _back_to_decisions(request)
