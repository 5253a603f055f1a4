"""Named demo people and organisations for declaration tests: the five seed regions."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from xueshi.accounts.models import Person, RoleAssignment, RoleKind, User
from xueshi.orgs.models import Organization
from xueshi.portal.demo import load_demo


@dataclass
class Demo:
    """Look up demo people and roles by name: demo.person("李明"), demo.role("ay_yiyuan")."""

    def person(self, name: str) -> Person:
        return Person.objects.select_related("user", "unit").get(name=name)

    def user(self, username: str) -> User:
        return User.objects.get(username=username)

    def organization(self, name: str) -> Organization:
        return Organization.objects.get(name=name)

    def role(self, username: str, kind: str | None = None) -> RoleAssignment:
        roles = RoleAssignment.objects.select_related("organization", "department", "user").filter(
            user__username=username
        )
        if kind is not None:
            roles = roles.filter(kind=kind)
        return roles.get()

    def professional(self, name: str) -> RoleAssignment:
        person = self.person(name)
        return RoleAssignment.objects.select_related("user").get(
            user=person.user, kind=RoleKind.PROFESSIONAL
        )


@pytest.fixture
def demo(db) -> Demo:
    load_demo()
    return Demo()
