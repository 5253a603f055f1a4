"""Switching between the roles a user holds (e.g. professional and unit admin)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.accounts.roles import ACTIVE_ROLE_SESSION_KEY
from xueshi.accounts.services import role_grant
from xueshi.accounts.tests.factories import PersonFactory, RoleAssignmentFactory, user_of
from xueshi.core.models import AuditLog

pytestmark = pytest.mark.django_db

SWITCH_URL = reverse("accounts:role_switch")
TwoRoles = tuple[Client, RoleAssignment, RoleAssignment]


@pytest.fixture
def two_roles() -> TwoRoles:
    person = PersonFactory.create()
    user = user_of(person)
    professional = user.roles.get(kind=RoleKind.PROFESSIONAL)
    unit_admin = role_grant(user=user, kind=RoleKind.UNIT_ADMIN, organization=person.unit)
    client = Client()
    client.force_login(user)
    return client, professional, unit_admin


def test_without_a_choice_the_first_role_is_active(two_roles: TwoRoles) -> None:
    client, professional, _ = two_roles

    response = client.get(reverse("accounts:my_info"))

    assert response.wsgi_request.active_role == professional  # type: ignore[attr-defined]


def test_switching_to_an_own_role(two_roles: TwoRoles) -> None:
    client, professional, unit_admin = two_roles

    response = client.post(SWITCH_URL, {"role": unit_admin.pk})

    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert client.session[ACTIVE_ROLE_SESSION_KEY] == unit_admin.pk
    following = client.get(reverse("accounts:my_info"))
    assert following.wsgi_request.active_role == unit_admin  # type: ignore[attr-defined]
    log = AuditLog.objects.get(action="role.switch")
    assert log.actor_id == unit_admin.user_id
    assert log.role == RoleKind.UNIT_ADMIN
    assert (log.from_state, log.to_state) == (RoleKind.PROFESSIONAL, RoleKind.UNIT_ADMIN)
    assert log.target_id == str(unit_admin.pk)

    client.post(SWITCH_URL, {"role": professional.pk})
    back = client.get(reverse("accounts:my_info"))
    assert back.wsgi_request.active_role == professional  # type: ignore[attr-defined]


def test_someone_elses_role_is_not_found(two_roles: TwoRoles) -> None:
    client, professional, _ = two_roles
    foreign = RoleAssignmentFactory.create()

    response = client.post(SWITCH_URL, {"role": foreign.pk})

    assert response.status_code == 404
    assert client.session.get(ACTIVE_ROLE_SESSION_KEY) != foreign.pk
    assert not AuditLog.objects.filter(action="role.switch").exists()
    following = client.get(reverse("accounts:my_info"))
    assert following.wsgi_request.active_role == professional  # type: ignore[attr-defined]


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_missing_or_unknown_role_is_not_found(two_roles: TwoRoles, value: str) -> None:
    client, _, _ = two_roles

    assert client.post(SWITCH_URL, {"role": value}).status_code == 404


def test_get_is_not_allowed(two_roles: TwoRoles) -> None:
    client, _, _ = two_roles

    assert client.get(SWITCH_URL).status_code == 405


def test_anonymous_post_goes_to_login(client: Client) -> None:
    role = RoleAssignmentFactory.create()

    response = client.post(SWITCH_URL, {"role": role.pk})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
