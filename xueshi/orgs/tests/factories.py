from __future__ import annotations

import factory

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
    parent = None
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
