"""Peak memory of exporting 100,000 claims to xlsx (and CSV) through the reports export code.

Run manually (target: peak < 300 MB)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueshi_bench \\
        .venv/bin/python bench/export_bench.py --rows 100000 [--drop]

Reuses the statistics bench database when it holds enough claims, otherwise generates them with
`bench/claims_generator.py`. Rows are read as the export reads them
(`reports.exports.declaration_rows`, a `.values()` queryset iterated in chunks) and written by
`exports.write_xlsx` (openpyxl write-only mode) into a temporary file. Reports the process's
peak RSS (ru_maxrss) for the first run, then Python's own peak allocation (tracemalloc) for a
second run. """

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MB = 1024 * 1024


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueshi_bench (PostgreSQL).")
    from bench.pgdb import create_database, drop_database

    create_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.DEBUG = False
    call_command("migrate", verbosity=0)

    from bench.claims_generator import generate
    from xueshi.accounts.models import RoleAssignment, RoleKind, User
    from xueshi.core.exports import write_csv, write_xlsx
    from xueshi.declarations.models import Declaration
    from xueshi.reports.exports import DECLARATION_COLUMNS, declaration_rows

    if Declaration.objects.count() < args.rows * 1.2:  # drafts and deleted are not exported
        print(f"Generating {int(args.rows * 1.3):,} claims …", flush=True)
        print(f"  {generate(claims=int(args.rows * 1.3))}", flush=True)
    role = RoleAssignment(user=User.objects.get(username="bench"), kind=RoleKind.PLATFORM_ADMIN)

    def rows() -> Any:
        return declaration_rows(role, {})[: args.rows]

    def export(fmt: str) -> tuple[int, float, int]:
        started = time.perf_counter()
        with tempfile.TemporaryFile() as target:
            if fmt == "xlsx":
                count = write_xlsx(rows(), DECLARATION_COLUMNS, target, sheet_title="学时申报明细")
            else:
                count = write_csv(rows(), DECLARATION_COLUMNS, target)
            size = target.tell()
        return count, time.perf_counter() - started, size

    baseline = rss_mb()
    print(f"RSS after Django set-up: {baseline:.1f} MB", flush=True)
    count, seconds, size = export("xlsx")
    peak = rss_mb()
    print(
        f"xlsx: {count:,} rows, {size / MB:.1f} MB file, {seconds:.1f} s;"
        f" peak RSS {peak:.1f} MB (+{peak - baseline:.1f} MB over set-up)",
        flush=True,
    )
    for fmt in ("xlsx", "csv"):
        tracemalloc.start()
        count, seconds, size = export(fmt)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"{fmt} under tracemalloc: {count:,} rows, {size / MB:.1f} MB file, {seconds:.1f} s;"
            f" peak Python allocation {traced_peak / MB:.1f} MB",
            flush=True,
        )
    print(f"Process peak RSS overall: {rss_mb():.1f} MB (target < 300 MB)")
    connection.close()
    if args.drop:
        drop_database(url)
        print("Bench database dropped.")


if __name__ == "__main__":
    main()
