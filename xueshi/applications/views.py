"""Pages of the yearly application: the person's list, the wizard, the 12-item application page
with its entries and evidence, and the reviewers' queue and 办理. Views stay thin: a scoped
selector loads the row (another unit's is a 404), one service acts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi.accounts.details import region_name, track_choices
from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.accounts.permissions import active_role, require_permission
from xueshi.declarations.services import AlreadyHandled
from xueshi.review.lifecycle import Action, allowed_actions

from . import selectors, services
from .forms import (
    CertifierForm,
    EntryForm,
    EvidenceForm,
    InfoForm,
    ReviewForm,
    SearchForm,
    TrackForm,
    _apply,
)
from .models import Application, ApplicationEntry, EntryEvidence

PAGE_SIZE = 20
WIZARD_STEPS = ((1, "我的信息"), (2, "选择认定专业"), (3, "认定单位"))


def _person_role(request: HttpRequest) -> RoleAssignment:
    return require_permission(request, "applications.apply")


def _load(request: HttpRequest, pk: int) -> tuple[RoleAssignment, Application]:
    role = active_role(request)
    if role is None:
        raise PermissionDenied("当前账号没有可用的角色。")
    application = selectors.applications_in_scope(role).filter(pk=pk).first()
    if application is None:
        raise Http404("申请书不存在或不在您的查看范围内。")
    return role, application


def _own(request: HttpRequest, pk: int) -> tuple[RoleAssignment, Application]:
    role = _person_role(request)
    role, application = _load(request, pk)
    return role, application


def _page(request: HttpRequest, rows: QuerySet[Application]) -> tuple[Any, str]:
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _search(
    request: HttpRequest, rows: QuerySet[Application], *, show_person: bool
) -> tuple[SearchForm, QuerySet[Application]]:
    this_year = timezone.localdate().year
    years = list(range(this_year, this_year - 6, -1))
    data = request.GET.copy()
    if "credit_year" not in data:
        data["credit_year"] = str(this_year)  # "认定年度为当年"
    form = SearchForm(data, years=years, show_person=show_person)
    if form.is_valid():
        filters = selectors.ListFilters(
            credit_year=form.cleaned_data["credit_year"] or None,
            name=form.cleaned_data.get("name", "").strip(),
            id_number=form.cleaned_data.get("id_number", "").strip(),
            status=form.cleaned_data["status"],
        )
        rows = selectors.filter_applications(rows, filters)
    return form, rows


# --- the person's list and the wizard -----------------------------------------------------------


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """学员申请: 序号, 编号, 填报年度, 认定年度, 申报区域, 认定专业, 姓名, 操作."""
    role = _person_role(request)
    rows = selectors.applications_in_scope(role).order_by("-credit_year", "-id")
    form, rows = _search(request, rows, show_person=False)
    page, query = _page(request, rows)
    return render(
        request,
        "applications/mine.html",
        {"page": page, "page_query": query, "form": form, "role": role},
    )


@login_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """新增学时认定: this year's application (the one that exists, if any)."""
    role = _person_role(request)
    person = role.user.person
    try:
        application = services.application_start(person=person, role=role)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, "；".join(getattr(error, "messages", [str(error)])))
        return redirect("applications:mine")
    return redirect(_resume_url(application))


def _resume_url(application: Application) -> str:
    if application.wizard_step >= 3:
        return reverse("applications:detail", args=[application.pk])
    return reverse("applications:wizard", args=[application.pk, application.wizard_step + 1])


@login_required
@require_http_methods(["GET", "POST"])
def wizard(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    """学时认定填报引导: 我的信息 / 选择认定专业 / 认定单位; each step saved on 下一步."""
    role, application = _own(request, pk)
    if step not in (1, 2, 3):
        raise Http404("没有该步骤。")
    if not application.is_editable:
        messages.info(request, services.NOT_EDITABLE)
        return redirect("applications:detail", pk=application.pk)
    if step > application.wizard_step + 1:
        return redirect(_resume_url(application))
    version = services.version_of(application)
    person = application.person
    context: dict[str, Any] = {
        "application": application,
        "person": person,
        "step": step,
        "steps": WIZARD_STEPS,
        "unit_note": services.UNIT_NOT_LISTED,
    }
    form: Any
    if step == 1:
        initial = {"declaring_region": application.declaring_region or person.declaring_region}
        form = InfoForm(request.POST or None, version=version, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                notice = services.application_save_info(
                    application=application,
                    role=role,
                    region_code=form.cleaned_data["declaring_region"],
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                if notice:
                    messages.warning(request, notice)
                return redirect("applications:wizard", pk=application.pk, step=2)
    elif step == 2:
        tracks = track_choices(version, application.declaring_region)
        chosen = application.specialty
        initial = {}
        if chosen:
            parts = chosen.split("/")
            initial = {"series": parts[0], "discipline": "/".join(parts[:2]), "grade": chosen}
        form = TrackForm(request.POST or None, tracks=tracks, initial=initial)
        context["region_name"] = application.declaring_region_name
        if request.method == "POST" and form.is_valid():
            try:
                services.application_save_track(
                    application=application, role=role, specialty=form.specialty
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                return redirect("applications:wizard", pk=application.pk, step=3)
    else:
        offer = services.certifier_offer(application)
        form = CertifierForm(
            request.POST or None,
            organizations=offer.organizations,
            initial={"certifier": application.certifier_id},
        )
        context["offer"] = offer
        if request.method == "POST" and form.is_valid():
            try:
                services.application_save_certifier(
                    application=application,
                    role=role,
                    certifier_id=form.cleaned_data["certifier"],
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(request, "填报引导已完成，请填写各栏目内容。")
                return redirect("applications:detail", pk=application.pk)
    context["form"] = form
    status = 400 if request.method == "POST" else 200
    return render(request, "applications/wizard.html", context, status=status)


# --- the application page -----------------------------------------------------------------------


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """学时认定内容填报 (the person) or 学时认定填报内容详情 (a reviewer): the 12 items."""
    role, application = _load(request, pk)
    return _detail(request, role, application)


def _detail(
    request: HttpRequest,
    role: RoleAssignment,
    application: Application,
    *,
    review_form: ReviewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    version = services.version_of(application)
    entries = list(
        application.entries.prefetch_related("evidence").order_by("section", "start_date", "id")
    )
    totals = services.section_totals(application, version)
    by_section: dict[str, list[ApplicationEntry]] = {}
    for entry in entries:
        by_section.setdefault(entry.section, []).append(entry)
    sections = [
        {
            "item": total.number + 2,
            "total": total,
            "entries": by_section.get(total.code, []),
            "materials": version.attachments_for(total.code).note,
        }
        for total in totals
    ]
    total = sum(t.hours for t in totals)
    threshold = services.threshold_of(version)
    is_owner = role.kind == RoleKind.PROFESSIONAL
    allowed = allowed_actions(application, role)
    steps = list(application.steps.select_related("organization"))
    current = next((s for s in steps if s.position == application.current_position), None)
    may_review = Action.APPROVE in allowed or Action.RETURN in allowed
    if may_review and review_form is None and current is not None:
        review_form = ReviewForm(
            options=selectors.forward_options(application, current),
            outcomes=tuple(a.value for a in allowed if a in (Action.APPROVE, Action.RETURN)),
            initial={"position": application.current_position},
        )
    is_last = current is not None and current == steps[-1]
    return render(
        request,
        "applications/detail.html",
        {
            "role": role,
            "application": application,
            "person": application.person,
            "version": version,
            "documents": version.yearly_application.documents,
            "sections": sections,
            "totals": totals,
            "total": total,
            "threshold": threshold,
            "shortfall": max(threshold - total, 0),
            "editable": is_owner and application.is_editable,
            "is_owner": is_owner,
            "may_submit": Action.SUBMIT in allowed,
            "may_delete": Action.DISCARD in allowed,
            "review_form": review_form if may_review else None,
            "is_last": is_last,
            "steps": steps,
            "current": current,
            "trail": list(
                application.trail.select_related("organization", "forwarded_to", "actor")
            ),
            "region_label": region_name(version, application.declaring_region)
            or application.declaring_region_name,
            "evidence_form": EvidenceForm(),
        },
        status=status,
    )


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """提交审核: refused below the threshold ("还差 N 学时"); two tabs at once → one submission."""
    role, application = _own(request, pk)
    try:
        services.application_submit(
            application_id=application.pk, actor=request.user, role=role, request=request
        )
    except (ValidationError, AlreadyHandled, PermissionDenied) as error:
        messages.error(request, "；".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, "已提交审核，请等待认定结果。")
    return redirect("applications:detail", pk=application.pk)


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """删除 a draft or returned application, after a confirmation page."""
    role, application = _own(request, pk)
    if request.method == "POST":
        try:
            services.application_delete(
                application_id=application.pk, actor=request.user, role=role, request=request
            )
        except (AlreadyHandled, PermissionDenied, ValidationError) as error:
            messages.error(request, "；".join(getattr(error, "messages", [str(error)])))
            return redirect("applications:detail", pk=application.pk)
        messages.success(request, f"申请书 {application.number} 已删除。")
        return redirect("applications:mine")
    return render(
        request,
        "applications/confirm.html",
        {
            "title": "删除申请书",
            "question": (
                f"确定删除申请书 {application.number} 及其全部项目和佐证材料吗？删除后不能恢复。"
            ),
            "action": reverse("applications:delete", args=[application.pk]),
            "back": reverse("applications:detail", args=[application.pk]),
        },
    )


# --- entries and evidence ---------------------------------------------------------------------


def _entry_input(form: EntryForm, section: str) -> services.EntryInput:
    data = form.cleaned_data
    return services.EntryInput(
        section=section,
        title=data.get("title", ""),
        organizer=data.get("organizer", ""),
        activity_type=data.get("activity_type", "") or "",
        start_date=data.get("start_date"),
        end_date=data.get("end_date"),
        hours=data.get("hours", ""),
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_form(
    request: HttpRequest, pk: int, section: str = "", entry_pk: int | None = None
) -> HttpResponse:
    """新增 / 编辑 one activity of a section (项目信息); nothing typed is lost on an error."""
    role, application = _own(request, pk)
    entry = None
    if entry_pk is not None:
        entry = application.entries.filter(pk=entry_pk).first()
        if entry is None:
            raise Http404("项目不存在。")
        section = entry.section
    version = services.version_of(application)
    if section not in version.yearly_application.sections:
        raise Http404("没有该栏目。")
    initial = {}
    if entry is not None:
        initial = {
            "title": entry.title,
            "organizer": entry.organizer,
            "activity_type": entry.activity_type,
            "start_date": entry.start_date,
            "end_date": entry.end_date,
            "hours": entry.hours,
        }
    form = EntryForm(request.POST or None, version=version, section=section, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                saved = services.entry_save(
                    application=application,
                    role=role,
                    data=_entry_input(form, section),
                    entry=entry,
                )
            except ValidationError as error:
                _apply(form, error)
            except AlreadyHandled as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, "项目信息已保存，请上传佐证材料。")
                return redirect(
                    reverse("applications:detail", args=[application.pk]) + f"#entry-{saved.pk}"
                )
    return render(
        request,
        "applications/entry_form.html",
        {
            "application": application,
            "form": form,
            "entry": entry,
            "section_name": version.leaf(section).category.name,
            "materials": version.attachments_for(section).note,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_delete(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    role, application = _own(request, pk)
    entry = application.entries.filter(pk=entry_pk).first()
    if entry is None:
        raise Http404("项目不存在。")
    if request.method == "POST":
        try:
            services.entry_delete(entry=entry, role=role)
        except (AlreadyHandled, PermissionDenied) as error:
            messages.error(request, "；".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, f"已删除项目“{entry.title}”。")
        return redirect("applications:detail", pk=application.pk)
    return render(
        request,
        "applications/confirm.html",
        {
            "title": "删除项目",
            "question": f"确定删除项目“{entry.title}”（{entry.hours} 学时）及其佐证材料吗？",
            "action": reverse("applications:entry_delete", args=[application.pk, entry.pk]),
            "back": reverse("applications:detail", args=[application.pk]),
        },
    )


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """上传佐证材料 (顺序号, 附件类型 佐证材料, the file): jpg/pdf ≤ 5 MB, read by content."""
    role, application = _own(request, pk)
    entry = application.entries.filter(pk=entry_pk).first()
    if entry is None:
        raise Http404("项目不存在。")
    form = EvidenceForm(request.POST, request.FILES)
    anchor = reverse("applications:detail", args=[application.pk]) + f"#entry-{entry.pk}"
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(str(error) for error in errors))
        return redirect(anchor)
    try:
        services.evidence_add(
            entry=entry,
            role=role,
            upload=form.cleaned_data["file"],
            position=form.cleaned_data.get("position"),
        )
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    except AlreadyHandled as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, "佐证材料已上传。")
    return redirect(anchor)


def _evidence(request: HttpRequest, pk: int, evidence_pk: int) -> tuple[Any, Any, EntryEvidence]:
    role, application = _load(request, pk)
    evidence = (
        EntryEvidence.objects.filter(pk=evidence_pk, entry__application=application)
        .select_related("entry")
        .first()
    )
    if evidence is None:
        raise Http404("佐证材料不存在。")
    return role, application, evidence


@login_required
@require_POST
def evidence_move(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    """顺序号 − / +."""
    _person_role(request)
    role, application, evidence = _evidence(request, pk, evidence_pk)
    try:
        services.evidence_move(
            evidence=evidence, role=role, by=1 if request.POST.get("by") == "1" else -1
        )
    except (AlreadyHandled, PermissionDenied) as error:
        messages.error(request, "；".join(getattr(error, "messages", [str(error)])))
    return redirect(
        reverse("applications:detail", args=[application.pk]) + f"#entry-{evidence.entry_id}"
    )


@login_required
@require_http_methods(["GET", "POST"])
def evidence_delete(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    _person_role(request)
    role, application, evidence = _evidence(request, pk, evidence_pk)
    back = reverse("applications:detail", args=[application.pk]) + f"#entry-{evidence.entry_id}"
    if request.method == "POST":
        try:
            services.evidence_delete(evidence=evidence, role=role)
        except (AlreadyHandled, PermissionDenied) as error:
            messages.error(request, "；".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, f"已删除“{evidence.original_name}”。")
        return redirect(back)
    return render(
        request,
        "applications/confirm.html",
        {
            "title": "删除佐证材料",
            "question": f"确定删除佐证材料“{evidence.original_name}”吗？",
            "action": reverse("applications:evidence_delete", args=[application.pk, evidence.pk]),
            "back": back,
        },
    )


@login_required
@require_GET
def evidence_view(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    """查看: for whoever may see the application; sent as a download, never rendered inline."""
    _role, _application, evidence = _evidence(request, pk, evidence_pk)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404("文件已不存在。") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """一寸照 of the applicant, for the reviewers of the application (and the person)."""
    _role, application = _load(request, pk)
    person = application.person
    if not person.photo:
        raise Http404("未上传一寸照。")
    try:
        handle = person.photo.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404("文件已不存在。") from error
    kind = "image/png" if str(person.photo.name).endswith(".png") else "image/jpeg"
    response = FileResponse(handle, content_type=kind)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- review -------------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """申请书审核: applications waiting for this organisation, with the list's filters."""
    role = require_permission(request, "applications.review")
    rows = selectors.review_queue(role)
    form, rows = _search(request, rows, show_person=True)
    page, query = _page(request, rows)
    counts = selectors.year_counts(role, timezone.localdate().year)
    return render(
        request,
        "applications/queue.html",
        {"page": page, "page_query": query, "form": form, "role": role, "counts": counts},
    )


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """办理: 同意 (选择提交单位 + 推荐意见; final at the 认定单位) or 退回 (原因), confirmed."""
    role = require_permission(request, "applications.review")
    role, application = _load(request, pk)
    steps = list(application.steps.select_related("organization"))
    current = next((s for s in steps if s.position == application.current_position), None)
    options = selectors.forward_options(application, current) if current is not None else []
    form = ReviewForm(request.POST, options=options, outcomes=("approve", "return"))
    if not form.is_valid():
        return _detail(request, role, application, review_form=form, status=400)
    data = form.cleaned_data
    try:
        if data["verdict"] == "approve":
            services.application_agree(
                application_id=application.pk,
                actor=request.user,
                role=role,
                comment=data["comment"],
                forward_to=form.forward_organization(),
                expected_position=data.get("position"),
                request=request,
            )
            done = "已同意。"
        else:
            services.application_return(
                application_id=application.pk,
                actor=request.user,
                role=role,
                reason=data["comment"],
                expected_position=data.get("position"),
                request=request,
            )
            done = "已退回申报人。"
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                target = "comment" if field == "reason" else field
                form.add_error(target if target in form.fields else None, errors)
        else:
            form.add_error(None, error.messages)
        return _detail(request, role, application, review_form=form, status=400)
    except (AlreadyHandled, PermissionDenied) as error:
        messages.error(request, "；".join(getattr(error, "messages", [str(error)])))
        return redirect("applications:queue")
    messages.success(request, f"申请书 {application.number}：{done}")
    return redirect("applications:queue")
