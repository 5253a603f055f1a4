"""Unit administration lists cost the same number of queries for a few rows as for many."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.accounts.services import person_create
from xueshi.core.testing import make_id_number
from xueshi.orgs.models import (
    DeclaringWindow,
    Department,
    Organization,
    UnitChangeRequest,
    UnitChangeStatus,
)
from xueshi.orgs.tests.factories import UnitFactory, act_as
from xueshi.units import views as views_unit
from xueshi.units.services import unit_admin_add

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row on one page, so the many rows are really rendered."""
    monkeypatch.setattr(views_unit, "QUEUE_PAGE_SIZE", 100)
    monkeypatch.setattr(views_unit, "LIST_PAGE_SIZE", 100)


def count_queries(client: Client, url: str, marker: str, expected: int) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count(marker) >= expected
    return len(context.captured_queries)


# ---- 单位信息变更审批 -------------------------------------------------------------------


def add_change_requests(supervisor: Organization, start: int, count: int) -> None:
    for index in range(start, start + count):
        unit = UnitFactory.create(parent=supervisor, name=f"变更单位{index:02d}")
        UnitChangeRequest.objects.create(
            unit=unit,
            old_name=unit.name,
            new_name=f"{unit.name}（新名称）",
            status=UnitChangeStatus.PENDING,
        )


def test_unit_change_requests_queries_do_not_grow(client, demo):
    role = demo.role("gx_jyt")
    act_as(client, role)
    url = reverse("orgs:unit_change_requests")
    add_change_requests(role.organization, 0, 2)
    few = count_queries(client, url, "（新名称）", 2)
    add_change_requests(role.organization, 2, 30)
    many = count_queries(client, url, "（新名称）", 32)
    assert few == many, (few, many)


# ---- 单位管理员管理 and 单位部门管理 ----------------------------------------------------


def add_admins(demo: Any, start: int, count: int) -> None:
    role = demo.role("gx_gxu")
    unit = role.organization
    for index in range(start, start + count):
        department = Department.objects.create(unit=unit, name=f"测试部门{index:02d}")
        person = person_create(
            id_number=make_id_number("450102", datetime.date(1990, 1, 1), 300 + index),
            name=f"测试管理员{index:02d}",
            unit=unit,
            department=department,
        )
        unit_admin_add(
            role=role,
            actor=role.user,
            id_number=person.id_number,
            name=person.name,
            phone="",
            department=department,
            in_establishment=True,
            login_allowed=True,
            duties=f"分管{index:02d}",
        )


def test_unit_admin_list_queries_do_not_grow(client, demo):
    act_as(client, demo.role("gx_gxu"))
    url = reverse("orgs:unit_admin_list")
    add_admins(demo, 0, 2)
    few = count_queries(client, url, "测试管理员", 2)
    add_admins(demo, 2, 25)
    many = count_queries(client, url, "测试管理员", 27)
    assert RoleAssignment.objects.filter(kind=RoleKind.DEPARTMENT_ADMIN).count() >= 27
    assert few == many, (few, many)


def test_department_list_queries_do_not_grow(client, demo):
    act_as(client, demo.role("gx_gxu"))
    url = reverse("orgs:department_list")
    add_admins(demo, 0, 2)  # departments with a person and an admin each
    few = count_queries(client, url, "测试部门", 2)
    add_admins(demo, 2, 25)
    many = count_queries(client, url, "测试部门", 27)
    assert few == many, (few, many)


# ---- 学时登记开放 ------------------------------------------------------------------------


def add_windows(unit: Organization, start: int, count: int) -> None:
    for index in range(start, start + count):
        DeclaringWindow.objects.create(
            unit=unit,
            credit_year=2000 + index,
            opens_on=datetime.date(2000 + index, 1, 1),
            closes_on=datetime.date(2000 + index, 1, 31),
            note=f"测试开放{index:02d}",
        )


def test_declaring_windows_queries_do_not_grow(client, demo):
    role = demo.role("gx_gxu")
    DeclaringWindow.objects.filter(unit=role.organization).delete()
    act_as(client, role)
    url = reverse("orgs:declaring_windows")
    add_windows(role.organization, 0, 2)
    few = count_queries(client, url, "-01-31", 2)
    add_windows(role.organization, 2, 20)
    many = count_queries(client, url, "-01-31", 22)
    assert few == many, (few, many)
