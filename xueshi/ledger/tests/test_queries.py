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


# --- a person's years: 学时查询 (my_years) and an administrator's drill-down (person_year) ---


def add_years(demo: Any, start: int, count: int, *, courses: int = 1) -> None:
    """General records for 李明 in `count` more years (before this one), `courses` each."""
    li = demo.person("李明")
    rows = [
        GeneralRecordRow(
            year * 10 + course, li.id_number, li.name, f"课程{year}-{course}", "2",
            f"{THIS_YEAR - 1 - year}-03-0{course + 1}", "河南专技在线", f"Y-{year}-{course}",
        )
        for year in range(start, start + count)
        for course in range(courses)
    ]  # fmt: skip
    assert general_records_import(rows=rows).ok


def add_courses_this_year(demo: Any, start: int, count: int) -> None:
    li = demo.person("李明")
    rows = [
        GeneralRecordRow(
            1000 + index, li.id_number, li.name, f"本年课程{index:02d}", "1",
            f"{THIS_YEAR}-02-01", "河南专技在线", f"C-{index}",
        )
        for index in range(start, start + count)
    ]  # fmt: skip
    assert general_records_import(rows=rows).ok


def count_page_queries(client: Any, url: str, marker: str, expected: int) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count(marker) >= expected
    return len(context.captured_queries)


def test_my_years_queries_do_not_grow_with_years(client, demo):
    act_as(client, demo.professional("李明"))
    url = reverse("ledger:my_years")
    add_years(demo, 0, 2)
    few = count_page_queries(client, url, "?year=", 2)
    add_years(demo, 2, 10, courses=3)
    many = count_page_queries(client, url, "?year=", 12)
    assert few == many, (few, many)


def test_person_year_queries_do_not_grow_with_years_or_records(client, demo):
    approve_all(demo, anyang_claim(demo, courses=4))
    act_as(client, demo.role("ay_yiyuan"))
    li = demo.person("李明")
    url = reverse("ledger:person_year", args=(li.pk, THIS_YEAR))
    add_years(demo, 0, 2)
    add_courses_this_year(demo, 0, 2)
    few = count_page_queries(client, url, "本年课程", 2)
    add_years(demo, 2, 10)
    add_courses_this_year(demo, 2, 20)
    many = count_page_queries(client, url, "本年课程", 22)
    assert few == many, (few, many)
