import io

import pytest
from django.core.management import call_command
from stdnum.cn import ric, uscc

from xueshi.accounts.backends import IdentifierBackend
from xueshi.accounts.models import Person, RoleAssignment, RoleKind, User
from xueshi.orgs.models import Organization, OrganizationKind
from xueshi.portal.demo import DEMO_PASSWORD, REGIONS, load_demo

pytestmark = pytest.mark.django_db


def test_demo_builds_every_region_with_valid_identifiers():
    logins = load_demo()
    authorities = Organization.objects.filter(kind=OrganizationKind.AUTHORITY, parent=None)
    assert sorted(a.policy_profile for a in authorities) == sorted(
        r.policy_profile for r in REGIONS
    )
    for person in Person.objects.all():
        assert ric.is_valid(person.id_number), person
    for organization in Organization.objects.all():
        assert organization.credit_code and uscc.is_valid(organization.credit_code), organization
    kinds = set(RoleAssignment.objects.values_list("kind", flat=True))
    assert kinds == set(RoleKind.values)
    assert len({login.username for login in logins}) == len(logins)


def test_every_printed_login_works():
    backend = IdentifierBackend()
    for login in load_demo():
        assert backend.authenticate(None, username=login.username, password=login.password), login


def test_each_region_has_a_first_login_person_and_a_unit_without_managing_unit():
    load_demo()
    first_login = User.objects.filter(must_change_password=True, person__isnull=False)
    assert first_login.count() == len(REGIONS)
    # Anyang: 安阳市第一中学 hangs directly under the association (no managing unit).
    school = Organization.objects.get(name="安阳市第一中学")
    assert school.parent is not None and school.parent.kind == OrganizationKind.AUTHORITY


def test_loading_twice_changes_nothing():
    load_demo()
    counts = (Organization.objects.count(), Person.objects.count(), RoleAssignment.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert counts == (
        Organization.objects.count(),
        Person.objects.count(),
        RoleAssignment.objects.count(),
    )
    assert User.objects.get(username="admin").check_password(DEMO_PASSWORD)


def test_every_demo_region_has_a_loadable_policy_profile():
    from xueshi.policy.loader import get_profile

    load_demo()
    for unit in Organization.objects.filter(kind=OrganizationKind.UNIT):
        key = unit.effective_policy_profile()
        assert key, unit
        assert get_profile(key).versions, key
