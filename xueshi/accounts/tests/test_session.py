"""Sessions end after SESSION_IDLE_MINUTES (15) without a request; each request extends them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.tests.factories import TEST_PASSWORD, PersonFactory, login_data

pytestmark = pytest.mark.django_db

IDLE = timedelta(minutes=15)


@pytest.fixture
def client_logged_in() -> Client:
    person = PersonFactory.create()
    client = Client()
    response = client.post(reverse("accounts:login"), login_data(person.id_number, TEST_PASSWORD))
    assert response.status_code == 302
    return client


def stored_session(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_idle_limit_is_fifteen_minutes(client_logged_in: Client) -> None:
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert client_logged_in.session.get_expiry_age() == 15 * 60
    expires_in = stored_session(client_logged_in).expire_date - timezone.now()
    assert IDLE - timedelta(seconds=30) < expires_in <= IDLE


def test_each_request_pushes_the_expiry_forward(client_logged_in: Client) -> None:
    Session.objects.filter(session_key=client_logged_in.session.session_key).update(
        expire_date=timezone.now() + timedelta(minutes=1)
    )

    response = client_logged_in.get(reverse("accounts:my_info"))

    assert response.status_code == 200
    expires_in = stored_session(client_logged_in).expire_date - timezone.now()
    assert expires_in > IDLE - timedelta(seconds=30)


def test_an_idle_session_has_ended(client_logged_in: Client) -> None:
    Session.objects.filter(session_key=client_logged_in.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = client_logged_in.get(reverse("accounts:my_info"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
