"""代为申报's people search costs the same number of queries for a few people as for many."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueshi.accounts.services import person_create
from xueshi.core.testing import make_id_number
from xueshi.orgs.tests.factories import act_as


def add_people(demo: Any, start: int, count: int) -> None:
    unit = demo.organization("广西大学")
    for index in range(start, start + count):
        person_create(
            id_number=make_id_number("450102", datetime.date(1990, 1, 1), 500 + index),
            name=f"测试人员{index:02d}",
            unit=unit,
        )


def count_queries(client: Any, expected: int) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("declarations:declare_for"), {"q": "测试人员"})
    assert response.status_code == 200
    assert response.content.decode().count("测试人员") >= expected
    return len(context.captured_queries)


def test_declare_for_people_search_queries_do_not_grow(client, demo):
    act_as(client, demo.role("gx_gxu"))
    add_people(demo, 0, 2)
    few = count_queries(client, 2)
    add_people(demo, 2, 18)  # 20 people: a full page of results
    many = count_queries(client, 20)
    assert few == many, (few, many)


def test_declare_for_people_search_htmx_queries_do_not_grow(client, demo):
    act_as(client, demo.role("gx_gxu"))
    add_people(demo, 0, 2)
    headers = {"HX-Request": "true"}
    url = reverse("declarations:declare_for")
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"q": "测试人员"}, headers=headers)
    add_people(demo, 2, 18)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"q": "测试人员"}, headers=headers)
    assert response.content.decode().count("测试人员") >= 20
    assert len(few.captured_queries) == len(many.captured_queries)
