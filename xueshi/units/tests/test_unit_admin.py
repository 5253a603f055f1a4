"""单位信息维护, 单位部门管理, 单位管理员管理 and 学时登记开放."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.core.models import AuditLog
from xueshi.core.testing import make_credit_code, make_id_number
from xueshi.orgs.models import DeclaringWindow, Department, UnitChangeRequest, UnitChangeStatus
from xueshi.orgs.selectors import declaring_window_state
from xueshi.orgs.tests.factories import act_as
from xueshi.units import services as unit_services

pytestmark = pytest.mark.django_db

GXU = "广西大学"


def text(response) -> str:
    return response.content.decode()


def follow_text(response) -> str:
    return "".join(str(message) for message in response.context["messages"]) + text(response)


@pytest.fixture
def gxu_admin(client, demo):
    """广西大学's admin, with no declaring window yet (the demo data opens this whole year)."""
    role = demo.role("gx_gxu")
    DeclaringWindow.objects.filter(unit=role.organization).delete()
    act_as(client, role)
    return role


def client_as(role: RoleAssignment) -> Client:
    client = Client()
    act_as(client, role)
    return client


# ---- 单位部门管理 ------------------------------------------------------------------------


def test_department_create_rename_and_duplicate_name(client, gxu_admin):
    url = reverse("orgs:department_list")

    created = client.post(url, {"name": "  科研处 ", "note": "负责科研"})
    assert created.status_code == 302
    research = Department.objects.get(unit=gxu_admin.organization, name="科研处")
    assert research.note == "负责科研"

    duplicate = client.post(url, {"name": "财务处"})
    assert duplicate.status_code == 200
    assert "本单位已有名为“财务处”的部门。" in text(duplicate)

    renamed = client.post(
        reverse("orgs:department_edit", args=[research.pk]), {"name": "科学技术处", "note": ""}
    )
    assert renamed.status_code == 302
    research.refresh_from_db()
    assert research.name == "科学技术处"
    clash = client.post(reverse("orgs:department_edit", args=[research.pk]), {"name": "财务处"})
    assert "本单位已有名为“财务处”的部门。" in text(clash)
    assert AuditLog.objects.filter(action="department.update", target_id=str(research.pk)).exists()


def test_department_page_lists_counts_and_confirms_delete(client, gxu_admin):
    body = text(client.get(reverse("orgs:department_list")))

    assert "计算机与电子信息学院" in body
    assert 'data-confirm="确定删除部门“财务处”吗？"' in body
    assert "table-responsive" in body


def test_department_delete_refused_when_not_empty_and_done_when_empty(client, gxu_admin):
    cs = Department.objects.get(unit=gxu_admin.organization, name="计算机与电子信息学院")

    refused = client.post(reverse("orgs:department_delete", args=[cs.pk]), follow=True)

    message = follow_text(refused)
    assert "不能删除部门“计算机与电子信息学院”" in message
    assert "还有 2 名人员" in message
    assert "1 名二级管理员" in message
    assert Department.objects.filter(pk=cs.pk).exists()

    empty = Department.objects.create(unit=gxu_admin.organization, name="临时部门")
    done = client.post(reverse("orgs:department_delete", args=[empty.pk]), follow=True)
    assert "已删除部门：临时部门" in follow_text(done)
    assert not Department.objects.filter(pk=empty.pk).exists()


def test_department_of_another_unit_is_404(client, gxu_admin, demo):
    other = Department.objects.filter(unit__name="郑州大学").first()
    assert other is not None
    assert client.get(reverse("orgs:department_edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("orgs:department_delete", args=[other.pk])).status_code == 404


# ---- 单位管理员管理 ----------------------------------------------------------------------


def admin_data(id_number: str, name: str, department: Department | None = None, **extra):
    return {
        "id_number": id_number,
        "name": name,
        "phone": "",
        "in_establishment": "1",
        "department": str(department.pk) if department else "",
        "login_allowed": "1",
        "duties": "",
        **extra,
    }


def test_admin_list_shows_main_and_department_admins(client, gxu_admin):
    body = text(client.get(reverse("orgs:unit_admin_list")))

    assert "陈静" in body and "黄伟" in body
    assert "总管理员" in body and "二级管理员" in body
    assert "单位账号" in body  # gx_gxu itself


def test_make_a_staff_member_department_admin_then_main_admin(client, gxu_admin, demo):
    finance = Department.objects.get(unit=gxu_admin.organization, name="财务处")
    meng = demo.person("蒙丽")

    response = client.post(
        reverse("orgs:unit_admin_add"),
        admin_data(meng.id_number, "蒙丽", finance, duties="学时审核"),
    )

    assert response.status_code == 302
    granted = RoleAssignment.objects.get(user=meng.user, organization=gxu_admin.organization)
    assert granted.kind == RoleKind.DEPARTMENT_ADMIN
    assert granted.department == finance
    assert granted.unit_admin_info.duties == "学时审核"

    client.post(reverse("orgs:unit_admin_edit", args=[granted.pk]), {"department": ""})
    granted.refresh_from_db()
    assert granted.kind == RoleKind.UNIT_ADMIN
    assert granted.department is None
    assert AuditLog.objects.filter(action="role.change", target_id=str(granted.pk)).exists()

    again = client.post(reverse("orgs:unit_admin_add"), admin_data(meng.id_number, "蒙丽"))
    assert "该人员已是本单位管理员" in text(again)


def test_new_person_admin_is_created_in_the_unit(client, gxu_admin):
    id_number = make_id_number("450102", datetime.date(1992, 2, 2), 777)

    client.post(reverse("orgs:unit_admin_add"), admin_data(id_number, "农小红"))

    person = Person.objects.by_id_number(id_number).get()
    assert person.unit == gxu_admin.organization
    assert person.user is not None and person.user.must_change_password
    assert person.user.roles.filter(
        kind=RoleKind.UNIT_ADMIN, organization=gxu_admin.organization
    ).exists()


def test_person_of_another_unit_cannot_be_made_admin(client, gxu_admin, demo):
    liang = demo.person("梁晓东")

    response = client.post(reverse("orgs:unit_admin_add"), admin_data(liang.id_number, "梁晓东"))

    assert "不是本单位人员" in text(response)
    assert not RoleAssignment.objects.filter(
        user=liang.user, organization=gxu_admin.organization
    ).exists()


def test_last_main_admin_cannot_be_removed_or_demoted(client, gxu_admin, demo):
    chen_role = demo.role(demo.person("陈静").user.username, RoleKind.UNIT_ADMIN)

    removed = client.post(reverse("orgs:unit_admin_remove", args=[chen_role.pk]), follow=True)
    assert "已取消" in follow_text(removed)
    assert not RoleAssignment.objects.filter(pk=chen_role.pk).exists()
    assert AuditLog.objects.filter(action="role.revoke", target_id=str(chen_role.pk)).exists()

    # gx_gxu is now the only main admin.
    refused = client.post(reverse("orgs:unit_admin_remove", args=[gxu_admin.pk]), follow=True)
    assert "单位至少需要保留一名总管理员" in follow_text(refused)
    assert RoleAssignment.objects.filter(pk=gxu_admin.pk).exists()

    finance = Department.objects.get(unit=gxu_admin.organization, name="财务处")
    with pytest.raises(ValidationError, match="单位至少需要保留一名总管理员"):
        unit_services.unit_admin_update(admin_role=gxu_admin, role=gxu_admin, department=finance)


def test_removing_a_department_admin_keeps_the_person(client, gxu_admin, demo):
    huang = demo.person("黄伟")
    role = demo.role(huang.user.username, RoleKind.DEPARTMENT_ADMIN)

    client.post(reverse("orgs:unit_admin_remove", args=[role.pk]))

    huang.refresh_from_db()
    assert huang.unit == gxu_admin.organization
    assert not RoleAssignment.objects.filter(pk=role.pk).exists()


# ---- 单位信息维护 ------------------------------------------------------------------------


def info_data(unit, **changes):
    data = {
        "name": unit.name,
        "credit_code": unit.credit_code or "",
        "region_code": unit.region_code,
        "contact_name": unit.contact_name,
        "contact_phone": unit.contact_phone,
    }
    data.update(changes)
    return data


def test_contacts_change_at_once_and_name_change_waits_for_the_supervisor(client, gxu_admin, demo):
    unit = gxu_admin.organization

    response = client.post(
        reverse("orgs:unit_info"),
        info_data(
            unit, name="广西大学（新校区）", contact_name="陈静", contact_phone="0771-3232323"
        ),
    )

    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == GXU  # not yet
    assert unit.contact_name == "陈静"
    assert unit.contact_phone == "07713232323"
    change = UnitChangeRequest.objects.get(unit=unit)
    assert change.status == UnitChangeStatus.PENDING
    assert "信息变更待上级审批" in text(client.get(reverse("orgs:unit_info")))

    again = client.post(reverse("orgs:unit_info"), info_data(unit, name="广西大学（又改）"))
    assert "已有待审批的变更申请" in text(again)

    # 南宁市教育局 is not 广西大学's supervisor: it neither sees nor decides.
    other = client_as(demo.role("gx_nnjyj"))
    assert "广西大学" not in text(other.get(reverse("orgs:unit_change_requests")))
    assert other.post(reverse("orgs:unit_change_approve", args=[change.pk])).status_code == 404

    supervisor = client_as(demo.role("gx_jyt"))
    queue = text(supervisor.get(reverse("orgs:unit_change_requests")))
    assert "广西大学（新校区）" in queue
    approved = supervisor.post(reverse("orgs:unit_change_approve", args=[change.pk]), follow=True)
    assert "已同意" in follow_text(approved)
    unit.refresh_from_db()
    assert unit.name == "广西大学（新校区）"

    second = supervisor.post(reverse("orgs:unit_change_approve", args=[change.pk]), follow=True)
    assert "已被处理" in follow_text(second)


def test_credit_code_change_is_checked_and_rejection_needs_a_reason(client, gxu_admin, demo):
    unit = gxu_admin.organization
    bad = client.post(reverse("orgs:unit_info"), info_data(unit, credit_code="12450102MB0000000X"))
    assert "统一社会信用代码" in text(bad)
    assert not UnitChangeRequest.objects.exists()

    taken = demo.organization("南宁市第一中学").credit_code
    clash = client.post(reverse("orgs:unit_info"), info_data(unit, credit_code=taken))
    assert "该统一社会信用代码已注册：南宁市第一中学" in text(clash)

    new_code = make_credit_code("450102", 424242)
    client.post(reverse("orgs:unit_info"), info_data(unit, credit_code=new_code))
    change = UnitChangeRequest.objects.get(unit=unit)

    authority = client_as(demo.role("gx_rst"))  # above the supervisor: may decide too
    no_reason = authority.post(
        reverse("orgs:unit_change_reject", args=[change.pk]), {"reason": " "}, follow=True
    )
    assert "请填写不通过的原因" in follow_text(no_reason)
    authority.post(
        reverse("orgs:unit_change_reject", args=[change.pk]), {"reason": "请提供营业执照"}
    )
    change.refresh_from_db()
    unit.refresh_from_db()
    assert change.status == UnitChangeStatus.REJECTED
    assert change.reason == "请提供营业执照"
    assert unit.credit_code != new_code
    assert "请提供营业执照" in text(client.get(reverse("orgs:unit_info")))


def test_unit_info_is_for_the_main_admin_only(demo):
    huang_admin = client_as(demo.role(demo.person("黄伟").user.username, RoleKind.DEPARTMENT_ADMIN))
    assert huang_admin.get(reverse("orgs:unit_info")).status_code == 403


# ---- 学时登记开放 ------------------------------------------------------------------------


def test_guangxi_unit_opens_a_window_and_the_state_follows_it(client, gxu_admin):
    unit = gxu_admin.organization
    today = timezone.localdate()
    assert declaring_window_state(unit, today).reason == "本单位尚未开放学时登记。"
    assert declaring_window_state(unit, today).open is False

    closes = today + datetime.timedelta(days=30)
    response = client.post(
        reverse("orgs:declaring_windows"),
        {"credit_year": today.year, "opens_on": today.isoformat(), "closes_on": closes.isoformat()},
    )

    assert response.status_code == 302
    inside = declaring_window_state(unit, today)
    assert inside.open is True
    assert inside.reason == ""
    assert (inside.opens_on, inside.closes_on) == (today, closes)
    assert inside.credit_years == (today.year,)
    after = declaring_window_state(unit, closes + datetime.timedelta(days=1))
    assert after.open is False
    assert after.reason == f"本单位学时登记开放时间为 {today} 至 {closes}，当前不在开放时间内。"
    before = declaring_window_state(unit, today - datetime.timedelta(days=1))
    assert before.open is False and str(today) in before.reason

    page = text(client.get(reverse("orgs:declaring_windows")))
    assert "开放中" in page and "data-confirm" in page


def test_window_rules_years_dates_and_overlap(gxu_admin):
    today = datetime.date(2026, 4, 1)

    def open_window(**kwargs):
        values = {
            "credit_year": 2026,
            "opens_on": today,
            "closes_on": datetime.date(2026, 6, 30),
            **kwargs,
        }
        return unit_services.declaring_window_open(role=gxu_admin, today=today, **values)

    with pytest.raises(ValidationError, match="计入年度只能选择 2026、2025 年度"):
        open_window(credit_year=2024)
    with pytest.raises(ValidationError, match="结束日期不能早于今天"):
        open_window(opens_on=datetime.date(2026, 3, 1), closes_on=datetime.date(2026, 3, 31))
    open_window()
    with pytest.raises(ValidationError, match="重叠"):
        open_window(opens_on=datetime.date(2026, 6, 1), closes_on=datetime.date(2026, 7, 31))
    open_window(credit_year=2025)  # another year may share the dates


def test_closing_a_running_window_ends_it_yesterday_and_a_future_one_is_deleted(gxu_admin):
    today = datetime.date(2026, 4, 10)
    running = DeclaringWindow.objects.create(
        unit=gxu_admin.organization,
        credit_year=2026,
        opens_on=datetime.date(2026, 4, 1),
        closes_on=datetime.date(2026, 6, 30),
    )
    future = DeclaringWindow.objects.create(
        unit=gxu_admin.organization,
        credit_year=2025,
        opens_on=datetime.date(2026, 5, 1),
        closes_on=datetime.date(2026, 5, 31),
    )

    kept = unit_services.declaring_window_close(window=running, role=gxu_admin, today=today)
    gone = unit_services.declaring_window_close(window=future, role=gxu_admin, today=today)

    assert kept is not None and kept.closes_on == datetime.date(2026, 4, 9)
    assert gone is None
    assert not DeclaringWindow.objects.filter(pk=future.pk).exists()
    state = declaring_window_state(gxu_admin.organization, today)
    assert state.open is False
    assert "2026-04-01 至 2026-04-09" in state.reason
    assert AuditLog.objects.filter(action="declaring_window.close").exists()


def test_henan_unit_may_not_open_windows_and_is_always_open(demo):
    role = demo.role("ha_zzu")
    client = client_as(role)
    today = timezone.localdate()

    page = text(client.get(reverse("orgs:declaring_windows")))
    posted = client.post(
        reverse("orgs:declaring_windows"),
        {"credit_year": today.year, "opens_on": today.isoformat(), "closes_on": today.isoformat()},
    )

    assert "本地区由主管部门统一规定申报时间，单位不能自行设置。" in page
    assert posted.status_code == 302
    assert not DeclaringWindow.objects.filter(unit=role.organization).exists()
    with pytest.raises(ValidationError, match="单位不能自行设置"):
        unit_services.declaring_window_open(
            role=role, credit_year=today.year, opens_on=today, closes_on=today
        )
    state = declaring_window_state(role.organization, today)
    assert state.open is True and state.reason == ""
    assert declaring_window_state(None, today).open is True
