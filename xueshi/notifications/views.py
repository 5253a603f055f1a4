"""我的消息: the list behind the bell, and marking messages read (only one's own)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from .models import Notification
from .services import notifications_mark_read

PAGE_SIZE = 20


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(recipient_id=request.user.pk).order_by(
        "-created_at", "-id"
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_mark_read(request: HttpRequest) -> HttpResponse:
    """With `id`: mark that one read and open its link. Without: mark all read."""
    back = reverse("notifications:list")
    wanted = request.POST.get("id", "").strip()
    if not wanted:
        count = notifications_mark_read(recipient=request.user)
        messages.success(request, f"已将 {count} 条消息标为已读。" if count else "没有未读消息。")
        return HttpResponseRedirect(back)
    if not wanted.isdigit():
        return HttpResponseRedirect(back)
    # Someone else's message: nothing is marked and its link is not followed.
    notification = Notification.objects.filter(recipient_id=request.user.pk, pk=int(wanted)).first()
    if notification is None:
        return HttpResponseRedirect(back)
    notifications_mark_read(recipient=request.user, ids=[notification.pk])
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(back)
