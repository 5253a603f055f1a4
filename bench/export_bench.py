"""Export of 100,000 claims against a bare openpyxl write-only loop (issue 20: ≤ 1.2×, < 300 MB).

The subject is the real export path of 学时申报明细 as a background job runs it: the registered
spec's rows (`reports.exports.declaration_rows`, the platform admin's scope: the only role
whose scope holds 100,000 claims in a bench province), its columns, ID numbers masked, the
formatting, the audit row and the job's rows (`start_background_export`), then the worker's
work (`run_job` + `run_export_job`: xlsx written, file stored, job finished). Only the slice
to `--rows` rows is the bench's own (a spec registered under another key with the same
columns and rows builder).

The baseline fetches the same rows with one raw SQL query (a server-side cursor, 2,000 rows a
fetch) and appends each tuple as it comes to an openpyxl write-only worksheet saved to a
temporary file: no masking, no formatting, no job.

Each run is a child process of its own (so its peak RSS, `ru_maxrss`, is its own); subject and
baseline alternate (`--pairs`, at least 5; at 100,000 rows a pair takes about half a minute
on a quiet machine), medians are compared. Also printed: the CPU time (user + system) of each
child's work, which other processes on a loaded machine move far less than the clock.
Results are appended to bench/results.md (date, machine, commit, load average) unless
`--no-record`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueshi_bench \\
        .venv/bin/python bench/export_bench.py --rows 100000 [--pairs 5] [--format csv]
        [--no-record] [--drop]
    .venv/bin/python bench/export_bench.py --rows 20000 --profile   # pyinstrument, subject only

Reuses the database's claims when it holds enough (a province from `make_province`, or an
earlier run), otherwise generates them with `bench/claims_generator.py`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.recording import append, commit, machine  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
MB = 1024 * 1024
TARGET_RATIO = 1.2
TARGET_PEAK_MB = 300
BENCH_KEY = "bench_declarations"
BENCH_USER = "bench_export_platform"
WARM_ROWS = 100
# The rows of declaration_rows for the platform admin without filters (every claim but drafts),
# submission times as local wall-clock time (Excel has no time zones).
BASELINE_SQL = (
    "SELECT p.name, p.id_number, u.name, d.category_name, d.title, d.credit_year,"
    " d.hours_claimed, d.hours_granted, d.status,"
    " d.submitted_at AT TIME ZONE 'Asia/Shanghai'"
    " FROM declarations_declaration d"
    " JOIN accounts_person p ON p.id = d.person_id"
    " JOIN orgs_organization u ON u.id = d.unit_id"
    " WHERE d.status <> 'draft' ORDER BY d.id LIMIT %s"
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


# --- the children --------------------------------------------------------------------------


def _django() -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False


def run_subject(rows: int, fmt: str, profile: bool) -> dict[str, Any]:
    """The registered claims export for the platform admin, as the background job runs it."""
    _django()
    from django.conf import settings
    from django.test import RequestFactory

    from xueshi.accounts.models import RoleAssignment, RoleKind
    from xueshi.core import exports
    from xueshi.core.jobs import run_job
    from xueshi.core.models import BackgroundJob
    from xueshi.reports.exports import DECLARATION_COLUMNS, declaration_rows

    role = RoleAssignment.objects.select_related("user").get(
        user__username=BENCH_USER, kind=RoleKind.PLATFORM_ADMIN
    )
    limit = [WARM_ROWS]
    spec = exports.register_export(
        exports.ExportSpec(
            BENCH_KEY,
            "学时申报明细",
            "学时申报明细",
            DECLARATION_COLUMNS,
            lambda role, params: declaration_rows(role, params)[: limit[0]],
        )
    )
    request = RequestFactory().get("/reports/export/declarations/", {"format": fmt})
    request.user = role.user
    request.active_role = role  # type: ignore[attr-defined]
    settings.REPORTS_EXPORT_BACKGROUND_ROWS = 0  # always the background job, even when warming
    queued: list[tuple[Any, ...]] = []
    # The worker's task is called here, in this process (the bench times the work, not a queue).
    exports.job_enqueue = lambda job, task, *args: queued.append((job, *args))

    def export() -> tuple[int, int]:
        queued.clear()
        # The view's path: the count, the audit row, the job (a redirect to its page) …
        exports.export_or_enqueue(request, spec.key, {}, fmt)
        job, key, role_id, params, job_format, full_ids = queued[0]
        # … and the worker's (export_task).
        run_job(
            job.pk,
            lambda: exports.run_export_job(job.pk, key, role_id, params, job_format, full_ids),
        )
        job = BackgroundJob.objects.get(pk=job.pk)
        size = job.file.size
        job.file.delete(save=False)  # the bench leaves no files behind
        job.delete()
        return job.result["rows"], size

    # A worker and a web server that have served before: URLs, policy profiles, SQL compiled.
    export()
    limit[0] = rows
    setup_mb = peak_rss_mb()
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    started, cpu_started = time.perf_counter(), cpu_seconds()
    count, size = export()
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return {
        "rows": count,
        "bytes": size,
        "seconds": seconds,
        "cpu": cpu,
        "setup_mb": setup_mb,
        "peak_mb": peak_rss_mb(),
    }


def run_baseline(rows: int, fmt: str) -> dict[str, Any]:
    """One raw SQL query, each row appended as fetched to a bare write-only workbook (or csv)."""
    import csv

    import psycopg
    from openpyxl import Workbook

    setup_mb = peak_rss_mb()
    started, cpu_started = time.perf_counter(), cpu_seconds()
    count = 0
    with (
        psycopg.connect(os.environ["DATABASE_URL"]) as connection,
        connection.cursor(name="baseline") as cursor,
        tempfile.TemporaryFile() as target,
    ):
        cursor.itersize = 2000
        cursor.execute(BASELINE_SQL, [rows])
        if fmt == "xlsx":
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet()
            for row in cursor:
                sheet.append(row)
                count += 1
            workbook.save(target)
        else:
            with open(target.fileno(), "w", encoding="utf-8", closefd=False) as text:
                writer = csv.writer(text)
                for row in cursor:
                    writer.writerow(row)
                    count += 1
        target.seek(0, os.SEEK_END)
        size = target.tell()
    return {
        "rows": count,
        "bytes": size,
        "seconds": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu_started,
        "setup_mb": setup_mb,
        "peak_mb": peak_rss_mb(),
    }


def child(which: str, rows: int, fmt: str, *flags: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", which, "--rows", str(rows), "--format", fmt]
    done = subprocess.run([*command, *flags], capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        sys.exit(f"{which} failed:\n{done.stderr}")
    if which == "prepare" or "--profile" in flags:
        print(done.stdout.rsplit("\n", 2)[0], file=sys.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the parent ----------------------------------------------------------------------------


def prepare(rows: int) -> int:
    """The database, its claims and the bench's platform admin; returns the claims exported."""
    from bench.pgdb import create_database

    create_database(os.environ["DATABASE_URL"])
    _django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from bench.claims_generator import generate
    from xueshi.accounts.models import RoleAssignment, RoleKind, User
    from xueshi.declarations.models import Declaration, DeclarationStatus

    exported = Declaration.objects.exclude(status=DeclarationStatus.DRAFT)
    if exported.count() < rows:
        if Declaration.objects.exists():
            sys.exit(f"The database holds fewer than {rows:,} claims to export: use another one.")
        print(f"Generating {int(rows * 1.3):,} claims …", flush=True)
        print(f"  {generate(claims=int(rows * 1.3))}", flush=True)
    user, _ = User.objects.get_or_create(username=BENCH_USER)
    RoleAssignment.objects.get_or_create(user=user, kind=RoleKind.PLATFORM_ADMIN)
    total = Declaration.objects.count()
    connection.close()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=5, help="at least 3 (5 below 100,000 rows)")
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--no-record", action="store_true", help="do not append to results.md")
    parser.add_argument("--profile", action="store_true", help="pyinstrument of one export")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument(
        "--child", choices=("prepare", "subject", "baseline"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueshi_bench (PostgreSQL).")
    if args.child == "prepare":
        print(json.dumps({"claims": prepare(args.rows)}))
        return
    if args.child == "subject":
        print(json.dumps(run_subject(args.rows, args.format, profile=args.profile)))
        return
    if args.child == "baseline":
        print(json.dumps(run_baseline(args.rows, args.format)))
        return
    # This process stays small (no Django): a child's ru_maxrss starts from its parent's RSS.
    claims = child("prepare", args.rows, args.format)["claims"]
    if args.profile:
        print(json.dumps(child("subject", args.rows, args.format, "--profile")))
        return
    pairs = max(3 if args.rows >= 100_000 else 5, args.pairs)
    load_start = os.getloadavg()
    subjects: list[dict[str, Any]] = []
    baselines: list[dict[str, Any]] = []
    child("subject", min(args.rows, 2000), args.format)  # warm the database's caches
    child("baseline", min(args.rows, 2000), args.format)
    for pair in range(pairs):
        # Alternating which goes first, so neither always runs after the other.
        for which in ("subject", "baseline") if pair % 2 == 0 else ("baseline", "subject"):
            runs = subjects if which == "subject" else baselines
            runs.append(child(which, args.rows, args.format))
        print(
            f"pair {pair + 1}: xueshi {subjects[-1]['seconds']:.2f} s"
            f" ({subjects[-1]['peak_mb']:.0f} MB), bare {baselines[-1]['seconds']:.2f} s"
            f" ({baselines[-1]['peak_mb']:.0f} MB)",
            flush=True,
        )
    load_end = os.getloadavg()
    summary = summarise(subjects, baselines, args.format)
    print("\n".join(summary))
    if not args.no_record:
        record(summary, claims, args.rows, pairs, load_start, load_end)
    if args.drop:
        from bench.pgdb import drop_database

        drop_database(url)
        print("Bench database dropped.")


def summarise(
    subjects: list[dict[str, Any]], baselines: list[dict[str, Any]], fmt: str
) -> list[str]:
    def median(runs: list[dict[str, Any]], key: str) -> float:
        return statistics.median(run[key] for run in runs)

    ratio = median(subjects, "seconds") / median(baselines, "seconds")
    cpu_ratio = median(subjects, "cpu") / median(baselines, "cpu")
    peak = max(run["peak_mb"] for run in subjects)
    base_peak = max(run["peak_mb"] for run in baselines)
    rows = subjects[0]["rows"]
    if any(run["rows"] != rows for run in subjects + baselines):
        sys.exit("Subject and baseline wrote different row counts.")

    def verdict(value: float) -> str:
        return "met" if value <= TARGET_RATIO else "**missed**"

    return [
        f"export of {rows:,} claims to {fmt}: xueshi {median(subjects, 'seconds'):.2f} s"
        f" (CPU {median(subjects, 'cpu'):.2f} s, file {median(subjects, 'bytes') / MB:.1f} MB),"
        f" bare {'openpyxl' if fmt == 'xlsx' else 'csv.writer'} loop"
        f" {median(baselines, 'seconds'):.2f} s"
        f" (CPU {median(baselines, 'cpu'):.2f} s, file {median(baselines, 'bytes') / MB:.1f} MB)",
        f"ratio {ratio:.2f}× by the clock ({verdict(ratio)}), {cpu_ratio:.2f}× by the CPU time"
        f" of this process ({verdict(cpu_ratio)}; target ≤ {TARGET_RATIO}×)",
        f"peak RSS xueshi {peak:.0f} MB (Django set up: {median(subjects, 'setup_mb'):.0f} MB),"
        f" bare {base_peak:.0f} MB (target < {TARGET_PEAK_MB} MB each:"
        f" {'met' if max(peak, base_peak) < TARGET_PEAK_MB else '**missed**'})",
    ]


def record(
    summary: list[str],
    claims: int,
    rows: int,
    pairs: int,
    load_start: tuple[float, float, float],
    load_end: tuple[float, float, float],
) -> None:
    lines = [
        "",
        f"### Export, {rows:,} of {claims:,} claims"
        f" — {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine {machine()}; commit {commit()}; load average {load_start[0]:.2f} at the start,"
        f" {load_end[0]:.2f} at the end; {pairs} interleaved pairs, medians"
        " (`bench/export_bench.py`).",
        "",
        *(f"- {line}" for line in summary),
    ]
    append("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
