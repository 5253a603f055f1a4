"""我的消息: the list behind the bell, and marking messages read (only one's own)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi.core.forms import StyledForm

from .models import Notification, NotificationPreference
from .services import notification_preference_save, notifications_mark_read

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
    if not (wanted.isascii() and wanted.isdigit() and len(wanted) < 19):
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


class PreferenceForm(StyledForm):
    email = forms.EmailField(label="电子邮箱", required=False)
    by_email = forms.BooleanField(label="消息同时发送到电子邮箱", required=False)
    by_sms = forms.BooleanField(label="消息同时发送短信到登记的手机号", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("by_email") and not data.get("email"):
            self.add_error("email", "选择发送电子邮件时，请填写电子邮箱。")
        return data


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    """消息提醒: the returned / rejected / approved messages also by e-mail or SMS."""
    current = NotificationPreference.objects.filter(user=request.user).first()  # type: ignore[misc]
    initial = {
        "email": request.user.email,  # type: ignore[union-attr]
        "by_email": bool(current and current.by_email),
        "by_sms": bool(current and current.by_sms),
    }
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        notification_preference_save(
            user=request.user,
            by_email=form.cleaned_data["by_email"],
            by_sms=form.cleaned_data["by_sms"],
            email=form.cleaned_data["email"],
        )
        messages.success(request, "消息提醒设置已保存。")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
