"""Issue 13 items 9, 12 and 13 in the browser: the person's home with this year's progress, the
unit's home with the year's claims and last month's chart, the Henan refusal for a missing
material, Henan's yearly training plan filed with 人社, and Anyang's 详细及附件 editor."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from xueshi.ledger.services import general_records_import
from xueshi.ledger.tests.test_ledger import THIS_YEAR, anyang_claim, approve_all, general

from .pages import UI, choose, settle, type_in

GROUP_HOMES = "首页 · 本年度学时进度与单位申报概况"
GROUP_HENAN = "河南 · 材料、年度培训计划"
GROUP_ANYANG = "安阳 · 详细及附件"


def test_person_home_shows_this_years_progress(
    as_user: Callable[..., UI], demo: Any, viewport: str
) -> None:
    """20 公需 + 60 专业 of Anyang's 90: "还差 10 学时"; a returned claim waits on 李明."""
    general_records_import(rows=[general(demo, "B-1", "20", datetime.date(THIS_YEAR, 3, 1))])
    approve_all(demo, anyang_claim(demo, courses=4))
    li = as_user("李明", viewport=viewport)
    li.expect_heading("您好")
    expect(li.page.get_by_test_id("home-remaining")).to_have_text("还差 10 学时")
    expect(li.page.get_by_test_id("home-progress")).to_contain_text("80 / 90")
    li.shot(
        "progress",
        publish="home-professional-progress",
        group=GROUP_HOMES,
        caption="李明（安阳）：本年度 80 / 90 学时，还差 10 学时",
    ).axe()


def test_unit_home_shows_the_years_claims_and_chart(
    as_user: Callable[..., UI], demo: Any, viewport: str
) -> None:
    for courses in (1, 2, 3):
        anyang_claim(demo, courses=courses)
    approve_all(demo, anyang_claim(demo, courses=1))
    unit = as_user("ay_yiyuan", viewport=viewport)
    expect(unit.page.get_by_test_id("home-claims")).to_contain_text("全部")
    # The chart is drawn by the static file (no inline script): ECharts puts an <svg> in it.
    expect(unit.page.locator("[data-home-chart] svg")).to_have_count(1)
    unit.shot(
        "claims",
        publish="home-unit-claims",
        group=GROUP_HOMES,
        caption="安阳市人民医院：年度申报与近一个月图表",
    ).axe()


def test_henan_refuses_a_claim_without_its_material(as_user: Callable[..., UI]) -> None:
    """ "需要上传培训通知、结业证书及单位证明材料": saved, not sent, the materials named."""
    zhao = as_user("赵磊")
    zhao.open_menu("学时登记").expect_heading("学时登记")
    choose(zhao, "学习形式", "出版著作（译作）或发表论文")
    settle(zhao, leave_field=False)
    choose(zhao, "申报等级", "在公开出版刊物发表论文，署名前3名")
    settle(zhao, leave_field=False)
    zhao.fill("名称", "在《计算机工程》发表论文")
    type_in(zhao, "申报学时", "20")
    settle(zhao)
    zhao.click("保存并提交")
    zhao.expect_text("但未能提交")
    expect(zhao.page.locator(".alert-danger, .alert-warning").first).to_contain_text(
        "请上传佐证材料（著作需要上传：封面、扉页、目录；论文需要上传：杂志封面、目录、文章。）"
    )
    zhao.shot(
        "refused",
        publish="ha-material-refused",
        group=GROUP_HENAN,
        caption="未上传材料：已保存为待提交，未能提交，并列出需上传的材料",
        phone_too=True,
    )


def test_henan_plan_filed_and_offered(as_user: Callable[..., UI]) -> None:
    """ "培训项目列入年度计划，并报人社部门备案": the department files; 赵磊 may declare it."""
    department = as_user("ha_jyt")
    department.open_menu("年度培训计划").expect_heading("年度培训计划")
    department.click("新建").expect_text("请添加培训项目")
    choose(department, "学习形式", "行业主管部门组织的专业技术人员专业科目培训")
    department.fill("培训项目名称", "全省高校教师数字化教学能力提升培训")
    choose(department, "组织单位", "河南省教育厅")
    today = timezone.localdate()
    department.fill("开始时间", today.isoformat()).fill("结束时间", today.isoformat())
    department.fill("计划学时", "24")
    department.click("添加").expect_text("已添加培训项目")
    department.click("报人社部门备案")
    expect(department.page.get_by_test_id("plan-status")).to_have_text("已报人社部门备案")
    department.shot(
        "filed",
        publish="ha-plan-filed",
        group=GROUP_HENAN,
        caption="河南省教育厅年度培训计划已备案",
        phone_too=True,
    ).axe()

    zhao = as_user("赵磊")
    zhao.open_menu("学时登记")
    choose(zhao, "学习形式", "行业主管部门组织的专业技术人员专业科目培训")
    settle(zhao, leave_field=False)
    expect(zhao.field("年度计划培训项目")).to_contain_text("全省高校教师数字化教学能力提升培训")
    zhao.shot(
        "offered", publish="ha-plan-offered", group=GROUP_HENAN, caption="申报时选择计划中的培训"
    )


def test_anyang_details_editor(as_user: Callable[..., UI], tmp_path: Path) -> None:
    """ "点击详细及附件工具条中的图片": the editor's toolbar, then a picture inside the text."""
    li = as_user("李明")
    li.open_menu("学时登记")
    choose(li, "申报类型", "参加学历、学位教育")
    settle(li, leave_field=False)
    li.fill("申报描述", "参加学位教育")
    type_in(li, "学时系数", "2")
    settle(li)
    editor = li.page.locator(".xs-rich-text-body")
    editor.click()
    editor.type("学校：郑州大学，课程：医学统计学，成绩合格。")
    li.click("保存暂不提交").expect_text("已保存")
    picture = tmp_path / "成绩单.png"
    picture.write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360f8cf0000000301010018dd8db0"
            "0000000049454e44ae426082"
        )
    )
    with li.page.expect_file_chooser() as chooser:
        li.page.get_by_role("button", name="图片").click()
    chooser.value.set_files(str(picture))
    li.expect_text("已插入图片")
    expect(li.page.locator(".xs-rich-text-body img")).to_have_count(1)
    li.shot(
        "editor", publish="ay-details-picture", group=GROUP_ANYANG, caption="详细及附件中插入扫描件"
    )
    li.click("保存暂不提交").expect_text("已保存")
    li.page.get_by_role("link", name="查看详情与审核进度").click()
    expect(li.page.locator(".xs-rich-text-view img")).to_have_count(1)
    li.shot(
        "detail",
        publish="ay-details-shown",
        group=GROUP_ANYANG,
        caption="详情页显示详细及附件中的图片",
    )
