"""申报进度查询 / 单位申报记录, detail, the declarant's transitions and evidence download,
walked through the views with the Henan, Guangxi and Anyang demo people."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.roles import ACTIVE_ROLE_SESSION_KEY
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.services import (
    DeclarationInput,
    attachment_add,
    declaration_save,
)
from xueshi.review.models import TrailAction, TrailEntry
from xueshi.review.services import declaration_approve, declaration_submit

THIS_YEAR = timezone.localdate().year
# The smallest valid PNG: its magic bytes are what the evidence check reads.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def act_as(client: Client, role: Any) -> Client:
    client.force_login(role.user)
    session = client.session
    session[ACTIVE_ROLE_SESSION_KEY] = role.pk
    session.save()
    return client


def henan_training(
    demo: Any, name: str = "赵磊", title: str = "河南省高校教师培训班"
) -> Declaration:
    role = demo.professional(name)
    declaration = declaration_save(
        person=demo.person(name),
        data=DeclarationInput(
            category_code="training",
            level_code="provincial_municipal",
            fields={
                "credit_year": THIS_YEAR,
                "title": title,
                "organizer": "河南省教育厅",
                "start_date": datetime.date(THIS_YEAR, 3, 2),
                "end_date": datetime.date(THIS_YEAR, 3, 6),
                "hours_claimed": 24,
            },
        ),
        actor=role.user,
        role=role,
    )
    # Henan: "需要上传培训通知、结业证书及单位证明材料" before it may be sent.
    attachment_add(
        declaration=declaration,
        upload=SimpleUploadedFile("结业证书.png", PNG, content_type="image/png"),
        actor=role.user,
        role=role,
    )
    return declaration


def guangxi_training(
    demo: Any, name: str = "覃海燕", title: str = "教学能力提升培训班"
) -> Declaration:
    role = demo.professional(name)
    return declaration_save(
        person=demo.person(name),
        data=DeclarationInput(
            category_code="training_course",
            level_code="by_dates",
            fields={
                "title": title,
                "start_date": datetime.date(THIS_YEAR, 5, 4),
                "end_date": datetime.date(THIS_YEAR, 5, 8),
                "description": "自治区教育厅主办",
                "credit_year": THIS_YEAR,
            },
            pledge=True,
        ),
        actor=role.user,
        role=role,
    )


def anyang_degree(demo: Any) -> Declaration:
    role = demo.professional("李明")
    return declaration_save(
        person=demo.person("李明"),
        data=DeclarationInput(
            category_code="degree_education",
            level_code="course_passed",
            fields={"credit_year": THIS_YEAR, "description": "参加学位教育", "quantity": 2},
        ),
        actor=role.user,
        role=role,
    )


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Henan: 申报进度查询 — submit, 撤销 → 待提交, delete ------------------------------------


def test_henan_journey_submit_withdraw_delete(demo, client):
    declaration = henan_training(demo)
    act_as(client, demo.professional("赵磊"))
    list_url = reverse("declarations:list")

    page = client.get(list_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "申报进度查询" in html and "河南省高校教师培训班" in html
    assert reverse("declarations:edit", args=[declaration.pk]) in html  # 修改 on a draft
    assert reverse("declarations:delete", args=[declaration.pk]) in html
    assert "批量提交至本单位审核" in html
    assert "提交至主管部门审核" not in html  # Henan does not allow it

    response = client.post(
        reverse("declarations:submit"),
        {"ids": [declaration.pk], "target": "unit", "next": list_url},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == list_url
    assert "已提交 1 条申报至本单位审核。" in messages_of(response)
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.PENDING
    assert declaration.chain_steps.get(position=0).organization.name == "郑州大学"
    html = response.content.decode()
    assert "提交结果" in html  # the batch result per claim
    assert reverse("declarations:withdraw", args=[declaration.pk]) in html  # 撤回 while untouched

    response = client.post(reverse("declarations:withdraw", args=[declaration.pk]), follow=True)
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.DRAFT
    assert any("已撤回" in message for message in messages_of(response))
    assert TrailEntry.objects.filter(declaration=declaration, action=TrailAction.WITHDRAW).exists()

    response = client.post(reverse("declarations:delete", args=[declaration.pk]), follow=True)
    assert not Declaration.objects.filter(pk=declaration.pk).exists()
    assert "暂无申报记录" in response.content.decode()
    assert reverse("declarations:create") in response.content.decode()


def test_withdraw_after_a_reviewer_acted_is_refused_with_the_reason(demo, client):
    declaration = henan_training(demo)
    person = demo.professional("赵磊")
    declaration_submit(declaration_id=declaration.pk, actor=person.user, role=person)
    unit = demo.role("ha_zzu")
    declaration_approve(declaration_id=declaration.pk, actor=unit.user, role=unit)
    act_as(client, person)
    html = client.get(reverse("declarations:list")).content.decode()
    assert reverse("declarations:withdraw", args=[declaration.pk]) not in html

    response = client.post(reverse("declarations:withdraw", args=[declaration.pk]), follow=True)
    assert response.status_code == 200
    assert any("不能撤回" in message for message in messages_of(response))
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.PENDING


def test_transitions_are_post_only(demo, client):
    declaration = henan_training(demo)
    act_as(client, demo.professional("赵磊"))
    for name in ("withdraw", "delete"):
        assert client.get(reverse(f"declarations:{name}", args=[declaration.pk])).status_code == 405
    assert client.get(reverse("declarations:submit")).status_code == 405


def test_submit_without_choice_and_foreign_ids_are_reported_not_500(demo, client):
    mine = henan_training(demo)
    foreign = henan_training(demo, name="孙丽", title="别人的申报")
    act_as(client, demo.professional("赵磊"))
    response = client.post(reverse("declarations:submit"), {"ids": []}, follow=True)
    assert "请先勾选要提交的申报。" in messages_of(response)
    response = client.post(
        reverse("declarations:submit"), {"ids": [mine.pk, foreign.pk, "x"]}, follow=True
    )
    assert response.status_code == 200
    assert any("未能提交" in message for message in messages_of(response))
    assert "申报不存在或不在您的范围内。" in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.status == DeclarationStatus.DRAFT


def test_unit_admin_sees_unit_records_and_may_not_act_as_declarant(demo, client):
    declaration = henan_training(demo)
    act_as(client, demo.role("ha_zzu"))
    html = client.get(reverse("declarations:list")).content.decode()
    assert "单位申报记录" in html and "赵磊" in html
    assert reverse("declarations:edit", args=[declaration.pk]) not in html
    response = client.post(reverse("declarations:delete", args=[declaration.pk]), follow=True)
    assert any("只有申报人可以删除" in message for message in messages_of(response))
    assert Declaration.objects.filter(pk=declaration.pk).exists()


def test_admin_search_by_name_and_id_number(demo, client):
    henan_training(demo)
    henan_training(demo, name="孙丽", title="医学继续教育")
    act_as(client, demo.role("ha_zzu"))
    url = reverse("declarations:list")
    html = client.get(url, {"q": "孙丽"}).content.decode()
    assert "医学继续教育" in html and "河南省高校教师培训班" not in html
    id_number = demo.person("赵磊").id_number
    html = client.get(url, {"q": id_number}).content.decode()
    assert "河南省高校教师培训班" in html and "医学继续教育" not in html


# --- Status filters, year filter, trail ------------------------------------------------------


def test_status_filters_and_year(demo, client):
    draft = henan_training(demo, title="草稿一")
    pending = henan_training(demo, title="待审二")
    person = demo.professional("赵磊")
    declaration_submit(declaration_id=pending.pk, actor=person.user, role=person)
    act_as(client, person)
    url = reverse("declarations:list")

    drafts = client.get(url, {"status": "draft"})
    assert [row.declaration.pk for row in drafts.context["rows"]] == [draft.pk]
    pendings = client.get(url, {"status": "pending"})
    assert [row.declaration.pk for row in pendings.context["rows"]] == [pending.pk]
    for status in ("returned", "approved", "rejected"):
        assert client.get(url, {"status": status}).context["rows"] == []
    everything = client.get(url, {"status": "nonsense"})
    assert len(everything.context["rows"]) == 2
    tabs = {code: count for code, _label, count in everything.context["tabs"]}
    assert tabs[""] == 2 and tabs["draft"] == 1 and tabs["pending"] == 1
    assert client.get(url, {"year": THIS_YEAR - 5}).context["rows"] == []
    assert len(client.get(url, {"year": THIS_YEAR}).context["rows"]) == 2


def test_trail_expands_in_a_row(demo, client):
    declaration = henan_training(demo)
    person = demo.professional("赵磊")
    declaration_submit(declaration_id=declaration.pk, actor=person.user, role=person)
    act_as(client, person)
    trail_url = reverse("declarations:trail", args=[declaration.pk])
    html = client.get(reverse("declarations:list")).content.decode()
    assert f'hx-get="{trail_url}"' in html
    assert 'aria-expanded="false"' in html and f'aria-controls="trail-{declaration.pk}"' in html

    fragment = client.get(trail_url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    text = fragment.content.decode()
    assert "<html" not in text
    assert "提交" in text and "郑州大学" in text and "用人单位" in text
    assert 'aria-current="step"' in text  # where it stands now

    act_as(client, demo.professional("孙丽"))
    assert client.get(trail_url).status_code == 404


# --- Detail ----------------------------------------------------------------------------------


def test_detail_shows_everything_and_404_outside_scope(demo, client):
    declaration = henan_training(demo)
    person = demo.professional("赵磊")
    declaration_submit(declaration_id=declaration.pk, actor=person.user, role=person)
    url = reverse("declarations:detail", args=[declaration.pk])

    act_as(client, person)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("河南省高校教师培训班", "主办单位", "河南省教育厅", "24", "审核流程", "郑州大学"):
        assert text in html
    assert "参加培训、研修活动" in html
    assert reverse("declarations:withdraw", args=[declaration.pk]) in html

    act_as(client, demo.role("ha_zzu"))
    assert client.get(url).status_code == 200
    for outsider in (demo.professional("孙丽"), demo.role("gx_gxu"), demo.role("ay_yiyuan")):
        act_as(client, outsider)
        assert client.get(url).status_code == 404
        response = client.post(reverse("declarations:withdraw", args=[declaration.pk]))
        assert response.status_code == 404
        assert client.post(reverse("declarations:delete", args=[declaration.pk])).status_code == 404
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.PENDING


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("declarations:list"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- Guangxi: batch submit to own unit, submit to a supervisor -------------------------------


def test_guangxi_batch_submit_two_drafts_to_own_unit(demo, client):
    first = guangxi_training(demo, title="培训一")
    second = guangxi_training(demo, title="培训二")
    act_as(client, demo.professional("覃海燕"))
    html = client.get(reverse("declarations:list")).content.decode()
    assert "批量提交至本单位审核" in html and "提交至主管部门审核" in html

    response = client.post(
        reverse("declarations:submit"),
        {"ids": [first.pk, second.pk], "target": "unit"},
        follow=True,
    )
    assert "已提交 2 条申报至本单位审核。" in messages_of(response)
    for declaration in (first, second):
        declaration.refresh_from_db()
        assert declaration.status == DeclarationStatus.PENDING
        assert declaration.chain_steps.get(position=0).organization.name == "广西大学"
    results = response.context["batch_results"]
    assert [result["ok"] for result in results] == [True, True]


@pytest.mark.parametrize("supervisor_name", ["南宁市教育局", "广西壮族自治区教育厅"])
def test_guangxi_submit_to_a_supervisor(demo, client, supervisor_name):
    declaration = guangxi_training(demo)
    supervisor = demo.organization(supervisor_name)
    act_as(client, demo.professional("覃海燕"))
    response = client.post(
        reverse("declarations:submit"),
        {"ids": [declaration.pk], "target": "supervisor", "supervisor": supervisor.pk},
        follow=True,
    )
    assert f"已提交 1 条申报至{supervisor_name}审核。" in messages_of(response)
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.PENDING
    steps = list(declaration.chain_steps.order_by("position"))
    assert declaration.entry_position == 0
    assert steps[0].organization == supervisor


def test_supervisor_picker_lists_only_active_supervisors(demo, client):
    guangxi_training(demo)
    act_as(client, demo.professional("覃海燕"))
    response = client.get(
        reverse("declarations:list"), {"supervisor_q": "教育"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "南宁市教育局" in html and "广西壮族自治区教育厅" in html
    assert "广西大学" not in html and "人力资源和社会保障厅" not in html
    # Without JavaScript the search reloads the page with the picker open.
    page = client.get(reverse("declarations:list"), {"supervisor_q": "南宁"}).content.decode()
    assert 'id="supervisor-picker" open' in page and "南宁市教育局" in page


def test_picking_a_unit_or_nothing_as_supervisor_is_refused(demo, client):
    declaration = guangxi_training(demo)
    act_as(client, demo.professional("覃海燕"))
    for choice in ("", str(demo.organization("广西大学").pk)):
        response = client.post(
            reverse("declarations:submit"),
            {"ids": [declaration.pk], "target": "supervisor", "supervisor": choice},
            follow=True,
        )
        assert "请选择要提交的主管部门。" in messages_of(response)
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.DRAFT


def test_region_without_direct_submission_refuses_a_supervisor(demo, client):
    declaration = anyang_degree(demo)
    act_as(client, demo.professional("李明"))
    html = client.get(reverse("declarations:list")).content.decode()
    assert "提交至主管部门审核" not in html
    response = client.post(
        reverse("declarations:submit"),
        {"ids": [declaration.pk], "supervisor": demo.organization("安阳市卫生健康委员会").pk},
        follow=True,
    )
    assert response.status_code == 200
    assert any("不允许直接提交至主管部门审核" in message for message in messages_of(response))
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.DRAFT


def test_wrongly_sent_pending_claim_may_be_deleted_and_declared_again(demo, client):
    declaration = guangxi_training(demo)
    act_as(client, demo.professional("覃海燕"))
    client.post(
        reverse("declarations:submit"),
        {"ids": [declaration.pk], "supervisor": demo.organization("南宁市教育局").pk},
    )
    html = client.get(reverse("declarations:list")).content.decode()
    assert reverse("declarations:delete", args=[declaration.pk]) in html
    client.post(reverse("declarations:delete", args=[declaration.pk]))
    assert not Declaration.objects.filter(pk=declaration.pk).exists()


def test_department_admin_sees_only_their_department(demo, client):
    mine = guangxi_training(demo)  # 覃海燕: 计算机与电子信息学院
    other = guangxi_training(demo, name="蒙丽", title="财务培训")  # 财务处
    act_as(client, demo.role("450102199710080192", kind="department_admin"))
    rows = client.get(reverse("declarations:list")).context["rows"]
    assert [row.declaration.pk for row in rows] == [mine.pk]
    assert client.get(reverse("declarations:detail", args=[other.pk])).status_code == 404


# --- Query count -----------------------------------------------------------------------------


def _copies(declaration: Declaration, count: int) -> None:
    copies = []
    for number in range(count):
        copy = Declaration.objects.get(pk=declaration.pk)
        copy.pk = None
        copy.title = f"{declaration.title}{number}"
        copies.append(copy)
    Declaration.objects.bulk_create(copies)


def _list_queries(client: Client, **params: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("declarations:list"), params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["person", "unit_admin"])
def test_list_query_count_does_not_grow_with_rows(demo, client, who):
    declaration = guangxi_training(demo)
    role = demo.professional("覃海燕") if who == "person" else demo.role("gx_gxu")
    act_as(client, role)
    _copies(declaration, 4)
    assert Declaration.objects.count() == 5
    few = _list_queries(client)
    _copies(declaration, 45)
    assert Declaration.objects.count() == 50
    many = _list_queries(client)
    assert few == many
    assert _list_queries(client, page=2) == many


# --- Evidence download -----------------------------------------------------------------------


@pytest.fixture
def evidence(demo):
    declaration = guangxi_training(demo)
    role = demo.professional("覃海燕")
    return attachment_add(
        declaration=declaration,
        upload=SimpleUploadedFile("结业证书.png", PNG, content_type="text/html"),
        actor=role.user,
        role=role,
    )


def test_owner_and_unit_admin_download_as_attachment_with_nosniff(demo, client, evidence):
    url = reverse("declarations:attachment_download", args=[evidence.pk])
    for role in (
        demo.professional("覃海燕"),
        demo.role("gx_gxu"),
        demo.role("450102199710080192", kind="department_admin"),
    ):
        act_as(client, role)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert "filename" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == PNG
    # The detail page links to it.
    act_as(client, demo.professional("覃海燕"))
    html = client.get(reverse("declarations:detail", args=[evidence.declaration_id])).content
    assert url in html.decode() and "结业证书.png" in html.decode()


def test_download_is_404_outside_scope(demo, client, evidence):
    url = reverse("declarations:attachment_download", args=[evidence.pk])
    department_admin = demo.role("450102199710080192", kind="department_admin")
    # Move the declarant to another department: that department admin no longer sees it.
    person = demo.person("覃海燕")
    person.department = person.unit.departments.get(name="财务处")
    person.save()
    for outsider in (demo.professional("蒙丽"), department_admin, demo.role("ha_zzu")):
        act_as(client, outsider)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_withdraw_and_delete_answer_htmx_with_a_redirect(demo, client):
    declaration = henan_training(demo)
    act_as(client, demo.professional("赵磊"))
    response = client.post(
        reverse("declarations:delete", args=[declaration.pk]),
        {"next": "https://evil.example/"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("declarations:list")


def test_list_has_accessible_structure(demo, client):
    henan_training(demo)
    act_as(client, demo.professional("赵磊"))
    html = client.get(reverse("declarations:list")).content.decode()
    assert 'class="table-responsive"' in html
    assert re.search(r'<nav aria-label="按状态筛选">', html)
    # Henan's own words (its seed: 全部、待提交、待审核、审核通过、审核不通过).
    assert "全部" in html and "待提交" in html and "审核通过" in html and "审核不通过" in html
