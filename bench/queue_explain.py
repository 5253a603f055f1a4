"""EXPLAIN ANALYZE of the busiest authority's review queue page, before and after issue 20.

Before: the queue joined every pending claim's chain steps to find those whose current step
is at the organisation (``chain_steps__organization=X, chain_steps__position=current_position``)
and sorted them by submission; the paginator counted the same join. After: the current step's
organisation is kept on the claim (``current_organization``) and the partial index
``declaration_review_queue`` (pending; organisation, submitted_at, id) serves filter, order and
COUNT. Both statements run on the same data; the plans are appended to bench/results.md.
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.recording import append  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from xueshi.declarations.models import Declaration, DeclarationStatus  # noqa: E402

COLUMNS = "d.id, d.title, d.category_name, d.hours_claimed, d.submitted_at, d.person_id"
BEFORE = {
    "page": f"SELECT {COLUMNS} FROM declarations_declaration d"  # noqa: S608 (constants)
    " JOIN review_chainstep c ON c.declaration_id = d.id"
    " WHERE d.status = 'pending' AND c.organization_id = %s AND c.position = d.current_position"
    " ORDER BY d.submitted_at, d.id LIMIT 20",
    "count": "SELECT count(*) FROM declarations_declaration d"
    " JOIN review_chainstep c ON c.declaration_id = d.id"
    " WHERE d.status = 'pending' AND c.organization_id = %s AND c.position = d.current_position",
}
AFTER = {
    "page": f"SELECT {COLUMNS} FROM declarations_declaration d"  # noqa: S608 (constants)
    " WHERE d.status = 'pending' AND d.current_organization_id = %s"
    " ORDER BY d.submitted_at, d.id LIMIT 20",
    "count": "SELECT count(*) FROM declarations_declaration d"
    " WHERE d.status = 'pending' AND d.current_organization_id = %s",
}


def explain(statement: str, organization_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", [organization_id])
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    busiest = (
        Declaration.objects.filter(
            status=DeclarationStatus.PENDING, current_organization__kind="authority"
        )
        .values("current_organization")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if busiest is None:
        raise SystemExit("No claim pending at an authority: build a province first (bench/run).")
    organization_id, pending = busiest["current_organization"], busiest["n"]
    claims = Declaration.objects.count()
    lines = [
        "",
        f"### Authority review queue, EXPLAIN ANALYZE — {claims:,} claims, {pending:,} pending at"
        f" the authority — {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Load average {os.getloadavg()[0]:.2f} (`bench/queue_explain.py`).",
    ]
    for when, statements in (("before (chain-step join)", BEFORE), ("after (index)", AFTER)):
        for what, statement in statements.items():
            plan = explain(statement, organization_id)
            print(f"== {when}, {what}\n{plan}\n", flush=True)
            lines += ["", f"{when}, {what}:", "", "```", plan, "```"]
    append("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
