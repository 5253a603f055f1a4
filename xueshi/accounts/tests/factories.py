from __future__ import annotations

import datetime

import factory

from xueshi.accounts.models import Person, RoleAssignment, RoleKind, User
from xueshi.core.identifiers import id_number_birth_date, id_number_sex
from xueshi.core.testing import make_id_number
from xueshi.orgs.tests.factories import UnitFactory

# Passwords that satisfy the rules (8+ characters, 3 classes), for tests that log in.
TEST_PASSWORD = "Xueshi@2026"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"account{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    must_change_password = False
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    """A professional with a login and the professional role."""

    class Meta:
        model = Person

    id_number = factory.Sequence(
        lambda n: make_id_number("450102", datetime.date(1985, 1, 1) + datetime.timedelta(days=n % 9000), n)
    )
    name = factory.Sequence(lambda n: f"张{n}")
    phone = "13800138000"
    birth_date = factory.LazyAttribute(lambda o: id_number_birth_date(o.id_number))
    sex = factory.LazyAttribute(lambda o: id_number_sex(o.id_number))
    unit = factory.SubFactory(UnitFactory)
    user = factory.LazyAttribute(lambda o: UserFactory(username=o.id_number, full_name=o.name))

    @factory.post_generation
    def professional_role(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and self.user is not None:
            RoleAssignment.objects.get_or_create(user=self.user, kind=RoleKind.PROFESSIONAL)


class RoleAssignmentFactory(factory.django.DjangoModelFactory[RoleAssignment]):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    kind = RoleKind.UNIT_ADMIN
    organization = factory.SubFactory(UnitFactory)
    department = None
