"""A batch cut short by a database failure reports row by row what was done and what not
(issue 21 part 6: "a batch cut short by a database failure does not tell the user which rows
were done"). The database really fails: a trigger refuses the update of the third claim, as a
full disk or a lost connection would (PostgreSQL: SQLSTATE 53100 disk_full; SQLite: ABORT)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.orgs.tests.factories import act_as
from xueshi.review.models import TrailAction, TrailEntry
from xueshi.review.services import (
    BATCH_INTERRUPTED,
    DATABASE_FAILED,
    declaration_approve,
    review_many,
)
from xueshi.review.tests.test_declarations_views import guangxi_training
from xueshi.review.tests.test_views import guangxi_claim

pytestmark = pytest.mark.django_db

TABLE = Declaration._meta.db_table


@contextmanager
def _fail_updates_of(declaration_id: int) -> Iterator[None]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION xs_test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' "
                "USING ERRCODE = 'disk_full'; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER xs_test_disk_full BEFORE UPDATE ON {TABLE} FOR EACH ROW "
                f"WHEN (OLD.id = {int(declaration_id)}) EXECUTE FUNCTION xs_test_disk_full()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER xs_test_disk_full BEFORE UPDATE ON {TABLE} "
                f"WHEN OLD.id = {int(declaration_id)} "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )
    try:
        yield
    finally:
        _drop_trigger()


def _drop_trigger() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS xs_test_disk_full ON {TABLE}")
            cursor.execute("DROP FUNCTION IF EXISTS xs_test_disk_full()")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS xs_test_disk_full")


@pytest.fixture
def five_claims(demo: Any) -> list[Declaration]:
    names = ["覃海燕", "蒙丽", "陈静", "覃海燕", "蒙丽"]
    return [guangxi_claim(demo, name, f"培训{i}") for i, name in enumerate(names, 1)]


def _statuses(claims: list[Declaration]) -> list[tuple[str, int | None]]:
    rows = Declaration.objects.in_bulk([c.pk for c in claims])
    return [(rows[c.pk].status, rows[c.pk].current_position) for c in claims]


def test_review_many_reports_done_failed_and_untried_rows(demo: Any, five_claims: Any) -> None:
    reviewer = demo.role("gx_gxu")
    before = _statuses(five_claims)
    with _fail_updates_of(five_claims[2].pk):
        results = review_many(
            declaration_approve,
            declaration_ids=[c.pk for c in five_claims],
            actor=reviewer.user,
            role=reviewer,
        )

    assert [(r.declaration_id, r.ok, r.message) for r in results] == [
        (five_claims[0].pk, True, ""),
        (five_claims[1].pk, True, ""),
        (five_claims[2].pk, False, DATABASE_FAILED),
        (five_claims[3].pk, False, BATCH_INTERRUPTED),
        (five_claims[4].pk, False, BATCH_INTERRUPTED),
    ]
    after = _statuses(five_claims)
    assert after[0] != before[0] and after[1] != before[1]  # moved on to the next level
    assert after[2:] == before[2:]  # the failed one rolled back, the rest untouched


def test_the_batch_page_says_which_rows_were_done_and_which_not(
    client: Any, demo: Any, five_claims: Any
) -> None:
    act_as(client, demo.role("gx_gxu"))
    ids = [c.pk for c in five_claims]
    with _fail_updates_of(five_claims[2].pk):
        response = client.post(reverse("review:batch"), {"action": "approve", "ids": ids})

    assert response.status_code == 302  # never a server error
    texts = [str(m) for m in response.wsgi_request._messages]
    assert "已批量通过审核 2 条申报。" in texts
    report = next(t for t in texts if t.startswith("批量处理因数据库故障中断"))
    assert f"已处理：#{ids[0]}、#{ids[1]}" in report
    assert f"未处理 3 条：#{ids[2]}、#{ids[3]}、#{ids[4]}" in report
    assert "请稍后重试" in report
    # The page after the redirect works (the connection is usable again).
    assert client.get(reverse("review:queue")).status_code == 200


def test_batch_submit_shows_each_row_with_what_became_of_it(client: Any, demo: Any) -> None:
    drafts = [guangxi_training(demo, title=f"培训{i}") for i in range(1, 5)]
    act_as(client, demo.professional("覃海燕"))
    with _fail_updates_of(drafts[1].pk):
        response = client.post(
            reverse("declarations:submit"),
            {"ids": [d.pk for d in drafts], "target": "unit"},
            follow=True,
        )

    assert response.status_code == 200
    rows = response.context["batch_results"]
    assert [(r["title"], r["ok"]) for r in rows] == [
        ("培训1", True),
        ("培训2", False),
        ("培训3", False),
        ("培训4", False),
    ]
    assert rows[1]["message"] == DATABASE_FAILED
    assert rows[2]["message"] == rows[3]["message"] == BATCH_INTERRUPTED
    statuses = [Declaration.objects.get(pk=d.pk).status for d in drafts]
    assert statuses == [DeclarationStatus.PENDING] + [DeclarationStatus.DRAFT] * 3
    html = response.content.decode()
    assert "批量处理因数据库故障中断" in html


def test_a_chunk_that_meets_a_deadlock_is_tried_again(demo: Any, five_claims: Any) -> None:
    """PostgreSQL fails one side of a deadlock (SQLSTATE 40P01) with a single move running
    beside the batch: the batch tries its chunk again from the move that failed, and every
    claim is moved once. The trigger fails the third claim's first update only (a sequence:
    it counts outside the rolled-back transaction)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLSTATE 40P01 is PostgreSQL's")
    reviewer = demo.role("gx_gxu")
    before = _statuses(five_claims)
    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE xs_test_once")
        cursor.execute(
            "CREATE FUNCTION xs_test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF nextval('xs_test_once') = 1 THEN RAISE EXCEPTION 'deadlock detected' "
            "USING ERRCODE = 'deadlock_detected'; END IF; RETURN NEW; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER xs_test_disk_full BEFORE UPDATE ON {TABLE} FOR EACH ROW "
            f"WHEN (OLD.id = {int(five_claims[2].pk)}) EXECUTE FUNCTION xs_test_disk_full()"
        )
    try:
        results = review_many(
            declaration_approve,
            declaration_ids=[c.pk for c in five_claims],
            actor=reviewer.user,
            role=reviewer,
        )
    finally:
        _drop_trigger()
        with connection.cursor() as cursor:
            cursor.execute("DROP SEQUENCE xs_test_once")
    assert [(r.declaration_id, r.ok) for r in results] == [(c.pk, True) for c in five_claims]
    after = _statuses(five_claims)
    assert all(a != b for a, b in zip(after, before, strict=True))
    trail = TrailEntry.objects.filter(declaration__in=five_claims, action=TrailAction.APPROVE)
    assert trail.count() == 5  # each moved once
