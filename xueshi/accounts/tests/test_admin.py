"""Django admin (/django-admin/) for logins, people and roles: platform administrators only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from xueshi.accounts.models import RoleKind, User
from xueshi.accounts.tests.factories import PersonFactory, UserFactory, user_of

pytestmark = pytest.mark.django_db

PERSON_LIST = reverse("admin:accounts_person_changelist")


def staff(*, superuser: bool = False, platform_admin: bool = False) -> Client:
    user = UserFactory.create(is_staff=True, is_superuser=superuser)
    if platform_admin:
        user.roles.create(kind=RoleKind.PLATFORM_ADMIN)
    client = Client()
    client.force_login(user)
    return client


def test_person_list_shows_masked_id_numbers_only() -> None:
    person = PersonFactory.create(name="赵六")

    response = staff(superuser=True).get(PERSON_LIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert "赵六" in html
    assert person.masked_id_number in html
    assert person.id_number not in html


def test_person_list_searches_by_full_id_number() -> None:
    person, other = PersonFactory.create(), PersonFactory.create()

    response = staff(superuser=True).get(PERSON_LIST, {"q": person.id_number})

    html = response.content.decode()
    assert person.masked_id_number in html
    assert other.masked_id_number not in html


def test_platform_admin_role_grants_access() -> None:
    assert staff(platform_admin=True).get(PERSON_LIST).status_code == 200


def test_staff_without_the_platform_role_is_refused() -> None:
    client = staff()

    assert client.get(PERSON_LIST).status_code == 403
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_roleassignment_changelist")).status_code == 403


def test_people_are_not_added_through_the_admin() -> None:
    assert staff(superuser=True).get(reverse("admin:accounts_person_add")).status_code == 403


def test_user_pages_work_with_the_custom_user_model() -> None:
    client = staff(superuser=True)
    person = PersonFactory.create()

    change = client.get(reverse("admin:accounts_user_change", args=[user_of(person).pk]))
    add = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new-unit-account",
            "full_name": "某单位",
            "usable_password": "true",
            "password1": "Nanning#2026",
            "password2": "Nanning#2026",
        },
    )

    assert change.status_code == 200
    assert add.status_code == 302
    assert User.objects.get(username="new-unit-account").full_name == "某单位"


def test_role_list_opens() -> None:
    PersonFactory.create()

    response = staff(superuser=True).get(reverse("admin:accounts_roleassignment_changelist"))

    assert response.status_code == 200
    assert "专业技术人员" in response.content.decode()
