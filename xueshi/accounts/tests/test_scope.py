"""Who sees whom: people_in_scope and organizations_in_scope for every kind of role."""

import pytest
from django.urls import reverse

from xueshi.accounts.models import RoleKind
from xueshi.accounts.permissions import organizations_in_scope, people_in_scope
from xueshi.accounts.tests.factories import PersonFactory, RoleAssignmentFactory
from xueshi.orgs.tests.factories import DepartmentFactory, act_as, make_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """The org tree, two departments in unit_1, and one person in each place."""
    tree = make_tree()
    d1 = DepartmentFactory.create(unit=tree.unit_1, name="教务处")
    d2 = DepartmentFactory.create(unit=tree.unit_1, name="财务处")
    people = {
        "in_d1": PersonFactory.create(name="甲", unit=tree.unit_1, department=d1),
        "in_d2": PersonFactory.create(name="乙", unit=tree.unit_1, department=d2),
        "no_department": PersonFactory.create(name="丙", unit=tree.unit_1),
        "in_unit_2": PersonFactory.create(name="丁", unit=tree.unit_2),
        "in_unit_b": PersonFactory.create(name="戊", unit=tree.unit_b),
        "no_unit": PersonFactory.create(name="己", unit=None),
    }
    return tree, d1, people


def role(kind, organization=None, department=None):
    return RoleAssignmentFactory.create(kind=kind, organization=organization, department=department)


def names(queryset):
    return sorted(person.name for person in queryset)


def test_department_admin_sees_only_their_department(world):
    tree, d1, _ = world
    admin = role(RoleKind.DEPARTMENT_ADMIN, tree.unit_1, d1)

    assert names(people_in_scope(admin)) == ["甲"]
    assert list(organizations_in_scope(admin)) == [tree.unit_1]


def test_unit_admin_sees_the_whole_unit(world):
    tree, _, _ = world
    admin = role(RoleKind.UNIT_ADMIN, tree.unit_1)

    assert names(people_in_scope(admin)) == ["丙", "乙", "甲"]
    assert list(organizations_in_scope(admin)) == [tree.unit_1]


def test_supervisor_sees_the_units_below_it(world):
    tree, _, _ = world
    admin = role(RoleKind.SUPERVISOR_ADMIN, tree.supervisor_1)

    assert names(people_in_scope(admin)) == ["丙", "乙", "甲"]
    scope = set(organizations_in_scope(admin))
    assert scope == {tree.supervisor_1, tree.unit_1}
    assert tree.unit_2 not in scope


def test_authority_sees_its_subtree_but_not_another_authoritys(world):
    tree, _, _ = world
    admin = role(RoleKind.AUTHORITY_ADMIN, tree.authority_a)

    assert names(people_in_scope(admin)) == ["丁", "丙", "乙", "甲"]
    scope = set(organizations_in_scope(admin))
    assert scope == {
        tree.authority_a,
        tree.supervisor_1,
        tree.supervisor_2,
        tree.unit_1,
        tree.unit_2,
    }
    assert tree.authority_b not in scope
    assert tree.unit_b not in scope

    other = role(RoleKind.AUTHORITY_ADMIN, tree.authority_b)
    assert names(people_in_scope(other)) == ["戊"]
    assert set(organizations_in_scope(other)) == {tree.authority_b, tree.unit_b}


def test_professional_sees_only_themself(world):
    _, _, people = world
    me = people["in_d1"]
    professional = me.user.roles.get(kind=RoleKind.PROFESSIONAL)

    assert list(people_in_scope(professional)) == [me]
    assert list(organizations_in_scope(professional)) == []


def test_platform_admin_sees_everyone_and_no_role_sees_no_one(world):
    _, _, people = world
    platform = role(RoleKind.PLATFORM_ADMIN)

    assert people_in_scope(platform).count() == len(people)
    assert people_in_scope(None).count() == 0
    assert organizations_in_scope(None).count() == 0


def test_a_person_without_a_unit_is_outside_every_organisations_scope(world):
    tree, _, _ = world
    for admin in (
        role(RoleKind.UNIT_ADMIN, tree.unit_1),
        role(RoleKind.AUTHORITY_ADMIN, tree.authority_a),
        role(RoleKind.AUTHORITY_ADMIN, tree.authority_b),
    ):
        assert "己" not in names(people_in_scope(admin))


def test_a_unit_admin_gets_404_for_another_units_detail(client, world):
    tree, _, _ = world
    admin = role(RoleKind.UNIT_ADMIN, tree.unit_1)
    act_as(client, admin)

    own = client.get(reverse("orgs:organization_detail", args=[tree.unit_1.pk]))
    other = client.get(reverse("orgs:organization_detail", args=[tree.unit_2.pk]))
    parent = client.get(reverse("orgs:organization_detail", args=[tree.supervisor_1.pk]))

    assert own.status_code == 200
    assert tree.unit_1.name in own.content.decode()
    assert other.status_code == 404
    assert parent.status_code == 404


def test_a_department_admin_gets_404_for_another_units_detail(client, world):
    tree, d1, _ = world
    act_as(client, role(RoleKind.DEPARTMENT_ADMIN, tree.unit_1, d1))

    assert client.get(reverse("orgs:organization_detail", args=[tree.unit_b.pk])).status_code == 404
