"""Issue 21 item 1, the password policy: "8+ characters, three classes, not in a common-password
list, not containing the person's name in pinyin or the ID's digits, not one of the previous 5"
(issue 21: "the password rules accept a name in pinyin plus a year")."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from xueshi.accounts.models import PasswordHistory, Person
from xueshi.accounts.services import person_create, user_change_password
from xueshi.accounts.tests.factories import TEST_PASSWORD, user_of
from xueshi.accounts.validators import name_pinyin_forms
from xueshi.core.testing import make_id_number

pytestmark = pytest.mark.django_db

BIRTH = datetime.date(1985, 7, 14)


@pytest.fixture
def zhang() -> Person:
    person = person_create(
        id_number=make_id_number("450102", BIRTH, 17), name="张三丰", can_log_in=True
    )
    user = user_of(person)
    user.set_password(TEST_PASSWORD)
    user.must_change_password = False
    user.save()
    return person


def refusal(password: str, person: Person) -> list[str]:
    try:
        validate_password(password, user_of(person))
    except ValidationError as error:
        return list(error.messages)
    return []


def test_a_good_password_passes(zhang: Person) -> None:
    assert refusal("Guilin#2026x", zhang) == []


def test_eight_characters_and_three_classes(zhang: Person) -> None:
    assert any("8" in m for m in refusal("Ab#1xyz", zhang))
    assert "密码须包含大写字母、小写字母、数字、符号中的至少 3 类。" in refusal("abcdefgh12", zhang)


def test_a_common_password_is_refused_in_chinese(zhang: Person) -> None:
    assert "该密码过于常见，容易被猜中，请换一个。" in refusal("Password123", zhang)


def test_name_pinyin_forms() -> None:
    assert name_pinyin_forms("张三丰") == {"zhangsanfeng", "sanfengzhang", "zsf"}


@pytest.mark.parametrize(
    "password",
    ["Zhangsanfeng1985!", "ZHANGSANFENG@x1", "Sanfengzhang#7", "Zsf@2026abc", "x#ZSF9ab"],
)
def test_the_name_in_pinyin_or_its_initials_is_refused_in_any_case(
    zhang: Person, password: str
) -> None:
    assert "密码不能包含本人姓名的拼音或拼音首字母。" in refusal(password, zhang)


@pytest.mark.parametrize("part", ["19850714", "850714", "LAST6", "450102"])
def test_runs_of_the_id_numbers_digits_are_refused(zhang: Person, part: str) -> None:
    if part == "LAST6":
        part = zhang.id_number[-6:]
    message = "密码不能包含身份证号中连续 6 位及以上的数字（如出生日期、后六位）。"
    assert message in refusal(f"Kx#{part}q", zhang)


def test_a_short_run_of_the_birth_year_alone_is_not_refused(zhang: Person) -> None:
    assert refusal("Guilin#1985", zhang) == []


def test_none_of_the_previous_five_passwords(zhang: Person) -> None:
    user = user_of(zhang)
    passwords = [f"Guilin#20{n}x" for n in range(10, 16)]  # 6 changes
    for password in passwords:
        user_change_password(user=user, new_password=password)
    message = "新密码不能与最近 5 次使用过的密码相同。"
    # The current one and the four before it are refused; older ones are allowed again.
    for recent in passwords[-5:]:
        assert message in refusal(recent, zhang), recent
    assert refusal(passwords[0], zhang) == []
    assert refusal(TEST_PASSWORD, zhang) == []
    assert PasswordHistory.objects.filter(user=user).count() == 5
    # Only hashes are kept.
    assert not PasswordHistory.objects.filter(password__in=passwords).exists()


def test_the_change_form_shows_the_reason_beside_the_new_password(zhang: Person) -> None:
    client = Client()
    client.force_login(user_of(zhang))

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Zhangsanfeng1985!",
            "new_password2": "Zhangsanfeng1985!",
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["new_password1"]
    assert "密码不能包含本人姓名的拼音或拼音首字母。" in errors
    user_of(zhang).refresh_from_db()
    assert user_of(zhang).check_password(TEST_PASSWORD)


def test_a_password_set_by_any_path_joins_the_history(zhang: Person) -> None:
    """The Django admin's 修改密码 sets and saves, without the change service."""
    user = user_of(zhang)
    user.set_password("Guilin#2030x")
    user.save()

    assert "新密码不能与最近 5 次使用过的密码相同。" in refusal(TEST_PASSWORD, zhang)
