"""The administrators' query is aggregated in the database: as many queries for 50 people as
for 5, with general records for some and approved claims for others."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueshi.accounts.services import person_create
from xueshi.core.testing import make_id_number
from xueshi.ledger import views
from xueshi.ledger.services import GeneralRecordRow, general_records_import
from xueshi.ledger.tests.test_ledger import THIS_YEAR, anyang_claim, approve_all
from xueshi.orgs.tests.factories import act_as


@pytest.fixture(autouse=True)
def _one_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every person on one page, so 50 rows are really rendered."""
    monkeypatch.setattr(views, "PAGE_SIZE", 100)


def add_people(demo: Any, start: int, count: int) -> None:
    hospital = demo.organization("安阳市人民医院")
    rows = []
    for index in range(start, start + count):
        person = person_create(
            id_number=make_id_number("410502", datetime.date(1990, 1, 1), 100 + index),
            name=f"测试人员{index:02d}",
            unit=hospital,
            can_log_in=False,
        )
        if index % 2:
            rows.append(
                GeneralRecordRow(
                    index, person.id_number, person.name, "课", "30", f"{THIS_YEAR}-02-01",
                    "河南专技在线", f"Q-{index}",
                )
            )  # fmt: skip
    assert general_records_import(rows=rows).ok


def count_queries(client: Any, expected_rows: int) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("ledger:unit_query"), {"year": THIS_YEAR})
    assert response.status_code == 200
    assert response.content.decode().count("测试人员") >= expected_rows
    return len(context.captured_queries)


def test_unit_query_queries_do_not_grow_with_people(client, demo):
    approve_all(demo, anyang_claim(demo, courses=4))
    act_as(client, demo.role("ay_yiyuan"))
    add_people(demo, 0, 3)  # with 李明 and 刘洋: 5 people
    few = count_queries(client, 3)
    add_people(demo, 3, 45)  # 50 people
    many = count_queries(client, 48)
    assert few == many, (few, many)


def test_supervisor_query_queries_do_not_grow_with_people(client, demo):
    act_as(client, demo.role("ay_xiehui"))
    add_people(demo, 0, 2)
    few = count_queries(client, 2)
    add_people(demo, 2, 45)
    many = count_queries(client, 47)
    assert few == many, (few, many)
