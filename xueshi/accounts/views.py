"""Login, password change, role switching and the person's own information page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST

from xueshi.core.audit import audit_record, client_ip
from xueshi.core.models import AuditResult

from . import selectors, services
from .forms import ChangePasswordForm, LoginForm, ProfileForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Lockout by address: too many failures from one IP refuse every login from it for
        # the window, before any password is tried (the account lockout is axes').
        address = client_ip(request)
        if selectors.ip_locked_out(address):
            audit_record(
                action="auth.ip_locked_out",
                request=request,
                result=AuditResult.FAILURE,
                details={"limit": settings.LOGIN_IP_FAILURE_LIMIT},
            )
            context = {
                "ip_locked": True,
                "failure_limit": settings.LOGIN_IP_FAILURE_LIMIT,
                "cooloff_timedelta": settings.AXES_COOLOFF_TIME,
            }
            return render(request, "accounts/locked_out.html", context, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        # A fresh session starts in the user's first role; the top bar offers the others.
        role = selectors.first_role_of_user(self.request.user)
        if role is not None:
            services.role_activate(request=self.request, role=role, audit=False)
        return response

    def get_success_url(self) -> str:
        if getattr(self.request.user, "must_change_password", False):
            return reverse("accounts:password_change")
        return super().get_success_url()


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ChangePasswordForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("core:home")

    def form_valid(self, form: ChangePasswordForm) -> HttpResponse:  # type: ignore[override]
        user = services.user_change_password(
            user=form.user,
            new_password=form.cleaned_data["new_password1"],
            request=self.request,
        )
        # Changing the password rotates the session hash; keep this session logged in.
        update_session_auth_hash(self.request, user)
        messages.success(self.request, "密码已修改。")
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["forced"] = getattr(self.request.user, "must_change_password", False)
        return context


@require_POST
@login_required
def role_switch(request: HttpRequest) -> HttpResponse:
    try:
        role_id = int(request.POST.get("role", ""))
    except ValueError:
        raise Http404("没有该角色。") from None
    role = selectors.role_of_user(user=request.user, role_id=role_id)
    if role is None:
        raise Http404("没有该角色。")
    services.role_activate(request=request, role=role)
    messages.success(request, f"已切换为：{role.label}")
    return redirect("core:home")


@login_required
def my_info(request: HttpRequest) -> HttpResponse:
    person = selectors.person_for_user(request.user)
    if person is None:
        return render(request, "accounts/my_info.html", {"person": None})
    departments = selectors.department_choices_for_person(person)
    if request.method == "POST":
        form = ProfileForm(request.POST, departments=departments)
        if form.is_valid():
            try:
                services.person_update_profile(
                    person=person,
                    phone=form.cleaned_data["phone"],
                    specialty=form.cleaned_data["specialty"],
                    title_grade=form.cleaned_data["title_grade"] or None,
                    department=form.cleaned_data.get("department"),
                    actor=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "个人信息已保存。")
                return redirect("accounts:my_info")
    else:
        form = ProfileForm(
            initial={
                "phone": person.phone,
                "specialty": person.specialty,
                "title_grade": person.title_grade,
                "department": person.department_id,
            },
            departments=departments,
        )
    return render(request, "accounts/my_info.html", {"person": person, "form": form})
