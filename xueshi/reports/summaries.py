"""The statistics summaries (`DeclarationSummary`, `RoutedStep`): how they are kept, rebuilt and
checked.

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


def _declaration_function(name: str, rows: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_UPSERT.format(select=_signed_select(rows))};
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

TRIGGERS_SQL = [
    _declaration_function(
        "reports_summary_inserted", "SELECT n.*, 1 AS sign FROM new_declarations n"
    ),
    _declaration_function(
        "reports_summary_deleted", "SELECT o.*, -1 AS sign FROM old_declarations o"
    ),
    _declaration_function(
        "reports_summary_updated",
        "SELECT n.*, 1 AS sign FROM new_declarations n "
        "UNION ALL SELECT o.*, -1 AS sign FROM old_declarations o",
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
    """
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

DROP_SQL = """
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
"""

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


@transaction.atomic
def summaries_rebuild() -> dict[str, int]:
    """Refill both tables from the claims and chain steps (after a bulk load without the
    triggers, or to repair what `summaries_match` reports)."""
    if not summaries_in_use():
        return {"summaries": 0, "routed": 0}
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {SUMMARY}, {ROUTED} IN EXCLUSIVE MODE")
        cursor.execute(f"TRUNCATE {SUMMARY}, {ROUTED}")
        cursor.execute(
            f"INSERT INTO {SUMMARY} ({', '.join(KEY_COLUMNS)}, declarations, hours_claimed, "
            f"hours_granted) {_FULL_GROUP_BY}"
        )
        summaries = cursor.rowcount
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
    mismatches = [
        Mismatch(SUMMARY, key, expected.get(key), found.get(key))
        for key in sorted(set(expected) | set(found), key=repr)
        if expected.get(key, zero) != found.get(key, zero)
    ]
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
