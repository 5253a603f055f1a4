"""河南 (seed 001): a professional's draft is saved, submitted, withdrawn, edited and deleted; the
unit declares for one of its people (the claim goes to the supervisor); the training base
declares one course for three attendees by ID number.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from .pages import UI, choose, list_row, queue_row, recent_days, settle, type_in
from .test_journey_zhejiang import png_images


def upload_evidence(ui: UI, folder: Path) -> None:
    """Every Henan form "需要上传" its materials (issue 13 item 3): one scanned certificate."""
    ui.field("选择文件（可多选）").set_input_files(png_images(folder, 1))
    ui.click("上传").expect_text("已上传 1 个文件")


GROUP_DRAFT = "河南 · 草稿、提交、撤回、修改、删除"
GROUP_DECLARE_FOR = "河南 · 单位代为申报"
GROUP_TRAINING_BASE = "河南 · 继续教育基地统一申报"
BASE_COURSE = "参加各级继续教育基地举办的继续教育培训班学习"


def fill_course(ui: UI, title: str, organizer: str, hours: str) -> UI:
    """The Henan form for 参加各级继续教育基地举办的继续教育培训班学习 (hours typed, ≤ 60)."""
    choose(ui, "学习形式", BASE_COURSE)  # Henan's word for 申报类型 (profiles/henan.yaml)
    ui.fill("培训班名称", title)
    ui.fill("主办单位", organizer)
    start, end = recent_days(3)
    ui.fill("开始时间", start).fill("结束时间", end)
    type_in(ui, "申报学时", hours)
    settle(ui)
    expect(ui.page.locator("#hours-block")).to_contain_text(f"申报人填写 {hours} 学时")
    return ui


def test_henan_draft_submit_withdraw_edit_delete(
    as_user: Callable[..., UI], viewport: str, tmp_path: Path
) -> None:
    title = "人工智能与大数据高级研修班"
    zhao = as_user("赵磊", viewport=viewport)
    zhao.open_menu("学时登记").expect_heading("学时登记")
    fill_course(zhao, title, "河南省专业技术人员继续教育基地", "40")
    zhao.shot("form", publish="ha-draft-01-form", group=GROUP_DRAFT, caption="赵磊填写培训班学时")
    zhao.click("保存暂不提交").expect_text("已保存（待提交）")
    upload_evidence(zhao, tmp_path)

    # 申报进度查询: the draft waits; tick it and submit it to the unit.
    zhao.open_menu("申报进度查询")
    row = list_row(zhao, title)
    expect(row).to_contain_text("待提交")
    # 种子：“可通过全部、待提交、待审核、审核通过、审核不通过进行筛选查看”
    tabs = zhao.page.get_by_role("navigation", name="按状态筛选")
    for word in ("全部", "待提交", "待审核", "审核通过", "审核不通过"):
        expect(tabs).to_contain_text(word)
    expect(tabs).not_to_contain_text("通过认定")
    zhao.shot("draft", publish="ha-draft-02-list", group=GROUP_DRAFT, caption="待提交的草稿")
    row.get_by_role("checkbox").check()
    zhao.click("批量提交至本单位审核").expect_text("已提交 1 条申报至本单位审核。")
    assert any("确定提交所勾选的申报吗" in text for text in zhao.dialogs), zhao.dialogs
    expect(row).to_contain_text("待审核")
    zhao.shot(
        "submitted", publish="ha-draft-03-submitted", group=GROUP_DRAFT, caption="已提交，待审核"
    )

    # 撤回: back to 待提交.
    row.get_by_role("button", name="撤回").click()
    zhao.expect_text(f"已撤回“{title}”，现为待提交状态")
    expect(row).to_contain_text("待提交")
    expect(zhao.page.get_by_role("link", name="待提交")).to_contain_text("1")
    zhao.shot(
        "withdrawn", publish="ha-draft-04-withdrawn", group=GROUP_DRAFT, caption="撤回后为待提交"
    )

    # 修改: 40 → 32 hours.
    row.get_by_role("link", name="修改").click()
    zhao.expect_heading("修改学时申报")
    expect(zhao.field("申报学时")).to_have_value("40")
    type_in(zhao, "申报学时", "32")
    settle(zhao)
    expect(zhao.page.locator("#hours-block")).to_contain_text("申报人填写 32 学时")
    zhao.click("保存暂不提交").expect_text("已保存（待提交）")
    zhao.open_menu("申报进度查询")
    expect(row.locator("td").nth(7)).to_have_text("32")  # 申请学时
    zhao.shot("edited", publish="ha-draft-05-edited", group=GROUP_DRAFT, caption="修改为 32 学时")

    # 删除 (confirmation accepted): gone.
    row.get_by_role("button", name="删除").click()
    zhao.expect_text(f"已删除“{title}”。")
    assert any("删除后不能恢复" in text for text in zhao.dialogs), zhao.dialogs
    expect(row).to_have_count(0)
    zhao.expect_text("暂无申报记录")
    zhao.shot("deleted", publish="ha-draft-06-deleted", group=GROUP_DRAFT, caption="已删除")


def test_henan_unit_declares_for_sun_li(
    as_user: Callable[..., UI], viewport: str, tmp_path: Path
) -> None:
    title = "高校教师教学能力提升培训班"
    unit = as_user("ha_zzu", viewport=viewport)
    unit.open_menu("代为申报").expect_heading("代为申报")
    search = unit.field("证件号码或姓名")
    search.fill("孙丽")
    search.press("End")  # the key-up starts the HTMX search
    people = unit.page.locator("#people-results tbody tr")
    expect(people).to_have_count(1)
    expect(people).to_contain_text("郑州大学 / 医学院")
    unit.shot(
        "search", publish="ha-declare-for-01-search", group=GROUP_DECLARE_FOR, caption="查找孙丽"
    )
    people.get_by_role("link", name=re.compile(r"^为其申报\s*：孙丽$")).click()

    expect(unit.page.get_by_label("姓名", exact=True)).to_have_value("孙丽")
    fill_course(unit, title, "郑州大学", "24")
    unit.shot(
        "form", publish="ha-declare-for-02-form", group=GROUP_DECLARE_FOR, caption="为孙丽填写"
    )
    # Form 1: "个人申报需要上传…，基地统一上报的可以不用提供" — a unit declaring needs the file.
    unit.click("保存并提交").expect_text("个人申报需要上传培训通知、结业证书及单位证明材料")
    upload_evidence(unit, tmp_path)
    unit.click("保存并提交").expect_text("已提交至河南省教育厅（主管部门），请等待审核。")
    row = list_row(unit, title)
    expect(row).to_contain_text("孙丽")
    expect(row).to_contain_text("待审核")
    unit.shot(
        "recorded",
        publish="ha-declare-for-03-list",
        group=GROUP_DECLARE_FOR,
        caption="单位申报记录",
    )

    # The unit declared it: it waits at 河南省教育厅 (the unit's own level is skipped).
    supervisor = as_user("ha_jyt", viewport=viewport)
    supervisor.open_menu("专业科目学时审核").expect_heading("主管部门")
    claim = queue_row(supervisor, "孙丽")
    expect(claim).to_contain_text(title)
    expect(claim).to_contain_text("郑州大学")  # 登记机构
    supervisor.shot(
        "supervisor-queue",
        publish="ha-declare-for-04-queue",
        group=GROUP_DECLARE_FOR,
        caption="教育厅待审核",
    )


def test_henan_training_base_declares_three_attendees(
    as_user: Callable[..., UI], viewport: str
) -> None:
    from xueshi.accounts.models import Person

    attendees = ["赵磊", "孙丽", "周强"]
    id_numbers = [Person.objects.get(name=name).id_number for name in attendees]

    base = as_user("ha_jidi", viewport=viewport)
    base.open_menu("统一申报").expect_heading("继续教育基地统一申报")
    fill_course(
        base, "专业技术人员知识更新工程培训班", "河南省专业技术人员继续教育基地（郑州大学）", "32"
    )
    base.fill("参训人员证件号码", "\n".join(id_numbers))
    base.shot("form", publish="ha-base-01-form", group=GROUP_TRAINING_BASE, caption="三名参训人员")
    base.click("为以上人员提交申报").expect_text("已为 3 人提交学时申报。")
    base.expect_heading("申报结果：成功 3 人，共 3 条")
    results = base.page.locator("#results-title").locator("xpath=../..").locator("tbody tr")
    expect(results).to_have_count(3)
    for name, id_number in zip(attendees, id_numbers, strict=True):
        result = results.filter(has_text=name)
        expect(result).to_contain_text(id_number[-4:])  # shown masked: 410105********0095
        expect(result).to_contain_text("已提交至郑州大学（用人单位）")
    base.shot(
        "results", publish="ha-base-02-results", group=GROUP_TRAINING_BASE, caption="三条申报已提交"
    )

    unit = as_user("ha_zzu", viewport=viewport)
    unit.open_menu("专业科目学时审核").expect_heading("用人单位")
    for name in attendees:
        expect(queue_row(unit, name)).to_contain_text("河南省专业技术人员继续教育基地（郑州大学）")
    unit.shot(
        "unit-queue",
        publish="ha-base-03-unit-queue",
        group=GROUP_TRAINING_BASE,
        caption="郑州大学待审核 3 条",
    )
