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
from xueshi.applications.models import Application
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


def test_xinjiang_a_single_activity_is_not_certified_alone_the_application_is(demo):
    """阿依古丽 (新疆大学, 教授 正高): "第3项至第11项无需逐项填写，只要填写学时累计达到认定课时数
    60 即可" — a single 40-hour 高级研修项目 cannot be declared and certified alone; the yearly
    application (学时认定申请书) of 40 + 20 hours goes 单位审核 → 认定单位 and counts 60."""
    professional = demo.professional("阿依古丽")
    client = acting(professional)
    start = TODAY - datetime.timedelta(days=20)
    end = start + datetime.timedelta(days=6)
    form = {
        "profile_key": "xinjiang",
        "profile_version": "2023-01-01",
        "category": "advanced_study",
        "level": "as_claimed",
        "title": "现代信息通信技术与数字领域融合发展",
        "organizer": "新疆维吾尔自治区通信管理局",
        "project_type": "高级研修项目",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "hours_claimed": "40",
        "credit_year": str(YEAR),
        "action": "save",
    }
    refused = client.post(reverse("declarations:create"), form)
    assert "本地区专业科目学时通过《学时认定申请书》认定" in refused.content.decode()
    assert not Declaration.objects.exists()

    application_url = client.post(reverse("applications:start"))["Location"]
    pk = int(application_url.split("/")[2])
    client.post(application_url, {"declaring_region": "autonomous_region"})
    client.post(
        reverse("applications:wizard", args=[pk, 2]),
        {
            "series": "教师系列",
            "discipline": "教师系列/高校教师",
            "grade": "教师系列/高校教师/教授",
        },
    )
    certifier = demo.organization("新疆维吾尔自治区教育厅")
    client.post(reverse("applications:wizard", args=[pk, 3]), {"certifier": certifier.pk})
    for section, title, kind, hours in (
        ("advanced_study", form["title"], "高级研修项目", "40"),
        ("lectures", "提升高校教师数字化教学能力专题讲座", "专题讲座", "20"),
    ):
        client.post(
            reverse("applications:entry_new", args=[pk, section]),
            {
                "title": title,
                "organizer": "新疆维吾尔自治区通信管理局",
                "activity_type": kind,
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "hours": hours,
            },
        )
    application = Application.objects.get(pk=pk)
    for entry in application.entries.all():
        upload = SimpleUploadedFile("培训证书.pdf", PDF, content_type="application/pdf")
        client.post(
            reverse("applications:evidence_upload", args=[pk, entry.pk]),
            {"file_kind": "佐证材料", "file": upload},
        )
    client.post(reverse("applications:submit", args=[pk]))
    application.refresh_from_db()
    assert application.status == "pending"

    unit = acting(demo.role("xj_xju"))
    assert application.number in unit.get(reverse("applications:queue")).content.decode()
    unit.post(
        reverse("applications:review", args=[pk]),
        {"verdict": "approve", "forward_to": certifier.pk, "comment": "同意推荐。", "position": 0},
    )
    final = acting(demo.role("xj_jyt"))
    final.post(
        reverse("applications:review", args=[pk]),
        {"verdict": "approve", "comment": "同意认定。", "position": 1},
    )
    application.refresh_from_db()
    assert application.status == "approved"
    assert year_compliance(demo.person("阿依古丽"), YEAR).professional_hours == 60


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
