from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import factory
from django.test import Client

from xueshi.accounts.roles import ACTIVE_ROLE_SESSION_KEY
from xueshi.core.testing import make_credit_code
from xueshi.orgs.models import Department, Organization, OrganizationKind, OrganizationStatus


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    kind = OrganizationKind.UNIT
    name = factory.Sequence(lambda n: f"测试单位{n}")
    region_code = "450100"
    credit_code = factory.Sequence(lambda n: make_credit_code("450100", 500000 + n))
    status = OrganizationStatus.ACTIVE
    parent = factory.LazyAttribute(
        lambda o: None if o.kind == OrganizationKind.AUTHORITY else AuthorityFactory()
    )


class AuthorityFactory(OrganizationFactory):
    kind = OrganizationKind.AUTHORITY
    name = factory.Sequence(lambda n: f"测试人社厅{n}")
    parent = None  # type: ignore[assignment]
    policy_profile = "guangxi"


class SupervisorFactory(OrganizationFactory):
    kind = OrganizationKind.SUPERVISOR
    name = factory.Sequence(lambda n: f"测试主管部门{n}")


class UnitFactory(OrganizationFactory):
    kind = OrganizationKind.UNIT


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"部门{n}")


class PendingUnitFactory(UnitFactory):
    """A unit registered by someone and still waiting for approval."""

    status = OrganizationStatus.PENDING
    credit_code = None  # type: ignore[assignment]


@dataclass
class OrgTree:
    """Two authorities; under the first two supervisors, each with a unit.

    authority_a ─┬─ supervisor_1 ── unit_1
                 └─ supervisor_2 ── unit_2
    authority_b ─── unit_b
    """

    authority_a: Organization
    supervisor_1: Organization
    supervisor_2: Organization
    unit_1: Organization
    unit_2: Organization
    authority_b: Organization
    unit_b: Organization


def make_tree() -> OrgTree:
    authority_a = AuthorityFactory.create(name="广西壮族自治区人力资源和社会保障厅")
    supervisor_1 = SupervisorFactory.create(name="南宁市教育局", parent=authority_a)
    supervisor_2 = SupervisorFactory.create(name="柳州市卫生健康委员会", parent=authority_a)
    authority_b = AuthorityFactory.create(
        name="新疆维吾尔自治区人力资源和社会保障厅", region_code="650000"
    )
    return OrgTree(
        authority_a=authority_a,
        supervisor_1=supervisor_1,
        supervisor_2=supervisor_2,
        unit_1=UnitFactory.create(name="南宁市第一中学", parent=supervisor_1),
        unit_2=UnitFactory.create(name="柳州市人民医院", parent=supervisor_2, region_code="450200"),
        authority_b=authority_b,
        unit_b=UnitFactory.create(name="新疆大学", parent=authority_b, region_code="650102"),
    )


def act_as(client: Client, role: Any) -> None:
    """Log the role's user in and make this role the active one (as the role switcher does)."""
    client.force_login(role.user)
    session = client.session
    session[ACTIVE_ROLE_SESSION_KEY] = role.pk
    session.save()
