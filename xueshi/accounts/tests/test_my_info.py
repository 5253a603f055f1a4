"""我的信息: a person sees their data and edits phone, specialty and department."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from xueshi.accounts.models import Person
from xueshi.accounts.services import person_create, person_update_profile
from xueshi.accounts.tests.factories import PersonFactory, organization_account, user_of
from xueshi.core.models import AuditLog
from xueshi.core.testing import make_id_number
from xueshi.orgs.tests.factories import DepartmentFactory, UnitFactory

pytestmark = pytest.mark.django_db

MY_INFO_URL = reverse("accounts:my_info")


def logged_in(person: Person) -> Client:
    client = Client()
    client.force_login(user_of(person))
    return client


def test_person_sees_own_information_with_masked_id_number() -> None:
    unit = UnitFactory.create(name="广西大学")
    id_number = make_id_number("450102", datetime.date(1990, 5, 17), 7, female=True)
    person = person_create(id_number=id_number, name="陈静", unit=unit, phone="13800138000")
    user = user_of(person)
    user.must_change_password = False
    user.save()

    response = logged_in(person).get(MY_INFO_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>我的信息" in html
    assert "陈静" in html
    assert person.masked_id_number in html
    assert id_number not in html
    assert "女" in html
    assert "1990年5月17日" in html
    assert "广西大学" in html
    assert f'href="{reverse("orgs:my_unit")}">更换单位</a>' in html
    assert 'value="13800138000"' in html


def test_person_without_unit_sees_other_unit_and_no_department_field() -> None:
    person = PersonFactory.create(unit=None)

    html = logged_in(person).get(MY_INFO_URL).content.decode()

    assert "其他单位" in html
    assert 'name="department"' not in html


def test_department_choices_are_only_those_of_the_own_unit() -> None:
    person = PersonFactory.create()
    own = DepartmentFactory.create(unit=person.unit, name="计算机学院")
    foreign = DepartmentFactory.create(name="外单位财务处")

    html = logged_in(person).get(MY_INFO_URL).content.decode()

    assert f'<option value="{own.pk}">计算机学院</option>' in html
    assert foreign.name not in html


def test_person_updates_phone_specialty_and_department() -> None:
    person = PersonFactory.create()
    department = DepartmentFactory.create(unit=person.unit)
    client = logged_in(person)

    response = client.post(
        MY_INFO_URL,
        {
            "phone": "139 0771 2345",
            "specialty": "教师系列/高校教师/讲师",
            "department": department.pk,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == MY_INFO_URL
    person.refresh_from_db()
    assert person.phone == "13907712345"
    assert person.specialty == "教师系列/高校教师/讲师"
    assert person.department == department
    log = AuditLog.objects.get(action="person.update_profile")
    assert log.target_id == str(person.pk)
    assert log.actor_id == user_of(person).pk
    assert sorted(log.details["changed"]) == ["department", "phone", "specialty"]
    assert "个人信息已保存" in client.get(MY_INFO_URL).content.decode()


def test_invalid_phone_is_refused_in_chinese_and_typed_values_kept() -> None:
    person = PersonFactory.create(phone="13800138000")

    response = logged_in(person).post(
        MY_INFO_URL, {"phone": "12345", "specialty": "工程系列/电气/工程师"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "电话号码 12345 无效" in html
    assert 'value="12345"' in html
    assert 'value="工程系列/电气/工程师"' in html
    person.refresh_from_db()
    assert person.phone == "13800138000"


def test_department_of_another_unit_is_refused() -> None:
    person = PersonFactory.create()
    DepartmentFactory.create(unit=person.unit)
    foreign = DepartmentFactory.create()

    response = logged_in(person).post(
        MY_INFO_URL, {"phone": "", "specialty": "", "department": foreign.pk}
    )

    assert response.status_code == 200
    assert "请选择本单位的部门" in response.content.decode()
    person.refresh_from_db()
    assert person.department is None


def test_organization_account_sees_a_short_message(client: Client) -> None:
    client.force_login(organization_account(username="unit-admin"))

    response = client.get(MY_INFO_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "机构账号" in html
    assert 'name="phone"' not in html


def test_anonymous_user_is_sent_to_login(client: Client) -> None:
    response = client.get(MY_INFO_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


class TestPersonUpdateProfileService:
    def test_refuses_a_department_of_another_unit(self) -> None:
        person = PersonFactory.create()

        with pytest.raises(ValidationError) as caught:
            person_update_profile(
                person=person,
                phone="",
                specialty="",
                department=DepartmentFactory.create(),
                actor=None,
            )

        assert caught.value.message_dict == {"department": ["只能选择本单位的部门。"]}

    def test_refuses_any_department_without_a_unit(self) -> None:
        person = PersonFactory.create(unit=None)

        with pytest.raises(ValidationError):
            person_update_profile(
                person=person,
                phone="",
                specialty="",
                department=DepartmentFactory.create(),
                actor=None,
            )

    def test_refuses_an_invalid_phone_under_the_phone_field(self) -> None:
        person = PersonFactory.create()

        with pytest.raises(ValidationError) as caught:
            person_update_profile(
                person=person, phone="abc", specialty="", department=None, actor=None
            )

        assert list(caught.value.message_dict) == ["phone"]

    def test_landline_is_normalised_and_blank_phone_allowed(self) -> None:
        person = PersonFactory.create()

        person_update_profile(
            person=person, phone="0771-5851234", specialty="", department=None, actor=None
        )
        assert Person.objects.get(pk=person.pk).phone == "07715851234"
        person_update_profile(person=person, phone=" ", specialty="", department=None, actor=None)
        assert Person.objects.get(pk=person.pk).phone == ""

    def test_no_change_writes_no_audit(self) -> None:
        person = PersonFactory.create(phone="13800138000", specialty="会计系列")

        person_update_profile(
            person=person,
            phone="13800138000",
            specialty="会计系列",
            department=None,
            actor=None,
        )

        assert not AuditLog.objects.filter(action="person.update_profile").exists()


def test_person_records_their_title_grade() -> None:
    """The grade is a recorded choice (Xinjiang's review tiers go by it), not free text."""
    person = PersonFactory.create()
    client = logged_in(person)
    response = client.post(
        MY_INFO_URL, {"phone": "", "specialty": "教师系列/高校教师/教授", "title_grade": "正高"}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.title_grade == "正高"
    refused = client.post(MY_INFO_URL, {"phone": "", "specialty": "", "title_grade": "教授"})
    assert refused.status_code == 200
    person.refresh_from_db()
    assert person.title_grade == "正高"
