"""Fixtures shared by every app's tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from django.test import Client, TransactionTestCase
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from xueshi.accounts.backends import find_user
from xueshi.accounts.models import Person, RoleAssignment, RoleKind, User
from xueshi.accounts.otp import second_factor_needed
from xueshi.core.audit_guards import install_guards, remove_guards
from xueshi.orgs.models import Organization


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files of a test land in its own temporary folder, never in the project."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # Certificate signing keys too (the demo issues certificates): never var/ of the project.
    settings.CERTIFICATE_KEYS_DIR = tmp_path / "certificate-keys"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Each test starts with an empty cache: rate-limit counters never carry over."""
    from django.core.cache import cache

    cache.clear()
    yield


# Django's private method that ends a transactional test by flushing the database (not in stubs).
_FLUSH_HOOK = "_fixture_teardown"


@pytest.fixture(autouse=True, scope="session")
def _audit_guards_lifted_for_flush() -> Iterator[None]:
    """A transactional test ends with Django emptying every table; the audit log's triggers
    (core/audit_guards.py) refuse that, so they are lifted for the flush alone and restored."""
    original = getattr(TransactionTestCase, _FLUSH_HOOK)

    def teardown(self: Any) -> None:
        lifted = []
        for alias in self._databases_names(include_mirrors=False):
            remove_guards(connections[alias], update=False)
            lifted.append(alias)
        try:
            original(self)
        finally:
            for alias in lifted:
                install_guards(connections[alias])

    setattr(TransactionTestCase, _FLUSH_HOOK, teardown)
    yield
    setattr(TransactionTestCase, _FLUSH_HOOK, original)


@pytest.fixture(autouse=True, scope="session")
def _force_login_gives_the_second_factor() -> Iterator[None]:
    """`client.force_login(admin)` stands for a whole login; for a user who needs a second
    factor (xueshi/accounts/otp.py) that includes the TOTP code: the test enrols a device for
    the user (when none) and marks the session verified with it, as `otp_verify` does.
    Logins through the login form go through the real code pages (tests compute the code)."""
    original = Client.force_login

    def force_login(self: Client, user: Any, backend: str | None = None) -> None:
        original(self, user, backend)
        if not second_factor_needed(user):
            return
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="测试", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    Client.force_login = force_login  # type: ignore[method-assign,assignment]
    yield
    Client.force_login = original  # type: ignore[method-assign]


class Demo:
    """The demo data of the five seed regions, looked up by name: tests say who acts.

    demo.person("李明"), demo.professional("李明") (his professional role),
    demo.role("ay_yiyuan") (the only role of an organisation account).
    """

    def person(self, name: str) -> Person:
        return Person.objects.select_related("user", "unit").get(name=name)

    def user(self, username: str) -> User:
        """By the name one logs in with: account name, or a person's ID number (their login's
        own name is opaque)."""
        user = find_user(username)
        if user is None:
            raise User.DoesNotExist(username)
        return user

    def organization(self, name: str) -> Organization:
        return Organization.objects.get(name=name)

    def role(self, username: str, kind: str | None = None) -> RoleAssignment:
        roles = RoleAssignment.objects.select_related("organization", "department", "user")
        roles = roles.filter(user=self.user(username))
        return roles.get(kind=kind) if kind is not None else roles.get()

    def professional(self, name: str) -> RoleAssignment:
        return RoleAssignment.objects.select_related("user").get(
            user=self.person(name).user, kind=RoleKind.PROFESSIONAL
        )


@pytest.fixture
def demo(db) -> Demo:
    from xueshi.portal.demo import load_demo

    load_demo()
    return Demo()


@pytest.fixture
def demo_claims(db) -> Demo:
    """The demo data with its claims at every stage (what `make run` loads)."""
    from xueshi.portal.demo import load_demo

    load_demo(claims=True)
    return Demo()
