"""我的消息 costs the same number of queries for a few messages as for a full page."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueshi.notifications.services import notify
from xueshi.orgs.tests.factories import act_as


def count_queries(client, expected: int) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert response.content.decode().count("测试消息") >= expected
    return len(context.captured_queries)


def test_notification_list_queries_do_not_grow(client, demo):
    role = demo.professional("赵磊")
    act_as(client, role)
    for number in range(2):
        notify(recipient=role.user, message=f"测试消息{number:02d}", url="/declarations/")
    few = count_queries(client, 2)
    for number in range(2, 20):
        notify(recipient=role.user, message=f"测试消息{number:02d}", url="/declarations/")
    many = count_queries(client, 20)
    assert few == many, (few, many)
