"""The public home (no login), notice pages and guides, and the authority's publishing pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.views.decorators.http import require_http_methods, require_POST

from xueshi.accounts.permissions import active_role, require_permission
from xueshi.accounts.sso import PUBLIC_REGION_SESSION_KEY

from . import selectors, services
from .forms import NoticeForm
from .models import Notice, NoticeAttachment, NoticeKind

PER_PAGE = 20
GUIDES = {
    "declare": "如何登记和申报学时（专业技术人员）",
    "review": "如何审核学时申报（单位及主管部门）",
    "import": "如何批量导入培训信息和人员（单位管理员）",
}


def public_home(request: HttpRequest) -> HttpResponse:
    """What a visitor sees first: the region's platform name, its notices and policies, the
    operation guides, the year's key dates, and the way in (登录)."""
    all_regions = selectors.regions()
    chosen = request.GET.get("region") or request.session.get(PUBLIC_REGION_SESSION_KEY)
    region = selectors.region_by_id(all_regions, chosen)
    if region is not None and request.GET.get("region"):
        request.session[PUBLIC_REGION_SESSION_KEY] = region.authority.pk
    context: dict[str, Any] = {"regions": all_regions, "region": region, "guides": GUIDES}
    if region is not None:
        context["notices"] = selectors.public_notices(region.authority, NoticeKind.NOTICE)[:8]
        context["policies"] = selectors.public_notices(region.authority, NoticeKind.POLICY)[:8]
    return render(request, "notices/public_home.html", context)


def notice_list(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in NoticeKind.values:
        raise Http404
    all_regions = selectors.regions()
    region = selectors.region_by_id(all_regions, request.session.get(PUBLIC_REGION_SESSION_KEY))
    if region is None:
        raise Http404
    notices = selectors.public_notices(region.authority, kind)
    query = request.GET.get("q", "").strip()
    if query:
        notices = notices.filter(Q(title__icontains=query) | Q(body__icontains=query))
    page = Paginator(notices, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notices/list.html",
        {
            "region": region,
            "kind_label": NoticeKind(kind).label,
            "page": page,
            "query": query,
            "page_query": f"q={query}" if query else "",
        },
    )


def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    try:
        notice = selectors.visible_notice(
            notice_id, active_role(request), selectors.person_unit(request.user)
        )
    except Notice.DoesNotExist:
        raise Http404("没有找到该通知") from None
    return render(request, "notices/detail.html", {"notice": notice})


def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = NoticeAttachment.objects.select_related("notice").filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    try:
        selectors.visible_notice(
            attachment.notice_id, active_role(request), selectors.person_unit(request.user)
        )
    except Notice.DoesNotExist:
        raise Http404 from None
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def guide(request: HttpRequest, topic: str) -> HttpResponse:
    if topic not in GUIDES:
        raise Http404
    template = select_template([f"notices/guides/{topic}.html"])
    return HttpResponse(template.render({"title": GUIDES[topic], "guides": GUIDES}, request))


# --- publishing (authority admins) -----------------------------------------------------------


@login_required
def manage_list(request: HttpRequest) -> HttpResponse:
    role = require_permission(request, "notices.manage")
    notices = services.notices_of(role).order_by("-updated_at", "-id")
    query = request.GET.get("q", "").strip()
    if query:
        notices = notices.filter(title__icontains=query)
    page = Paginator(notices, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notices/manage_list.html",
        {"page": page, "query": query, "page_query": f"q={query}" if query else ""},
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage_edit(request: HttpRequest, notice_id: int | None = None) -> HttpResponse:
    role = require_permission(request, "notices.manage")
    notice = None
    if notice_id is not None:
        notice = services.notices_of(role).filter(pk=notice_id).first()
        if notice is None:
            raise Http404
    initial = (
        {
            "kind": notice.kind,
            "title": notice.title,
            "body": notice.body,
            "audience": notice.audience,
        }
        if notice is not None
        else {}
    )
    form = NoticeForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = services.NoticeInput(
            kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            audience=form.cleaned_data["audience"],
        )
        try:
            saved = services.notice_save(
                role=role,
                actor=request.user,
                data=data,
                files=request.FILES.getlist("attachments"),
                notice=notice,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"已保存“{saved.title}”。" + ("" if saved.published else "尚未发布。")
            )
            return redirect("notices:manage")
    return render(request, "notices/manage_form.html", {"form": form, "notice": notice})


@login_required
@require_POST
def manage_action(request: HttpRequest, notice_id: int, action: str) -> HttpResponse:
    role = require_permission(request, "notices.manage")
    try:
        if action in ("publish", "unpublish"):
            notice = services.notice_publish(
                role=role, actor=request.user, notice_id=notice_id, publish=action == "publish"
            )
            messages.success(
                request, f"“{notice.title}”已{'发布' if notice.published else '撤回（不再公开）'}。"
            )
        elif action in ("pin", "unpin"):
            notice = services.notice_pin(
                role=role, actor=request.user, notice_id=notice_id, pinned=action == "pin"
            )
            messages.success(
                request, f"“{notice.title}”已{'置顶' if notice.pinned else '取消置顶'}。"
            )
        elif action == "delete":
            services.notice_delete(role=role, actor=request.user, notice_id=notice_id)
            messages.success(request, "已删除。")
        else:
            raise Http404
    except Notice.DoesNotExist:
        raise Http404 from None
    return redirect("notices:manage")
