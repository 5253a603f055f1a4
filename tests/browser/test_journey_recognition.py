"""Evidence that reads itself (issue 22), in a browser: 钱伟 starts a claim from a photo of his
certificate on a phone, and his enterprise's reviewer sees the certificate beside a claim that
asks for more hours than it says.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from xueshi.declarations.services import DeclarationInput, attachment_add, declaration_save
from xueshi.recognition import synthetic
from xueshi.recognition.models import EvidenceRecognition, RecognitionStatus
from xueshi.review.services import declaration_submit

from .pages import UI, choose

GROUP = "证书识别"
THIS_YEAR = timezone.localdate().year
COURSE = "参加培训班、研修班或进修班学习"


def certificate_photo(name: str, hours: int) -> bytes:
    cert = synthetic.Certificate(
        name=name,
        start_date=datetime.date(THIS_YEAR, 3, 1),
        end_date=datetime.date(THIS_YEAR, 3, 3),
        hours=Decimal(hours),
        hours_unit="学时",
        course_title="建筑工程质量安全管理",
        issuer="浙江省建设人才与教育协会",
        certificate_number=f"ZJ{THIS_YEAR}001234",
        layout="classic",
        font=synthetic.font_paths()[0][0],
    )
    image = synthetic.photographed(synthetic.draw_certificate(cert), random.Random(5))
    return synthetic.jpeg_bytes(image, 75)


def test_claim_from_a_certificate_photo_on_a_phone(
    as_user: Callable[..., UI], tmp_path: Path
) -> None:
    photo = tmp_path / "证书照片.jpg"
    photo.write_bytes(certificate_photo("钱伟", 24))
    me = as_user("钱伟", viewport="phone")
    me.open_menu("从证书照片开始")
    me.expect_heading("从证书照片开始")
    me.field("证书照片").set_input_files(photo)
    me.click("识别并填写")
    # Recognition runs inline (a few seconds; minutes on a loaded CI machine).
    expect(me.page.get_by_text("已从证书照片识别")).to_be_visible(timeout=240_000)
    choose(me, "认定类别", COURSE)
    expect(me.field("认定内容")).to_have_value("建筑工程质量安全管理")
    expect(me.field("开始时间")).to_have_value(f"{THIS_YEAR}-03-01")
    expect(me.page.get_by_text("由证书识别，请核对或更正").first).to_be_visible()
    me.shot(
        "prefilled",
        publish="recognition-prefilled",
        group=GROUP,
        caption="从证书照片开始：识别后的学时登记表（由证书识别）",
    )


def test_reviewer_sees_the_certificate_beside_the_claim(
    demo: Any, as_user: Callable[..., UI]
) -> None:
    role = demo.professional("钱伟")
    declaration = declaration_save(
        person=demo.person("钱伟"),
        data=DeclarationInput(
            "training",
            "per_rules",
            {
                "credit_year": THIS_YEAR,
                "title": "建筑工程质量安全管理",
                "hours_claimed": Decimal(40),
                "description": "省建设厅主办",
            },
        ),
        actor=role.user,
        role=role,
    )
    # No transaction around a live-server test: the task runs as the upload commits.
    attachment_add(
        declaration=declaration,
        upload=SimpleUploadedFile("结业证书.jpg", certificate_photo("钱伟", 24)),
        actor=role.user,
        role=role,
    )
    recognition = EvidenceRecognition.objects.get(declaration=declaration)
    assert recognition.status == RecognitionStatus.DONE
    declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)

    reviewer = as_user("zj_jiangong")
    reviewer.open_menu("专业科目学时审核")
    expect(reviewer.page.get_by_text("证书与申报不一致").first).to_be_visible()
    reviewer.shot(
        "queue", publish="recognition-queue", group=GROUP, caption="审核队列：证书存疑的标记"
    )
    reviewer.goto(f"/review/{declaration.pk}/")
    expect(reviewer.page.get_by_test_id("mismatch-summary")).to_have_text(
        "证书 24 学时，申报 40 学时"
    )
    reviewer.shot(
        "comparison",
        publish="recognition-review",
        group=GROUP,
        caption="审核详情：证书识别与比对",
        phone_too=True,
    )
