"""专业技术人员管理: scope of main and department admins, add, edit, move, leave, first login."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueshi.accounts.models import Person, RoleKind
from xueshi.accounts.services import role_grant, staff_update
from xueshi.accounts.tests.factories import (
    PersonFactory,
    RoleAssignmentFactory,
    login_data,
    user_of,
)
from xueshi.core.models import AuditLog
from xueshi.core.testing import make_id_number
from xueshi.declarations.models import Declaration
from xueshi.orgs.models import Department
from xueshi.orgs.tests.factories import DepartmentFactory, UnitFactory, act_as

GXU = "广西大学"
CS = "计算机与电子信息学院"
FINANCE = "财务处"

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def department(name: str) -> Department:
    return Department.objects.get(unit__name=GXU, name=name)


@pytest.fixture
def main_admin(client, demo):
    role = demo.role("gx_gxu")
    act_as(client, role)
    return role


@pytest.fixture
def department_admin(demo):
    """黄伟, 二级管理员 of 计算机与电子信息学院, in a client of his own."""
    role = demo.role(demo.person("黄伟").user.username, RoleKind.DEPARTMENT_ADMIN)
    client = Client()
    act_as(client, role)
    return client


# ---- scope --------------------------------------------------------------------------------


def test_main_admin_sees_the_whole_unit_and_nobody_else(client, main_admin, demo):
    response = client.get(reverse("orgs:staff_list"))

    body = text(response)
    assert response.status_code == 200
    for name in ("陈静", "黄伟", "覃海燕", "蒙丽", "莫新"):
        assert name in body
    assert "梁晓东" not in body  # 南宁市第一中学
    qin = demo.person("覃海燕")
    assert qin.masked_id_number in body
    assert qin.id_number not in body
    other = demo.person("梁晓东")
    assert client.get(reverse("orgs:staff_edit", args=[other.pk])).status_code == 404


def test_department_admin_sees_only_their_department(department_admin, demo):
    body = text(department_admin.get(reverse("orgs:staff_list")))

    assert "覃海燕" in body and "黄伟" in body
    assert "蒙丽" not in body and "陈静" not in body and "莫新" not in body
    meng = demo.person("蒙丽")
    assert department_admin.get(reverse("orgs:staff_edit", args=[meng.pk])).status_code == 404
    assert department_admin.post(reverse("orgs:staff_edit", args=[meng.pk]), {}).status_code == 404
    qin = demo.person("覃海燕")
    assert department_admin.get(reverse("orgs:staff_edit", args=[qin.pk])).status_code == 200


def test_department_admin_cannot_reach_main_admin_pages(department_admin):
    for name in ("orgs:department_list", "orgs:unit_admin_list", "orgs:declaring_windows"):
        assert department_admin.get(reverse(name)).status_code == 403


def test_search_by_name_or_id_number_and_filter_by_department(client, main_admin, demo):
    url = reverse("orgs:staff_list")
    qin = demo.person("覃海燕")

    by_name = text(client.get(url, {"q": "覃"}))
    # The full number (any case): ID numbers are encrypted, a part of one cannot be searched.
    by_id = text(client.get(url, {"q": qin.id_number.lower()}))
    finance = text(client.get(url, {"department": department(FINANCE).pk}))
    without = text(client.get(url, {"department": "none"}))

    assert "覃海燕" in by_name and "蒙丽" not in by_name
    assert "覃海燕" in by_id and "蒙丽" not in by_id
    assert "蒙丽" in finance and "覃海燕" not in finance
    assert "莫新" in without and "蒙丽" not in without
    assert "没有符合条件的人员" in text(client.get(url, {"q": "不存在的人"}))


def test_staff_list_costs_the_same_queries_for_5_and_50_people(client):
    unit = UnitFactory.create()
    dept = DepartmentFactory.create(unit=unit, name="办公室")
    act_as(client, RoleAssignmentFactory.create(kind=RoleKind.UNIT_ADMIN, organization=unit))
    PersonFactory.create_batch(5, unit=unit, department=dept)
    url = reverse("orgs:staff_list")

    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    PersonFactory.create_batch(45, unit=unit)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(url)

    assert len(five) == len(fifty)
    assert response.context["page"].paginator.count == 50
    assert len(response.context["page"].object_list) == 20
    assert "第 1 / 3 页" in text(response)


# ---- moving between departments -----------------------------------------------------------


def test_main_admin_moves_a_person_and_the_new_department_admin_sees_them(
    client, main_admin, department_admin, demo
):
    meng = demo.person("蒙丽")
    edit = reverse("orgs:staff_edit", args=[meng.pk])
    assert department_admin.get(edit).status_code == 404

    response = client.post(
        edit,
        {
            "phone": "13900000001",
            "department": department(CS).pk,
            "in_establishment": "0",
            "specialty": meng.specialty,
            "login_allowed": "1",
        },
    )

    assert response.status_code == 302
    meng.refresh_from_db()
    assert meng.department == department(CS)
    assert meng.in_establishment is False
    assert "蒙丽" in text(department_admin.get(reverse("orgs:staff_list")))
    assert department_admin.get(edit).status_code == 200
    assert AuditLog.objects.filter(action="person.move_department", target_id=str(meng.pk)).exists()


def test_department_admin_cannot_move_a_person_out_of_their_department(demo):
    role = demo.role(demo.person("黄伟").user.username, RoleKind.DEPARTMENT_ADMIN)
    qin = demo.person("覃海燕")

    with pytest.raises(ValidationError, match="不能将人员调出本部门"):
        staff_update(
            person=qin,
            role=role,
            phone="",
            department=department(FINANCE),
            in_establishment=True,
            specialty="",
            login_allowed=True,
        )


def test_department_admin_form_keeps_the_department_whatever_is_posted(department_admin, demo):
    qin = demo.person("覃海燕")

    department_admin.post(
        reverse("orgs:staff_edit", args=[qin.pk]),
        {
            "phone": "",
            "department": department(FINANCE).pk,
            "in_establishment": "1",
            "specialty": "教师系列/高校教师/副教授(副高)",
            "login_allowed": "1",
        },
    )

    qin.refresh_from_db()
    assert qin.department == department(CS)
    assert qin.specialty == "教师系列/高校教师/副教授(副高)"


def test_person_chooses_department_in_my_info_and_admins_follow(department_admin, demo):
    """我的信息 → 所属部门: the new department's admin sees them, the old one gets 404."""
    qin = demo.person("覃海燕")
    meng = demo.person("蒙丽")
    finance_role = role_grant(
        user=user_of(meng),
        kind=RoleKind.DEPARTMENT_ADMIN,
        organization=qin.unit,
        department=department(FINANCE),
    )
    finance_admin = Client()
    act_as(finance_admin, finance_role)
    own = Client()
    act_as(own, demo.professional("覃海燕"))

    response = own.post(
        reverse("accounts:my_info"),
        {"phone": qin.phone, "specialty": qin.specialty, "department": department(FINANCE).pk},
    )

    assert response.status_code == 302
    assert "覃海燕" in text(finance_admin.get(reverse("orgs:staff_list")))
    edit = reverse("orgs:staff_edit", args=[qin.pk])
    assert finance_admin.get(edit).status_code == 200
    assert department_admin.get(edit).status_code == 404
    assert "覃海燕" not in text(department_admin.get(reverse("orgs:staff_list")))


# ---- adding people ----------------------------------------------------------------------


def new_id(sequence: int = 901) -> str:
    return make_id_number("450102", datetime.date(1992, 3, 4), sequence)


def staff_data(id_number: str, name: str = "韦小宝", **extra: str) -> dict[str, str]:
    return {
        "id_number": id_number,
        "name": name,
        "phone": "13712345678",
        "in_establishment": "1",
        "department": "",
        "specialty": "工程系列/电子信息/工程师(中级)",
        "login_allowed": "1",
        **extra,
    }


def test_added_staff_logs_in_once_with_the_initial_password_and_must_change_it(
    client, main_admin, demo
):
    id_number = new_id()
    response = client.post(
        reverse("orgs:staff_add"), staff_data(id_number, department=str(department(CS).pk))
    )
    assert response.status_code == 302
    person = Person.objects.select_related("user").by_id_number(id_number).get()
    assert person.unit == demo.organization(GXU)
    assert person.department == department(CS)
    assert person.in_establishment is True
    assert user_of(person).must_change_password

    visitor = Client()
    login = visitor.post(reverse("accounts:login"), login_data(id_number, id_number[-6:]))
    assert login.status_code == 302
    assert login["Location"] == reverse("accounts:password_change")
    assert visitor.get(reverse("core:home"))["Location"] == reverse("accounts:password_change")

    changed = visitor.post(
        reverse("accounts:password_change"),
        {
            "old_password": id_number[-6:],
            "new_password1": "Nanning@2026",
            "new_password2": "Nanning@2026",
        },
    )
    assert changed.status_code == 302
    assert visitor.get(reverse("core:home")).status_code == 200
    relogin = Client().post(reverse("accounts:login"), login_data(id_number, id_number[-6:]))
    assert relogin.status_code == 200  # the initial password works only once


def test_added_staff_not_allowed_to_log_in_cannot_log_in_until_enabled(client, main_admin):
    id_number = new_id(902)
    client.post(reverse("orgs:staff_add"), staff_data(id_number, login_allowed="0"))
    person = Person.objects.select_related("user").by_id_number(id_number).get()
    assert user_of(person).is_active is False
    assert "不允许" in text(client.get(reverse("orgs:staff_list"), {"q": "韦小宝"}))

    refused = Client().post(reverse("accounts:login"), login_data(id_number, id_number[-6:]))
    assert refused.status_code == 200
    assert "_auth_user_id" not in refused.wsgi_request.session

    client.post(
        reverse("orgs:staff_edit", args=[person.pk]),
        {
            "phone": "",
            "department": "",
            "in_establishment": "0",
            "specialty": "",
            "login_allowed": "1",
        },
    )
    enabled = Client().post(reverse("accounts:login"), login_data(id_number, id_number[-6:]))
    assert enabled.status_code == 302
    assert AuditLog.objects.filter(action="person.login_allow", target_id=str(person.pk)).exists()


def test_a_person_of_another_unit_is_not_taken_over(client, main_admin, demo):
    liang = demo.person("梁晓东")

    response = client.post(reverse("orgs:staff_add"), staff_data(liang.id_number, name="梁晓东"))

    assert response.status_code == 200
    assert "该人员已在其他单位登记，不能添加" in text(response)
    assert "南宁市第一中学" not in text(response)  # another unit's staff stay private
    liang.refresh_from_db()
    assert liang.unit.name == "南宁市第一中学"


def test_a_person_of_no_unit_joins_after_confirmation(client, main_admin, demo):
    loner = PersonFactory.create(unit=None, name="韦一笑")
    url = reverse("orgs:staff_add")

    first = client.post(url, staff_data(loner.id_number, name="韦一笑"))
    loner.refresh_from_db()
    assert first.status_code == 200
    assert "确认加入本单位" in text(first)
    assert loner.unit is None

    wrong_name = client.post(url, staff_data(loner.id_number, name="韦二笑", adopt="True"))
    assert "姓名与该身份证号已登记的姓名不一致" in text(wrong_name)

    second = client.post(url, staff_data(loner.id_number, name="韦一笑", adopt="True"))
    loner.refresh_from_db()
    assert second.status_code == 302
    assert loner.unit == demo.organization(GXU)
    assert AuditLog.objects.filter(action="person.join_unit", target_id=str(loner.pk)).exists()


def test_bad_id_number_is_refused_with_the_reason(client, main_admin):
    bad = new_id()[:17] + ("0" if new_id()[17] != "0" else "1")

    response = client.post(reverse("orgs:staff_add"), staff_data(bad))

    assert response.status_code == 200
    assert "身份证号校验位错误" in text(response)
    assert not Person.objects.by_id_number(bad).exists()


def test_department_admin_adds_people_only_to_their_department(department_admin, demo):
    id_number = new_id(903)

    department_admin.post(
        reverse("orgs:staff_add"), staff_data(id_number, department=str(department(FINANCE).pk))
    )

    assert Person.objects.by_id_number(id_number).get().department == department(CS)


# ---- leaving the unit -------------------------------------------------------------------


def test_leaving_the_unit_keeps_past_claims_with_the_unit(client, main_admin, demo):
    meng = demo.person("蒙丽")
    unit = meng.unit
    claim = Declaration.objects.create(
        person=meng,
        unit=unit,
        created_by=user_of(meng),
        policy_profile="guangxi",
        profile_version=datetime.date(2024, 1, 1),
        category_code="x",
        category_name="学术交流",
        level_code="x",
        level_name="一般",
        title="会计准则培训",
        credit_year=2025,
        hours_claimed=Decimal("8"),
    )
    page = text(client.get(reverse("orgs:staff_edit", args=[meng.pk])))
    assert 'data-confirm="确定为 蒙丽 办理离职/调出吗？"' in page

    response = client.post(reverse("orgs:staff_leave", args=[meng.pk]), {"reason": "调往南宁"})

    assert response.status_code == 302
    meng.refresh_from_db()
    claim.refresh_from_db()
    assert meng.unit is None and meng.department is None
    assert claim.unit == unit
    entry = AuditLog.objects.get(action="person.leave_unit", target_id=str(meng.pk))
    assert entry.reason == "调往南宁"
    assert client.get(reverse("orgs:staff_edit", args=[meng.pk])).status_code == 404


def test_an_over_long_leaving_reason_shows_the_confirmation_again(client, main_admin, demo):
    meng = demo.person("蒙丽")
    unit = meng.unit

    response = client.post(reverse("orgs:staff_leave", args=[meng.pk]), {"reason": "调" * 201})

    assert response.status_code == 400
    page = text(response)
    assert 'data-confirm="确定为 蒙丽 办理离职/调出吗？"' in page
    assert "reason" in response.context["leave_form"].errors
    assert "调" * 201 in page  # what was typed is kept
    meng.refresh_from_db()
    assert meng.unit == unit  # nothing saved
    assert not AuditLog.objects.filter(action="person.leave_unit", target_id=str(meng.pk)).exists()


def test_leaving_ends_the_persons_admin_roles_but_not_the_last_main_admin(client, demo):
    chen_admin = demo.role(demo.person("陈静").user.username, RoleKind.UNIT_ADMIN)
    huang = demo.person("黄伟")
    act_as(client, chen_admin)

    client.post(reverse("orgs:staff_leave", args=[huang.pk]))

    huang.refresh_from_db()
    assert huang.unit is None
    assert not user_of(huang).roles.filter(kind=RoleKind.DEPARTMENT_ADMIN).exists()

    # 陈静 cannot send herself away.
    chen = demo.person("陈静")
    response = client.post(reverse("orgs:staff_leave", args=[chen.pk]), follow=True)
    assert "不能将自己调出本单位" in text(response)


def test_department_admin_cannot_do_leave(department_admin, demo):
    qin = demo.person("覃海燕")

    response = department_admin.post(reverse("orgs:staff_leave", args=[qin.pk]))

    assert response.status_code == 403
    qin.refresh_from_db()
    assert qin.unit is not None


def test_empty_staff_list_says_so(client):
    unit = UnitFactory.create()
    act_as(client, RoleAssignmentFactory.create(kind=RoleKind.UNIT_ADMIN, organization=unit))

    assert "暂无人员" in text(client.get(reverse("orgs:staff_list")))
