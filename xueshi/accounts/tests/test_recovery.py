"""找回密码 / 找回用户名 (issue 17 item 4): a code to the recorded phone (or e-mail), the same
answer for unknown accounts, codes hashed, 10 minutes, dead after 5 wrong tries, limits per
account and per address, the password rules on the new password."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.models import RecoveryCode
from xueshi.accounts.recovery import (
    BAD_CODE,
    MAX_WRONG_TRIES,
    SENT,
    recovery_request,
    recovery_reset,
)
from xueshi.accounts.tests.factories import PersonFactory, UserFactory, login_data
from xueshi.core.messaging import OutboxSmsSender
from xueshi.core.models import AuditLog

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Qiu-Shui-7!Lake"


@pytest.fixture(autouse=True)
def _fresh_outbox_and_limits():
    OutboxSmsSender.outbox.clear()
    cache.clear()
    yield
    OutboxSmsSender.outbox.clear()


def last_code() -> str:
    _, text = OutboxSmsSender.outbox[-1]
    match = re.search(r"验证码 (\d{6})", text)
    assert match is not None
    return match.group(1)


def test_a_code_goes_to_the_recorded_phone_and_resets_the_password(client):
    person = PersonFactory.create(phone="13800138001")
    page = client.post(
        reverse("accounts:recover"),
        {"identifier": person.id_number, "captcha_0": "x", "captcha_1": "PASSED"},
    )
    assert page.status_code == 302
    phone, text = OutboxSmsSender.outbox[-1]
    assert phone == "13800138001" and "10 分钟内有效" in text
    stored = RecoveryCode.objects.get(user=person.user)
    assert last_code() not in stored.digest  # only a digest is kept

    reset = client.post(
        reverse("accounts:recover_reset"),
        {
            "identifier": person.id_number,
            "code": last_code(),
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert reset.status_code == 302
    assert (
        Client()
        .post(reverse("accounts:login"), login_data(person.id_number, NEW_PASSWORD))
        .status_code
        == 302
    )
    assert AuditLog.objects.filter(action="recovery.password_reset").exists()
    # Used once: the same code does not work again.
    with pytest.raises(Exception, match=BAD_CODE):
        recovery_reset(
            identifier=person.id_number, code=last_code(), new_password=NEW_PASSWORD + "x"
        )


def test_an_unknown_id_number_gets_the_same_answer_and_nothing_is_sent(client):
    answer = recovery_request(
        identifier="110101199003076598", purpose="password", address="1.1.1.1"
    )
    assert answer == SENT
    assert OutboxSmsSender.outbox == [] and mail.outbox == []
    known = PersonFactory.create(phone="13800138002")
    assert (
        recovery_request(identifier=known.id_number, purpose="password", address="1.1.1.2") == SENT
    )
    page = client.post(
        reverse("accounts:recover"),
        {"identifier": "110101199003076598", "captcha_0": "x", "captcha_1": "PASSED"},
        follow=True,
    )
    assert SENT in page.content.decode()


def test_five_wrong_codes_kill_the_code():
    person = PersonFactory.create(phone="13800138003")
    recovery_request(identifier=person.id_number, purpose="password", address="2.2.2.2")
    good = last_code()
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(MAX_WRONG_TRIES):
        with pytest.raises(Exception, match=BAD_CODE):
            recovery_reset(identifier=person.id_number, code=wrong, new_password=NEW_PASSWORD)
    with pytest.raises(Exception, match=BAD_CODE):
        recovery_reset(identifier=person.id_number, code=good, new_password=NEW_PASSWORD)


def test_a_code_expires_after_ten_minutes():
    person = PersonFactory.create(phone="13800138004")
    recovery_request(identifier=person.id_number, purpose="password", address="3.3.3.3")
    RecoveryCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(Exception, match=BAD_CODE):
        recovery_reset(identifier=person.id_number, code=last_code(), new_password=NEW_PASSWORD)


def test_requests_are_limited_per_account_silently_and_per_address_openly():
    person = PersonFactory.create(phone="13800138005")
    for number in range(5):
        assert (
            recovery_request(
                identifier=person.id_number, purpose="password", address=f"4.4.4.{number}"
            )
            == SENT
        )
    assert len(OutboxSmsSender.outbox) == 3  # the account's limit: 3 an hour, answer unchanged

    for _ in range(10):
        recovery_request(identifier="110101199003076598", purpose="password", address="5.5.5.5")
    with pytest.raises(Exception, match="请求过于频繁"):
        recovery_request(identifier="110101199003076598", purpose="password", address="5.5.5.5")


def test_the_new_password_follows_the_password_rules():
    person = PersonFactory.create(phone="13800138006")
    recovery_request(identifier=person.id_number, purpose="password", address="6.6.6.6")
    with pytest.raises(Exception, match="密码"):
        recovery_reset(identifier=person.id_number, code=last_code(), new_password="123")


def test_an_organisation_account_recovers_by_e_mail_and_its_name_can_be_sent():
    account = UserFactory.create(username="gx_demo_unit", email="hr@example.cn")
    recovery_request(identifier="gx_demo_unit", purpose="username", address="7.7.7.7")
    assert mail.outbox[-1].to == ["hr@example.cn"]
    assert "gx_demo_unit" in mail.outbox[-1].body
    recovery_request(identifier="gx_demo_unit", purpose="password", address="7.7.7.8")
    assert "验证码" in mail.outbox[-1].body
    assert RecoveryCode.objects.filter(user=account, channel="email").exists()


def test_the_login_page_offers_both_ways_back(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "找回密码" in page and "找回用户名" in page
