import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueshi.accounts.models import RoleKind
from xueshi.accounts.tests.factories import PersonFactory, RoleAssignmentFactory, UserFactory
from xueshi.core.models import AuditLog
from xueshi.core.testing import make_credit_code
from xueshi.orgs.models import Organization, OrganizationStatus
from xueshi.orgs.tests.factories import (
    DepartmentFactory,
    PendingUnitFactory,
    UnitFactory,
    act_as,
    make_tree,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def tree():
    return make_tree()


@pytest.fixture
def person(client):
    person = PersonFactory.create()
    client.force_login(person.user)
    return person


def reviewer(client, tree, kind=RoleKind.SUPERVISOR_ADMIN, where="supervisor_1"):
    role = RoleAssignmentFactory.create(kind=kind, organization=getattr(tree, where))
    act_as(client, role)
    return role


def text(response):
    return response.content.decode()


# ---- unit search --------------------------------------------------------------------------


def test_search_needs_login(client):
    response = client.get(reverse("orgs:unit_search"), {"q": "大学"})
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_empty_query_shows_a_prompt_and_runs_no_search(client, person):
    url = reverse("orgs:unit_search")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"q": "  "}, **HTMX)

    assert response.status_code == 200
    assert "请输入单位名称关键字" in text(response)
    assert "其他单位" in text(response)
    searched = [
        sql
        for query in queries.captured_queries
        if 'FROM "orgs_organization"' in (sql := query["sql"])
    ]
    assert searched == []


def test_search_fragment_lists_units_with_the_seed_note(client, person):
    unit = UnitFactory.create(name="南宁市教育局直属第一幼儿园", region_code="450103")
    UnitFactory.create(name="南宁市人民医院")

    response = client.get(reverse("orgs:unit_search"), {"q": "南宁 幼儿园"}, **HTMX)

    body = text(response)
    assert response.status_code == 200
    assert "<html" not in body  # a fragment, not a page
    assert "南宁市教育局直属第一幼儿园" in body
    assert "南宁市人民医院" not in body
    assert unit.credit_code in body
    assert unit.region_name in body
    assert f'data-choose-unit="{unit.pk}"' in body
    assert "模糊查询时只显示前10条" in body
    assert "如没有您所查找的单位，请输入完整名称重新搜索" in body
    assert 'data-choose-unit="other"' in body
    assert "其他单位" in body
    assert reverse("orgs:unit_register") in body
    assert "添加单位" in body
    for header in ("单位名称", "统一社会信用代码", "单位属地", "选择"):
        assert header in body


def test_search_fragment_shows_ten_rows_at_most(client, person):
    for number in range(12):
        UnitFactory.create(name=f"博白县东平镇小学{number:02d}")

    response = client.get(reverse("orgs:unit_search"), {"q": "东平镇"}, **HTMX)

    assert text(response).count("data-choose-unit=") == 10 + 1  # ten units and 其他单位


def test_search_without_results_says_so(client, person):
    response = client.get(reverse("orgs:unit_search"), {"q": "不存在的单位"})
    assert "未找到包含“不存在的单位”的单位" in text(response)


def test_search_by_a_credit_code_with_a_wrong_check_character_says_why(client, person):
    unit = UnitFactory.create(name="梧州市电影发行放映公司")
    code = str(unit.credit_code)
    wrong = "0" if code[17] != "0" else "1"
    response = client.get(reverse("orgs:unit_search"), {"q": code[:17] + wrong}, **HTMX)
    body = text(response)
    assert unit.name not in body
    assert f"统一社会信用代码校验位错误：第 18 位应为 {code[17]}，实际为 {wrong}。" in body


def test_search_by_a_credit_code_of_the_wrong_length_says_why(client, person):
    response = client.get(reverse("orgs:unit_search"), {"q": "91450100MA5KX9XX"}, **HTMX)
    assert "统一社会信用代码应为 18 位，当前为 16 位。" in text(response)


def test_a_name_search_without_results_gets_no_credit_code_message(client, person):
    response = client.get(reverse("orgs:unit_search"), {"q": "不存在的单位"}, **HTMX)
    assert "统一社会信用代码" not in text(response).split("</table>")[0].split("<tbody>")[1]


# ---- my unit ------------------------------------------------------------------------------


def test_my_unit_page_wires_the_search(client, person):
    response = client.get(reverse("orgs:my_unit"))

    body = text(response)
    assert response.status_code == 200
    assert person.unit.name in body
    assert f'hx-get="{reverse("orgs:unit_search")}"' in body
    assert 'hx-trigger="keyup changed delay:300ms, search"' in body
    assert 'hx-target="#unit-search-results"' in body
    assert 'id="unit-search-results"' in body
    assert 'type="hidden" name="unit"' in body


def test_choosing_a_unit_saves_it(client, person):
    department = DepartmentFactory.create(unit=person.unit)
    person.department = department
    person.save()
    new_unit = UnitFactory.create(name="南宁市第二中学")

    response = client.post(reverse("orgs:my_unit"), {"unit": str(new_unit.pk)}, follow=True)

    person.refresh_from_db()
    assert person.unit == new_unit
    assert person.department is None
    assert "工作单位已更新为：南宁市第二中学" in text(response)
    assert AuditLog.objects.filter(action="person.change_unit", actor=person.user).exists()


def test_choosing_other_unit(client, person):
    client.post(reverse("orgs:my_unit"), {"unit": "other"})
    person.refresh_from_db()
    assert person.unit is None


def test_a_pending_unit_is_refused_and_the_choice_is_kept(client, person):
    old_unit = person.unit
    pending = PendingUnitFactory.create(name="刚注册的单位", registered_by=UserFactory.create())

    response = client.post(reverse("orgs:my_unit"), {"unit": str(pending.pk)})

    body = text(response)
    assert response.status_code == 200
    assert "该单位尚在审批中，审批通过后才能选择。" in body
    assert "刚注册的单位" in body  # the chosen name is still shown
    person.refresh_from_db()
    assert person.unit == old_unit


@pytest.mark.parametrize(
    ("value", "message"), [("", "请先搜索并选择单位"), ("abc", "所选单位不存在")]
)
def test_a_missing_or_unknown_choice_is_explained(client, person, value, message):
    response = client.post(reverse("orgs:my_unit"), {"unit": value})
    assert message in text(response)


def test_my_unit_shows_a_pending_units_status(client, person):
    pending = PendingUnitFactory.create(registered_by=person.user)
    person.unit = pending
    person.save()

    response = client.get(reverse("orgs:my_unit"))

    assert "待审批" in text(response)
    assert "暂不能向其提交学时申报" in text(response)


def test_my_unit_is_for_people_only(client, tree):
    role = RoleAssignmentFactory.create(
        kind=RoleKind.SUPERVISOR_ADMIN, organization=tree.supervisor_1
    )
    act_as(client, role)
    assert client.get(reverse("orgs:my_unit")).status_code == 404


# ---- register a unit ----------------------------------------------------------------------


def register_data(tree, **overrides):
    data = {
        "name": "南宁市青秀区新竹小学",
        "credit_code": make_credit_code("450103", 888),
        "region_code": "450103",
        "parent": str(tree.supervisor_1.pk),
        "contact_name": "李老师",
        "contact_phone": "13800138000",
    }
    data.update(overrides)
    return data


def test_register_form_lists_active_parents_only(client, person, tree):
    PendingUnitFactory.create(name="不该出现的单位", parent=tree.supervisor_1)
    response = client.get(reverse("orgs:unit_register"), {"name": "新竹小学"})

    body = text(response)
    assert tree.supervisor_1.name in body
    assert tree.authority_b.name in body
    assert tree.unit_1.name not in body
    assert 'value="新竹小学"' in body


def test_registering_a_unit_makes_it_the_persons_pending_unit(client, person, tree):
    response = client.post(reverse("orgs:unit_register"), register_data(tree), follow=True)

    unit = Organization.objects.get(name="南宁市青秀区新竹小学")
    assert unit.status == OrganizationStatus.PENDING
    assert unit.registered_by == person.user
    person.refresh_from_db()
    assert person.unit == unit
    assert response.redirect_chain[-1][0] == reverse("orgs:my_unit")
    assert f"等待“{tree.supervisor_1.name}”审批" in text(response)


def test_a_bad_credit_code_shows_the_reason_on_the_field_and_keeps_the_input(client, person, tree):
    good = make_credit_code("450103", 888)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")

    response = client.post(reverse("orgs:unit_register"), register_data(tree, credit_code=bad))

    body = text(response)
    assert response.status_code == 200
    assert "校验位错误" in body
    assert 'value="南宁市青秀区新竹小学"' in body
    assert f'value="{bad}"' in body
    assert "is-invalid" in body
    assert not Organization.objects.filter(name="南宁市青秀区新竹小学").exists()


def test_a_taken_credit_code_names_the_holder(client, person, tree):
    response = client.post(
        reverse("orgs:unit_register"), register_data(tree, credit_code=tree.unit_1.credit_code)
    )
    assert f"该统一社会信用代码已注册：{tree.unit_1.name}" in text(response)


def test_register_form_explains_each_missing_or_bad_field(client, person, tree):
    response = client.post(
        reverse("orgs:unit_register"),
        {
            "name": "",
            "region_code": "999999",
            "parent": "",
            "contact_name": "",
            "contact_phone": "1",
        },
    )
    body = text(response)
    for message in (
        "请填写单位名称。",
        "不存在",
        "请选择上级主管部门或认定机构。",
        "请填写联系人。",
    ):
        assert message in body
    assert "电话号码" in body


def test_a_duplicate_name_is_refused_on_the_form(client, person, tree):
    response = client.post(
        reverse("orgs:unit_register"), register_data(tree, name=tree.unit_1.name, credit_code="")
    )
    assert "已有同名单位" in text(response)


# ---- pending queue ------------------------------------------------------------------------


def test_queue_lists_pending_units_in_scope(client, tree):
    PendingUnitFactory.create(name="南宁待审单位", parent=tree.supervisor_1)
    PendingUnitFactory.create(name="柳州待审单位", parent=tree.supervisor_2)
    reviewer(client, tree)

    response = client.get(reverse("orgs:pending_units"))

    body = text(response)
    assert response.status_code == 200
    assert "南宁待审单位" in body
    assert "柳州待审单位" not in body


def test_empty_queue(client, tree):
    reviewer(client, tree, RoleKind.AUTHORITY_ADMIN, "authority_b")
    assert "暂无待审批单位" in text(client.get(reverse("orgs:pending_units")))


@pytest.mark.parametrize("kind", [RoleKind.UNIT_ADMIN, RoleKind.PROFESSIONAL])
def test_queue_is_forbidden_to_other_roles(client, tree, kind):
    role = RoleAssignmentFactory.create(
        kind=kind, organization=None if kind == RoleKind.PROFESSIONAL else tree.unit_1
    )
    act_as(client, role)
    assert client.get(reverse("orgs:pending_units")).status_code == 403


def test_queue_is_paginated_by_twenty(client, tree):
    for number in range(25):
        PendingUnitFactory.create(name=f"待审单位{number:02d}", parent=tree.supervisor_1)
    reviewer(client, tree)

    first = text(client.get(reverse("orgs:pending_units")))
    second = text(client.get(reverse("orgs:pending_units"), {"page": 2}))

    assert first.count('id="pending-unit-') == 20
    assert second.count('id="pending-unit-') == 5
    assert "待审单位24" in second


def queue_queries(client, count, tree, offset):
    for number in range(count):
        PendingUnitFactory.create(
            name=f"批量待审{offset}-{number}",
            parent=tree.supervisor_1,
            registered_by=UserFactory.create(),
            credit_code=make_credit_code("450100", 900000 + offset * 100 + number),
        )
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("orgs:pending_units"))
    assert text(response).count('id="pending-unit-') == count + (3 if offset else 0)
    return len(queries.captured_queries)


def test_queue_query_count_does_not_grow_with_the_rows(client, tree):
    reviewer(client, tree)
    with_three = queue_queries(client, 3, tree, 0)
    with_fifteen = queue_queries(client, 12, tree, 1)  # 3 + 12 = 15 rows now
    assert with_three == with_fifteen


def test_approve_from_the_queue(client, tree):
    pending = PendingUnitFactory.create(parent=tree.supervisor_1)
    role = reviewer(client, tree)

    response = client.post(reverse("orgs:unit_approve", args=[pending.pk]), follow=True)

    pending.refresh_from_db()
    assert pending.status == OrganizationStatus.ACTIVE
    assert pending.reviewed_by == role.user
    assert "已通过单位" in text(response)


def test_approve_is_post_only(client, tree):
    pending = PendingUnitFactory.create(parent=tree.supervisor_1)
    reviewer(client, tree)
    assert client.get(reverse("orgs:unit_approve", args=[pending.pk])).status_code == 405
    pending.refresh_from_db()
    assert pending.status == OrganizationStatus.PENDING


def test_approve_outside_scope_is_404(client, tree):
    pending = PendingUnitFactory.create(parent=tree.supervisor_2)
    reviewer(client, tree)
    assert client.post(reverse("orgs:unit_approve", args=[pending.pk])).status_code == 404
    pending.refresh_from_db()
    assert pending.status == OrganizationStatus.PENDING


def test_approve_with_htmx_returns_the_row(client, tree):
    pending = PendingUnitFactory.create(name="HTMX 单位", parent=tree.supervisor_1)
    reviewer(client, tree)

    response = client.post(reverse("orgs:unit_approve", args=[pending.pk]), **HTMX)

    body = text(response)
    assert body.strip().startswith(f'<tr id="pending-unit-{pending.pk}"')
    assert "已启用" in body


def test_approving_twice_says_it_was_handled(client, tree):
    pending = PendingUnitFactory.create(parent=tree.supervisor_1)
    reviewer(client, tree)
    client.post(reverse("orgs:unit_approve", args=[pending.pk]))

    response = client.post(reverse("orgs:unit_approve", args=[pending.pk]), follow=True)

    assert "该单位已被处理" in text(response)


def test_reject_without_reason_shows_an_error(client, tree):
    pending = PendingUnitFactory.create(parent=tree.supervisor_1)
    reviewer(client, tree)

    response = client.post(reverse("orgs:unit_reject", args=[pending.pk]), {"reason": " "})

    assert response.status_code == 400
    assert "请填写不通过的原因。" in text(response)
    pending.refresh_from_db()
    assert pending.status == OrganizationStatus.PENDING


def test_reject_without_reason_with_htmx_returns_the_row_with_the_error(client, tree):
    pending = PendingUnitFactory.create(parent=tree.supervisor_1)
    reviewer(client, tree)

    response = client.post(reverse("orgs:unit_reject", args=[pending.pk]), {"reason": ""}, **HTMX)

    assert response.status_code == 200
    assert "请填写不通过的原因。" in text(response)
    assert "<html" not in text(response)


def test_reject_with_reason(client, tree):
    pending = PendingUnitFactory.create(parent=tree.supervisor_1)
    reviewer(client, tree)

    client.post(reverse("orgs:unit_reject", args=[pending.pk]), {"reason": "名称有误"})

    pending.refresh_from_db()
    assert pending.status == OrganizationStatus.REJECTED
    assert pending.review_comment == "名称有误"


def test_the_queue_asks_for_confirmation_before_reject(client, tree):
    PendingUnitFactory.create(parent=tree.supervisor_1)
    reviewer(client, tree)
    # hx-confirm: HTMX asks, no inline handler (the Content-Security-Policy runs none).
    assert 'hx-confirm="确定不通过' in text(client.get(reverse("orgs:pending_units")))


# ---- detail and credit code override ------------------------------------------------------


def test_detail_shows_the_organisation(client, tree):
    DepartmentFactory.create(unit=tree.unit_1, name="人力资源部")
    reviewer(client, tree)

    response = client.get(reverse("orgs:organization_detail", args=[tree.unit_1.pk]))

    body = text(response)
    assert response.status_code == 200
    for fragment in (
        tree.unit_1.name,
        tree.unit_1.credit_code,
        tree.unit_1.region_name,
        tree.supervisor_1.name,
        "人力资源部",
        "已启用",
        "单位",
    ):
        assert fragment in body
    assert reverse("orgs:credit_code_override", args=[tree.unit_1.pk]) not in body


def test_detail_outside_scope_is_404(client, tree):
    reviewer(client, tree)
    assert client.get(reverse("orgs:organization_detail", args=[tree.unit_2.pk])).status_code == 404


def test_detail_is_for_admins(client, person):
    assert client.get(reverse("orgs:organization_detail", args=[person.unit.pk])).status_code == 403


def test_authority_overrides_the_credit_code_through_the_form(client, tree):
    reviewer(client, tree, RoleKind.AUTHORITY_ADMIN, "authority_a")
    good = make_credit_code("450100", 31337)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    url = reverse("orgs:credit_code_override", args=[tree.unit_1.pk])

    detail = text(client.get(reverse("orgs:organization_detail", args=[tree.unit_1.pk])))
    assert url in detail

    missing_reason = client.post(url, {"credit_code": bad, "reason": ""})
    assert "请填写豁免校验的原因。" in text(missing_reason)
    assert f'value="{bad}"' in text(missing_reason)

    response = client.post(url, {"credit_code": bad, "reason": "原件核实"}, follow=True)

    tree.unit_1.refresh_from_db()
    assert tree.unit_1.credit_code == bad
    assert tree.unit_1.credit_code_override_reason == "原件核实"
    assert response.redirect_chain[-1][0] == reverse(
        "orgs:organization_detail", args=[tree.unit_1.pk]
    )


def test_supervisor_cannot_open_the_override_form(client, tree):
    reviewer(client, tree)
    url = reverse("orgs:credit_code_override", args=[tree.unit_1.pk])
    assert client.get(url).status_code == 403


def test_authority_outside_the_subtree_gets_404_on_the_override_form(client, tree):
    reviewer(client, tree, RoleKind.AUTHORITY_ADMIN, "authority_b")
    url = reverse("orgs:credit_code_override", args=[tree.unit_1.pk])
    assert client.get(url).status_code == 404


# ---- admin --------------------------------------------------------------------------------


def test_admin_lists_and_searches_organisations(client, tree):
    admin_user = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)

    response = client.get(reverse("admin:orgs_organization_changelist"), {"q": "南宁"})

    assert response.status_code == 200
    assert tree.unit_1.name in text(response)
    assert tree.unit_b.name not in text(response)
    assert client.get(reverse("admin:orgs_department_changelist")).status_code == 200
