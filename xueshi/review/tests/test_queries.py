"""The review pages issue the same number of queries however many rows they show."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueshi.orgs.tests.factories import act_as
from xueshi.review import views
from xueshi.review.services import declaration_approve, declaration_reject
from xueshi.review.tests.test_views import guangxi_claim

pytestmark = pytest.mark.django_db

NAMES = ("覃海燕", "蒙丽", "陈静", "黄伟")


@pytest.fixture(autouse=True)
def _one_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """All rows on one page, so 50 rows are really rendered."""
    monkeypatch.setattr(views, "PAGE_SIZE", 100)


def add_claims(demo: Any, count: int, start: int) -> list[int]:
    return [
        guangxi_claim(demo, NAMES[index % len(NAMES)], f"培训班第{index}期").pk
        for index in range(start, start + count)
    ]


def count_queries(client: Any, url: str, expected_rows: int, **params: Any) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    assert response.content.decode().count("培训班第") >= expected_rows
    return len(context.captured_queries)


def test_queue_queries_do_not_grow_with_rows(client, demo):
    act_as(client, demo.role("gx_gxu"))
    url = reverse("review:queue")
    add_claims(demo, 5, 0)
    few = count_queries(client, url, 5)
    add_claims(demo, 45, 5)
    many = count_queries(client, url, 50)
    assert few == many


def test_results_queries_do_not_grow_with_rows(client, demo):
    unit = demo.role("gx_gxu")
    final = demo.role("gx_jyt")  # 专业科目学时终审 (issue 13 item 6)
    act_as(client, unit)
    url = reverse("review:results")

    def decide(ids: list[int]) -> None:
        for index, pk in enumerate(ids):
            if index % 2:
                declaration_reject(declaration_id=pk, actor=unit.user, role=unit, reason="不符")
            else:
                declaration_approve(declaration_id=pk, actor=unit.user, role=unit, comment="同意")
                declaration_approve(declaration_id=pk, actor=final.user, role=final)

    decide(add_claims(demo, 5, 0))
    few = count_queries(client, url, 5)
    decide(add_claims(demo, 45, 5))
    many = count_queries(client, url, 50)
    assert few == many
