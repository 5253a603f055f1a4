"""Each kind of event the audit log must hold (GB/T 22239-2019 8.1.4.3 a/b): who, in which role,
from which address, on which object, with which result."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from xueshi.accounts.services import role_grant, role_revoke
from xueshi.accounts.tests.factories import TEST_PASSWORD, PersonFactory, login_data, user_of
from xueshi.core.models import AuditLog, AuditResult

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
IP = "203.0.113.7"


@pytest.fixture
def client() -> Client:
    return Client(REMOTE_ADDR=IP)


def _unit_admin(client: Client):
    """A person logged in and switched to the unit-admin role of their own unit."""
    admin = PersonFactory.create()
    role = role_grant(user=user_of(admin), kind="unit_admin", organization=admin.unit)
    client.post(LOGIN_URL, login_data(admin.id_number, TEST_PASSWORD))
    client.post(reverse("accounts:role_switch"), {"role": role.pk})
    return admin, role


def test_a_login_is_audited_with_user_role_and_address(client):
    person = PersonFactory.create()
    client.post(LOGIN_URL, login_data(person.id_number, TEST_PASSWORD))
    log = AuditLog.objects.get(action="auth.login")
    assert (log.actor_id, log.role, log.ip_address, log.result) == (
        user_of(person).pk,
        "professional",
        IP,
        AuditResult.SUCCESS,
    )
    assert (log.target_type, log.target_id) == ("accounts.user", str(user_of(person).pk))


def test_a_failed_login_is_audited_with_the_typed_account_masked(client):
    person = PersonFactory.create()
    client.post(LOGIN_URL, login_data(person.id_number, "wrong-password"))
    log = AuditLog.objects.get(action="auth.login_failed")
    assert log.result == AuditResult.FAILURE
    assert log.ip_address == IP
    assert log.actor_id is None
    masked = log.details["username"]
    assert masked.startswith(person.id_number[:6]) and masked.endswith(person.id_number[-4:])
    assert person.id_number not in str(log.details)


def test_a_lockout_is_audited(client, settings):
    person = PersonFactory.create()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN_URL, login_data(person.id_number, "wrong-password"))
    assert AuditLog.objects.filter(action="auth.locked_out", result=AuditResult.FAILURE).exists()


def test_a_role_switch_is_audited_with_the_new_role(client):
    admin, _ = _unit_admin(client)
    log = AuditLog.objects.get(action="role.switch")
    assert (log.actor_id, log.role, log.to_state, log.ip_address) == (
        user_of(admin).pk,
        "unit_admin",
        "unit_admin",
        IP,
    )


def test_role_grants_and_revocations_are_audited():
    person = PersonFactory.create()
    granter = PersonFactory.create()
    role = role_grant(
        user=user_of(person), kind="unit_admin", organization=person.unit, actor=user_of(granter)
    )
    role_pk = role.pk
    role_revoke(role=role, actor=user_of(granter))
    grant = AuditLog.objects.get(action="role.grant", target_id=str(role_pk))
    revoke = AuditLog.objects.get(action="role.revoke", target_id=str(role_pk))
    assert grant.actor_id == revoke.actor_id == user_of(granter).pk


def test_reading_a_persons_page_is_audited(client):
    admin, _ = _unit_admin(client)
    staff = PersonFactory.create(unit=admin.unit)
    response = client.get(reverse("orgs:staff_edit", args=(staff.pk,)))
    assert response.status_code == 200
    log = AuditLog.objects.get(action="person.read")
    assert (log.target_type, log.target_id, log.role, log.ip_address) == (
        "accounts.person",
        str(staff.pk),
        "unit_admin",
        IP,
    )


def test_reading_a_persons_ledger_is_audited(client):
    admin, _ = _unit_admin(client)
    staff = PersonFactory.create(unit=admin.unit)
    response = client.get(reverse("ledger:person_year", args=(staff.pk, 2025)))
    assert response.status_code == 200
    log = AuditLog.objects.get(action="person.ledger_read")
    assert (log.target_id, log.details, log.actor_id) == (
        str(staff.pk),
        {"year": 2025},
        user_of(admin).pk,
    )


@pytest.mark.parametrize(
    ("url", "parameter", "where"),
    [
        ("ledger:unit_query", "q", "ledger.unit_query"),
        ("orgs:staff_list", "q", "units.staff_list"),
        ("review:queue", "id_number", "review.queue"),
        ("review:results", "query", "review.results"),
        ("declarations:list", "q", "review.declaration_list"),
    ],
)
def test_a_search_by_id_number_is_audited_masked_and_a_name_search_is_not(
    client, url, parameter, where
):
    admin, _ = _unit_admin(client)
    staff = PersonFactory.create(unit=admin.unit)
    client.get(reverse(url), {parameter: staff.name})
    assert not AuditLog.objects.filter(action="person.id_search").exists()
    response = client.get(reverse(url), {parameter: staff.id_number})
    assert response.status_code == 200
    log = AuditLog.objects.get(action="person.id_search")
    assert log.details["where"] == where
    assert log.role == "unit_admin"
    assert staff.id_number not in str(log.details)
    assert log.details["query"][:6] == staff.id_number[:6]


def test_a_role_granted_through_a_page_carries_the_granters_role_and_address(client):
    admin, _ = _unit_admin(client)
    staff = PersonFactory.create(unit=admin.unit)
    response = client.post(
        reverse("orgs:unit_admin_add"),
        {
            "id_number": staff.id_number,
            "name": staff.name,
            "phone": "",
            "in_establishment": "1",
            "department": "",
            "login_allowed": "1",
            "duties": "",
        },
    )
    assert response.status_code == 302
    grant = AuditLog.objects.get(action="role.grant", actor=user_of(admin), to_state="unit_admin")
    assert (grant.role, grant.ip_address) == ("unit_admin", IP)
