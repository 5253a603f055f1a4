"""Batch approval of 1,000 claims against the raw SQL statements doing the same writes (issue 20).

The subject is the real 批量通过审核 service (`review.services.review_many` with
`declaration_approve`, as the queue's batch button calls it): for each claim the lifecycle's
transition (row lock, checks, status and chain position, trail entry, audit row) and, at the
final step, the event: ledger entry and year total, the certificate check, the person's
message; the statistics summaries follow by their triggers. The baseline is hand-written SQL
making the same writes, a statement per row, in one transaction: per claim an UPDATE of the
claim (returning what the rest needs), an INSERT of the trail entry, of the audit row (its
HMAC-SM3 digest computed the same way, chained in Python) and of the ledger entry, an UPSERT of
the year total and an INSERT of the person's message. A claim's chain steps are not written by
an approval (its position is on the claim row), so neither side writes them.

The same claims are used by every run: each side runs inside a transaction that is rolled back
at the end. Inside it the subject's per-claim transactions are savepoints, and the work it
defers to `transaction.on_commit` (the person's message, the certificate task, webhooks) is run
inside the timed region before the rollback, so it is counted. What the rollback leaves out is
the COMMIT itself: the subject commits once per claim in production and the baseline once. The
cost of those commits (`BEGIN; SELECT txid_current(); COMMIT` with synchronous_commit as the
server has it) is measured in the same run and added to each side for the second ratio
("with commits"), which is the one the target is about.

The claims: the `--claims` (1,000) oldest pending ones waiting at the last step of the
authority with the most such claims (`manage.py make_province --claims 100000` has enough).
Tasks use the database backend (as in production a worker picks them up), not the test
settings' immediate one, which would render certificates inside the timed region.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueshi_bench_run \\
        .venv/bin/python bench/batch_approve_bench.py --pairs 5 [--no-record] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import hmac
import json
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.recording import append, commit, machine  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from xueshi.accounts.models import RoleAssignment, RoleKind, User  # noqa: E402
from xueshi.core.audit import GENESIS_DIGEST, audit_key  # noqa: E402
from xueshi.declarations.models import Declaration, DeclarationStatus  # noqa: E402
from xueshi.orgs.models import Organization  # noqa: E402
from xueshi.review import lifecycle  # noqa: E402
from xueshi.review.services import declaration_approve, review_many  # noqa: E402

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Pending claims waiting at their chain's last step, per organisation.
AT_LAST_STEP = """
SELECT d.current_organization_id, count(*) FROM declarations_declaration d
WHERE d.status = 'pending' AND NOT EXISTS (
    SELECT 1 FROM review_chainstep s
    WHERE s.declaration_id = d.id AND s.position > d.current_position)
GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1
"""
CLAIMS_AT = """
SELECT d.id FROM declarations_declaration d
WHERE d.status = 'pending' AND d.current_organization_id = %s AND NOT EXISTS (
    SELECT 1 FROM review_chainstep s
    WHERE s.declaration_id = d.id AND s.position > d.current_position)
ORDER BY d.submitted_at, d.id LIMIT %s
"""

# --- the baseline: a statement per row ------------------------------------------------------

APPROVE_SQL = """
UPDATE declarations_declaration d SET status = 'approved', status_level = '',
    current_position = NULL, current_organization_id = NULL, decided_at = %s, updated_at = %s,
    hours_granted = coalesce(d.hours_granted, d.hours_claimed)
FROM review_chainstep s, accounts_person p
WHERE d.id = %s AND d.status = 'pending' AND s.declaration_id = d.id
    AND s.position = d.current_position AND p.id = d.person_id
RETURNING d.person_id, d.credit_year, d.category_code, d.hours_granted, d.title, p.user_id,
    s.level_name, s.organization_id
"""
TRAIL_SQL = """
INSERT INTO review_trailentry (declaration_id, action, level_name, organization_id, actor_id,
    actor_role, from_status, to_status, comment, at, to_level, hours_granted)
VALUES (%s, 'approve', %s, %s, %s, %s, 'pending', 'approved', '', %s, '', %s)
"""
AUDIT_SQL = """
INSERT INTO core_auditlog (at, actor_id, role, ip_address, action, target_type, target_id,
    from_state, to_state, reason, details, result, digest)
VALUES (%s, %s, %s, NULL, 'declaration.approve', 'declarations.declaration', %s, 'pending',
    'approved', '', %s, 'success', %s)
"""
LEDGER_SQL = """
INSERT INTO ledger_ledgerentry (person_id, credit_year, subject, category_code, hours, source,
    at, declaration_id, source_label, source_ref)
VALUES (%s, %s, 'professional', %s, %s, 'approval', %s, %s, '', '')
"""
YEAR_TOTAL_SQL = """
INSERT INTO ledger_yeartotal (person_id, credit_year, general_hours, professional_hours,
    updated_at) VALUES (%s, %s, 0, %s, %s)
ON CONFLICT (person_id, credit_year) DO UPDATE
    SET professional_hours = ledger_yeartotal.professional_hours + excluded.professional_hours,
        updated_at = excluded.updated_at
"""
MESSAGE_SQL = """
INSERT INTO notifications_notification (recipient_id, message, url, created_at)
VALUES (%s, %s, %s, %s)
"""


def _digest(previous: str, content: list[Any]) -> str:
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(audit_key(), previous.encode("ascii") + canonical.encode(), "sm3").hexdigest()


def baseline(ids: list[int], actor: User, role: RoleAssignment) -> int:
    """The same writes by hand; returns the statements run."""
    statements = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x5845_5348_4941_5544])
        cursor.execute("SELECT digest FROM core_auditlog ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
        previous = row[0] if row else GENESIS_DIGEST
        statements += 2
        for pk in ids:
            now = timezone.now()
            cursor.execute(APPROVE_SQL, [now, now, pk])
            person_id, year, category, hours, title, user_id, level, organization_id = (
                cursor.fetchone()
            )
            cursor.execute(TRAIL_SQL, [pk, level, organization_id, actor.pk, role.kind, now, hours])
            details = {"level": level, "organization": organization_id}
            at = now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            content = [at, actor.pk, role.kind, None, "declaration.approve",
                       "declarations.declaration", str(pk), "pending", "approved", "", details,
                       "success"]  # fmt: skip
            previous = _digest(previous, content)
            cursor.execute(
                AUDIT_SQL, [now, actor.pk, role.kind, str(pk), json.dumps(details), previous]
            )
            cursor.execute(LEDGER_SQL, [person_id, year, category, hours, now, pk])
            cursor.execute(YEAR_TOTAL_SQL, [person_id, year, hours, now])
            statements += 5
            if user_id is not None:  # as the real path: nobody to tell without an account
                message = f"您的学时申报“{title}”已通过，批准 {hours:g} 学时。"
                cursor.execute(MESSAGE_SQL, [user_id, message, f"/declarations/{pk}/", now])
                statements += 1
    return statements


# --- the subject ----------------------------------------------------------------------------


def subject(ids: list[int], actor: User, role: RoleAssignment) -> int:
    """The real batch approval; then what it deferred to the commit. Returns the claims done."""
    results = review_many(declaration_approve, declaration_ids=ids, actor=actor, role=role)
    done = sum(1 for result in results if result.ok)
    if done != len(ids):
        refused = [result for result in results if not result.ok][:3]
        raise SystemExit(f"Only {done} of {len(ids)} approved: {refused}")
    run_deferred()
    return done


def run_deferred() -> None:
    """The on_commit callbacks registered so far, run now (inside the outer transaction)."""
    callbacks: list[Any] = connection.run_on_commit
    connection.run_on_commit = []
    for _savepoints, callback, _robust in callbacks:
        callback()


def rolled_back(work: Callable[[], Any]) -> tuple[float, Any]:
    """Time `work` inside a transaction that is then rolled back (the claims stay pending)."""
    with transaction.atomic():
        started = time.perf_counter()
        value = work()
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    connection.run_on_commit = []
    return elapsed, value


def counted(work: Callable[[], Any]) -> int:
    """The statements `work` sends (SAVEPOINTs, BEGIN and the rollback included)."""
    statements = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        work()
    return statements


def commits(count: int) -> float:
    """`count` commits that each write a commit record (as each claim's transaction does)."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for _ in range(count):
            with transaction.atomic():
                cursor.execute("SELECT txid_current()")
    return time.perf_counter() - started


def setup(count: int) -> tuple[list[int], User, RoleAssignment, Organization]:
    with connection.cursor() as cursor:
        cursor.execute(AT_LAST_STEP)
        found = cursor.fetchone()
        if found is None or found[1] < count:
            raise SystemExit(
                f"Need {count} claims pending at one organisation's last step; found"
                f" {found[1] if found else 0}: build a larger province (make_province)."
            )
        cursor.execute(CLAIMS_AT, [found[0], count])
        ids = [row[0] for row in cursor.fetchall()]
    organization = Organization.objects.get(pk=found[0])
    user, _created = User.objects.get_or_create(
        username="bench_batch_reviewer", defaults={"full_name": "批量审核基准"}
    )
    kind = {"authority": RoleKind.AUTHORITY_ADMIN, "supervisor": RoleKind.SUPERVISOR_ADMIN}.get(
        organization.kind, RoleKind.UNIT_ADMIN
    )
    role, _created = RoleAssignment.objects.get_or_create(
        user=user, kind=kind, organization=organization
    )
    return ids, user, role, organization


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--no-record", action="store_true", help="do not append to results.md")
    parser.add_argument("--profile", action="store_true", help="cProfile one subject run")
    options = parser.parse_args()
    pairs = max(5, options.pairs)
    load_start = os.getloadavg()
    with override_settings(TASKS=TASKS):
        ids, actor, role, organization = setup(options.claims)
        print(f"{len(ids)} claims pending at the last step of {organization.name}", flush=True)
        # Warm both (profiles, templates of messages, plans) and count the statements.
        subject_statements = counted(lambda: rolled_back(lambda: subject(ids, actor, role)))
        baseline_statements = counted(lambda: rolled_back(lambda: baseline(ids, actor, role)))
        if options.profile:
            profiler = cProfile.Profile()
            rolled_back(lambda: profiler.runcall(subject, ids, actor, role))
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        subject_times, baseline_times = [], []
        for _pair in range(pairs):
            subject_times.append(rolled_back(lambda: subject(ids, actor, role))[0])
            baseline_times.append(rolled_back(lambda: baseline(ids, actor, role))[0])
        commit_time = statistics.median(commits(len(ids)) for _ in range(3)) / len(ids)
    load_end = os.getloadavg()
    subject_time, baseline_time = (
        statistics.median(subject_times),
        statistics.median(baseline_times),
    )
    subject_commits = commits_of_subject(len(ids))
    with_commits = (subject_time + subject_commits * commit_time) / (baseline_time + commit_time)
    figures = {
        "claims": len(ids),
        "pairs": pairs,
        "subject": subject_time,
        "baseline": baseline_time,
        "ratio": subject_time / baseline_time,
        "commit": commit_time,
        "subject_commits": subject_commits,
        "with_commits": with_commits,
        "subject_statements": subject_statements / len(ids),
        "baseline_statements": baseline_statements / len(ids),
    }
    report(figures, load_start, load_end)
    if not options.no_record:
        record(figures, load_start, load_end)


def commits_of_subject(count: int) -> int:
    """How many COMMITs the real batch makes for `count` claims (one per claim, or per chunk)."""
    chunk = getattr(lifecycle, "BATCH_CHUNK", 1)
    return -(-count // chunk)


def report(
    figures: dict[str, Any], load_start: tuple[float, ...], load_end: tuple[float, ...]
) -> None:
    verdict = "met" if figures["with_commits"] <= 3 else "**missed**"
    print(
        f"batch approve {figures['claims']} claims: {figures['subject']:.3f} s"
        f"  raw SQL {figures['baseline']:.3f} s  {figures['ratio']:.2f}× (without commits)\n"
        f"commit {figures['commit'] * 1000:.2f} ms each; the batch commits"
        f" {figures['subject_commits']} times, the raw SQL once:"
        f" {figures['with_commits']:.2f}× with commits (target ≤ 3×: {verdict})\n"
        f"statements per claim: {figures['subject_statements']:.2f}"
        f" (raw SQL {figures['baseline_statements']:.2f}); medians of {figures['pairs']}"
        f" interleaved pairs; load average {load_start[0]:.2f} → {load_end[0]:.2f}",
        flush=True,
    )


def record(
    figures: dict[str, Any], load_start: tuple[float, ...], load_end: tuple[float, ...]
) -> None:
    claims = Declaration.objects.exclude(status=DeclarationStatus.DRAFT).count()
    verdict = "met" if figures["with_commits"] <= 3 else "**missed**"
    lines = [
        "",
        f"### Batch approval of {figures['claims']:,} claims ({claims:,} in the database) —"
        f" {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine {machine()}; commit {commit()}; load average {load_start[0]:.2f} at the start,"
        f" {load_end[0]:.2f} at the end; {figures['pairs']} interleaved pairs, medians"
        " (`bench/batch_approve_bench.py`).",
        "",
        "| | batch approval | raw SQL | ratio | target |",
        "|---|---|---|---|---|",
        f"| time, rolled back | {figures['subject']:.3f} s | {figures['baseline']:.3f} s |"
        f" {figures['ratio']:.2f}× | |",
        f"| with commits ({figures['commit'] * 1000:.2f} ms each) |"
        f" {figures['subject_commits']} commits | 1 commit | {figures['with_commits']:.2f}× |"
        f" ≤ 3× {verdict} |",
        f"| statements per claim | {figures['subject_statements']:.2f} |"
        f" {figures['baseline_statements']:.2f} | | |",
    ]
    append("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
