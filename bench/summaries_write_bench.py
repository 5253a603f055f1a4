"""What the statistics triggers cost on writes: a batch approval and a bulk insert of claims,
with every summary's triggers (this branch) against the triggers of an earlier commit (the
fine summary and routed steps only), interleaved pairs in one run, medians.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueshi_<name>_bench \\
        .venv/bin/python bench/summaries_write_bench.py --pairs 5 --before 4d67af7

Each measurement runs in a transaction that is rolled back (the database is left as it was);
the trigger set is swapped inside that transaction. Prints the ratios, appends nothing.
"""

# The SQL is built from this file's constants and the catalogue; git is run on a commit name
# given by whoever runs the benchmark.
# ruff: noqa: S608, S603, S607
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from xueshi.accounts.models import RoleAssignment, RoleKind  # noqa: E402
from xueshi.declarations.models import Declaration, DeclarationStatus  # noqa: E402
from xueshi.reports import summaries  # noqa: E402
from xueshi.review.services import declaration_approve, review_many  # noqa: E402


class Rollback(Exception):
    """Leaves the measured transaction without keeping its writes."""


def earlier_summaries(commit: str) -> ModuleType:
    """reports/summaries.py as it was at `commit`, loaded beside this one."""
    source = subprocess.run(
        ["git", "show", f"{commit}:xueshi/reports/summaries.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = ModuleType(f"summaries_{commit}")
    sys.modules[module.__name__] = module  # its dataclasses look their module up
    exec(compile(source, f"{commit}:summaries.py", "exec"), module.__dict__)  # noqa: S102
    return module


def with_triggers(module: ModuleType, work: Callable[[], int]) -> tuple[float, int]:
    """Run `work` under `module`'s triggers in a transaction rolled back afterwards."""
    elapsed, count = 0.0, 0
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(summaries.DROP_SQL)
                for statement in module.TRIGGERS_SQL:
                    cursor.execute(statement)
            started = time.perf_counter()
            count = work()
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed, count


def batch_approve(size: int) -> Callable[[], int]:
    """The unit admins' batch approval of up to `size` claims waiting at their units."""

    def work() -> int:
        done = 0
        for role in RoleAssignment.objects.filter(kind=RoleKind.UNIT_ADMIN).order_by("pk"):
            ids = list(
                Declaration.objects.filter(
                    status=DeclarationStatus.PENDING,
                    current_position=1,
                    chain_steps__position=1,
                    chain_steps__organization=role.organization,
                ).values_list("pk", flat=True)[: size - done]
            )
            results = review_many(
                declaration_approve, declaration_ids=ids, actor=role.user, role=role
            )
            done += sum(1 for result in results if result.ok)
            if done >= size:
                break
        return done

    return work


def bulk_insert(rows: int) -> Callable[[], int]:
    """One INSERT … SELECT of `rows` claims (the importer's COPY is one statement too)."""

    def work() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT string_agg(quote_ident(column_name), ', ') FROM information_schema.columns"
                " WHERE table_name = 'declarations_declaration' AND column_name <> 'id'"
            )
            (columns,) = cursor.fetchone()
            cursor.execute(
                f"INSERT INTO declarations_declaration ({columns}) SELECT {columns}"
                f" FROM declarations_declaration ORDER BY id LIMIT {rows}"
            )
            return cursor.rowcount

    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--before", default="main", help="commit whose triggers are the baseline")
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--rows", type=int, default=10_000)
    options = parser.parse_args()
    before = earlier_summaries(options.before)
    load = os.getloadavg()
    for name, work in (
        (f"batch approval of {options.batch} claims", batch_approve(options.batch)),
        (f"INSERT of {options.rows} claims", bulk_insert(options.rows)),
    ):
        after_times, before_times = [], []
        for _ in range(options.pairs):
            seconds, count = with_triggers(summaries, work)
            after_times.append(seconds)
            seconds, _count = with_triggers(before, work)
            before_times.append(seconds)
        after, earlier = statistics.median(after_times), statistics.median(before_times)
        print(
            f"{name} ({count} written): {after * 1000:.1f} ms with every summary, "
            f"{earlier * 1000:.1f} ms with those of {options.before}: {after / earlier:.2f}×"
        )
    print(f"load average {load[0]:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
