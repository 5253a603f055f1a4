"""The bell: a return tells the person, the top bar counts unread messages, reading clears it."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.roles import ACTIVE_ROLE_SESSION_KEY
from xueshi.declarations.services import DeclarationInput, attachment_add, declaration_save
from xueshi.notifications.context_processors import unread
from xueshi.notifications.models import Notification
from xueshi.notifications.services import notify
from xueshi.review.services import declaration_return, declaration_submit
from xueshi.review.tests.test_declarations_views import PNG

PROCESSOR = "xueshi.notifications.context_processors.unread"
THIS_YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def bell_processor(settings: Any) -> None:
    """The project adds the processor in settings; make sure the tests run with it."""
    templates = copy.deepcopy(settings.TEMPLATES)
    processors = templates[0]["OPTIONS"]["context_processors"]
    if PROCESSOR not in processors:
        processors.append(PROCESSOR)
    settings.TEMPLATES = templates


def act_as(client: Client, role: Any) -> None:
    client.force_login(role.user)
    session = client.session
    session[ACTIVE_ROLE_SESSION_KEY] = role.pk
    session.save()


def returned_claim(demo: Any, capture: Any) -> Any:
    role = demo.professional("赵磊")
    declaration = declaration_save(
        person=demo.person("赵磊"),
        data=DeclarationInput(
            category_code="training",
            level_code="provincial_municipal",
            fields={
                "credit_year": THIS_YEAR,
                "title": "河南省高校教师培训班",
                "organizer": "河南省教育厅",
                "start_date": datetime.date(THIS_YEAR, 3, 2),
                "end_date": datetime.date(THIS_YEAR, 3, 6),
                "hours_claimed": 24,
            },
        ),
        actor=role.user,
        role=role,
    )
    # Henan: "需要上传培训通知、结业证书及单位证明材料" before it may be sent (issue 13 item 3).
    attachment_add(
        declaration=declaration,
        upload=SimpleUploadedFile("结业证书.png", PNG, content_type="image/png"),
        actor=role.user,
        role=role,
    )
    declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)
    unit = demo.role("ha_zzu")
    with capture(execute=True):
        declaration_return(
            declaration_id=declaration.pk, actor=unit.user, role=unit, reason="请补充结业证书"
        )
    return declaration


def test_return_notifies_the_person_and_the_bell_counts_it(
    demo, client, django_capture_on_commit_callbacks
):
    declaration = returned_claim(demo, django_capture_on_commit_callbacks)
    person = demo.professional("赵磊")
    notification = Notification.objects.get(recipient=person.user)
    assert "请补充结业证书" in notification.message
    assert notification.url == reverse("declarations:detail", args=[declaration.pk])

    act_as(client, person)
    html = client.get(reverse("declarations:list")).content.decode()
    assert reverse("notifications:list") in html
    assert "我的消息，1 条未读" in html

    page = client.get(reverse("notifications:list"))
    assert page.status_code == 200
    assert "请补充结业证书" in page.content.decode()

    # Opening the message marks it read and follows its link.
    response = client.post(reverse("notifications:mark_read"), {"id": notification.pk})
    assert response.status_code == 302
    assert response["Location"] == notification.url
    notification.refresh_from_db()
    assert notification.read_at is not None
    html = client.get(reverse("declarations:list")).content.decode()
    assert "条未读" not in html


def test_mark_all_read(demo, client):
    user = demo.professional("赵磊").user
    for number in range(3):
        notify(recipient=user, message=f"消息{number}")
    act_as(client, demo.professional("赵磊"))
    assert "我的消息，3 条未读" in client.get(reverse("notifications:list")).content.decode()
    response = client.post(reverse("notifications:mark_read"), follow=True)
    assert "已将 3 条消息标为已读。" in [str(m) for m in response.context["messages"]]
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()


def test_someone_else_cannot_mark_or_open_yours(demo, client):
    owner = demo.professional("赵磊").user
    notification = notify(recipient=owner, message="您的学时申报被退回", url="/declarations/1/")
    assert notification is not None
    act_as(client, demo.professional("孙丽"))
    page = client.get(reverse("notifications:list")).content.decode()
    assert "您的学时申报被退回" not in page
    response = client.post(reverse("notifications:mark_read"), {"id": notification.pk})
    assert response["Location"] == reverse("notifications:list")
    client.post(reverse("notifications:mark_read"))  # "mark all" marks only one's own
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_read_is_post_only_and_needs_login(client, db):
    assert client.get(reverse("notifications:list")).status_code == 302
    assert client.post(reverse("notifications:mark_read")).status_code == 302
    assert Notification.objects.count() == 0


def test_mark_read_refuses_get(demo, client):
    act_as(client, demo.professional("赵磊"))
    assert client.get(reverse("notifications:mark_read")).status_code == 405


def test_unsafe_links_are_not_followed(demo, client):
    user = demo.professional("赵磊").user
    notification = notify(recipient=user, message="外部链接", url="https://evil.example/")
    assert notification is not None
    act_as(client, demo.professional("赵磊"))
    response = client.post(reverse("notifications:mark_read"), {"id": notification.pk})
    assert response["Location"] == reverse("notifications:list")


def test_context_processor_is_one_query(demo):
    user = demo.professional("赵磊").user
    for number in range(5):
        notify(recipient=user, message=f"消息{number}")
    request = RequestFactory().get("/")
    request.user = user
    with CaptureQueriesContext(connection) as queries:
        assert unread(request) == {"unread_notifications": 5}
    assert len(queries) == 1


def test_list_is_paginated_newest_first(demo, client):
    user = demo.professional("赵磊").user
    for number in range(25):
        notify(recipient=user, message=f"消息{number:02d}")
    act_as(client, demo.professional("赵磊"))
    page = client.get(reverse("notifications:list")).context["page"]
    assert len(page.object_list) == 20
    assert page.object_list[0].message == "消息24"
    assert len(client.get(reverse("notifications:list"), {"page": 2}).context["page"]) == 5
