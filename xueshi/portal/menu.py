"""The left-hand menu, by role.

Each menu entry is one line of `MENU`: section, label, URL name, icon, the named permission
that shows it (who holds it is the permission registry's word, xueshi/accounts/permissions.py)
and (optionally) how to get the URL arguments from the active role. An entry whose URL does
not resolve (the page is not built yet) is left out, so the menu never leads to a 404.

To add a feature, add one line, e.g.::

    Entry("我的学时", "学时登记", "declarations:create", "pencil-square", "declarations.declare"),
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from xueshi.accounts.permissions import role_may
from xueshi.recognition import engine as recognition_engine


def organization_pk(role: Any) -> tuple[Any, ...]:
    """URL arguments: the pk of the organisation the role is attached to."""
    return (role.organization_id,) if role.organization_id else ()


def no_args(role: Any) -> tuple[Any, ...]:
    return ()


def always() -> bool:
    return True


@dataclass(frozen=True)
class Entry:
    """One line of the menu table (a declaration, not yet resolved to a URL)."""

    section: str
    label: str
    url_name: str
    icon: str  # a Bootstrap Icons name without the "bi-" prefix
    permission: str  # a name in accounts.permissions.PERMISSIONS
    args: Callable[[Any], tuple[Any, ...]] = no_args
    # An optional feature's entry: shown only while it is installed (从证书照片开始: OCR).
    shown: Callable[[], bool] = always


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    url: str
    icon: str
    active: bool = False


@dataclass
class MenuSection:
    title: str
    items: list[MenuItem] = field(default_factory=list)


# Order matters: sections appear in the order of their first entry, items in table order.
# Section "" is the unnamed top group (首页).
MENU: list[Entry] = [
    Entry("", "首页", "core:home", "house-door", "home.view"),
    # 专业技术人员
    Entry("我的学时", "学时登记", "declarations:create", "pencil-square", "declarations.create"),
    Entry(
        "我的学时",
        "从证书照片开始",
        "recognition:from_photo",
        "camera",
        "declarations.create",
        shown=lambda: recognition_engine.available(),
    ),
    # Where a region certifies hours by one yearly application (Xinjiang), instead of 学时登记.
    Entry(
        "我的学时", "学时认定申请", "applications:mine", "journal-richtext", "applications.apply"
    ),
    Entry("我的学时", "申报进度查询", "declarations:list", "list-check", "declarations.declare"),
    Entry("我的学时", "学时查询", "ledger:my_years", "calendar-check", "ledger.own"),
    Entry("我的学时", "增补申请", "supplements:index", "journal-plus", "supplements.request"),
    Entry("我的学时", "我的证书", "certificates:mine", "award", "certificates.own"),
    Entry("我的学时", "学时转入", "transfers:index", "box-arrow-in-down", "transfers.request"),
    Entry("个人中心", "我的信息", "accounts:my_info", "person-vcard", "accounts.self_service"),
    Entry("个人中心", "更换单位", "orgs:my_unit", "building-gear", "accounts.self_service"),
    Entry("个人中心", "修改密码", "accounts:password_change", "key", "accounts.self_service"),
    Entry("个人中心", "消息提醒", "notifications:preferences", "bell", "accounts.self_service"),
    Entry("个人中心", "动态口令", "accounts:otp_manage", "shield-lock", "accounts.second_factor"),
    # 审核与代为申报 (each level's queue; who declares for others follows the region's profile)
    Entry("学时管理", "专业科目学时审核", "review:queue", "clipboard-check", "review.act"),
    Entry(
        "学时管理", "申请书审核", "applications:queue", "clipboard2-check", "applications.review"
    ),
    Entry(
        "学时管理",
        "代为申报",
        "declarations:declare_for",
        "person-plus",
        "declarations.declare_for",
    ),
    Entry(
        "学时管理",
        "统一申报",
        "declarations:training_base_declare",
        "people",
        "declarations.training_base",
    ),
    Entry(
        "学时管理", "单位申报记录", "declarations:list", "journal-text", "declarations.list_unit"
    ),
    Entry("学时管理", "审核结果", "review:results", "clipboard-data", "review.results"),
    Entry(
        "学时管理",
        "下级超期待审",
        "oversight:overdue_below",
        "hourglass-bottom",
        "oversight.overdue_below",
    ),
    Entry("学时管理", "增补审批", "supplements:decisions", "ui-checks", "supplements.decide"),
    Entry("学时管理", "学时转入审核", "transfers:queue", "box-arrow-in-down", "transfers.review"),
    Entry("学时管理", "代为申请学时转入", "transfers:index", "person-down", "transfers.file_for"),
    Entry("学时管理", "学时查询", "ledger:unit_query", "search", "ledger.query"),
    Entry(
        "学时管理",
        "学时未达标人员",
        "oversight:short_people",
        "person-exclamation",
        "oversight.short_people",
    ),
    Entry(
        "学时管理", "导入学员培训信息", "imports:claims", "file-earmark-arrow-up", "imports.claims"
    ),
    Entry("学时管理", "证书管理", "certificates:list", "patch-check", "certificates.list"),
    Entry("学时管理", "学时申报统计", "reports:statistics", "bar-chart", "reports.statistics"),
    Entry("学时管理", "学时抽查", "sample_audits:list", "shuffle", "sample_audits.manage"),
    Entry("学时管理", "年度培训计划", "plans:list", "calendar2-week", "plans.view"),
    Entry(
        "学时管理", "公需科目导入", "ledger:general_import", "cloud-upload", "ledger.general_import"
    ),
    # 单位管理员 / 二级管理员
    Entry(
        "单位管理", "单位信息", "orgs:organization_detail", "building", "unit.view", organization_pk
    ),
    Entry("单位管理", "单位信息维护", "orgs:unit_info", "pencil", "unit.manage"),
    Entry("单位管理", "专业技术人员管理", "orgs:staff_list", "people", "unit.manage_staff"),
    Entry("单位管理", "单位部门管理", "orgs:department_list", "diagram-3", "unit.manage"),
    Entry("单位管理", "单位管理员管理", "orgs:unit_admin_list", "person-gear", "unit.manage"),
    Entry("单位管理", "学时登记开放", "orgs:declaring_windows", "calendar-range", "unit.manage"),
    Entry("单位管理", "导入人员信息", "imports:staff", "person-lines-fill", "imports.staff"),
    Entry(
        "单位管理",
        "个人注册审核",
        "accounts:registrations",
        "person-check",
        "accounts.approve_registrations",
    ),
    # 主管部门 / 认定机构 / 平台
    Entry("机构管理", "待审批单位", "orgs:pending_units", "hourglass-split", "orgs.approve_units"),
    Entry(
        "机构管理",
        "单位信息变更审批",
        "orgs:unit_change_requests",
        "pencil-square",
        "orgs.approve_units",
    ),
    Entry(
        "机构管理",
        "个人注册审批",
        "accounts:registrations",
        "person-check",
        "accounts.approve_registrations_supervisor",
    ),
    Entry(
        "机构管理",
        "单位学时登记权限",
        "orgs:declaring_access",
        "unlock",
        "orgs.grant_access",
    ),
    Entry(
        "机构管理",
        "本机构信息",
        "orgs:organization_detail",
        "bank",
        "orgs.view_own",
        organization_pk,
    ),
    Entry("机构管理", "政策配置", "policy:profile_detail", "sliders", "policy.view"),
    Entry("机构管理", "通知公告与政策法规", "notices:manage", "megaphone", "notices.manage"),
    Entry("数据接口", "接口密钥", "api:keys", "key", "api.keys"),
    Entry("数据接口", "事件推送", "api:webhooks", "broadcast", "api.keys"),
    Entry("数据接口", "接口文档", "api-v1:openapi-view", "braces", "api.keys"),
    Entry("系统", "系统管理", "admin:index", "gear", "system.admin"),
    Entry("安全管理", "账号安全管理", "accounts:security_users", "shield-check", "security.manage"),
    Entry("安全审计", "审计日志", "core:audit_log", "journal-check", "audit.read"),
]


def _resolve(entry: Entry, role: Any) -> str | None:
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _url(urlconf, get_script_prefix(), entry.url_name, entry.args(role))


# A URL depends only on these (every page draws the menu: a dozen reverse() calls saved).
@functools.lru_cache(maxsize=4096)
def _url(urlconf: str, script_prefix: str, url_name: str, args: tuple[Any, ...]) -> str | None:
    try:
        return reverse(url_name, urlconf=urlconf, args=args)
    except NoReverseMatch:
        return None


def menu_for(
    role: Any, current_path: str | None = None, entries: Iterable[Entry] | None = None
) -> list[MenuSection]:
    """The menu sections for `role`; the item for `current_path` (if any) is marked active.

    The active item is the one whose URL is the longest prefix of the current path, so a
    sub-page (e.g. an edit form under 单位信息) keeps its parent highlighted. 首页 ("/") is
    active only on itself.
    """
    if role is None:
        return []
    resolved: list[tuple[str, MenuItem]] = []
    for entry in MENU if entries is None else entries:
        if not role_may(role, entry.permission) or not entry.shown():
            continue
        url = _resolve(entry, role)
        if url is None:
            continue
        resolved.append((entry.section, MenuItem(entry.label, entry.url_name, url, entry.icon)))

    active_url = _active_url([item.url for _, item in resolved], current_path)
    sections: dict[str, MenuSection] = {}
    for title, item in resolved:
        if item.url == active_url:
            item = MenuItem(item.label, item.url_name, item.url, item.icon, active=True)
        sections.setdefault(title, MenuSection(title)).items.append(item)
    return list(sections.values())


def _active_url(urls: list[str], current_path: str | None) -> str | None:
    if not current_path:
        return None
    best: str | None = None
    for url in urls:
        matches = current_path == url or (url != "/" and current_path.startswith(url))
        if matches and (best is None or len(url) > len(best)):
            best = url
    return best
