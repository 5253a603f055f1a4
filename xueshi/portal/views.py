from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from xueshi.accounts.permissions import active_role
from xueshi.notices.selectors import notices_for, person_unit
from xueshi.notices.views import public_home

from . import selectors
from .menu import menu_for

HOME_KINDS = {
    "professional",
    "unit_admin",
    "department_admin",
    "supervisor_admin",
    "authority_admin",
    "training_base_admin",
    "platform_admin",
    "system_admin",
    "security_admin",
    "audit_admin",
}


def _url_or_empty(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def home(request: HttpRequest) -> HttpResponse:
    """A visitor sees the region's public home (notices, policies, guides, 登录); a logged-in
    user their role's home."""
    if not request.user.is_authenticated:
        return public_home(request)
    role = active_role(request)
    kind = role.kind if role is not None and role.kind in HOME_KINDS else "none"
    shortcuts = [
        item for section in menu_for(role) for item in section.items if item.url_name != "core:home"
    ]
    context = {
        "role_kind": kind,
        "home_template": f"core/_home_{kind}.html",
        "shortcuts": shortcuts,
        "pending_units_url": _url_or_empty("orgs:pending_units"),
        **selectors.home_summary(role, request.user),
        "notices": notices_for(role, person_unit(request.user))[:5],
    }
    return render(request, "core/home.html", context)
