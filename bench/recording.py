"""What every benchmark writes beside its figures in bench/results.md: the machine, the commit,
and the file itself (no Django here: export_bench's parent process must stay small)."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"


def machine() -> str:
    return f"{platform.node()}, {os.cpu_count()} CPUs, {platform.platform()}"


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def append(text: str) -> None:
    with RESULTS.open("a", encoding="utf-8") as results_file:
        results_file.write(text)
