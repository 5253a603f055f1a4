"""django-axes: five failures on one account lock it for 30 minutes (AXES_* in settings)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.tests.factories import (
    TEST_PASSWORD,
    PersonFactory,
    id_number_ending_in_x,
    login_data,
    user_of,
)

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
WRONG = "Wrong@2026"


def fail(client: Client, username: str, times: int) -> None:
    for _ in range(times):
        response = client.post(LOGIN_URL, login_data(username, WRONG))
        assert response.status_code in (200, 429)


def age_attempts(minutes: int) -> None:
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=minutes))


def test_four_failures_do_not_lock() -> None:
    person = PersonFactory.create()
    client = Client()
    fail(client, person.id_number, 4)

    response = client.post(LOGIN_URL, login_data(person.id_number, TEST_PASSWORD))

    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user_of(person).pk)


def test_five_failures_lock_the_account_even_with_the_right_password() -> None:
    person = PersonFactory.create()
    client = Client()
    fail(client, person.id_number, 5)

    response = client.post(LOGIN_URL, login_data(person.id_number, TEST_PASSWORD))

    assert response.status_code == 429  # axes' AXES_HTTP_RESPONSE_CODE default
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "连续 5 次登录失败" in html
    assert "已锁定 30 分钟" in html
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_account_not_per_address() -> None:
    locked, other = PersonFactory.create(), PersonFactory.create()
    client = Client()
    fail(client, locked.id_number, 5)

    response = client.post(LOGIN_URL, login_data(other.id_number, TEST_PASSWORD))

    assert response.status_code == 302


def test_lower_and_upper_case_x_count_as_one_account() -> None:
    person = PersonFactory.create(id_number=id_number_ending_in_x())
    assert person.id_number.endswith("X")
    client = Client()
    fail(client, person.id_number.lower(), 3)
    fail(client, person.id_number, 2)

    response = client.post(LOGIN_URL, login_data(person.id_number.lower(), TEST_PASSWORD))

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {person.id_number}


def test_lock_ends_after_the_cool_off() -> None:
    person = PersonFactory.create()
    client = Client()
    fail(client, person.id_number, 5)

    age_attempts(29)
    still_locked = client.post(LOGIN_URL, login_data(person.id_number, TEST_PASSWORD))
    age_attempts(31)
    unlocked = client.post(LOGIN_URL, login_data(person.id_number, TEST_PASSWORD))

    assert still_locked.status_code == 429
    assert unlocked.status_code == 302
    assert client.session.get("_auth_user_id") == str(user_of(person).pk)


def test_success_resets_the_failure_count() -> None:
    person = PersonFactory.create()
    client = Client()
    fail(client, person.id_number, 4)
    client.post(LOGIN_URL, login_data(person.id_number, TEST_PASSWORD))
    client.logout()
    fail(client, person.id_number, 4)

    response = client.post(LOGIN_URL, login_data(person.id_number, TEST_PASSWORD))

    assert response.status_code == 302
