"""Issue 13 items 1 and 2: each region's status words, and the outcomes each review level has.

The seeds (/work/shared/seeds/) say:
- Anyang: “申报状态最开始为学员已提交，会经历单位审核、管理单位审核、协会审核等阶段，如果审核通过，
  专业技术学时生效，如果未通过审核被退回，需进行修改重新提交或删除”; its reviewers
  “可以进行审核和退回操作” — no final 不予认定.
- Henan: “可通过全部、待提交、待审核、审核通过、审核不通过进行筛选查看”.
- Zhejiang: “未提交数据的审核状态为个人保存”, “提交后审核状态显示个人上报”, “企业审核状态分为
  企业审核通过和企业审核不通过两种”, “省级审核分为终审通过和省级审核不通过”,
  “企业审核通过推送至省级审核”.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueshi.declarations.models import DeclarationStatus
from xueshi.notifications.models import Notification
from xueshi.orgs.tests.factories import act_as
from xueshi.reports.tests.test_list_exports import csv_rows
from xueshi.review.lifecycle import Action, OutcomeNotOffered, allowed_actions
from xueshi.review.services import declaration_approve, declaration_reject, declaration_return
from xueshi.review.tests.test_views import (
    act,
    anyang_claim,
    guangxi_claim,
    messages_of,
    text,
    zhejiang_claim,
)

pytestmark = pytest.mark.django_db


# --- Zhejiang: 个人保存 → 个人上报 → 企业审核通过 / 企业审核不通过 → 终审通过 / 省级审核不通过 ---


def test_zhejiang_claim_moves_through_its_own_words(demo, django_capture_on_commit_callbacks):
    claim = zhejiang_claim(demo)  # submitted: waiting at the enterprise
    assert claim.status_word == "个人上报"
    enterprise, province = demo.role("zj_jiangong"), demo.role("zj_jst")
    claim = declaration_approve(declaration_id=claim.pk, actor=enterprise.user, role=enterprise)
    # 企业审核通过 = approved by the enterprise and waiting at the provincial level.
    assert claim.status == DeclarationStatus.PENDING and claim.status_word == "企业审核通过"
    with django_capture_on_commit_callbacks(execute=True):
        claim = declaration_return(
            declaration_id=claim.pk, actor=province.user, role=province, reason="证书不清晰"
        )
    assert claim.status == DeclarationStatus.RETURNED and claim.status_word == "省级审核不通过"
    assert Notification.objects.filter(
        recipient=claim.person.user, message__contains="省级审核不通过：证书不清晰"
    ).exists()

    other = zhejiang_claim(demo, title="安全生产培训")
    other = declaration_reject(
        declaration_id=other.pk, actor=enterprise.user, role=enterprise, reason="非建设类"
    )
    assert other.status_word == "企业审核不通过"

    last = zhejiang_claim(demo, title="绿色建筑培训")
    declaration_approve(declaration_id=last.pk, actor=enterprise.user, role=enterprise)
    with django_capture_on_commit_callbacks(execute=True):
        last = declaration_approve(declaration_id=last.pk, actor=province.user, role=province)
    assert last.status_word == "终审通过"
    assert Notification.objects.filter(message__contains="已终审通过").exists()


def test_zhejiang_lists_filters_trail_and_export_use_its_words(client, demo):
    saved = zhejiang_claim(demo, title="BIM 技术应用培训")
    enterprise = demo.role("zj_jiangong")
    declaration_approve(declaration_id=saved.pk, actor=enterprise.user, role=enterprise)
    zhejiang_claim(demo, title="安全生产培训")
    act_as(client, demo.professional("钱伟"))

    page = text(client.get(reverse("declarations:list")))
    assert '<span class="badge text-bg-primary">企业审核通过</span>' in page
    assert '<span class="badge text-bg-primary">个人上报</span>' in page
    assert '<span class="badge text-bg-primary">待审核</span>' not in page
    # The 待提交 tab is Zhejiang's 个人保存; its seed names no word for "pending at any
    # level", so that tab keeps the platform's 待审核.
    assert "待提交" not in page
    assert "个人保存" in page and "终审通过" in page  # the status tabs

    detail = text(client.get(reverse("declarations:detail", args=[saved.pk])))
    assert "企业审核通过" in detail  # badge and trail: the enterprise's verdict

    # 审核结果 of the enterprise, exported: the claim it turned down, in Zhejiang's words.
    refused = zhejiang_claim(demo, title="非建设类培训")
    declaration_reject(
        declaration_id=refused.pk, actor=enterprise.user, role=enterprise, reason="x"
    )
    act_as(client, enterprise)
    # 审核结果 lists every status now (issue 13 item 8); filtered by Zhejiang's own tab.
    rows = csv_rows(client, "review:results_export", status="returned.enterprise")
    status_column = rows[0].index("审核状态")
    assert {row[status_column] for row in rows[1:]} == {"企业审核不通过"}
    every = csv_rows(client, "review:results_export")
    words = {row[status_column] for row in every[1:]}
    assert words == {"企业审核不通过", "企业审核通过", "个人上报"}


def test_list_words_add_no_query_per_row(client, demo):
    zhejiang_claim(demo, title="一")
    act_as(client, demo.professional("钱伟"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("declarations:list"))
    for title in ("二", "三", "四"):
        zhejiang_claim(demo, title=title)
    with CaptureQueriesContext(connection) as four:
        client.get(reverse("declarations:list"))
    assert len(four) == len(one)


def test_henan_and_anyang_words(demo):
    from xueshi.policy.words import status_word

    henan = "henan"
    anyang = anyang_claim(demo)
    assert anyang.status_word == "学员已提交"  # at 单位审核, the first stage
    version = anyang.profile_version
    assert status_word(henan, version, "approved") == "审核通过"
    assert status_word(henan, version, "rejected") == "审核不通过"
    assert status_word(henan, version, "pending") == "待审核"
    # A region that names no words keeps the platform's.
    gx = guangxi_claim(demo)
    assert gx.status_word == "待审核"
    assert status_word("guangxi", gx.profile_version, "approved") == "通过认定"


def test_result_filter_uses_the_region_words(client, demo):
    act_as(client, demo.role("ha_zzu"))
    henan = text(client.get(reverse("review:results")))
    assert '<option value="approved">审核通过</option>' in henan
    assert '<option value="rejected">审核不通过</option>' in henan
    act_as(client, demo.role("gx_gxu"))
    guangxi = text(client.get(reverse("review:results")))
    assert '<option value="approved">通过认定</option>' in guangxi


# --- Anyang: 审核 or 退回, never a final 不予认定 ---


def test_anyang_levels_cannot_reject_one_by_one(client, demo):
    claim = anyang_claim(demo)
    unit = demo.role("ay_yiyuan")
    assert allowed_actions(claim, unit) == [Action.APPROVE, Action.RETURN]
    with pytest.raises(OutcomeNotOffered, match="单位审核不能作出“不予认定”"):
        declaration_reject(declaration_id=claim.pk, actor=unit.user, role=unit, reason="无关")
    act_as(client, unit)
    response = act(client, "reject", claim, reason="无关")
    assert "不能作出“不予认定”" in " ".join(messages_of(response))
    claim.refresh_from_db()
    assert claim.status == DeclarationStatus.PENDING

    queue = text(client.get(reverse("review:queue")))
    assert "确认退回" in queue and "确认不通过" not in queue
    assert "批量退回" in queue and "批量不通过审核" not in queue
    detail = text(client.get(reverse("review:detail", args=[claim.pk])))
    assert "退回原因" in detail and "不予认定原因" not in detail


def test_anyang_batch_return_and_no_batch_reject(client, demo):
    first, second = anyang_claim(demo), anyang_claim(demo, courses=1)
    act_as(client, demo.role("ay_yiyuan"))
    refused = client.post(
        reverse("review:batch"), {"action": "reject", "ids": [first.pk], "reason": "无关"}
    )
    assert refused.status_code == 400
    first.refresh_from_db()
    assert first.status == DeclarationStatus.PENDING

    missing_reason = client.post(reverse("review:batch"), {"action": "return", "ids": [first.pk]})
    assert missing_reason.status_code == 400
    assert "批量退回必须填写退回原因" in text(missing_reason)

    response = client.post(
        reverse("review:batch"),
        {"action": "return", "ids": [first.pk, second.pk], "reason": "请补充成绩单"},
    )
    assert response.status_code == 302
    assert "已批量退回 2 条申报。" in messages_of(response)
    for claim in (first, second):
        claim.refresh_from_db()
        assert claim.status == DeclarationStatus.RETURNED


def test_a_region_with_every_outcome_keeps_batch_reject(client, demo):
    claim = guangxi_claim(demo)
    act_as(client, demo.role("gx_gxu"))
    queue = text(client.get(reverse("review:queue")))
    assert "批量不通过审核" in queue and "批量退回" in queue and "确认不通过" in queue
    response = client.post(
        reverse("review:batch"), {"action": "reject", "ids": [claim.pk], "reason": "无关"}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == DeclarationStatus.REJECTED


def test_refusal_changes_nothing_in_the_trail(demo):
    claim = anyang_claim(demo)
    unit = demo.role("ay_yiyuan")
    before = claim.trail.count()
    with pytest.raises(ValidationError):
        declaration_reject(declaration_id=claim.pk, actor=unit.user, role=unit, reason="无关")
    assert claim.trail.count() == before
