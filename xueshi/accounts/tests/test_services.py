"""person_create: checks the ID number, derives what it encodes, creates the login atomically."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from xueshi.accounts import services
from xueshi.accounts.backends import find_user
from xueshi.accounts.models import Person, RoleAssignment, RoleKind, Sex, User
from xueshi.accounts.services import initial_password, person_create
from xueshi.accounts.tests.factories import id_number_ending_in_x, user_of
from xueshi.core.models import AuditLog
from xueshi.core.testing import make_id_number
from xueshi.orgs.tests.factories import DepartmentFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_lower_case_x_is_stored_upper_case() -> None:
    id_number = id_number_ending_in_x()

    person = person_create(id_number=id_number.lower(), name=" 张三 ")

    assert person.id_number == id_number
    assert person.name == "张三"
    # The login is not named by the ID number (issue 21): it is found through the digest.
    assert id_number not in user_of(person).username
    assert find_user(id_number.lower()) == user_of(person)


def test_birth_date_and_sex_come_from_the_id_number() -> None:
    man = person_create(
        id_number=make_id_number("450102", datetime.date(1986, 2, 28), 3), name="男"
    )
    woman = person_create(
        id_number=make_id_number("450102", datetime.date(1992, 12, 1), 4, female=True), name="女"
    )

    assert (man.birth_date, man.sex) == (datetime.date(1986, 2, 28), Sex.MALE)
    assert (woman.birth_date, woman.sex) == (datetime.date(1992, 12, 1), Sex.FEMALE)


def test_login_has_the_initial_password_and_must_change_it() -> None:
    id_number = id_number_ending_in_x()

    person = person_create(id_number=id_number, name="张三")

    user = user_of(person)
    assert initial_password(id_number) == id_number[-6:]
    assert user.check_password(id_number[-6:])
    assert user.must_change_password
    assert list(user.roles.values_list("kind", flat=True)) == [RoleKind.PROFESSIONAL]
    assert AuditLog.objects.filter(action="person.create", target_id=str(person.pk)).exists()


def test_person_without_login() -> None:
    person = person_create(id_number=id_number_ending_in_x(), name="张三", can_log_in=False)

    assert person.user is None
    assert not User.objects.exists()


def test_duplicate_id_number_is_refused_even_in_other_case() -> None:
    id_number = id_number_ending_in_x()
    person_create(id_number=id_number, name="张三")

    with pytest.raises(ValidationError) as caught:
        person_create(id_number=id_number.lower(), name="张三丰")

    assert caught.value.message_dict == {"id_number": ["该身份证号已登记。"]}
    assert Person.objects.count() == 1


def test_wrong_check_character_is_refused_with_the_expected_one() -> None:
    good = make_id_number("450102", datetime.date(1990, 1, 1), 5)
    wrong_check = "0" if good[-1] != "0" else "1"

    with pytest.raises(ValidationError) as caught:
        person_create(id_number=good[:17] + wrong_check, name="张三")

    assert caught.value.messages == [
        f"身份证号校验位错误：第 18 位应为 {good[-1]}，实际为 {wrong_check}。"
    ]
    assert not Person.objects.exists()
    assert not User.objects.exists()


def test_department_must_belong_to_the_unit() -> None:
    with pytest.raises(ValidationError) as caught:
        person_create(
            id_number=id_number_ending_in_x(),
            name="张三",
            unit=UnitFactory.create(),
            department=DepartmentFactory.create(),
        )

    assert caught.value.message_dict == {"department": ["所选部门不属于该单位。"]}


def test_failure_midway_leaves_no_login_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_audit(**kwargs: object) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "audit_record", broken_audit)

    with pytest.raises(RuntimeError):
        person_create(id_number=id_number_ending_in_x(), name="张三")

    assert not User.objects.exists()
    assert not RoleAssignment.objects.exists()
    assert not Person.objects.exists()
