"""找回密码 / 找回用户名 pages (no login). The services decide; these pages only ask and show."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from xueshi.core.forms import StyledFormMixin

from . import recovery
from .forms import LoginForm

PURPOSES = {"password": "找回密码", "username": "找回用户名"}


class RequestForm(StyledFormMixin, forms.Form):
    identifier = forms.CharField(
        label="身份证号或账号",
        max_length=150,
        error_messages={"required": "请输入身份证号或账号。"},
        help_text="专业技术人员填身份证号；单位填账号名或统一社会信用代码",
    )
    captcha = LoginForm.base_fields["captcha"]


class ResetForm(StyledFormMixin, forms.Form):
    identifier = forms.CharField(label="身份证号或账号", max_length=150)
    code = forms.CharField(label="验证码（短信或邮件）", max_length=6, min_length=6)
    new_password1 = forms.CharField(label="新密码", strip=False, widget=forms.PasswordInput)
    new_password2 = forms.CharField(label="再次输入新密码", strip=False, widget=forms.PasswordInput)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的密码不一致。")
        return data


def _address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


@require_http_methods(["GET", "POST"])
def recover(request: HttpRequest, purpose: str = "password") -> HttpResponse:
    if purpose not in PURPOSES:
        purpose = "password"
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            answer = recovery.recovery_request(
                identifier=form.cleaned_data["identifier"],
                purpose=purpose,
                address=_address(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.info(request, answer)
            if purpose == "password":
                request.session["recovery_identifier"] = form.cleaned_data["identifier"]
                return redirect("accounts:recover_reset")
            return redirect("accounts:login")
    return render(
        request,
        "accounts/recover.html",
        {"form": form, "purpose": purpose, "title": PURPOSES[purpose]},
    )


@require_http_methods(["GET", "POST"])
def recover_reset(request: HttpRequest) -> HttpResponse:
    initial = {"identifier": request.session.get("recovery_identifier", "")}
    form = ResetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            recovery.recovery_reset(
                identifier=form.cleaned_data["identifier"],
                code=form.cleaned_data["code"],
                new_password=form.cleaned_data["new_password1"],
                request=request,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form.add_error(None, error)
            else:
                form.add_error("new_password1", error)
        else:
            request.session.pop("recovery_identifier", None)
            messages.success(request, "密码已重新设置，请用新密码登录。")
            return redirect("accounts:login")
    return render(request, "accounts/recover_reset.html", {"form": form})
