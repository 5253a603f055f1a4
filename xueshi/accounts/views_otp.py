"""The second factor's pages: enrolment (QR code, recovery codes), the code after the
password, and the user's own page to renew recovery codes (xueshi/accounts/otp.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import otp
from .forms import OTPCodeForm
from .permissions import require_permission


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("core:home")


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """绑定动态口令: scan the QR code, type the code it shows; the recovery codes follow."""
    if otp.has_second_factor(request.user) and not otp.is_verified(request):
        # Re-enrolling needs the current factor first (else a stolen password would do).
        return redirect(f"{reverse('accounts:otp_verify')}?next={reverse('accounts:otp_setup')}")
    device = otp.totp_enrolment_start(request.user)  # type: ignore[arg-type]
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = otp.totp_enrolment_confirm(
                request=request, device=device, token=form.cleaned_data["token"]
            )
        except otp.WrongCode as error:
            form.add_error("token", str(error))
        else:
            return render(
                request,
                "accounts/otp_recovery_codes.html",
                {"codes": codes, "next": _next_url(request), "enrolled": True},
            )
    context = {
        "form": form,
        "secret": otp.totp_secret(device),
        "qr_svg": otp.totp_qr_svg(device),
        "next": _next_url(request),
        "required": otp.totp_required(request.user, getattr(request, "available_roles", None)),
    }
    return render(request, "accounts/otp_setup.html", context)


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """输入动态口令: after the password, the code of the app or a recovery code."""
    if not otp.has_second_factor(request.user):
        return redirect(f"{reverse('accounts:otp_setup')}?next={_next_url(request)}")
    form = OTPCodeForm(request.POST or None)
    form.fields[
        "token"
    ].help_text = (
        "打开手机上的身份验证器应用，输入显示的 6 位数字；手机不在身边时可输入一个恢复码。"
    )
    if request.method == "POST" and form.is_valid():
        try:
            otp.otp_verify(request=request, token=form.cleaned_data["token"])
        except otp.WrongCode as error:
            form.add_error("token", str(error))
        else:
            return redirect(_next_url(request))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


@login_required
def otp_manage(request: HttpRequest) -> HttpResponse:
    """动态口令: whether one is bound, how many recovery codes are left; renew them."""
    require_permission(request, "accounts.second_factor")
    context = {
        "enrolled": otp.has_second_factor(request.user),
        "required": otp.totp_required(request.user, getattr(request, "available_roles", None)),
        "codes_left": otp.recovery_codes_left(request.user),
    }
    return render(request, "accounts/otp_manage.html", context)


@require_POST
@login_required
def otp_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working); only in a verified session."""
    require_permission(request, "accounts.second_factor")
    if not otp.is_verified(request):
        messages.error(request, "请先绑定动态口令。")
        return redirect("accounts:otp_manage")
    codes = otp.recovery_codes_regenerate(request=request)
    return render(
        request,
        "accounts/otp_recovery_codes.html",
        {"codes": codes, "next": reverse("accounts:otp_manage"), "enrolled": False},
    )
