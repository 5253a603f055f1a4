"""The permission registry (xueshi/accounts/permissions.py) is the one answer to "who may":
every name used in code and templates is registered, and the menu shows exactly what it says."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.template import Context, Template

from xueshi.accounts.models import RoleKind
from xueshi.accounts.permissions import PERMISSIONS, role_may
from xueshi.portal.menu import MENU, menu_for

from .test_layout import make_role

ROOT = Path(__file__).resolve().parents[3]
PERMISSION_CALLS = {"role_may", "require_permission", "permission_kinds", "_role", "may"}
TEMPLATE_USE = re.compile(r"""\|\s*may\s*:\s*["']([^"']+)["']""")


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def permission_names_in_code() -> dict[str, set[str]]:
    """Every permission name passed to a registry function or a menu Entry, by file."""
    used: dict[str, set[str]] = {}
    for path in sorted((ROOT / "xueshi").rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node)
            if name in PERMISSION_CALLS:
                args = node.args
            elif name == "Entry" and len(node.args) >= 5:
                args = [node.args[4]]
            else:
                continue
            for arg in args:
                if (
                    isinstance(arg, ast.Constant)
                    and isinstance(arg.value, str)
                    and re.fullmatch(r"[a-z_]+\.[a-z_]+", arg.value)
                ):
                    used.setdefault(arg.value, set()).add(str(path.relative_to(ROOT)))
    for path in sorted((ROOT / "xueshi").rglob("*.html")):
        for name in TEMPLATE_USE.findall(path.read_text(encoding="utf-8")):
            used.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return used


def test_every_permission_name_used_in_code_and_templates_is_registered():
    used = permission_names_in_code()
    # Views, selectors, services, the menu and at least one template ask the registry.
    files = {file for files in used.values() for file in files}
    assert any(file.endswith(".html") for file in files)
    assert "xueshi/portal/menu.py" in files
    assert {"review.act", "ledger.query", "unit.manage_staff", "reports.statistics"} <= set(used)
    unknown = {name: sorted(where) for name, where in used.items() if name not in PERMISSIONS}
    assert unknown == {}


def test_every_registered_permission_is_used_and_labelled():
    used = permission_names_in_code()
    assert sorted(set(PERMISSIONS) - set(used)) == []
    for name, permission in PERMISSIONS.items():
        assert permission.name == name
        assert permission.label and permission.kinds <= set(RoleKind)


def test_an_unknown_permission_name_is_an_error_not_a_refusal():
    with pytest.raises(LookupError):
        role_may(None, "review.approve_everything")


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(RoleKind))
def test_the_menu_shows_exactly_the_entries_the_registry_allows(kind):
    role = make_role(kind)
    shown = [(item.label, item.url_name) for section in menu_for(role) for item in section.items]
    # The kind, and for declaring for others the region too (issue 13 item 5).
    allowed = [(e.label, e.url_name) for e in MENU if role_may(role, e.permission)]
    assert shown == allowed
    assert shown  # every role has at least its home page


@pytest.mark.django_db
def test_templates_ask_the_registry_through_the_may_filter():
    template = Template('{% load xueshi_perms %}{% if role|may:"review.act" %}审核{% endif %}')
    assert template.render(Context({"role": make_role(RoleKind.UNIT_ADMIN)})) == "审核"
    assert template.render(Context({"role": make_role(RoleKind.PLATFORM_ADMIN)})) == ""
    assert template.render(Context({"role": None})) == ""
