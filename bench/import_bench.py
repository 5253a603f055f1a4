"""Benchmark: a large claims import against a bare openpyxl read-only pass over the same file.

    DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=sqlite:////tmp/bench.sqlite3 \
        .venv/bin/python bench/import_bench.py --rows 100000

Each phase runs in its own child process (same interpreter, settings and database), so the peak
memory reported for the import is the import's own, not the generator's:

1. ``generate``: migrate, create the unit and its people (bulk insert), write the xlsx;
2. ``read``: a bare ``openpyxl.load_workbook(read_only=True)`` pass touching every cell;
3. ``import``: the full import through ``xueshi.imports.services.import_start`` (checks,
   batch, one streaming pass over the sheet, validation, hours, bulk inserts — COPY on
   PostgreSQL —, bad-rows file, the batch's audit entry), run inline.

Printed: both times, their ratio (target ≤ 2×), and the import's peak resident memory
(``resource.getrusage``; target < 300 MB). ``--profile`` runs the import under cProfile and
prints the top functions. The database is the one DATABASE_URL names, used as is: give a
throwaway one (the benchmark adds a unit, its people and their claims).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.5  # issue 20: raised from 2× (met at 1.79–1.98×)
TARGET_PEAK_MB = 300


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def _peak_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """This process's CPU time (user + system): unlike wall-clock, barely moved by other
    processes on a busy machine (the database server's work is not in it)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def phase_generate(path: Path, rows: int, people: int) -> dict[str, Any]:
    _django()
    from django.core.management import call_command

    from bench.generate import generate_unit, write_claims_xlsx

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    bench = generate_unit(people)
    write_claims_xlsx(path, bench, rows)
    return {"seconds": time.perf_counter() - started, "bytes": path.stat().st_size}


def phase_read(path: Path) -> dict[str, Any]:
    import openpyxl

    started = time.perf_counter()
    cpu_started = _cpu_seconds()
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    cells = 0
    for row in workbook.worksheets[0].iter_rows(values_only=True):
        for _value in row:
            cells += 1
    workbook.close()
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": _cpu_seconds() - cpu_started,
        "cells": cells,
        "peak_mb": _peak_mb(),
    }


def phase_import(path: Path, profile: bool) -> dict[str, Any]:
    _django()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bench.generate import ADMIN_USERNAME
    from xueshi.accounts.models import RoleAssignment
    from xueshi.imports import services
    from xueshi.imports.models import ImportKind

    services.BACKGROUND_ROW_THRESHOLD = 10**9  # inline: the benchmark times the work itself
    role = RoleAssignment.objects.select_related("organization", "user").get(
        user__username=ADMIN_USERNAME
    )
    upload = SimpleUploadedFile("bench.xlsx", path.read_bytes())
    baseline = _rss_mb()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    cpu_started = _cpu_seconds()
    batch = services.import_start(kind=ImportKind.CLAIMS, upload=upload, role=role, actor=role.user)
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {
        "seconds": seconds,
        "cpu_seconds": _cpu_seconds() - cpu_started,
        "baseline_mb": baseline,
        "peak_mb": _peak_mb(),
        "rows": batch.processed_rows,
        "created": batch.created_count,
        "skipped": batch.skipped_count,
        "errors": batch.error_count,
    }
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
        result["profile"] = out.getvalue()
    return result


def _child(*args: str) -> dict[str, Any]:
    completed = subprocess.run(  # noqa: S603 - this script, fixed arguments
        [sys.executable, __file__, *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"phase {args[1]} failed")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="导入基准测试：完整导入 vs openpyxl 只读遍历")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=0, help="人数，默认为行数的五分之一")
    parser.add_argument("--profile", action="store_true", help="用 cProfile 剖析导入")
    parser.add_argument("--phase", choices=["generate", "read", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.phase:
        path = Path(options.file)
        if options.phase == "generate":
            people = options.people or max(options.rows // 5, 1)
            result = phase_generate(path, options.rows, people)
        elif options.phase == "read":
            result = phase_read(path)
        else:
            result = phase_import(path, options.profile)
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "claims.xlsx"
        common = ["--file", str(path), "--rows", str(options.rows)]
        people = ["--people", str(options.people)] if options.people else []
        generated = _child("--phase", "generate", *common, *people)
        size_mb = generated["bytes"] / 1024 / 1024
        print(f"生成：{options.rows} 行，{size_mb:.1f} MB，用时 {generated['seconds']:.1f} s")
        read = _child("--phase", "read", *common)
        profile = ["--profile"] if options.profile else []
        imported = _child("--phase", "import", *common, *profile)

    ratio = imported["seconds"] / read["seconds"]
    ok_ratio = "达标" if ratio <= TARGET_RATIO else "未达标"
    ok_peak = "达标" if imported["peak_mb"] < TARGET_PEAK_MB else "未达标"
    print(f"数据库：{os.environ.get('DATABASE_URL', '（settings 默认）')}")
    print(f"openpyxl 只读遍历：{read['seconds']:.2f} s（{read['cells']} 个单元格）")
    counts = f"新建 {imported['created']}，已存在 {imported['skipped']}，错误 {imported['errors']}"
    print(f"完整导入：{imported['seconds']:.2f} s（{imported['rows']} 行：{counts}）")
    print(f"比值：{ratio:.2f}×（目标 ≤ {TARGET_RATIO:g}×）{ok_ratio}")
    cpu_ratio = imported["cpu_seconds"] / read["cpu_seconds"]
    print(
        f"参考：进程 CPU 时间 {imported['cpu_seconds']:.2f} s / {read['cpu_seconds']:.2f} s = "
        f"{cpu_ratio:.2f}×（不含数据库服务器的时间；机器繁忙时比墙钟稳定）"
    )
    before = f"导入开始前 {imported['baseline_mb']:.0f} MB"
    print(
        f"导入进程峰值内存：{imported['peak_mb']:.0f} MB（{before}；"
        f"目标 < {TARGET_PEAK_MB} MB）{ok_peak}"
    )
    if "profile" in imported:
        print(imported["profile"])


if __name__ == "__main__":
    main()
