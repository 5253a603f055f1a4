"""The left-hand menu, by role.

Each menu entry is one line of `MENU`: section, label, URL name, icon, the roles that see it
and (optionally) how to get the URL arguments from the active role. An entry whose URL does
not resolve (the page is not built yet) is left out, so the menu never leads to a 404.

To add a feature, add one line, e.g.::

    Entry("我的学时", "学时登记", "declarations:create", "pencil-square", PROFESSIONAL),
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse

from xueshi.accounts.models import RoleKind

# Role groups, so an entry names who sees it in a word.
PROFESSIONAL = frozenset({RoleKind.PROFESSIONAL})
UNIT_ADMINS = frozenset({RoleKind.UNIT_ADMIN, RoleKind.DEPARTMENT_ADMIN})
SUPERVISING = frozenset({RoleKind.SUPERVISOR_ADMIN, RoleKind.AUTHORITY_ADMIN})
AUTHORITY = frozenset({RoleKind.AUTHORITY_ADMIN})
TRAINING_BASE = frozenset({RoleKind.TRAINING_BASE_ADMIN})
PLATFORM = frozenset({RoleKind.PLATFORM_ADMIN})
EVERYONE = frozenset(RoleKind)
MAIN_UNIT_ADMIN = frozenset({RoleKind.UNIT_ADMIN})
REVIEWERS = UNIT_ADMINS | SUPERVISING
DECLARING_FOR = UNIT_ADMINS | frozenset({RoleKind.SUPERVISOR_ADMIN})
ADMINS = UNIT_ADMINS | SUPERVISING | TRAINING_BASE | PLATFORM


def organization_pk(role: Any) -> tuple[Any, ...]:
    """URL arguments: the pk of the organisation the role is attached to."""
    return (role.organization_id,) if role.organization_id else ()


def no_args(role: Any) -> tuple[Any, ...]:
    return ()


@dataclass(frozen=True)
class Entry:
    """One line of the menu table (a declaration, not yet resolved to a URL)."""

    section: str
    label: str
    url_name: str
    icon: str  # a Bootstrap Icons name without the "bi-" prefix
    roles: frozenset[str]
    args: Callable[[Any], tuple[Any, ...]] = no_args


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
    Entry("", "首页", "core:home", "house-door", EVERYONE),
    # 专业技术人员
    Entry("我的学时", "学时登记", "declarations:create", "pencil-square", PROFESSIONAL),
    Entry("我的学时", "申报进度查询", "declarations:list", "list-check", PROFESSIONAL),
    Entry("我的学时", "学时查询", "ledger:my_years", "calendar-check", PROFESSIONAL),
    Entry("个人中心", "我的信息", "accounts:my_info", "person-vcard", PROFESSIONAL),
    Entry("个人中心", "更换单位", "orgs:my_unit", "building-gear", PROFESSIONAL),
    Entry("个人中心", "修改密码", "accounts:password_change", "key", PROFESSIONAL),
    # 审核与代为申报 (each level's queue; who declares for others follows the region's profile)
    Entry("学时管理", "专业科目学时审核", "review:queue", "clipboard-check", REVIEWERS),
    Entry("学时管理", "代为申报", "declarations:declare_for", "person-plus", DECLARING_FOR),
    Entry("学时管理", "统一申报", "declarations:training_base_declare", "people", TRAINING_BASE),
    Entry("学时管理", "单位申报记录", "declarations:list", "journal-text", ADMINS),
    Entry("学时管理", "审核结果", "review:results", "clipboard-data", REVIEWERS | PLATFORM),
    Entry("学时管理", "学时查询", "ledger:unit_query", "search", REVIEWERS | PLATFORM),
    Entry("学时管理", "导入学员培训信息", "imports:claims", "file-earmark-arrow-up", UNIT_ADMINS),
    Entry("学时管理", "学时申报统计", "reports:statistics", "bar-chart", REVIEWERS | PLATFORM),
    Entry(
        "学时管理", "公需科目导入", "ledger:general_import", "cloud-upload", AUTHORITY | PLATFORM
    ),
    # 单位管理员 / 二级管理员
    Entry(
        "单位管理", "单位信息", "orgs:organization_detail", "building", UNIT_ADMINS, organization_pk
    ),
    Entry("单位管理", "单位信息维护", "orgs:unit_info", "pencil", MAIN_UNIT_ADMIN),
    Entry("单位管理", "专业技术人员管理", "orgs:staff_list", "people", UNIT_ADMINS),
    Entry("单位管理", "单位部门管理", "orgs:department_list", "diagram-3", MAIN_UNIT_ADMIN),
    Entry("单位管理", "单位管理员管理", "orgs:unit_admin_list", "person-gear", MAIN_UNIT_ADMIN),
    Entry("单位管理", "学时登记开放", "orgs:declaring_windows", "calendar-range", MAIN_UNIT_ADMIN),
    Entry("单位管理", "导入人员信息", "imports:staff", "person-lines-fill", MAIN_UNIT_ADMIN),
    # 主管部门 / 认定机构 / 平台
    Entry(
        "机构管理", "待审批单位", "orgs:pending_units", "hourglass-split", SUPERVISING | PLATFORM
    ),
    Entry(
        "机构管理",
        "单位信息变更审批",
        "orgs:unit_change_requests",
        "pencil-square",
        SUPERVISING | PLATFORM,
    ),
    Entry(
        "机构管理",
        "本机构信息",
        "orgs:organization_detail",
        "bank",
        SUPERVISING | TRAINING_BASE,
        organization_pk,
    ),
    Entry("机构管理", "政策配置", "policy:profile_detail", "sliders", AUTHORITY),
    Entry("系统", "系统管理", "admin:index", "gear", PLATFORM),
]


def _resolve(entry: Entry, role: Any) -> str | None:
    try:
        return reverse(entry.url_name, args=entry.args(role))
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
    kind = role.kind
    resolved: list[tuple[str, MenuItem]] = []
    for entry in MENU if entries is None else entries:
        if kind not in entry.roles:
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
