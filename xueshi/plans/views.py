"""年度培训计划 pages: the list of a role's plans, one plan with its trainings, filing (备案)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from xueshi.accounts.permissions import require_permission
from xueshi.core.errors import error_text

from . import selectors, services
from .forms import PlanCreateForm, TrainingForm
from .models import PlannedTraining

PAGE_SIZE = 20
PERMISSION = "plans.view"


def _apply(form: PlanCreateForm | TrainingForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def plan_list(request: HttpRequest) -> HttpResponse:
    role = require_permission(request, PERMISSION)
    owner = role.kind in selectors.OWNER_KINDS
    form = PlanCreateForm(request.POST or None) if owner else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("只有主管部门或用人单位管理员可以编制年度培训计划。")
        if form.is_valid():
            try:
                plan = services.plan_create(
                    role=role, year=form.cleaned_data["year"], actor=request.user, request=request
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(request, f"已创建 {plan.year} 年度培训计划，请添加培训项目。")
                return redirect("plans:detail", pk=plan.pk)
    plans = Paginator(selectors.plans_in_scope(role), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": plans, "plans": plans.object_list, "form": form, "owner": owner}
    return render(request, "plans/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    role = require_permission(request, PERMISSION)
    plan = selectors.plan_for(role, pk)
    editable = selectors.may_edit(role, plan)
    form = TrainingForm(request.POST or None, plan=plan) if editable else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(services.FILED_LOCKED)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.training_add(
                    plan=plan,
                    data=services.TrainingInput(
                        category_code=data["category_code"],
                        title=data["title"],
                        organizer_id=data["organizer"],
                        start_date=data["start_date"],
                        end_date=data["end_date"],
                        hours=data["hours"],
                    ),
                    role=role,
                    actor=request.user,
                    request=request,
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(request, f"已添加培训项目“{data['title']}”。")
                return redirect("plans:detail", pk=plan.pk)
    names = {
        code: name
        for code, name, _rule in selectors.plan_categories(selectors.version_of(plan.organization))
    }
    page = Paginator(selectors.trainings_of(plan), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "plan": plan,
        "page": page,
        "trainings": [(training, names.get(training.category_code, "")) for training in page],
        "form": form,
        "editable": editable,
    }
    return render(request, "plans/detail.html", context)


@login_required
@require_POST
def training_delete(request: HttpRequest, pk: int, training_pk: int) -> HttpResponse:
    role = require_permission(request, PERMISSION)
    plan = selectors.plan_for(role, pk)
    training = PlannedTraining.objects.filter(plan=plan, pk=training_pk).first()
    if training is None:
        raise Http404("没有该培训项目。")
    try:
        services.training_delete(training=training, role=role, actor=request.user, request=request)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"已删除培训项目“{training.title}”。")
    return redirect("plans:detail", pk=plan.pk)


@login_required
@require_POST
def plan_file(request: HttpRequest, pk: int) -> HttpResponse:
    role = require_permission(request, PERMISSION)
    plan = selectors.plan_for(role, pk)
    try:
        services.plan_file(plan=plan, role=role, actor=request.user, request=request)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request, f"{plan.year} 年度培训计划已报人社部门备案，计划内的培训可供申报学时。"
        )
    return redirect("plans:detail", pk=plan.pk)
