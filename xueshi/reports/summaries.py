"""The statistics summaries: how they are kept, rebuilt and checked.

`DeclarationSummary` holds every dimension of the page (the fallback for any filter); one
summary per table (`ROLLUPS`: per unit; per top-level authority and category, status, title
series, month) holds only that table's dimension, the scope and the year, so the default page
sums a few hundred rows; `VerdictSummary` counts verdicts for the reviewer table;
`PendingClaim` holds each pending claim at its current step for the pending-age table (a row
per claim: the oldest wait of a group cannot be taken back from a counter); `RoutedStep` the
steps routed outside a unit's subtree.

They are kept by PostgreSQL statement-level triggers with transition tables, so every write to
the claims updates them in the same transaction, whatever path it takes: a transition of the
lifecycle (submit, approve at a level, return, reject, withdraw, delete), an edit of a returned
claim, the importer's COPY of a whole batch (one aggregate upsert per statement, not one per
row), a batch approval, the admin. Each trigger adds `+n` / `-n` with ``INSERT … ON CONFLICT DO
UPDATE SET n = n + excluded.n``, so concurrent transitions never lose a count.

On SQLite (the zero set-up development database) no trigger is installed: `summaries_in_use()`
is false and the statistics page counts the claims directly, as before.
"""

# The SQL here is built from this module's own constants, never from input.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction

SUMMARY = "reports_declarationsummary"
ROUTED = "reports_routedstep"
KEY_COLUMNS = (
    "unit_id",
    "registered_by_organization_id",
    "category_code",
    "category_name",
    "status",
    "status_level",
    "credit_year",
    "month",
    "track",
)
# Drafts were never sent and deleted claims are gone: neither is counted (scoped_declarations).
COUNTED = "d.status NOT IN ('draft', 'deleted')"
# The top-level authority a claim's unit lies under (`/1/7/42/` → 1), as of the claim's last
# write: an organisation moved under another top-level authority (its subtree's paths are
# rewritten) keeps its claims in the old one until `manage.py stats_rebuild` (docs/deploy.md).
ROOT = "nullif(split_part(u.path, '/', 2), '')::bigint"
VERDICTS = "reports_verdictsummary"
VERDICT_ACTIONS = "t.action IN ('approve', 'return', 'reject')"
VERDICT_COLUMNS = (
    "root_id",
    "registered_by_organization_id",
    "credit_year",
    "organization_id",
    "level_name",
    "action",
)


def _track(specialty: str) -> str:
    """reports.selectors.track_expression in SQL: the text before the first "/"."""
    return (
        f"CASE WHEN strpos({specialty}, '/') > 0 "
        f"THEN substr({specialty}, 1, strpos({specialty}, '/') - 1) ELSE {specialty} END"
    )


def _keys(specialty: str = "p.specialty") -> str:
    month = f"(date_trunc('month', d.submitted_at AT TIME ZONE '{settings.TIME_ZONE}'))::date"
    return (
        "d.unit_id, d.registered_by_organization_id, d.category_code, d.category_name, "
        f"d.status, d.status_level, d.credit_year, {month}, {_track(specialty)}"
    )


def _month() -> str:
    return f"(date_trunc('month', d.submitted_at AT TIME ZONE '{settings.TIME_ZONE}'))::date"


@dataclass(frozen=True)
class Rollup:
    """A per-table summary: its table, its key columns and their SQL over a claim `d`, its
    unit `u` and its person `p` (`{specialty}` stands for the person's title series)."""

    table: str
    columns: tuple[str, ...]
    expressions: tuple[str, ...]

    def keys(self, specialty: str = "p.specialty") -> str:
        return ", ".join(e.format(track=_track(specialty)) for e in self.expressions)

    @property
    def uses_person(self) -> bool:
        return any("{track}" in expression for expression in self.expressions)


_SCOPE = ("d.registered_by_organization_id", "d.credit_year")
_SCOPE_COLUMNS = ("registered_by_organization_id", "credit_year")
ROLLUPS = (
    Rollup("reports_unitsummary", ("unit_id", *_SCOPE_COLUMNS), ("d.unit_id", *_SCOPE)),
    Rollup(
        "reports_categorysummary",
        ("root_id", *_SCOPE_COLUMNS, "category_code", "category_name"),
        (ROOT, *_SCOPE, "d.category_code", "d.category_name"),
    ),
    Rollup(
        "reports_statussummary",
        ("root_id", *_SCOPE_COLUMNS, "status", "status_level"),
        (ROOT, *_SCOPE, "d.status", "d.status_level"),
    ),
    Rollup(
        "reports_tracksummary", ("root_id", *_SCOPE_COLUMNS, "track"), (ROOT, *_SCOPE, "{track}")
    ),
    Rollup(
        "reports_monthsummary", ("root_id", *_SCOPE_COLUMNS, "month"), (ROOT, *_SCOPE, _month())
    ),
)
TRACK_ROLLUP = ROLLUPS[3]
ROLLUP_MEASURES = ("declarations", "approved", "hours_claimed", "hours_granted")


def _rollup_upsert(rollup: Rollup, rows: str, specialty: str = "p.specialty") -> str:
    """Add the signed `rows` (claims with a `sign` column) to `rollup`, in key order (two
    transactions lock the summary rows in the same order)."""
    keys = rollup.keys(specialty)
    person = (
        "JOIN accounts_person p ON p.id = d.person_id"
        if rollup.uses_person and specialty == "p.specialty"
        else ""
    )
    columns = ", ".join(rollup.columns)
    updates = ", ".join(f"{m} = s.{m} + excluded.{m}" for m in ROLLUP_MEASURES)
    return f"""
INSERT INTO {rollup.table} AS s ({columns}, {", ".join(ROLLUP_MEASURES)})
SELECT {keys}, sum(d.sign)::integer,
       coalesce(sum(d.sign) FILTER (WHERE d.status = 'approved'), 0)::integer,
       coalesce(sum(d.sign * d.hours_claimed), 0), coalesce(sum(d.sign * d.hours_granted), 0)
FROM ({rows}) d LEFT JOIN orgs_organization u ON u.id = d.unit_id {person}
WHERE {COUNTED}
GROUP BY {keys}
HAVING sum(d.sign) <> 0 OR coalesce(sum(d.sign * d.hours_claimed), 0) <> 0
    OR coalesce(sum(d.sign * d.hours_granted), 0) <> 0
    -- An approval that changes neither the count nor the hours (granted before the last
    -- level, or 0 hours) still moves the approved count.
    OR coalesce(sum(d.sign) FILTER (WHERE d.status = 'approved'), 0) <> 0
ORDER BY {keys}
ON CONFLICT ({columns}) DO UPDATE SET {updates}"""


def _rollup_full(rollup: Rollup) -> str:
    keys = rollup.keys()
    person = "JOIN accounts_person p ON p.id = d.person_id" if rollup.uses_person else ""
    return f"""
SELECT {keys}, count(*)::integer, count(*) FILTER (WHERE d.status = 'approved')::integer,
       coalesce(sum(d.hours_claimed), 0), coalesce(sum(d.hours_granted), 0)
FROM declarations_declaration d LEFT JOIN orgs_organization u ON u.id = d.unit_id {person}
WHERE {COUNTED}
GROUP BY {keys}"""


_VERDICT_KEYS = f"{ROOT}, d.registered_by_organization_id, d.credit_year, " + (
    "t.organization_id, t.level_name, t.action"
)


def _verdict_upsert(source: str, sign: str) -> str:
    """Add the verdicts of `source` (a FROM naming the trail `t` and its claim `d`), each
    counted `sign` times, to the verdict summary in key order."""
    columns = ", ".join(VERDICT_COLUMNS)
    return f"""
INSERT INTO {VERDICTS} AS s ({columns}, verdicts)
SELECT {_VERDICT_KEYS}, sum({sign})::integer
FROM {source} LEFT JOIN orgs_organization u ON u.id = d.unit_id
WHERE {VERDICT_ACTIONS} AND {COUNTED}
GROUP BY {_VERDICT_KEYS}
HAVING sum({sign}) <> 0
ORDER BY {_VERDICT_KEYS}
ON CONFLICT ({columns}) DO UPDATE SET verdicts = s.verdicts + excluded.verdicts"""


_VERDICT_FULL = f"""
SELECT {_VERDICT_KEYS}, count(*)::integer
FROM review_trailentry t JOIN declarations_declaration d ON d.id = t.declaration_id
LEFT JOIN orgs_organization u ON u.id = d.unit_id
WHERE {VERDICT_ACTIONS} AND {COUNTED}
GROUP BY {_VERDICT_KEYS}"""

# A claim whose verdicts count elsewhere now: another unit, declaring organisation or year,
# or in or out of the counted states (withdrawn to a draft, deleted).
_VERDICT_MOVED = """(SELECT {side}.*, {sign} AS sign FROM old_declarations o
    JOIN new_declarations n ON n.id = o.id
    WHERE (o.unit_id, o.registered_by_organization_id, o.credit_year,
           o.status IN ('draft', 'deleted'))
      IS DISTINCT FROM (n.unit_id, n.registered_by_organization_id, n.credit_year,
           n.status IN ('draft', 'deleted')))"""
_VERDICTS_OF_MOVED = (
    "("
    + _VERDICT_MOVED.format(side="o", sign=-1)
    + " UNION ALL "
    + _VERDICT_MOVED.format(side="n", sign=1)
    + ") d JOIN review_trailentry t ON t.declaration_id = d.id"
)


_UPSERT = f"""
INSERT INTO {SUMMARY} AS s ({", ".join(KEY_COLUMNS)}, declarations, hours_claimed, hours_granted)
{{select}}
ON CONFLICT ({", ".join(KEY_COLUMNS)}) DO UPDATE SET
    declarations = s.declarations + excluded.declarations,
    hours_claimed = s.hours_claimed + excluded.hours_claimed,
    hours_granted = s.hours_granted + excluded.hours_granted
"""


def _signed_select(rows: str, *, specialty: str = "p.specialty", join_person: bool = True) -> str:
    """Aggregate `rows` (with a `sign` column) into summary deltas, in key order (so two
    transactions lock the summary rows in the same order)."""
    person = "JOIN accounts_person p ON p.id = d.person_id" if join_person else ""
    keys = _keys(specialty)
    return f"""
SELECT {keys}, sum(d.sign)::integer,
       coalesce(sum(d.sign * d.hours_claimed), 0), coalesce(sum(d.sign * d.hours_granted), 0)
FROM ({rows}) d {person}
WHERE {COUNTED}
GROUP BY {keys}
HAVING sum(d.sign) <> 0 OR coalesce(sum(d.sign * d.hours_claimed), 0) <> 0
    OR coalesce(sum(d.sign * d.hours_granted), 0) <> 0
ORDER BY {keys}
"""


def _declaration_function(name: str, rows: str, verdicts: str = "") -> str:
    rollups = "".join(f"{_rollup_upsert(rollup, rows)};\n" for rollup in ROLLUPS)
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_UPSERT.format(select=_signed_select(rows))};
{rollups}{verdicts}
RETURN NULL;
END $$;
"""


_PERSON_ROWS = """
SELECT d.*, {sign} AS sign, {column} AS changed_specialty
FROM declarations_declaration d
JOIN old_people o ON o.id = d.person_id
JOIN new_people n ON n.id = o.id
WHERE o.specialty IS DISTINCT FROM n.specialty
"""

PENDING = "reports_pendingclaim"
PENDING_COLUMNS = (
    "declaration_id",
    "root_id",
    "registered_by_organization_id",
    "credit_year",
    "organization_id",
    "level_name",
    "arrived_at",
)
# review.waiting.arrived_at in SQL: the last arriving trail entry, else the submission.
_PENDING_SELECT = f"""
SELECT d.id, {ROOT}, d.registered_by_organization_id, d.credit_year, c.organization_id,
       c.level_name,
       coalesce((SELECT t.at FROM review_trailentry t
                 WHERE t.declaration_id = d.id AND t.action IN ('submit', 'declare_for', 'approve')
                 ORDER BY t.at DESC, t.id DESC LIMIT 1), d.submitted_at)
FROM declarations_declaration d
JOIN review_chainstep c ON c.declaration_id = d.id AND c.position = d.current_position
LEFT JOIN orgs_organization u ON u.id = d.unit_id
WHERE d.status = 'pending'"""


def _pending_trigger(table: str, name: str, event: str, ids: str) -> str:
    """A claim's row is recomputed from the claim, its steps and its trail whenever any of
    them is written: whichever statement of a transition runs last leaves it right."""
    transition = {"INSERT": "NEW TABLE AS changed", "DELETE": "OLD TABLE AS changed"}
    referencing = transition.get(event, "OLD TABLE AS old_changed NEW TABLE AS changed")
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
PERFORM reports_pending_refresh(ARRAY({ids}));
RETURN NULL;
END $$;
CREATE TRIGGER {name} AFTER {event} ON {table}
REFERENCING {referencing}
FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""


_PENDING_TRIGGERS = {
    "reports_pending_declaration_insert": (
        "declarations_declaration",
        "INSERT",
        "SELECT id FROM changed WHERE status = 'pending'",
    ),
    "reports_pending_declaration_delete": (
        "declarations_declaration",
        "DELETE",
        "SELECT id FROM changed WHERE status = 'pending'",
    ),
    "reports_pending_declaration_update": (
        "declarations_declaration",
        "UPDATE",
        "SELECT n.id FROM changed n JOIN old_changed o ON o.id = n.id "
        "WHERE n.status = 'pending' OR o.status = 'pending'",
    ),
    "reports_pending_step_insert": (
        "review_chainstep",
        "INSERT",
        "SELECT DISTINCT declaration_id FROM changed",
    ),
    "reports_pending_step_delete": (
        "review_chainstep",
        "DELETE",
        "SELECT DISTINCT declaration_id FROM changed",
    ),
    "reports_pending_step_update": (
        "review_chainstep",
        "UPDATE",
        "SELECT declaration_id FROM changed UNION SELECT declaration_id FROM old_changed",
    ),
    "reports_pending_trail_insert": (
        "review_trailentry",
        "INSERT",
        "SELECT DISTINCT declaration_id FROM changed "
        "WHERE action IN ('submit', 'declare_for', 'approve')",
    ),
    "reports_pending_trail_update": (
        "review_trailentry",
        "UPDATE",
        "SELECT declaration_id FROM changed UNION SELECT declaration_id FROM old_changed",
    ),
    "reports_pending_trail_delete": (
        "review_trailentry",
        "DELETE",
        "SELECT DISTINCT declaration_id FROM changed "
        "WHERE action IN ('submit', 'declare_for', 'approve')",
    ),
}
_PENDING_REFRESH = f"""
CREATE OR REPLACE FUNCTION reports_pending_refresh(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
DELETE FROM {PENDING} WHERE declaration_id = ANY(ids);
INSERT INTO {PENDING} ({", ".join(PENDING_COLUMNS)})
{_PENDING_SELECT} AND d.id = ANY(ids)
ORDER BY d.id
ON CONFLICT (declaration_id) DO UPDATE SET
    {", ".join(f"{c} = excluded.{c}" for c in PENDING_COLUMNS[1:])};
$$;
"""

TRIGGERS_SQL = [
    _declaration_function(
        "reports_summary_inserted", "SELECT n.*, 1 AS sign FROM new_declarations n"
    ),
    # A claim deleted with its trail still there (its trail is usually deleted first).
    _declaration_function(
        "reports_summary_deleted",
        "SELECT o.*, -1 AS sign FROM old_declarations o",
        _verdict_upsert(
            "old_declarations d JOIN review_trailentry t ON t.declaration_id = d.id", "-1"
        )
        + ";",
    ),
    _declaration_function(
        "reports_summary_updated",
        "SELECT n.*, 1 AS sign FROM new_declarations n "
        "UNION ALL SELECT o.*, -1 AS sign FROM old_declarations o",
        _verdict_upsert(_VERDICTS_OF_MOVED, "d.sign") + ";",
    ),
    # A changed title series moves the person's claims from one track to another.
    f"""
CREATE OR REPLACE FUNCTION reports_summary_person_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{
        _UPSERT.format(
            select=_signed_select(
                _PERSON_ROWS.format(sign=-1, column="o.specialty")
                + " UNION ALL "
                + _PERSON_ROWS.format(sign=1, column="n.specialty"),
                specialty="d.changed_specialty",
                join_person=False,
            )
        )
    };
{
        _rollup_upsert(
            TRACK_ROLLUP,
            _PERSON_ROWS.format(sign=-1, column="o.specialty")
            + " UNION ALL "
            + _PERSON_ROWS.format(sign=1, column="n.specialty"),
            specialty="d.changed_specialty",
        )
    };
RETURN NULL;
END $$;
""",
    f"""
CREATE OR REPLACE FUNCTION reports_routed_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
INSERT INTO {ROUTED} (chain_step_id, declaration_id, organization_id)
SELECT c.id, c.declaration_id, c.organization_id
FROM new_steps c
JOIN declarations_declaration d ON d.id = c.declaration_id
JOIN orgs_organization o ON o.id = c.organization_id
LEFT JOIN orgs_organization u ON u.id = d.unit_id
WHERE u.id IS NULL OR NOT starts_with(u.path, o.path)
ON CONFLICT DO NOTHING;
RETURN NULL;
END $$;
""",
    f"""
CREATE OR REPLACE FUNCTION reports_routed_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
DELETE FROM {ROUTED} r USING old_steps c WHERE r.chain_step_id = c.id;
RETURN NULL;
END $$;
""",
    f"""
CREATE OR REPLACE FUNCTION reports_verdicts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_verdict_upsert("new_trail t JOIN declarations_declaration d ON d.id = t.declaration_id", "1")};
RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION reports_verdicts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_verdict_upsert("old_trail t JOIN declarations_declaration d ON d.id = t.declaration_id", "-1")};
RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION reports_verdicts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{
        _verdict_upsert(
            "(SELECT n.*, 1 AS sign FROM new_trail n UNION ALL "
            "SELECT o.*, -1 AS sign FROM old_trail o) t "
            "JOIN declarations_declaration d ON d.id = t.declaration_id",
            "t.sign",
        )
    };
RETURN NULL;
END $$;
""",
    """
CREATE TRIGGER reports_verdicts_insert AFTER INSERT ON review_trailentry
REFERENCING NEW TABLE AS new_trail
FOR EACH STATEMENT EXECUTE FUNCTION reports_verdicts_inserted();
CREATE TRIGGER reports_verdicts_delete AFTER DELETE ON review_trailentry
REFERENCING OLD TABLE AS old_trail
FOR EACH STATEMENT EXECUTE FUNCTION reports_verdicts_deleted();
CREATE TRIGGER reports_verdicts_update AFTER UPDATE ON review_trailentry
REFERENCING OLD TABLE AS old_trail NEW TABLE AS new_trail
FOR EACH STATEMENT EXECUTE FUNCTION reports_verdicts_updated();
CREATE TRIGGER reports_summary_insert AFTER INSERT ON declarations_declaration
REFERENCING NEW TABLE AS new_declarations
FOR EACH STATEMENT EXECUTE FUNCTION reports_summary_inserted();
CREATE TRIGGER reports_summary_delete AFTER DELETE ON declarations_declaration
REFERENCING OLD TABLE AS old_declarations
FOR EACH STATEMENT EXECUTE FUNCTION reports_summary_deleted();
CREATE TRIGGER reports_summary_update AFTER UPDATE ON declarations_declaration
REFERENCING OLD TABLE AS old_declarations NEW TABLE AS new_declarations
FOR EACH STATEMENT EXECUTE FUNCTION reports_summary_updated();
CREATE TRIGGER reports_summary_person AFTER UPDATE ON accounts_person
REFERENCING OLD TABLE AS old_people NEW TABLE AS new_people
FOR EACH STATEMENT EXECUTE FUNCTION reports_summary_person_updated();
CREATE TRIGGER reports_routed_insert AFTER INSERT ON review_chainstep
REFERENCING NEW TABLE AS new_steps
FOR EACH STATEMENT EXECUTE FUNCTION reports_routed_inserted();
CREATE TRIGGER reports_routed_delete AFTER DELETE ON review_chainstep
REFERENCING OLD TABLE AS old_steps
FOR EACH STATEMENT EXECUTE FUNCTION reports_routed_deleted();
""",
]

TRIGGERS_SQL += [_PENDING_REFRESH] + [
    _pending_trigger(table, name, event, ids)
    for name, (table, event, ids) in _PENDING_TRIGGERS.items()
]

DROP_SQL = (
    (
        "".join(
            f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();\n"
            for name, (table, _event, _ids) in _PENDING_TRIGGERS.items()
        )
        + "DROP FUNCTION IF EXISTS reports_pending_refresh(bigint[]);\n"
    )
    + """
DROP TRIGGER IF EXISTS reports_summary_insert ON declarations_declaration;
DROP TRIGGER IF EXISTS reports_summary_delete ON declarations_declaration;
DROP TRIGGER IF EXISTS reports_summary_update ON declarations_declaration;
DROP TRIGGER IF EXISTS reports_summary_person ON accounts_person;
DROP TRIGGER IF EXISTS reports_routed_insert ON review_chainstep;
DROP TRIGGER IF EXISTS reports_routed_delete ON review_chainstep;
DROP FUNCTION IF EXISTS reports_summary_inserted();
DROP FUNCTION IF EXISTS reports_summary_deleted();
DROP FUNCTION IF EXISTS reports_summary_updated();
DROP FUNCTION IF EXISTS reports_summary_person_updated();
DROP FUNCTION IF EXISTS reports_routed_inserted();
DROP FUNCTION IF EXISTS reports_routed_deleted();
DROP TRIGGER IF EXISTS reports_verdicts_insert ON review_trailentry;
DROP TRIGGER IF EXISTS reports_verdicts_delete ON review_trailentry;
DROP TRIGGER IF EXISTS reports_verdicts_update ON review_trailentry;
DROP FUNCTION IF EXISTS reports_verdicts_inserted();
DROP FUNCTION IF EXISTS reports_verdicts_deleted();
DROP FUNCTION IF EXISTS reports_verdicts_updated();
"""
)

_FULL_GROUP_BY = f"""
SELECT {_keys()}, count(*)::integer, coalesce(sum(d.hours_claimed), 0),
       coalesce(sum(d.hours_granted), 0)
FROM declarations_declaration d JOIN accounts_person p ON p.id = d.person_id
WHERE {COUNTED}
GROUP BY {_keys()}
"""

_ROUTED_FROM_STEPS = """
SELECT c.id, c.declaration_id, c.organization_id
FROM review_chainstep c
JOIN declarations_declaration d ON d.id = c.declaration_id
JOIN orgs_organization o ON o.id = c.organization_id
LEFT JOIN orgs_organization u ON u.id = d.unit_id
WHERE u.id IS NULL OR NOT starts_with(u.path, o.path)
"""


def summaries_in_use() -> bool:
    """The triggers exist on PostgreSQL only; elsewhere statistics count the claims directly."""
    return connection.vendor == "postgresql"


def install_triggers() -> None:
    with connection.cursor() as cursor:
        for statement in TRIGGERS_SQL:
            cursor.execute(statement)


def drop_triggers() -> None:
    with connection.cursor() as cursor:
        cursor.execute(DROP_SQL)


def migration_reinstall(apps: Any, schema_editor: Any) -> None:
    """For a migration that changes the triggers: the newest ones, then every summary refilled
    from the claims already there (PostgreSQL only; a new SQL function is only as right as
    the rows it will add to)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    drop_triggers()
    install_triggers()
    summaries_rebuild()


def migration_uninstall(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        drop_triggers()


@transaction.atomic
def summaries_rebuild() -> dict[str, int]:
    """Refill every summary from the claims, the trail and the chain steps (after a bulk load
    without the triggers, or to repair what `summaries_match` reports)."""
    if not summaries_in_use():
        return {"summaries": 0, "routed": 0}
    with connection.cursor() as cursor:
        tables = ", ".join(
            (SUMMARY, ROUTED, VERDICTS, PENDING, *(rollup.table for rollup in ROLLUPS))
        )
        cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
        cursor.execute(f"TRUNCATE {tables}")
        cursor.execute(
            f"INSERT INTO {SUMMARY} ({', '.join(KEY_COLUMNS)}, declarations, hours_claimed, "
            f"hours_granted) {_FULL_GROUP_BY}"
        )
        summaries = cursor.rowcount
        for rollup in ROLLUPS:
            cursor.execute(
                f"INSERT INTO {rollup.table} ({', '.join(rollup.columns)}, "
                f"{', '.join(ROLLUP_MEASURES)}) {_rollup_full(rollup)}"
            )
            summaries += cursor.rowcount
        cursor.execute(
            f"INSERT INTO {VERDICTS} ({', '.join(VERDICT_COLUMNS)}, verdicts) {_VERDICT_FULL}"
        )
        summaries += cursor.rowcount
        cursor.execute(f"INSERT INTO {PENDING} ({', '.join(PENDING_COLUMNS)}) {_PENDING_SELECT}")
        summaries += cursor.rowcount
        cursor.execute(
            f"INSERT INTO {ROUTED} (chain_step_id, declaration_id, organization_id) "
            f"{_ROUTED_FROM_STEPS}"
        )
        routed = cursor.rowcount
    return {"summaries": summaries, "routed": routed}


@dataclass(frozen=True)
class Mismatch:
    table: str
    key: tuple[Any, ...]
    expected: tuple[Any, ...] | None  # from the claims
    found: tuple[Any, ...] | None  # in the summary


def summaries_match() -> list[Mismatch]:
    """Compare the summaries with a full GROUP BY over the claims (and the routed steps with
    the chain steps); an empty list means they agree. Rows whose counts are all zero are
    left from claims that moved on and equal no row."""
    if not summaries_in_use():
        return []
    zero = (0, Decimal(0), Decimal(0))
    with connection.cursor() as cursor:
        cursor.execute(_FULL_GROUP_BY)
        expected = {tuple(row[:9]): tuple(row[9:]) for row in cursor.fetchall()}
        cursor.execute(
            f"SELECT {', '.join(KEY_COLUMNS)}, declarations, hours_claimed, hours_granted "
            f"FROM {SUMMARY}"
        )
        found = {tuple(row[:9]): tuple(row[9:]) for row in cursor.fetchall()}
        cursor.execute(_ROUTED_FROM_STEPS)
        routed_expected = {tuple(row) for row in cursor.fetchall()}
        cursor.execute(f"SELECT chain_step_id, declaration_id, organization_id FROM {ROUTED}")
        routed_found = {tuple(row) for row in cursor.fetchall()}
    mismatches = _differences(SUMMARY, expected, found, zero)
    for rollup in ROLLUPS:
        mismatches += _compare(
            rollup.table,
            rollup.columns,
            ROLLUP_MEASURES,
            _rollup_full(rollup),
            (0, 0, Decimal(0), Decimal(0)),
        )
    mismatches += _compare(VERDICTS, VERDICT_COLUMNS, ("verdicts",), _VERDICT_FULL, (0,))
    mismatches += _compare(PENDING, PENDING_COLUMNS[:1], PENDING_COLUMNS[1:], _PENDING_SELECT, ())
    mismatches += [
        Mismatch(
            ROUTED,
            row,
            row if row in routed_expected else None,
            row if row in routed_found else None,
        )
        for row in sorted(routed_expected ^ routed_found)
    ]
    return mismatches


def _differences(
    table: str,
    expected: dict[tuple[Any, ...], tuple[Any, ...]],
    found: dict[tuple[Any, ...], tuple[Any, ...]],
    zero: tuple[Any, ...],
) -> list[Mismatch]:
    return [
        Mismatch(table, key, expected.get(key), found.get(key))
        for key in sorted(set(expected) | set(found), key=repr)
        if expected.get(key, zero) != found.get(key, zero)
    ]


def _compare(
    table: str,
    columns: tuple[str, ...],
    measures: tuple[str, ...],
    full_group_by: str,
    zero: tuple[Any, ...],
) -> list[Mismatch]:
    """One per-table summary against its full GROUP BY (rows all zero equal no row)."""
    width = len(columns)
    with connection.cursor() as cursor:
        cursor.execute(full_group_by)
        expected = {tuple(row[:width]): tuple(row[width:]) for row in cursor.fetchall()}
        cursor.execute(f"SELECT {', '.join(columns)}, {', '.join(measures)} FROM {table}")
        found = {tuple(row[:width]): tuple(row[width:]) for row in cursor.fetchall()}
    return _differences(table, expected, found, zero)
