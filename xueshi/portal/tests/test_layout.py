"""The look: base layout, role menu, role switcher, home pages, form rendering, local assets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django import forms
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.base import Message
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import RequestFactory, override_settings
from django.urls import NoReverseMatch, include, path, reverse

from xueshi.accounts import urls as accounts_urls
from xueshi.accounts.models import RoleKind
from xueshi.accounts.permissions import PERMISSIONS
from xueshi.accounts.tests.factories import PersonFactory, RoleAssignmentFactory, UserFactory
from xueshi.core.forms import StyledForm
from xueshi.orgs.models import OrganizationStatus
from xueshi.orgs.tests.factories import (
    AuthorityFactory,
    DepartmentFactory,
    SupervisorFactory,
    UnitFactory,
)
from xueshi.portal import selectors, urls_policy
from xueshi.portal.menu import MENU, Entry, menu_for
from xueshi.units import urls as units_urls

pytestmark = pytest.mark.django_db


# A URLconf that is the project's plus a role-switch view, so the switcher can be tested
# whether or not accounts:role_switch exists yet.
def _fake_role_switch(request):  # pragma: no cover - only reversed, never called
    return HttpResponse("")


_accounts_patterns = list(accounts_urls.urlpatterns)
if not any(getattr(p, "name", None) == "role_switch" for p in _accounts_patterns):
    _accounts_patterns.append(path("role/switch/", _fake_role_switch, name="role_switch"))

urlpatterns = [
    path("", include("xueshi.portal.urls")),
    path("accounts/", include((_accounts_patterns, "accounts"))),
    path("orgs/", include((units_urls.urlpatterns, "orgs"))),
    path("policy/", include((urls_policy.urlpatterns, "policy"))),
    path("captcha/", include("captcha.urls")),
]
WITH_SWITCH = override_settings(ROOT_URLCONF=__name__)


def resolves(name: str, *args: object) -> bool:
    try:
        reverse(name, args=args)
    except NoReverseMatch:
        return False
    return True


def menu_names(html: str) -> list[str]:
    return re.findall(r'data-menu="([^"]+)"', html)


def make_role(kind: str):
    """A logged-in-able user holding one role of `kind`, attached where that kind belongs."""
    if kind == RoleKind.PROFESSIONAL:
        person = PersonFactory.create()
        return person.user.roles.get()
    if kind == RoleKind.DEPARTMENT_ADMIN:
        department = DepartmentFactory.create()
        return RoleAssignmentFactory.create(
            kind=kind, organization=department.unit, department=department
        )
    if kind == RoleKind.SUPERVISOR_ADMIN:
        return RoleAssignmentFactory.create(kind=kind, organization=SupervisorFactory.create())
    if kind == RoleKind.AUTHORITY_ADMIN:
        return RoleAssignmentFactory.create(kind=kind, organization=AuthorityFactory.create())
    if kind == RoleKind.TRAINING_BASE_ADMIN:
        return RoleAssignmentFactory.create(
            kind=kind,
            organization=UnitFactory.create(kind="training_base", name="测试继续教育基地"),
        )
    if kind in (
        RoleKind.PLATFORM_ADMIN,
        RoleKind.SYSTEM_ADMIN,
        RoleKind.SECURITY_ADMIN,
        RoleKind.AUDIT_ADMIN,
    ):
        return RoleAssignmentFactory.create(kind=kind, organization=None)
    return RoleAssignmentFactory.create(kind=kind, organization=UnitFactory.create())


# Menu entries each kind must show once their page exists: (url name, needs organisation pk).
EXPECTED_MENU = {
    RoleKind.PROFESSIONAL: [
        ("core:home", False),
        ("accounts:my_info", False),
        ("orgs:my_unit", False),
        ("accounts:password_change", False),
    ],
    RoleKind.UNIT_ADMIN: [("core:home", False), ("orgs:organization_detail", True)],
    RoleKind.DEPARTMENT_ADMIN: [("core:home", False), ("orgs:organization_detail", True)],
    RoleKind.SUPERVISOR_ADMIN: [
        ("core:home", False),
        ("orgs:pending_units", False),
        ("orgs:organization_detail", True),
    ],
    RoleKind.AUTHORITY_ADMIN: [
        ("core:home", False),
        ("orgs:pending_units", False),
        ("orgs:organization_detail", True),
        ("policy:profile_detail", False),
    ],
    RoleKind.TRAINING_BASE_ADMIN: [("core:home", False)],
    RoleKind.PLATFORM_ADMIN: [
        ("core:home", False),
        ("admin:index", False),
        ("orgs:pending_units", False),
    ],
    RoleKind.SYSTEM_ADMIN: [("core:home", False), ("admin:index", False)],
    RoleKind.SECURITY_ADMIN: [("core:home", False), ("accounts:security_users", False)],
    RoleKind.AUDIT_ADMIN: [("core:home", False), ("core:audit_log", False)],
}
# Entries a kind must never show.
FORBIDDEN_MENU = {
    RoleKind.PROFESSIONAL: ["orgs:organization_detail", "orgs:pending_units", "admin:index"],
    RoleKind.UNIT_ADMIN: ["orgs:my_unit", "orgs:pending_units", "admin:index"],
    RoleKind.DEPARTMENT_ADMIN: ["orgs:my_unit", "orgs:pending_units", "admin:index"],
    RoleKind.SUPERVISOR_ADMIN: ["orgs:my_unit", "policy:profile_detail", "admin:index"],
    RoleKind.AUTHORITY_ADMIN: ["orgs:my_unit", "admin:index"],
    RoleKind.TRAINING_BASE_ADMIN: ["orgs:pending_units", "admin:index"],
    RoleKind.PLATFORM_ADMIN: [
        "orgs:my_unit",
        "accounts:my_info",
        "policy:profile_detail",
        "core:audit_log",
    ],
    # 三员分立: each of the three sees his own duty only.
    RoleKind.SYSTEM_ADMIN: [
        "core:audit_log",
        "accounts:security_users",
        "review:queue",
        "ledger:unit_query",
    ],
    RoleKind.SECURITY_ADMIN: [
        "core:audit_log",
        "admin:index",
        "review:queue",
        "ledger:unit_query",
    ],
    RoleKind.AUDIT_ADMIN: [
        "accounts:security_users",
        "admin:index",
        "orgs:pending_units",
        "ledger:unit_query",
        "review:queue",
        "reports:statistics",
    ],
}


@pytest.mark.parametrize("kind", list(RoleKind))
def test_home_renders_for_every_role_with_label_and_menu(client, kind):
    role = make_role(kind)
    client.force_login(role.user)

    response = client.get(reverse("core:home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "当前角色：" in html
    assert role.label in html
    assert f"core/_home_{kind}.html" in [t.name for t in response.templates]
    shown = menu_names(html)
    for name, needs_pk in EXPECTED_MENU[kind]:
        args = (role.organization_id,) if needs_pk else ()
        assert (name in shown) == resolves(name, *args), name
    for name in FORBIDDEN_MENU[kind]:
        assert name not in shown
    # 首页 is the current page: marked active in the menu and in the breadcrumbs.
    assert re.search(r'class="nav-link active" href="/" aria-current="page"', html)
    assert '<li class="breadcrumb-item active" aria-current="page">首页</li>' in html


def test_home_shows_menu_items_that_resolve(client):
    role = make_role(RoleKind.PLATFORM_ADMIN)
    client.force_login(role.user)
    html = client.get("/").content.decode()
    assert 'href="/django-admin/"' in html
    assert "系统管理" in html


def test_professional_home_shows_masked_id_and_unit(client):
    person = PersonFactory.create(specialty="教师系列/高校教师/教授")
    client.force_login(person.user)
    html = client.get("/").content.decode()
    assert person.masked_id_number in html
    assert person.id_number not in html
    assert person.unit.name in html
    assert "教师系列/高校教师/教授" in html
    assert f"您好，{person.name}" in html


def test_user_without_role_gets_a_friendly_page(client):
    user = UserFactory.create()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "您的账号暂未分配角色" in html
    assert "当前角色：" in html
    assert menu_names(html) == []


def test_home_for_a_visitor_is_the_public_home_with_the_way_in(client):
    """Issue 17: the platform opens on a public home (通知公告, 政策法规, 点击登录), not the form;
    nothing of a role's home is shown without a login."""
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/accounts/login/"' in page
    assert "常用功能" not in page


# ---- menu_for ----------------------------------------------------------------------------


def test_menu_omits_entries_whose_url_does_not_resolve():
    role = make_role(RoleKind.PROFESSIONAL)
    entries = [
        Entry("", "首页", "core:home", "house", "home.view"),
        Entry("我的学时", "学时登记", "nowhere:not_built_yet", "pencil", "declarations.declare"),
    ]
    sections = menu_for(role, "/", entries=entries)
    names = [item.url_name for section in sections for item in section.items]
    assert names == ["core:home"]
    assert [section.title for section in sections] == [""]  # empty sections are dropped


def test_menu_keeps_only_entries_for_the_role():
    role = make_role(RoleKind.UNIT_ADMIN)
    names = {item.url_name for section in menu_for(role) for item in section.items}
    assert "accounts:my_info" not in names
    assert "core:home" in names


def test_menu_marks_the_longest_matching_item_active():
    role = make_role(RoleKind.PROFESSIONAL)
    entries = [
        Entry("", "首页", "core:home", "house", "home.view"),
        Entry("账号", "修改密码", "accounts:password_change", "key", "accounts.self_service"),
    ]
    password_url = reverse("accounts:password_change")
    items = [i for s in menu_for(role, password_url + "done/", entries=entries) for i in s.items]
    assert [i.active for i in items] == [False, True]
    items = [i for s in menu_for(role, "/", entries=entries) for i in s.items]
    assert [i.active for i in items] == [True, False]
    items = [i for s in menu_for(role, "/elsewhere/", entries=entries) for i in s.items]
    assert not any(i.active for i in items)


def test_menu_for_no_role_is_empty():
    assert menu_for(None, "/") == []


def test_every_menu_entry_names_a_registered_permission():
    for entry in MENU:
        assert entry.permission in PERMISSIONS
        assert entry.icon and not entry.icon.startswith("bi-")


# ---- top bar and role switcher -----------------------------------------------------------


@WITH_SWITCH
def test_person_with_two_roles_sees_both_in_the_switcher(client):
    person = PersonFactory.create()
    admin_role = RoleAssignmentFactory.create(
        user=person.user, kind=RoleKind.UNIT_ADMIN, organization=person.unit
    )
    professional_role = person.user.roles.get(kind=RoleKind.PROFESSIONAL)
    client.force_login(person.user)

    html = client.get("/").content.decode()

    switch_url = reverse("accounts:role_switch")
    assert html.count(f'action="{switch_url}"') == 2
    assert f'name="role" value="{professional_role.pk}"' in html
    assert f'name="role" value="{admin_role.pk}"' in html
    assert professional_role.label in html
    assert admin_role.label in html
    assert "切换角色" in html


@WITH_SWITCH
def test_single_role_has_no_switcher(client):
    role = make_role(RoleKind.UNIT_ADMIN)
    client.force_login(role.user)
    html = client.get("/").content.decode()
    assert 'name="role"' not in html
    assert role.label in html


def test_without_switch_url_the_role_is_shown_without_forms(client):
    person = PersonFactory.create()
    RoleAssignmentFactory.create(
        user=person.user, kind=RoleKind.UNIT_ADMIN, organization=person.unit
    )
    client.force_login(person.user)
    response = client.get("/")
    assert response.status_code == 200
    if not resolves("accounts:role_switch"):
        assert 'name="role"' not in response.content.decode()


def test_logout_is_a_post_form_and_password_link_is_present(client):
    role = make_role(RoleKind.PROFESSIONAL)
    client.force_login(role.user)
    html = client.get("/").content.decode()
    logout_url = reverse("accounts:logout")
    assert re.search(rf'<form method="post" action="{re.escape(logout_url)}">', html)
    assert f'href="{reverse("accounts:password_change")}"' in html
    assert "退出" in html
    assert role.user.get_full_name() in html


def test_layout_landmarks_skip_link_and_htmx_csrf_header(client):
    role = make_role(RoleKind.PROFESSIONAL)
    client.force_login(role.user)
    html = client.get("/").content.decode()
    assert 'href="#main"' in html
    assert 'id="main"' in html
    assert '<ol class="breadcrumb' in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert 'name="viewport"' in html
    assert 'data-bs-target="#xs-sidebar"' in html  # the phone menu button
    assert "<footer" in html


def test_messages_render_as_dismissible_alerts():
    request = RequestFactory().get("/")
    html = render_to_string(
        "includes/messages.html",
        {
            "messages": [
                Message(message_levels.ERROR, "出错了"),
                Message(message_levels.SUCCESS, "已保存"),
            ]
        },
        request=request,
    )
    assert "alert-danger alert-dismissible" in html
    assert "alert-success alert-dismissible" in html
    assert 'data-bs-dismiss="alert"' in html
    assert "出错了" in html


# ---- assets are local --------------------------------------------------------------------

ASSET_RE = re.compile(r'<(?:link|script|img)\b[^>]*?\b(?:href|src)="([^"]+)"')


@pytest.mark.parametrize("kind", [RoleKind.PROFESSIONAL, RoleKind.PLATFORM_ADMIN])
def test_assets_are_served_locally(client, kind):
    role = make_role(kind)
    client.force_login(role.user)
    html = client.get("/").content.decode()

    assets = ASSET_RE.findall(html)
    assert assets, "no stylesheet or script found"
    for url in assets:
        assert url.startswith("/static/"), url
    for expected in (
        "/static/vendor/bootstrap/css/bootstrap.min.css",
        "/static/vendor/bootstrap/js/bootstrap.bundle.min.js",
        "/static/vendor/bootstrap-icons/bootstrap-icons.min.css",
        "/static/css/xueshi.css",
        "/static/js/xueshi.js",
        "/static/django_htmx/htmx-2.min.js",
    ):
        assert expected in assets
    for url in re.findall(r'(?:href|src)="([^"]+)"', html):
        assert not url.startswith(("http:", "https:", "//")), url
    assert "cdn" not in html.lower()


def test_base_templates_have_no_external_urls():
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    for name in ("base.html", "base_public.html", "includes/topbar.html"):
        text = (templates / name).read_text(encoding="utf-8")
        assert "cdn" not in text.lower(), name
        assert not re.search(r'(?:src|href)="(?:https?:)?//', text), name


def test_vendored_files_exist_and_keep_licence_headers():
    from django.contrib.staticfiles import finders

    for name in (
        "vendor/bootstrap/css/bootstrap.min.css",
        "vendor/bootstrap/js/bootstrap.bundle.min.js",
        "vendor/bootstrap-icons/bootstrap-icons.min.css",
        "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
        "vendor/bootstrap-icons/fonts/bootstrap-icons.woff",
        "django_htmx/htmx-2.min.js",
    ):
        assert finders.find(name), name
    for name in (
        "vendor/bootstrap/css/bootstrap.min.css",
        "vendor/bootstrap/js/bootstrap.bundle.min.js",
        "vendor/bootstrap-icons/bootstrap-icons.min.css",
    ):
        found = finders.find(name)
        assert isinstance(found, str), name
        text = Path(found).read_text(encoding="utf-8")
        assert "Licensed under MIT" in text[:400], name
        assert "sourceMappingURL" not in text, name


def test_public_base_has_no_menu():
    html = render_to_string(
        "base_public.html", {}, request=RequestFactory().get("/accounts/login/")
    )
    assert '<html lang="zh-Hans">' in html
    assert "学时申报平台" in html
    assert "xs-sidebar" not in html
    assert "当前角色" not in html
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in html


# ---- home page counts --------------------------------------------------------------------


def test_unit_admin_home_counts_staff_and_departments(client):
    unit = UnitFactory.create()
    other_unit = UnitFactory.create()
    DepartmentFactory.create(unit=unit)
    DepartmentFactory.create(unit=unit)
    PersonFactory.create_batch(3, unit=unit)
    PersonFactory.create(unit=other_unit)
    role = RoleAssignmentFactory.create(kind=RoleKind.UNIT_ADMIN, organization=unit)
    client.force_login(role.user)

    response = client.get("/")

    assert response.context["staff_count"] == 3
    assert response.context["department_count"] == 2
    assert unit.name in response.content.decode()


def test_department_admin_home_counts_only_their_department(client):
    department = DepartmentFactory.create()
    other = DepartmentFactory.create(unit=department.unit)
    PersonFactory.create_batch(2, unit=department.unit, department=department)
    PersonFactory.create(unit=department.unit, department=other)
    role = RoleAssignmentFactory.create(
        kind=RoleKind.DEPARTMENT_ADMIN, organization=department.unit, department=department
    )
    client.force_login(role.user)

    response = client.get("/")

    assert response.context["staff_count"] == 2
    assert department.name in response.content.decode()


def test_supervision_summary_counts_active_and_pending_units_beneath():
    authority = AuthorityFactory.create()
    supervisor = SupervisorFactory.create(parent=authority)
    UnitFactory.create_batch(2, parent=supervisor)
    UnitFactory.create(parent=supervisor, status=OrganizationStatus.PENDING)
    UnitFactory.create(parent=authority)
    UnitFactory.create()  # under another authority

    assert selectors.supervision_summary(supervisor) == {"unit_count": 2, "pending_unit_count": 1}
    assert selectors.supervision_summary(authority) == {"unit_count": 3, "pending_unit_count": 1}


def test_platform_summary_counts_everything():
    PersonFactory.create()  # one unit under one authority
    UnitFactory.create(status=OrganizationStatus.PENDING)  # plus another authority
    summary = selectors.platform_summary()
    assert summary["person_count"] == 1
    assert summary["authority_count"] == 2
    assert summary["unit_count"] == 1
    assert summary["pending_unit_count"] == 1
    assert summary["organization_count"] == 4


def test_supervisor_home_shows_counts(client):
    supervisor = SupervisorFactory.create()
    UnitFactory.create(parent=supervisor, status=OrganizationStatus.PENDING)
    role = RoleAssignmentFactory.create(kind=RoleKind.SUPERVISOR_ADMIN, organization=supervisor)
    client.force_login(role.user)
    response = client.get("/")
    assert response.context["unit_count"] == 0
    assert response.context["pending_unit_count"] == 1
    assert "待审批单位注册" in response.content.decode()


# ---- form rendering ----------------------------------------------------------------------


class SampleForm(StyledForm):
    name = forms.CharField(label="姓名", help_text="与身份证一致")
    phone = forms.CharField(label="联系电话", required=False)
    sex = forms.ChoiceField(
        label="性别", choices=[("M", "男"), ("F", "女")], widget=forms.RadioSelect
    )
    pledge = forms.BooleanField(label="本人承诺以上信息属实")

    def clean(self):
        raise ValidationError("整体校验失败")


def test_form_renders_with_bootstrap_markup():
    html = str(SampleForm())
    assert '<label class="form-label" for="id_name">姓名<span class="xs-required"' in html
    assert 'class="form-text" id="id_name_helptext"' in html
    assert 'class="form-control"' in html
    assert '<div class="form-check">' in html
    assert 'class="form-check-label" for="id_pledge"' in html
    assert '<legend class="form-label xs-legend">性别' in html
    # the optional field has no star
    assert re.search(r'for="id_phone">联系电话</label>', html)


def test_form_errors_render_as_feedback_and_alert():
    form = SampleForm(data={"name": "", "sex": "M"})
    assert not form.is_valid()
    html = str(form)
    assert 'class="alert alert-danger xs-form-errors" role="alert"' in html
    assert "整体校验失败" in html
    assert 'class="invalid-feedback d-block" id="id_name_error"' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert "is-invalid" in html


def test_error_pages_are_in_chinese(client):
    from django.template.loader import render_to_string

    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    # The 500 page renders without a request (Django gives it no context processors).
    assert "系统繁忙" in render_to_string("500.html")
    person = PersonFactory.create()
    client.force_login(person.user)
    refused = client.get("/review/")
    assert refused.status_code == 403
    assert "无权访问" in refused.content.decode()
