"""Notifications beyond the bell (issue 17 item 6): where the person opted in, the message of a
returned claim also goes by e-mail and by SMS (through the configured adapter)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from xueshi.core.messaging import OutboxSmsSender
from xueshi.notifications.models import Notification
from xueshi.orgs.tests.factories import act_as
from xueshi.review.services import declaration_return
from xueshi.review.tests.test_views import guangxi_claim

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_outbox():
    OutboxSmsSender.outbox.clear()
    yield
    OutboxSmsSender.outbox.clear()


def test_an_opted_in_person_gets_the_return_by_mail_and_sms(
    demo, django_capture_on_commit_callbacks
):
    me = demo.professional("覃海燕")
    person = demo.person("覃海燕")
    page = Client()
    act_as(page, me)
    saved = page.post(
        reverse("notifications:preferences"),
        {"email": "qin@example.cn", "by_email": "on", "by_sms": "on"},
    )
    assert saved.status_code == 302

    claim = guangxi_claim(demo)
    unit = demo.role("gx_gxu")
    with django_capture_on_commit_callbacks(execute=True):
        declaration_return(
            declaration_id=claim.pk, actor=unit.user, role=unit, reason="请补充结业证书"
        )

    assert Notification.objects.filter(recipient=me.user, message__contains="请补充结业证书")
    assert mail.outbox[-1].to == ["qin@example.cn"]
    assert "请补充结业证书" in mail.outbox[-1].body
    assert OutboxSmsSender.outbox[-1] == (person.phone, mail.outbox[-1].body)


def test_without_opting_in_only_the_bell_rings(demo, django_capture_on_commit_callbacks):
    claim = guangxi_claim(demo)
    unit = demo.role("gx_gxu")
    with django_capture_on_commit_callbacks(execute=True):
        declaration_return(declaration_id=claim.pk, actor=unit.user, role=unit, reason="请补充")
    assert Notification.objects.exists()
    assert mail.outbox == [] and OutboxSmsSender.outbox == []


def test_mail_needs_an_address(demo):
    page = Client()
    act_as(page, demo.professional("覃海燕"))
    response = page.post(reverse("notifications:preferences"), {"by_email": "on"})
    assert "选择发送电子邮件时，请填写电子邮箱" in response.content.decode()
