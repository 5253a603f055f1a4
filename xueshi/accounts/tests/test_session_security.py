"""Issue 21 item 1: "lockout by account and by IP; idle timeout and an absolute session
lifetime; all other sessions ended on password change and on disable; admins can end a user's
sessions"."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from xueshi.accounts.middleware import SESSION_STARTED_KEY
from xueshi.accounts.models import UserSession
from xueshi.accounts.services import account_sessions_end, person_set_login_allowed
from xueshi.accounts.tests.factories import (
    TEST_PASSWORD,
    PersonFactory,
    UserFactory,
    login_data,
    user_of,
)
from xueshi.core.models import AuditLog, AuditResult

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
MY_INFO = reverse("accounts:my_info")


def logged_in(person: object, address: str = "10.0.0.1") -> Client:
    client = Client(REMOTE_ADDR=address)
    response = client.post(LOGIN_URL, login_data(person.id_number, TEST_PASSWORD))  # type: ignore[attr-defined]
    assert response.status_code == 302
    return client


def is_logged_in(client: Client) -> bool:
    return client.get(MY_INFO).status_code == 200


# ---- absolute lifetime --------------------------------------------------------------------


def test_the_absolute_lifetime_is_eight_hours_by_default() -> None:
    assert settings.SESSION_ABSOLUTE_HOURS == 8


def test_an_active_session_ends_after_the_absolute_lifetime() -> None:
    client = logged_in(PersonFactory.create())
    assert is_logged_in(client)
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - 8 * 3600 - 60
    session.save()

    response = client.get(MY_INFO)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not is_logged_in(client)
    follow = client.get(response["Location"])
    assert "登录已超过 8 小时，为保障账号安全，请重新登录。" in follow.content.decode()


def test_a_session_younger_than_the_lifetime_goes_on() -> None:
    client = logged_in(PersonFactory.create())
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - 7 * 3600
    session.save()

    assert is_logged_in(client)


# ---- other sessions end -------------------------------------------------------------------


def test_a_password_change_ends_every_other_session_and_keeps_this_one() -> None:
    person = PersonFactory.create()
    here, elsewhere = logged_in(person), logged_in(person, "10.0.0.2")
    assert UserSession.objects.filter(user=user_of(person)).count() == 2

    response = here.post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Guilin#2027x",
            "new_password2": "Guilin#2027x",
        },
    )

    assert response.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)
    assert not Session.objects.filter(session_key=elsewhere.session.session_key).exists()
    row = AuditLog.objects.filter(action="session.end_all").get()
    assert row.target_id == str(user_of(person).pk)
    assert row.details == {"count": 1}


def test_disabling_a_login_ends_its_sessions() -> None:
    person = PersonFactory.create()
    client = logged_in(person)
    key = client.session.session_key

    person_set_login_allowed(person=person, allowed=False)

    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(user=user_of(person)).exists()
    assert not is_logged_in(client)


def test_an_admin_ends_a_users_sessions_and_it_is_audited() -> None:
    person = PersonFactory.create()
    first, second = logged_in(person), logged_in(person, "10.0.0.9")
    admin = UserFactory.create()

    ended = account_sessions_end(user=user_of(person), actor=admin)

    assert ended == 2
    assert not is_logged_in(first)
    assert not is_logged_in(second)
    row = AuditLog.objects.get(action="session.end_all")
    assert row.actor == admin
    assert row.details == {"count": 2}


def test_logging_out_forgets_the_session() -> None:
    person = PersonFactory.create()
    client = logged_in(person)

    client.post(reverse("accounts:logout"))

    assert not UserSession.objects.filter(user=user_of(person)).exists()


# ---- lockout by address -------------------------------------------------------------------


def test_too_many_failures_from_one_address_refuse_every_login_from_it(settings) -> None:
    settings.LOGIN_IP_FAILURE_LIMIT = 6
    people = [PersonFactory.create() for _ in range(3)]
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    # Two failures on each of three accounts: no account reaches its own limit of 5.
    for person in people:
        for _ in range(2):
            response = attacker.post(LOGIN_URL, login_data(person.id_number, "Wrong@2026x"))
            assert response.status_code == 200

    response = attacker.post(LOGIN_URL, login_data(people[0].id_number, TEST_PASSWORD))

    assert response.status_code == 429
    assert "您所在的网络地址登录失败次数过多（6 次）" in response.content.decode()
    assert "_auth_user_id" not in attacker.session
    row = AuditLog.objects.filter(action="auth.ip_locked_out").get()
    assert row.ip_address == "203.0.113.7"
    assert row.result == AuditResult.FAILURE
    # Another address is not affected.
    assert logged_in(people[0], "198.51.100.1")


def test_the_address_limit_is_far_above_the_account_limit() -> None:
    assert settings.LOGIN_IP_FAILURE_LIMIT >= 6 * settings.AXES_FAILURE_LIMIT


def test_a_login_disabled_by_any_path_keeps_no_session() -> None:
    """The Django admin (the system admin's) saves `is_active` directly."""
    person = PersonFactory.create()
    client = logged_in(person)
    user = user_of(person)

    user.is_active = False
    user.save()

    assert not Session.objects.filter(session_key=client.session.session_key).exists()
    assert not is_logged_in(client)
