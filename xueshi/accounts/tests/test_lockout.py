"""django-axes: five failures on one account lock it for 30 minutes (AXES_* in settings)."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.services import initial_password, person_create
from xueshi.accounts.tests.factories import (
    TEST_PASSWORD,
    PersonFactory,
    id_number_ending_in_x,
    login_data,
    organization_account,
    user_of,
)
from xueshi.core.testing import make_credit_code, make_id_number
from xueshi.orgs.tests.factories import UnitFactory

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


# --- one account, many names (issue 11 item 4) ---------------------------------------------

ORG_NAME = "gx_nnyz"


def _org_account_with_code():
    credit_code = make_credit_code("450102", 3005)
    unit = UnitFactory.create(credit_code=credit_code)
    return organization_account(username=ORG_NAME, organization=unit), credit_code


def _aliases(name: str, code: str) -> dict[str, str]:
    return {
        "name": name,
        "name upper-case": name.upper(),
        "credit code": code,
        "credit code lower-case": code.lower(),
        "credit code with spaces": f" {code} ",
    }


ALIASES = list(_aliases("n", "c"))


@pytest.mark.parametrize("failed_as", ALIASES)
@pytest.mark.parametrize("login_as", ["name", "credit code", "credit code lower-case"])
def test_failures_under_any_name_lock_every_name_of_the_account(
    failed_as: str, login_as: str
) -> None:
    user, code = _org_account_with_code()
    names = _aliases(ORG_NAME, code)
    fail(Client(), names[failed_as], 5)

    response = Client().post(LOGIN_URL, login_data(names[login_as], TEST_PASSWORD))

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {user.username}


def test_failures_spread_over_the_names_add_up() -> None:
    _user, code = _org_account_with_code()
    client = Client()
    fail(client, ORG_NAME, 2)
    fail(client, code, 2)
    fail(client, code.lower(), 1)

    response = client.post(LOGIN_URL, login_data(ORG_NAME, TEST_PASSWORD))

    assert response.status_code == 429


def test_person_locked_by_id_number_cannot_log_in_with_lower_case_x() -> None:
    person = PersonFactory.create(id_number=id_number_ending_in_x(7))
    fail(Client(), person.id_number, 5)

    response = Client().post(LOGIN_URL, login_data(person.id_number.lower(), TEST_PASSWORD))

    assert response.status_code == 429


def test_success_by_credit_code_resets_the_count_kept_under_the_name() -> None:
    user, code = _org_account_with_code()
    client = Client()
    fail(client, ORG_NAME, 4)
    assert client.post(LOGIN_URL, login_data(code, TEST_PASSWORD)).status_code == 302
    client.logout()
    fail(client, ORG_NAME, 4)

    response = client.post(LOGIN_URL, login_data(ORG_NAME, TEST_PASSWORD))

    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)


def test_failures_on_an_unknown_name_lock_no_account() -> None:
    _user, code = _org_account_with_code()
    fail(Client(), code[:-1] + ("0" if code[-1] != "0" else "1"), 5)
    fail(Client(), "no-such-account", 5)

    assert Client().post(LOGIN_URL, login_data(ORG_NAME, TEST_PASSWORD)).status_code == 302


def test_the_lockout_table_holds_no_id_number() -> None:
    """axes keeps its key in plain text: the person's opaque login name, or the digest of an
    ID number nobody holds (issue 21: the ID number is personal data)."""
    person = person_create(id_number=id_number_ending_in_x(), name="张三")
    nobody = make_id_number("450102", datetime.date(1990, 1, 1), 777)
    client = Client()
    fail(client, person.id_number.lower(), 5)
    fail(client, nobody, 2)

    response = client.post(
        LOGIN_URL, login_data(person.id_number, initial_password(person.id_number))
    )

    assert response.status_code == 429  # still locked per account
    keys = set(AccessAttempt.objects.values_list("username", flat=True))
    assert person.user is not None and person.user.username in keys
    assert len(keys) == 2
    assert not any(n[:17] in key for key in keys for n in (person.id_number, nobody))
