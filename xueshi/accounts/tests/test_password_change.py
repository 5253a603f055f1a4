"""First login with the initial password forces a change before anything else."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from xueshi.accounts.models import Person
from xueshi.accounts.services import person_create
from xueshi.accounts.tests.factories import (
    TEST_PASSWORD,
    PersonFactory,
    login_data,
    user_of,
)
from xueshi.core.models import AuditLog
from xueshi.core.testing import make_id_number

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
CHANGE_URL = reverse("accounts:password_change")
NEW_PASSWORD = "Guilin#2026"


@pytest.fixture
def new_person() -> Person:
    return person_create(
        id_number=make_id_number("450305", datetime.date(1988, 3, 9), 42), name="王五"
    )


@pytest.fixture
def first_login(new_person: Person) -> Client:
    client = Client()
    response = client.post(LOGIN_URL, login_data(new_person.id_number, new_person.id_number[-6:]))
    assert response.status_code == 302
    return client


def change(client: Client, old: str, new: str, confirm: str | None = None) -> Any:
    return client.post(
        CHANGE_URL,
        {"old_password": old, "new_password1": new, "new_password2": confirm or new},
    )


@pytest.mark.parametrize(
    "url", [reverse("core:home"), reverse("accounts:my_info"), "/django-admin/"]
)
def test_every_page_redirects_to_the_change_form(first_login: Client, url: str) -> None:
    response = first_login.get(url)

    assert response.status_code == 302
    assert response["Location"] == CHANGE_URL


def test_role_switch_is_also_held_back(first_login: Client, new_person: Person) -> None:
    role = user_of(new_person).roles.get()

    response = first_login.post(reverse("accounts:role_switch"), {"role": role.pk})

    assert response["Location"] == CHANGE_URL


def test_change_form_is_in_chinese_and_explains_why(first_login: Client) -> None:
    response = first_login.get(CHANGE_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "修改密码" in html
    assert "原密码" in html
    assert "确认新密码" in html
    assert "请先设置新密码" in html
    assert "密码须包含大写字母、小写字母、数字、符号中的至少 3 类" in html  # validator help


def test_weak_password_is_refused_with_the_reason(first_login: Client, new_person: Person) -> None:
    response = change(first_login, new_person.id_number[-6:], "abcdefgh")

    assert response.status_code == 200
    html = response.content.decode()
    assert "密码须包含大写字母、小写字母、数字、符号中的至少 3 类。" in html
    user_of(new_person).refresh_from_db()
    assert user_of(new_person).must_change_password


def test_short_password_gets_django_message_in_chinese(
    first_login: Client, new_person: Person
) -> None:
    response = change(first_login, new_person.id_number[-6:], "Ab1!x")

    assert "密码长度太短。密码必须包含至少 8 个字符。" in response.content.decode()


def test_initial_password_may_not_be_reused(first_login: Client, new_person: Person) -> None:
    initial = new_person.id_number[-6:]

    response = change(first_login, initial, initial)

    assert "新密码不能是初始密码" in response.content.decode()


def test_wrong_old_password_and_mismatch_are_refused(
    first_login: Client, new_person: Person
) -> None:
    wrong_old = change(first_login, "000000", NEW_PASSWORD)
    mismatch = change(first_login, new_person.id_number[-6:], NEW_PASSWORD, "Other#2026x")

    assert "原密码错误" in wrong_old.content.decode()
    assert "两次输入的新密码不一致" in mismatch.content.decode()


def test_good_password_ends_the_forced_change(first_login: Client, new_person: Person) -> None:
    response = change(first_login, new_person.id_number[-6:], NEW_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["密码已修改。"]
    user = user_of(new_person)
    user.refresh_from_db()
    assert not user.must_change_password
    assert user.check_password(NEW_PASSWORD)
    # Still logged in (session hash updated), and pages open normally now.
    assert first_login.get(reverse("accounts:my_info")).status_code == 200
    log = AuditLog.objects.get(action="password.change")
    assert log.actor_id == user.pk
    assert log.target_id == str(user.pk)


def test_after_the_change_only_the_new_password_works(
    first_login: Client, new_person: Person
) -> None:
    change(first_login, new_person.id_number[-6:], NEW_PASSWORD)

    with_initial = Client()
    refused = with_initial.post(
        LOGIN_URL, login_data(new_person.id_number, new_person.id_number[-6:])
    )
    with_new = Client()
    accepted = with_new.post(LOGIN_URL, login_data(new_person.id_number, NEW_PASSWORD))

    assert refused.status_code == 200
    assert "账号或密码错误" in refused.content.decode()
    assert accepted.status_code == 302
    assert accepted["Location"] == reverse("core:home")


def test_ordinary_user_may_change_password_and_not_reuse_the_old(client: Client) -> None:
    person = PersonFactory.create()
    client.force_login(user_of(person))

    same = change(client, TEST_PASSWORD, TEST_PASSWORD)
    ok = change(client, TEST_PASSWORD, NEW_PASSWORD)

    assert "新密码不能与原密码相同" in same.content.decode()
    assert ok.status_code == 302


def test_anonymous_user_is_sent_to_login(client: Client) -> None:
    response = client.get(CHANGE_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
