"""Statistics over 1,000,000 claims: the page's selectors against hand-written GROUP BY SQL.

Run manually on PostgreSQL (ratios, not timings: the machine is shared and noisy)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueshi_bench \\
        .venv/bin/python bench/stats_bench.py --claims 1000000 --drop
    # one role only, and EXPLAIN ANALYZE of its slowest table (selector and SQL twin)
    DATABASE_URL=... .venv/bin/python bench/stats_bench.py --role authority --explain

The database is created if missing, migrated, and filled by `bench/claims_generator.py` when it
has no claims (reused otherwise, unless --fresh). Each measurement runs the selector and its SQL
twin alternately `--repeat` times (after one warm-up each) and compares the medians.
Target: selectors ≤ 1.5 × the hand-written SQL.

Roles (`--role`): a platform admin (all claims) and an authority admin of the first authority
(its subtree plus the claims routed to it: the supervisor/authority branch of
`declarations_in_scope`); `both` by default.
"""

# ruff: noqa: S608 (the SQL is assembled from this file's constants and stored paths, no input)
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCOPE = "d.status NOT IN ('deleted', 'draft')"
MEASURES = (
    "COUNT(*), COUNT(*) FILTER (WHERE d.status = 'approved'),"
    " COALESCE(SUM(d.hours_claimed), 0), COALESCE(SUM(d.hours_granted), 0)"
)


def hand_written(authority_path: str | None, authority_id: int | None = None) -> dict[str, str]:
    """The same tables as one SQL statement each, written by hand for PostgreSQL."""
    scope = SCOPE
    if authority_path is not None:
        # Subtree, declared by it, or routed through it: one set of ids (UNION), so PostgreSQL
        # can semi-join it. Written as `u.path LIKE … OR d.id IN (…)`, the IN under an OR is a
        # SubPlan that is not hashed once its ~500,000 ids exceed work_mem and is rescanned
        # for every claim: that twin never finished on 1,000,000 claims (2026-11-25).
        scope += (
            " AND d.id IN (SELECT s.id FROM declarations_declaration s"
            " JOIN orgs_organization su ON su.id = s.unit_id"
            f" WHERE su.path LIKE '{authority_path}%'"
            " UNION SELECT r.id FROM declarations_declaration r"
            f" WHERE r.registered_by_organization_id = {authority_id}"
            " UNION SELECT cs.declaration_id FROM review_chainstep cs"
            " JOIN orgs_organization o ON o.id = cs.organization_id"
            f" WHERE o.path LIKE '{authority_path}%')"
        )
    prefix = authority_path or "/"
    child = (
        f"CASE WHEN u.path = '{prefix}' THEN 'self' WHEN u.path LIKE '{prefix}%'"
        f" THEN split_part(substr(u.path, {len(prefix) + 1}), '/', 1) ELSE 'other' END"
    )
    base = "FROM declarations_declaration d LEFT JOIN orgs_organization u ON u.id = d.unit_id"
    track = (
        "CASE WHEN p.specialty LIKE '%/%' THEN split_part(p.specialty, '/', 1) ELSE p.specialty END"
    )
    month = "date_trunc('month', d.submitted_at AT TIME ZONE 'Asia/Shanghai')"
    return {
        "organization": f"SELECT {child}, {MEASURES} {base} WHERE {scope} GROUP BY 1",
        "category": f"SELECT d.category_code, d.category_name, {MEASURES} {base}"
        f" WHERE {scope} GROUP BY 1, 2",
        "status": f"SELECT d.status, {MEASURES} {base} WHERE {scope} GROUP BY 1",
        "year": f"SELECT d.credit_year, {MEASURES} {base} WHERE {scope} GROUP BY 1",
        "region": f"SELECT u.region_code, {MEASURES} {base} WHERE {scope} GROUP BY 1",
        "track": f"SELECT {track}, {MEASURES} {base}"
        f" JOIN accounts_person p ON p.id = d.person_id WHERE {scope} GROUP BY 1",
        "month": f"SELECT {month}, {MEASURES} {base}"
        f" WHERE {scope} AND d.submitted_at IS NOT NULL GROUP BY 1",
        "throughput": "SELECT o.name, t.level_name,"
        " COUNT(*) FILTER (WHERE t.action = 'approve'),"
        " COUNT(*) FILTER (WHERE t.action = 'return'),"
        " COUNT(*) FILTER (WHERE t.action = 'reject')"
        " FROM review_trailentry t LEFT JOIN orgs_organization o ON o.id = t.organization_id"
        " WHERE t.action IN ('approve', 'return', 'reject') AND t.declaration_id IN"
        f" (SELECT d.id {base} WHERE {scope}) GROUP BY 1, 2",
        "pending": "SELECT cs.level_name, o.name, COUNT(*), AVG(now() - d.submitted_at),"
        " MIN(d.submitted_at) FROM review_chainstep cs"
        " JOIN declarations_declaration d ON d.id = cs.declaration_id"
        " LEFT JOIN orgs_organization u ON u.id = d.unit_id"
        " JOIN orgs_organization o ON o.id = cs.organization_id"
        f" WHERE d.status = 'pending' AND cs.position = d.current_position AND {scope}"
        " GROUP BY 1, 2",
    }


def median_seconds(function: Callable[[], Any], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="drop and regenerate the data")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument(
        "--role",
        choices=("platform", "authority", "both"),
        default="both",
        help="whose statistics: platform admin, authority admin (first authority), or both",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="EXPLAIN (ANALYZE, BUFFERS) the slowest table's query, selector and SQL twin",
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueshi_bench (PostgreSQL).")
    from bench.pgdb import create_database, drop_database

    if args.fresh:
        drop_database(url)
    create_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    settings.DEBUG = False  # no query log
    call_command("migrate", verbosity=0)

    from bench.claims_generator import generate
    from xueshi.accounts.models import RoleAssignment, RoleKind, User
    from xueshi.declarations.models import Declaration
    from xueshi.orgs.models import Organization
    from xueshi.reports import selectors
    from xueshi.reports.selectors import Filters

    existing = Declaration.objects.count()
    if existing == 0:
        print(f"Generating {args.claims:,} claims …", flush=True)
        counts = generate(claims=args.claims)
        print(f"  generated: {counts}", flush=True)
    else:
        print(f"Reusing {existing:,} claims in the bench database.", flush=True)
    total = Declaration.objects.count()
    user = User.objects.get(username="bench")
    platform = RoleAssignment(user=user, kind=RoleKind.PLATFORM_ADMIN)
    authority = Organization.objects.filter(kind="authority").order_by("id").first()
    if authority is None:
        sys.exit("The bench database has no authority.")
    authority_role = RoleAssignment(
        user=user, kind=RoleKind.AUTHORITY_ADMIN, organization=authority
    )

    def orm_tables(role: RoleAssignment) -> dict[str, Callable[[], Any]]:
        filters = Filters()
        node = selectors.default_node(role)
        return {
            "organization": lambda: selectors.by_organization(role, filters, node),
            "category": lambda: selectors.by_category(role, filters),
            "status": lambda: selectors.by_status(role, filters),
            "year": lambda: selectors.by_year(role, filters),
            "region": lambda: selectors.by_region(role, filters),
            "track": lambda: selectors.by_track(role, filters),
            "month": lambda: selectors.by_month(role, filters),
            "throughput": lambda: selectors.reviewer_throughput(role, filters),
            "pending": lambda: selectors.pending_age(role, filters),
        }

    def run_sql(sql: str) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def explain(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            for (line,) in cursor.fetchall():
                print(f"    {line}")

    runs: list[tuple[str, RoleAssignment, str | None, int | None]] = []
    if args.role in ("platform", "both"):
        runs.append(("platform admin (all claims)", platform, None, None))
    if args.role in ("authority", "both"):
        runs.append(
            (
                f"authority admin ({authority.name}, path {authority.path})",
                authority_role,
                authority.path,
                authority.pk,
            )
        )
    for label, role, path, authority_id in runs:
        in_scope = selectors.scoped_declarations(role).count()
        print(
            f"\n== {label}: {total:,} claims in the database, {in_scope:,} counted ==",
            flush=True,
        )
        print(f"{'table':<14}{'selector s':>12}{'SQL s':>10}{'ratio':>8}")
        sum_orm = sum_sql = 0.0
        slowest = ("", 0.0, 0.0)
        orm = orm_tables(role)
        sql = hand_written(path, authority_id)
        for name, function in orm.items():
            ours = function()  # warm-up: caches, plans
            theirs = run_sql(sql[name])
            if isinstance(ours, selectors.StatTable):  # the same figures, or the ratio is moot
                expected = sum(row[-4] for row in theirs)
                if ours.total.count != expected:
                    sys.exit(f"{name}: selector counts {ours.total.count}, SQL {expected}")
            orm_times: list[float] = []
            sql_times: list[float] = []
            for _ in range(args.repeat):  # alternate, so noise hits both alike
                orm_times += median_seconds(function, 1)
                sql_times += median_seconds(partial(run_sql, sql[name]), 1)
                reset_queries()
            orm_median, sql_median = statistics.median(orm_times), statistics.median(sql_times)
            sum_orm += orm_median
            sum_sql += sql_median
            if orm_median > slowest[1]:
                slowest = (name, orm_median, sql_median)
            print(
                f"{name:<14}{orm_median:>12.3f}{sql_median:>10.3f}{orm_median / sql_median:>8.2f}",
                flush=True,
            )
        print(f"{'all tables':<14}{sum_orm:>12.3f}{sum_sql:>10.3f}{sum_orm / sum_sql:>8.2f}")
        started = time.perf_counter()
        selectors.statistics(role, Filters())
        selectors.filter_choices(role)
        print(
            f"whole page selectors (tables, compliance, throughput, pending, filter choices):"
            f" {time.perf_counter() - started:.3f} s",
            flush=True,
        )
        if args.explain:
            name = slowest[0]
            with CaptureQueriesContext(connection) as captured:
                orm[name]()
            longest = max(captured.captured_queries, key=lambda query: float(query["time"]))
            print(f"\nslowest table: {name} (ratio {slowest[1] / slowest[2]:.2f})")
            print(f"  selector's longest query ({longest['time']} s when captured):")
            print(f"    {longest['sql']}")
            explain(longest["sql"])
            print("  SQL twin:")
            explain(sql[name])

    connection.close()
    if args.drop:
        drop_database(url)
        print("\nBench database dropped.")


if __name__ == "__main__":
    main()
