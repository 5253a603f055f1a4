from __future__ import annotations

import json

import pytest
from axes.models import AccessAttempt
from captcha.models import CaptchaStore
from django.test import Client
from django.urls import reverse

from xueshi.accounts.roles import ACTIVE_ROLE_SESSION_KEY
from xueshi.accounts.services import person_create, role_grant
from xueshi.accounts.tests.factories import (
    TEST_PASSWORD,
    PersonFactory,
    id_number_ending_in_x,
    login_data,
    organization_account,
    user_of,
)
from xueshi.core.testing import make_credit_code
from xueshi.orgs.tests.factories import UnitFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")


def logged_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def test_login_page_shows_fields_help_and_captcha(client: Client) -> None:
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>登录" in html
    assert "专业技术人员以身份证号登录，初始密码为身份证号后六位" in html
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'name="captcha_0"' in html
    assert 'name="captcha_1"' in html
    assert "/captcha/image/" in html
    assert reverse("captcha-refresh") in html
    assert "csrfmiddlewaretoken" in html
    # Every render draws a new challenge.
    assert CaptchaStore.objects.count() == 1


def test_captcha_refresh_returns_a_new_challenge(client: Client) -> None:
    response = client.get(
        reverse("captcha-refresh"), headers={"x-requested-with": "XMLHttpRequest"}
    )

    assert response.status_code == 200
    data = json.loads(response.content)
    assert CaptchaStore.objects.filter(hashkey=data["key"]).exists()
    assert data["image_url"].endswith(f"/captcha/image/{data['key']}/")


def test_person_logs_in_with_id_number_typed_in_lower_case() -> None:
    person = PersonFactory.create(id_number=id_number_ending_in_x())
    client = Client()

    response = client.post(LOGIN_URL, login_data(person.id_number.lower(), TEST_PASSWORD))

    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert logged_in_user_id(client) == str(user_of(person).pk)


def test_organization_account_logs_in_by_name_and_by_credit_code() -> None:
    credit_code = make_credit_code("450100", 777)
    unit = UnitFactory.create(credit_code=credit_code)
    user = organization_account(username="gxu-admin", organization=unit)

    by_name = Client()
    by_name.post(LOGIN_URL, login_data("gxu-admin", TEST_PASSWORD))
    by_code = Client()
    by_code.post(LOGIN_URL, login_data(credit_code.lower(), TEST_PASSWORD))

    assert logged_in_user_id(by_name) == str(user.pk)
    assert logged_in_user_id(by_code) == str(user.pk)


def test_wrong_password_shows_chinese_error_and_keeps_the_account(client: Client) -> None:
    person = PersonFactory.create()

    response = client.post(LOGIN_URL, login_data(person.id_number, "Wrong@2026"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "账号或密码错误" in html
    assert f'value="{person.id_number}"' in html
    assert "Wrong@2026" not in html
    assert logged_in_user_id(client) is None


def test_unknown_account_gives_the_same_error(client: Client) -> None:
    response = client.post(LOGIN_URL, login_data("nobody", TEST_PASSWORD))

    assert response.status_code == 200
    assert "账号或密码错误" in response.content.decode()


def test_wrong_captcha_is_refused_even_with_the_right_password(client: Client) -> None:
    person = PersonFactory.create()
    key = CaptchaStore.generate_key()
    answer = CaptchaStore.objects.get(hashkey=key).response

    response = client.post(
        LOGIN_URL, login_data(person.id_number, TEST_PASSWORD, key=key, captcha=answer + "q")
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "验证码错误" in html
    assert f'value="{person.id_number}"' in html
    assert logged_in_user_id(client) is None


def test_with_a_wrong_captcha_the_password_is_not_tried(client: Client) -> None:
    person = PersonFactory.create()
    key = CaptchaStore.generate_key()

    response = client.post(
        LOGIN_URL, login_data(person.id_number, "Wrong@2026", key=key, captcha="nope")
    )

    html = response.content.decode()
    assert "验证码错误" in html
    assert "账号或密码错误" not in html
    # Nothing counts toward the lockout: a robot that cannot read the image cannot lock anyone.
    assert not AccessAttempt.objects.exists()


def test_correct_captcha_answer_from_the_image_is_accepted(client: Client) -> None:
    person = PersonFactory.create()
    key = CaptchaStore.generate_key()
    answer = CaptchaStore.objects.get(hashkey=key).response

    response = client.post(
        LOGIN_URL, login_data(person.id_number, TEST_PASSWORD, key=key, captcha=answer.upper())
    )

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(user_of(person).pk)
    # A challenge is good for one attempt only.
    assert not CaptchaStore.objects.filter(hashkey=key).exists()


def test_missing_captcha_is_refused(client: Client) -> None:
    person = PersonFactory.create()

    response = client.post(LOGIN_URL, {"username": person.id_number, "password": TEST_PASSWORD})

    assert response.status_code == 200
    assert "请输入验证码" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_empty_fields_have_chinese_errors(client: Client) -> None:
    response = client.post(LOGIN_URL, login_data("", ""))

    html = response.content.decode()
    assert "请输入账号" in html
    assert "请输入密码" in html


def test_login_starts_the_session_in_the_first_role(client: Client) -> None:
    person = PersonFactory.create()
    unit_admin = role_grant(user=user_of(person), kind="unit_admin", organization=person.unit)
    professional = user_of(person).roles.get(kind="professional")
    assert professional.pk < unit_admin.pk

    client.post(LOGIN_URL, login_data(person.id_number, TEST_PASSWORD))

    assert client.session[ACTIVE_ROLE_SESSION_KEY] == professional.pk


def test_login_follows_next(client: Client) -> None:
    person = PersonFactory.create()
    data = {**login_data(person.id_number, TEST_PASSWORD), "next": reverse("accounts:my_info")}

    response = client.post(LOGIN_URL, data)

    assert response["Location"] == reverse("accounts:my_info")


def test_first_login_goes_straight_to_the_password_form(client: Client) -> None:
    person = person_create(id_number=id_number_ending_in_x(), name="李四")

    response = client.post(LOGIN_URL, login_data(person.id_number, person.id_number[-6:]))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change")
