"""Menus follow the profile (issue 13 item 5): 代为申报, 导入学员培训信息 and 统一申报 appear
only where the region lets that organisation declare, and then the page opens; elsewhere they
are absent and the page answers 403. Anyang (seed 000: 学员 declares, 单位 reviews), Zhejiang
(seed 003: "学员上报→企业审核→省级终审") and Xinjiang (seed 004: the person fills in the
申请书) let only the person declare; Henan (seed 001: 用人单位和主管部门代为申报, "继续教育基地
统一申报") and Guangxi (seed 002: "单位管理员…为本单位专业技术人员所登记的学时") let units."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xueshi.accounts.permissions import role_may
from xueshi.declarations.tests.test_form_views import act_as
from xueshi.portal.menu import menu_for

DECLARE_FOR = ("代为申报", "declarations:declare_for", "declarations.declare_for")
IMPORT_CLAIMS = ("导入学员培训信息", "imports:claims", "imports.claims")
BASE = ("统一申报", "declarations:training_base_declare", "declarations.training_base")
# 个人注册 (issue 17 item 3): the unit approves where people may register (Xinjiang, Zhejiang);
# the supervising department (here Zhejiang's 建设厅 above its enterprises) only in Zhejiang.
REGISTRATIONS = ("个人注册审核", "accounts:registrations", "accounts.approve_registrations")
SUPERVISED_REGISTRATIONS = (
    "个人注册审批",
    "accounts:registrations",
    "accounts.approve_registrations_supervisor",
)

# (account, entry, may the role do it in its region?)
CASES = [
    ("ay_yiyuan", DECLARE_FOR, False),
    ("ay_yiyuan", IMPORT_CLAIMS, False),
    ("ay_weijian", DECLARE_FOR, False),
    ("zj_jiangong", DECLARE_FOR, False),
    ("zj_jiangong", IMPORT_CLAIMS, False),
    ("xj_xju", DECLARE_FOR, False),
    ("xj_xju", IMPORT_CLAIMS, False),
    ("xj_jyt", DECLARE_FOR, False),
    ("ha_zzu", DECLARE_FOR, True),
    ("ha_zzu", IMPORT_CLAIMS, True),
    ("ha_jyt", DECLARE_FOR, True),
    ("ha_jidi", BASE, True),
    ("gx_gxu", DECLARE_FOR, True),
    ("gx_gxu", IMPORT_CLAIMS, True),
    # Guangxi's supervisor reviews (提交至主管部门审核) but does not register hours.
    ("gx_jyt", DECLARE_FOR, False),
    ("xj_xju", REGISTRATIONS, True),
    ("zj_jiangong", REGISTRATIONS, True),
    ("gx_gxu", REGISTRATIONS, False),
    ("ha_zzu", REGISTRATIONS, False),
    ("zj_jst", SUPERVISED_REGISTRATIONS, True),
    ("xj_jyt", SUPERVISED_REGISTRATIONS, False),
    ("gx_jyt", SUPERVISED_REGISTRATIONS, False),
]


@pytest.mark.parametrize(("account", "entry", "may"), CASES, ids=lambda v: str(v))
def test_menu_entry_and_page_follow_the_regions_declarants(client, demo, account, entry, may):
    label, url_name, permission = entry
    role = demo.role(account)
    labels = {item.label for section in menu_for(role) for item in section.items}
    assert (label in labels) is may
    assert role_may(role, permission) is may
    act_as(client, role)
    assert client.get(reverse(url_name)).status_code == (200 if may else 403)
