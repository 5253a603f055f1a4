"""Login, password change, role switching and the person's own information page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST

from xueshi.core.audit import audit_record, client_ip
from xueshi.core.models import AuditResult

from . import details, selectors, services
from .forms import ChangePasswordForm, DetailsForm, LoginForm, ProfileForm
from .models import Person


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
    details_form = _details_form(person, request)
    if request.method == "POST" and request.POST.get("form") == "details":
        form = ProfileForm(initial=_profile_initial(person), departments=departments)
        if details_form.is_valid() and _save_details(request, person, details_form):
            messages.success(request, "详细信息已保存。")
            return redirect("accounts:my_info")
        return render(
            request,
            "accounts/my_info.html",
            {"person": person, "form": form, "details_form": details_form},
            status=400,
        )
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
        form = ProfileForm(initial=_profile_initial(person), departments=departments)
    return render(
        request,
        "accounts/my_info.html",
        {"person": person, "form": form, "details_form": details_form},
    )


def _profile_initial(person: Person) -> dict[str, Any]:
    return {
        "phone": person.phone,
        "specialty": person.specialty,
        "title_grade": person.title_grade,
        "department": person.department_id,
    }


def _details_form(person: Person, request: HttpRequest) -> DetailsForm:
    version = details.person_version(person)
    rules = version.yearly_application if version is not None else None
    regions = [(r.code, r.name) for r in rules.declaring_regions] if rules else []
    tracks: list[tuple[str, list[tuple[str, str]]]] = []
    if version is not None and regions:
        for series in version.title_tracks:
            for discipline in series.disciplines:
                tracks.append(
                    (
                        f"{series.series}/{discipline.name}",
                        [
                            (f"{series.series}/{discipline.name}/{g.name}", f"{g.name}（{g.rank}）")
                            for g in discipline.grades
                        ],
                    )
                )
    bound = request.method == "POST" and request.POST.get("form") == "details"
    return DetailsForm(
        request.POST if bound else None,
        request.FILES if bound else None,
        regions=regions,
        tracks=tracks,
        initial={
            "ethnicity": person.ethnicity,
            "education": person.education,
            "degree": person.degree,
            "emergency_phone": person.emergency_phone,
            "declaring_region": person.declaring_region,
            "specialty": details.plain_specialty(person.specialty),
        },
    )


def _save_details(request: HttpRequest, person: Person, form: DetailsForm) -> bool:
    """Save every part; a refused part shows at its field and nothing else is lost."""
    data = form.cleaned_data
    try:
        with transaction.atomic():
            details.person_update_details(
                person=person,
                ethnicity=data["ethnicity"],
                education=data["education"],
                degree=data["degree"],
                emergency_phone=data["emergency_phone"],
                actor=request.user,
            )
            if data.get("photo"):
                details.person_set_photo(person=person, upload=data["photo"], actor=request.user)
            if data.get("declaring_region"):
                notice = details.person_choose_track(
                    person=person,
                    region_code=data["declaring_region"],
                    specialty=data.get("specialty", ""),
                    actor=request.user,
                )
                if notice:
                    messages.warning(request, notice)
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        person.refresh_from_db()
        return False
    return True


@login_required
def my_photo(request: HttpRequest) -> FileResponse:
    """The person's own 一寸照."""
    person = selectors.person_for_user(request.user)
    if person is None or not person.photo:
        raise Http404("未上传一寸照。")
    try:
        handle = person.photo.open("rb")
    except OSError as error:
        raise Http404("文件已不存在。") from error
    kind = "image/png" if str(person.photo.name).endswith(".png") else "image/jpeg"
    response = FileResponse(handle, content_type=kind)
    response["X-Content-Type-Options"] = "nosniff"
    return response
