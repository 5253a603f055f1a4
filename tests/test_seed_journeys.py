"""Seed journeys end to end through the views (Django's test client), across the apps.

Each test acts as the seed's users would: the professional fills the form, reviewers act in
their queues. The browser suite (tests/browser/) walks the same journeys in Chromium.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.roles import ACTIVE_ROLE_SESSION_KEY
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.ledger.selectors import year_compliance
from xueshi.review.models import TrailAction

TODAY = timezone.localdate()
YEAR = TODAY.year
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

# An empty zip archive: Henan asks for several files "压缩后再上传".
ZIP = b"PK\x05\x06" + b"\x00" * 18


def acting(role: Any) -> Client:
    client = Client()
    client.force_login(role.user)
    session = client.session
    session[ACTIVE_ROLE_SESSION_KEY] = role.pk
    session.save()
    return client


def approve_in_queue(role: Any, declaration: Declaration) -> None:
    """The reviewer finds the claim in the queue and approves it there."""
    client = acting(role)
    queue = client.get(reverse("review:queue")).content.decode()
    assert declaration.title in queue
    response = client.post(
        reverse("review:approve", args=[declaration.pk]),
        {"expected_position": declaration.current_position, "comment": "同意"},
    )
    assert response.status_code in (200, 302)


def test_xinjiang_single_claim_from_the_form_to_the_certifier(demo):
    """阿依古丽 (新疆大学, 教授 正高): 高级研修项目 → 单位审核 → 认定单位 (自治区人社厅)."""
    professional = demo.professional("阿依古丽")
    client = acting(professional)
    start = TODAY - datetime.timedelta(days=20)
    form = {
        "profile_key": "xinjiang",
        "profile_version": "2023-01-01",
        "category": "advanced_study",
        "level": "as_claimed",
        "title": "现代信息通信技术与数字领域融合发展",
        "organizer": "新疆维吾尔自治区通信管理局",
        "project_type": "高级研修项目",
        "start_date": start.isoformat(),
        "end_date": (start + datetime.timedelta(days=6)).isoformat(),
        "hours_claimed": "1000",
        "credit_year": str(YEAR),
        "action": "save",
    }
    refused = client.post(reverse("declarations:create"), form)
    assert "申请学时最多 3 位数" in refused.content.decode()
    assert "现代信息通信技术与数字领域融合发展" in refused.content.decode()  # nothing lost
    assert not Declaration.objects.exists()

    client.post(reverse("declarations:create"), {**form, "hours_claimed": "40"})
    declaration = Declaration.objects.get()
    upload = SimpleUploadedFile("培训证书.pdf", PDF, content_type="application/pdf")
    client.post(reverse("declarations:attachment_upload", args=[declaration.pk]), {"files": upload})
    assert declaration.attachments.count() == 1
    client.post(reverse("declarations:submit"), {"ids": [declaration.pk], "target": "unit"})
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.PENDING
    chain = [step.organization.name for step in declaration.chain_steps.order_by("position")]
    # A senior title is decided by the autonomous region, not the prefecture.
    assert chain == ["新疆大学", "新疆维吾尔自治区人力资源和社会保障厅"]

    approve_in_queue(demo.role("xj_xju"), declaration)
    declaration.refresh_from_db()
    approve_in_queue(demo.role("xj_rst"), declaration)
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.APPROVED
    assert year_compliance(demo.person("阿依古丽"), YEAR).professional_hours == 40


def test_henan_withdraw_edit_and_resubmit(demo):
    """赵磊: 提交 → 撤销 (back to 待提交) → 修改 → 提交 again, the chain starting afresh."""
    professional = demo.professional("赵磊")
    client = acting(professional)
    start = TODAY - datetime.timedelta(days=30)
    form = {
        "profile_key": "henan",
        "profile_version": "2014-01-01",
        "category": "training",
        "level": "provincial_municipal",
        "title": "河南省高校教师培训班",
        "organizer": "河南省教育厅",
        "start_date": start.isoformat(),
        "end_date": (start + datetime.timedelta(days=4)).isoformat(),
        "hours_claimed": "40",
        "credit_year": str(YEAR),
        "action": "submit",
    }
    # 保存并提交 with no file stays 待提交: "需要上传培训通知、结业证书及单位证明材料".
    response = client.post(reverse("declarations:create"), form, follow=True)
    declaration = Declaration.objects.get()
    assert declaration.status == DeclarationStatus.DRAFT
    refusal = "请上传佐证材料（需要上传培训通知、结业证书及单位证明材料。）"
    assert refusal in response.content.decode()
    upload = SimpleUploadedFile("结业证书.zip", ZIP, content_type="application/zip")
    client.post(reverse("declarations:attachment_upload", args=[declaration.pk]), {"files": upload})
    client.post(reverse("declarations:edit", args=[declaration.pk]), form)
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.PENDING

    client.post(reverse("declarations:withdraw", args=[declaration.pk]))
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.DRAFT

    edited = {**form, "hours_claimed": "32", "action": "save"}
    client.post(reverse("declarations:edit", args=[declaration.pk]), edited)
    declaration.refresh_from_db()
    assert declaration.hours_claimed == 32

    client.post(reverse("declarations:submit"), {"ids": [declaration.pk], "target": "unit"})
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.PENDING
    actions = list(declaration.trail.values_list("action", flat=True))
    assert actions == [TrailAction.SUBMIT, TrailAction.WITHDRAW, TrailAction.SUBMIT]
    approve_in_queue(demo.role("ha_zzu"), declaration)
    declaration.refresh_from_db()
    # The unit passed it on: it now waits at 河南省教育厅 (主管部门).
    assert declaration.current_position == 1
    assert declaration.chain_steps.get(position=1).level_name == "主管部门"
