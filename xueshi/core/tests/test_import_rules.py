"""No function-level import of the project's own code outside tests.

A function-level ``from xueshi… import`` (or a relative one) is how an import cycle gets
dodged; the layers (.importlinter, checked by `lint-imports` in .ci/run) only see the module
graph, so this walks every module's syntax tree and refuses such imports anywhere below a
``def``. Tests, conftest files and migrations are test or generated code and are not walked.

One idiom stays allowed: ``AppConfig.ready()`` in an ``apps.py`` importing its *own* app's
module (``from . import receivers``) to connect signal receivers or register checks. Django
asks for that there (models are not loaded when apps.py is imported); it climbs no layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("xueshi", "config")


def application_modules() -> list[Path]:
    modules = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts or path.name == "conftest.py":
                continue
            modules.append(path)
    return modules


def _is_project_import(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] in PACKAGES
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] in PACKAGES for alias in node.names)
    return False


def _own_app_import_in_ready(node: ast.AST, function_name: str, filename: str) -> bool:
    return (
        Path(filename).name == "apps.py"
        and function_name == "ready"
        and isinstance(node, ast.ImportFrom)
        and node.level == 1
        and node.module is None
    )


def function_level_imports(source: str, filename: str = "<source>") -> list[tuple[int, str]]:
    """(line, function name) of every project import inside a function body."""
    found = []
    for function in ast.walk(ast.parse(source, filename)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        name = getattr(function, "name", "<lambda>")
        for node in ast.walk(function):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if _is_project_import(node) and not _own_app_import_in_ready(node, name, filename):
                found.append((node.lineno, name))
    return sorted(set(found))


def test_the_checker_finds_absolute_and_relative_imports_in_functions():
    source = (
        "import xueshi.core\n"
        "def ready():\n"
        "    from xueshi.reports.exports import Column\n"
        "    from . import specs\n"
        "    import json\n"
        "class A:\n"
        "    def method(self):\n"
        "        import xueshi.ledger.views\n"
    )
    assert function_level_imports(source) == [(3, "ready"), (4, "ready"), (8, "method")]


def test_apps_ready_may_import_only_its_own_app_modules():
    source = (
        "class Config:\n"
        "    def ready(self):\n"
        "        from . import receivers\n"
        "        from xueshi.core.exports import register_role_loader\n"
        "        from .checks import check\n"
    )
    assert function_level_imports(source, "xueshi/ledger/apps.py") == [(4, "ready"), (5, "ready")]
    assert function_level_imports(source, "xueshi/ledger/views.py") == [
        (3, "ready"),
        (4, "ready"),
        (5, "ready"),
    ]


def test_the_walk_covers_the_application():
    names = {path.relative_to(ROOT).as_posix() for path in application_modules()}
    assert "xueshi/core/exports.py" in names
    assert "config/urls.py" in names
    assert not any("/tests/" in name for name in names)
    assert len(names) > 100


@pytest.mark.parametrize(
    "path", application_modules(), ids=lambda path: path.relative_to(ROOT).as_posix()
)
def test_no_function_level_import_of_project_code(path: Path):
    found = function_level_imports(path.read_text(encoding="utf-8"), str(path))
    assert found == [], (
        f"{path.relative_to(ROOT)}: project imports inside functions at {found}; import at the "
        "top of the module, and if that makes a cycle, move the code to the right layer "
        "(or announce through a registry or a domain event) instead"
    )
