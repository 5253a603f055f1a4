"""导入人员信息: people with logins and initial passwords; no duplicates; other units refused."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from xueshi.accounts.models import Person
from xueshi.accounts.roles import ACTIVE_ROLE_SESSION_KEY
from xueshi.core.testing import make_id_number
from xueshi.imports.models import ImportKind
from xueshi.imports.services import import_start

from .helpers import fill_template, upload


def new_id(sequence: int) -> str:
    return make_id_number("450102", datetime.date(1990, 5, 1), 400 + sequence)


def staff_row(id_number: str, name: str, **extra: object) -> dict[str, object]:
    return {"证件号码": id_number, "姓名": name, **extra}


@pytest.fixture
def gxu(demo):
    return demo.role("gx_gxu")


def run(role, rows):
    content = fill_template(role, rows, kind=ImportKind.STAFF)
    return import_start(kind=ImportKind.STAFF, upload=upload(content), role=role, actor=role.user)


def test_staff_import_creates_people_with_initial_passwords(demo, gxu):
    rows = [
        staff_row(new_id(1), "韦一", 联系电话="13912345678", 部门="财务处", 在编="是"),
        staff_row(new_id(2), "韦二", 在编="否"),
        staff_row(demo.person("蒙丽").id_number, "蒙丽"),  # already in this unit
        staff_row(demo.person("梁晓东").id_number, "梁晓东"),  # another unit
        staff_row(new_id(3), "韦三", 部门="不存在的部门"),
        staff_row(new_id(4), "韦四", 联系电话="12345"),
    ]
    batch = run(gxu, rows)
    assert (batch.created_count, batch.skipped_count, batch.error_count) == (2, 1, 3)
    first = Person.objects.select_related("user", "department").by_id_number(new_id(1)).get()
    assert (first.unit, first.department.name, first.in_establishment, first.phone) == (
        gxu.organization,
        "财务处",
        True,
        "13912345678",
    )
    assert first.user.must_change_password
    assert first.user.check_password(new_id(1)[-6:])  # the initial password works
    errors = list(batch.row_errors.values_list("row_number", "column", "message"))
    assert errors[0][:2] == (5, "证件号码") and "南宁市第一中学" in errors[0][2]
    assert errors[1] == (6, "部门", "本单位没有部门“不存在的部门”，请先在单位部门管理中建立")
    assert errors[2][:2] == (7, "联系电话")

    again = run(gxu, rows[:2])
    assert (again.created_count, again.skipped_count) == (0, 2)


def test_only_the_main_unit_admin_imports_staff(client, demo):
    huang = demo.person("黄伟")
    client.force_login(huang.user)
    session = client.session
    session[ACTIVE_ROLE_SESSION_KEY] = demo.role(huang.id_number, "department_admin").pk
    session.save()
    assert client.get(reverse("imports:staff")).status_code == 403
    assert client.get(reverse("imports:claims")).status_code == 200
