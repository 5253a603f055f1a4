"""docs/architecture.md is where a newcomer looks a rule up: what it cites must exist.

Every `path.py: name, name` it cites (paths under xueshi/) must name a top-level function, class
or constant of that file (or `Class.method`); every `profiles/x.yaml: key.path` must resolve in
that profile (`[code]` picks the list item with that code, `[*]` any item, `[0]` by position);
and its lifecycle section must be the text of docs/lifecycle.md, which
xueshi/review/tests/test_lifecycle.py keeps equal to the transition table.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOC = ROOT / "docs" / "architecture.md"

# Citations of code still on a branch (none now). Once merged they exist and this
# set must be emptied (the test says so), so that every citation is checked again.
PENDING_MERGE: set[tuple[str, str]] = set()

SPAN = re.compile(r"`([^`]+)`")
CODE = re.compile(r"([\w/]+\.py): ([\w., ]+)")
PROFILE = re.compile(r"(profiles/\w+\.yaml): (.+)")
STEP = re.compile(r"(\w+)(?:\[([^\]]+)\])?")


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _citations() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(file, name) and (profile, key path) pairs; a bare `versions[…]` span in a line belongs
    to the profile named last in that line."""
    code: set[tuple[str, str]] = set()
    keys: set[tuple[str, str]] = set()
    for line in _doc().splitlines():
        profile = None
        for span in SPAN.findall(line):
            if match := PROFILE.fullmatch(span):
                profile, paths = match.groups()
            elif span.startswith("versions[") and profile:
                paths = span
            elif match := CODE.fullmatch(span):
                path, names = match.groups()
                code.update((path, name.strip()) for name in names.split(","))
                continue
            else:
                continue
            keys.update((profile, key.strip()) for key in paths.split(","))
    return code, keys


def _names(path: Path) -> set[str]:
    """Top-level functions, classes and assigned names, and Class.method for methods."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            names.update(
                f"{node.name}.{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            )
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def _cited_exists(path: str, name: str) -> bool:
    file = ROOT / (path if path.startswith("xueshi/") else f"xueshi/{path}")
    return file.is_file() and name in _names(file)


def _resolves(node: Any, key_path: str) -> bool:
    for step in re.split(r"\.(?![^\[]*\])", key_path):
        match = STEP.fullmatch(step)
        if match is None or not isinstance(node, dict) or match[1] not in node:
            return False
        node = node[match[1]]
        selector = match[2]
        if selector is None:
            continue
        if not isinstance(node, list) or not node:
            return False
        if selector == "*":
            node = node[0]
        elif selector.isdigit():
            if int(selector) >= len(node):
                return False
            node = node[int(selector)]
        else:
            found = [
                item for item in node if isinstance(item, dict) and item.get("code") == selector
            ]
            if not found:
                return False
            node = found[0]
    return True


def test_every_cited_function_exists() -> None:
    code, _ = _citations()
    assert len(code) > 50  # the parser still finds the table's citations
    missing = sorted(c for c in code if c not in PENDING_MERGE and not _cited_exists(*c))
    assert missing == [], f"docs/architecture.md cites what the code does not have: {missing}"


def test_pending_citations_are_still_pending() -> None:
    landed = sorted(c for c in PENDING_MERGE if _cited_exists(*c))
    assert landed == [], f"these exist now: remove them from PENDING_MERGE: {landed}"


def test_every_cited_profile_key_exists() -> None:
    _, keys = _citations()
    assert len(keys) > 50
    profiles: dict[str, Any] = {}
    missing = []
    for profile, key_path in sorted(keys):
        if profile not in profiles:
            profiles[profile] = yaml.safe_load((ROOT / profile).read_text(encoding="utf-8"))
        if not _resolves(profiles[profile], key_path):
            missing.append(f"{profile}: {key_path}")
    assert missing == [], f"docs/architecture.md cites profile keys that do not exist: {missing}"


def test_lifecycle_section_is_docs_lifecycle() -> None:
    lifecycle = (ROOT / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    body = lifecycle.split("\n", 1)[1].replace("\n## ", "\n### ").strip()
    section = _doc().split("\n## The lifecycle\n", 1)[1].split("\n## ", 1)[0]
    assert body in section
