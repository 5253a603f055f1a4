from __future__ import annotations

import datetime

import factory

from xueshi.accounts.models import Person, RoleAssignment, RoleKind, User
from xueshi.core.identifiers import id_number_birth_date, id_number_sex
from xueshi.core.testing import make_id_number
from xueshi.orgs.models import Organization
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
    def _save(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    """A professional with a login and the professional role."""

    class Meta:
        model = Person
        skip_postgeneration_save = True  # the role hook saves what it creates itself

    id_number = factory.Sequence(
        lambda n: make_id_number(
            "450102", datetime.date(1985, 1, 1) + datetime.timedelta(days=n % 9000), n
        )
    )
    name = factory.Sequence(lambda n: f"张{n}")
    phone = "13800138000"
    birth_date = factory.LazyAttribute(lambda o: id_number_birth_date(o.id_number))
    sex = factory.LazyAttribute(lambda o: id_number_sex(o.id_number))
    unit = factory.SubFactory(UnitFactory)
    user = factory.SubFactory(
        UserFactory,
        username=factory.SelfAttribute("..id_number"),
        full_name=factory.SelfAttribute("..name"),
    )

    @factory.post_generation
    def professional_role(obj: Person, create: bool, extracted: object, **kwargs: object) -> None:
        if create and obj.user is not None:
            RoleAssignment.objects.get_or_create(user=obj.user, kind=RoleKind.PROFESSIONAL)


class RoleAssignmentFactory(factory.django.DjangoModelFactory[RoleAssignment]):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    kind = RoleKind.UNIT_ADMIN
    organization = factory.SubFactory(UnitFactory)
    department = None


def id_number_ending_in_x(start: int = 0) -> str:
    """A valid ID number whose check character is X (about one in eleven are)."""
    for sequence in range(start, start + 500):
        id_number = make_id_number("450102", datetime.date(1990, 5, 17), sequence)
        if id_number.endswith("X"):
            return id_number
    raise AssertionError("no ID number ending in X found")  # pragma: no cover


def organization_account(*, username: str, organization: Organization | None = None) -> User:
    """A login that belongs to an organisation (no Person), e.g. a unit's admin account."""
    organization = organization or UnitFactory.create()
    user = UserFactory.create(username=username, full_name=organization.name)
    user.organization = organization
    user.save(update_fields=["organization"])
    return user


def user_of(person: Person) -> User:
    """The login of a person made by PersonFactory or person_create (always has one)."""
    assert person.user is not None
    return person.user


def login_data(
    username: str, password: str, *, captcha: str = "PASSED", key: str = "x"
) -> dict[str, str]:
    """POST data for accounts:login; in test settings the captcha answer "PASSED" is accepted."""
    return {"username": username, "password": password, "captcha_0": key, "captcha_1": captcha}
