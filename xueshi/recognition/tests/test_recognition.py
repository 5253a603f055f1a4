"""Evidence read by the real OCR engine (rapidocr, models in its wheel): fields, the comparison
flagged to reviewers, reused certificates across two people, scope, bad input, the feature off.

Each OCR call takes 1.5–3 s here: the certificates are generated once per module.
"""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.services import DeclarationInput, attachment_add, declaration_save
from xueshi.orgs.tests.factories import act_as
from xueshi.portal.menu import menu_for
from xueshi.recognition import engine, synthetic
from xueshi.recognition.extraction import extract_fields
from xueshi.recognition.models import EvidenceRecognition, EvidenceReuse, RecognitionStatus
from xueshi.recognition.services import mismatches, recognise_pages
from xueshi.review.services import declaration_submit

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
FONT = synthetic.font_paths()[0][0]


def certificate(name: str, hours: int, number: str, layout: str = "classic") -> Any:
    return synthetic.Certificate(
        name=name,
        start_date=datetime.date(THIS_YEAR, 3, 1),
        end_date=datetime.date(THIS_YEAR, 3, 3),
        hours=Decimal(hours),
        hours_unit="学时",
        course_title="建筑工程质量安全管理",
        issuer="浙江省建设人才与教育协会",
        certificate_number=number,
        layout=layout,
        font=FONT,
    )


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    """钱伟's certificate of 24 学时, photographed (rotated, blurred, perspective)."""
    cert = certificate("钱伟", 24, "ZJ2025001234")
    return synthetic.photographed(synthetic.draw_certificate(cert), random.Random(7))


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def upload(data: bytes, name: str = "证书.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def zhejiang_claim(demo: Any, name: str, hours: int, title: str = "建筑工程质量安全管理") -> Any:
    role = demo.professional(name)
    declaration = declaration_save(
        person=demo.person(name),
        data=DeclarationInput(
            "training",
            "per_rules",
            {
                "credit_year": THIS_YEAR,
                "title": title,
                "hours_claimed": Decimal(hours),
                "description": "省建设厅主办",
            },
        ),
        actor=role.user,
        role=role,
    )
    return declaration, role


def attach(
    demo: Any,
    declaration: Declaration,
    role: Any,
    data: bytes,
    captured: Any,
    name: str = "证书.jpg",
) -> EvidenceRecognition:
    """Attach as the page does; the task runs when the upload's transaction commits."""
    with captured(execute=True):
        attachment = attachment_add(
            declaration=declaration, upload=upload(data, name), actor=role.user, role=role
        )
    return EvidenceRecognition.objects.get(attachment=attachment)


def submitted(declaration: Declaration, role: Any) -> Declaration:
    return declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)


# --- fields from generated certificates ----------------------------------------------------


def test_fields_read_from_a_photographed_jpeg_and_a_pdf(
    demo, photo, django_capture_on_commit_callbacks
):
    declaration, role = zhejiang_claim(demo, "钱伟", 24)
    recognition = attach(
        demo, declaration, role, synthetic.jpeg_bytes(photo, 60), django_capture_on_commit_callbacks
    )
    assert recognition.status == RecognitionStatus.DONE
    assert recognition.fields == {
        "name": "钱伟",
        "start_date": f"{THIS_YEAR}-03-01",
        "end_date": f"{THIS_YEAR}-03-03",
        "hours": "24",
        "hours_unit": "学时",
        "course_title": "建筑工程质量安全管理",
        "issuer": "浙江省建设人才与教育协会",
        "certificate_number": "ZJ2025001234",
    }
    assert all(0 < line["confidence"] <= 1 for line in recognition.lines)
    assert recognition.mismatches == [] and not recognition.has_mismatch

    # A PDF (table layout; Zhejiang takes pictures only): its first page read by pypdfium2.
    table = synthetic.draw_certificate(certificate("钱伟", 16, "ZJ-2025-00077", "table"))
    buffer = io.BytesIO()
    table.save(buffer, "PDF", resolution=150)
    lines, image_hash, pages = recognise_pages(buffer.getvalue(), "pdf")
    fields = extract_fields([line.text for line in lines])
    assert pages == 1 and len(image_hash) == 16
    assert (fields.certificate_number, fields.hours, fields.name) == (
        "ZJ-2025-00077",
        Decimal(16),
        "钱伟",
    )
    # 24 claimed, this one says 16: the claim exceeds it.
    assert mismatches(fields, declaration) == ["证书 16 学时，申报 24 学时"]


# --- mismatch, reuse, scope, batch --------------------------------------------------------


def test_mismatch_and_reuse_across_two_people_flagged_within_scope(
    client, demo, photo, django_capture_on_commit_callbacks
):
    # 钱伟 claims 40 学时 with a certificate of 24.
    qian, qian_role = zhejiang_claim(demo, "钱伟", 40)
    first = attach(
        demo, qian, qian_role, synthetic.jpeg_bytes(photo, 85), django_capture_on_commit_callbacks
    )
    assert first.mismatches == ["证书 24 学时，申报 40 学时"]
    qian = submitted(qian, qian_role)
    # 吴婷 (another enterprise) uploads the same picture re-saved at quality 50 and cropped by 3%.
    width, height = photo.size
    cropped = photo.crop((int(width * 0.03), int(height * 0.03), width, height))
    wu, wu_role = zhejiang_claim(demo, "吴婷", 24)
    second = attach(
        demo, wu, wu_role, synthetic.jpeg_bytes(cropped, 50), django_capture_on_commit_callbacks
    )
    assert second.fields["certificate_number"] == "ZJ2025001234"
    assert engine.hash_distance(first.image_hash, second.image_hash) <= 20
    assert set(
        EvidenceReuse.objects.filter(recognition=second).values_list("reason", flat=True)
    ) == {
        "number",
        "image",
    }
    assert EvidenceReuse.objects.filter(recognition=first, other=second).exists()
    assert second.mismatches == ["证书姓名“钱伟”，申报人“吴婷”"]
    wu = submitted(wu, wu_role)

    # 钱伟's enterprise: its queue flags the claim; the filter keeps it; the other claim is
    # outside its scope, so only that a duplicate exists.
    act_as(client, demo.role("zj_jiangong"))
    queue = client.get(reverse("review:queue")).content.decode()
    assert "证书与申报不一致" in queue and "证书重复使用" in queue
    assert "证书 24 学时，申报 40 学时" in queue
    filtered = client.get(reverse("review:queue"), {"flagged": "on"}).content.decode()
    assert f"review-row-{qian.pk}" in filtered
    detail = client.get(reverse("review:detail", args=[qian.pk])).content.decode()
    assert "证书识别与比对" in detail and "存在重复使用的证书" in detail
    assert "另有申报在您的管理范围之外使用了同一证书" in detail
    assert reverse("review:detail", args=[wu.pk]) not in detail and "吴婷" not in detail

    # Batch approval leaves the flagged claim out and says which.
    response = client.post(
        reverse("review:batch"), {"ids": [qian.pk], "action": "approve", "reason": ""}, follow=True
    )
    texts = [str(message) for message in response.context["messages"]]
    assert any("未批量通过" in text and f"#{qian.pk}" in text for text in texts)
    qian.refresh_from_db()
    assert qian.status == DeclarationStatus.PENDING and qian.current_position == qian.entry_position
    # One by one, after looking, it can be approved.
    response = client.post(
        reverse("review:approve", args=[qian.pk]),
        {
            "expected_position": qian.current_position,
            "hours_granted": "24",
            "comment": "按证书核减",
        },
    )
    assert response.status_code == 302
    qian.refresh_from_db()
    assert qian.current_position != qian.entry_position

    # The province sees both claims: the link to the other one is shown.
    act_as(client, demo.role("zj_jst"))
    detail = client.get(reverse("review:detail", args=[qian.pk])).content.decode()
    assert reverse("review:detail", args=[wu.pk]) in detail and "吴婷的申报" in detail


def test_queue_queries_do_not_grow_with_flagged_rows(
    client, demo, photo, django_capture_on_commit_callbacks
):
    data = synthetic.jpeg_bytes(photo, 70)
    act_as(client, demo.role("zj_jiangong"))

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("review:queue"))
        assert response.status_code == 200
        return len(context.captured_queries)

    def flagged_claims(count: int) -> None:
        for _ in range(count):
            declaration, role = zhejiang_claim(demo, "钱伟", 40)
            # The same reading for every claim without running the engine again.
            attachment = attachment_add(
                declaration=declaration, upload=upload(data), actor=role.user, role=role
            )
            EvidenceRecognition.objects.filter(attachment=attachment).update(
                status=RecognitionStatus.DONE,
                mismatches=["证书 24 学时，申报 40 学时"],
                has_mismatch=True,
            )
            submitted(declaration, role)

    flagged_claims(2)
    few = count()
    flagged_claims(8)
    assert count() == few


# --- bad input ----------------------------------------------------------------------------


def test_blank_corrupt_and_huge_files_end_unreadable_and_change_nothing(
    demo, django_capture_on_commit_callbacks
):
    declaration, role = zhejiang_claim(demo, "钱伟", 24)
    before = Declaration.objects.values().get(pk=declaration.pk)
    blank = png(Image.new("RGB", (1200, 850), "white"))
    corrupt = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x13" * 200
    # 40 megapixels: read at 2000 px at most, never decoded whole by the engine.
    huge = png(Image.new("L", (8000, 5000), 255))
    for data, name in ((blank, "空白.png"), (corrupt, "损坏.png"), (huge, "超大.png")):
        recognition = attach(
            demo, declaration, role, data, django_capture_on_commit_callbacks, name
        )
        assert recognition.status == RecognitionStatus.FAILED, name
        assert recognition.get_status_display() == "未能识别"
        assert recognition.mismatches == [] and recognition.certificate_number == ""
    assert Declaration.objects.values().get(pk=declaration.pk) == before
    assert declaration.evidence().count() == 3
    assert not EvidenceReuse.objects.exists()
    # A picture larger than Pillow's bomb limit is refused before it is decoded.
    with pytest.raises(engine.Unreadable):
        engine.open_image(png(Image.new("1", (12000, 11000), 1)))


def test_a_pdf_of_many_pages_reads_only_the_first_three():
    pages = [Image.new("RGB", (300, 200), "white") for _ in range(12)]
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:])
    assert len(engine.pdf_pages(buffer.getvalue())) == engine.MAX_PDF_PAGES


# --- pre-filled from a photo --------------------------------------------------------------


def test_claim_started_from_a_photo_is_prefilled_and_marked(client, demo, photo):
    act_as(client, demo.professional("钱伟"))
    page = client.get(reverse("recognition:from_photo")).content.decode()
    assert 'capture="environment"' in page and 'accept="image/*"' in page
    response = client.post(
        reverse("recognition:from_photo"), {"photo": upload(synthetic.jpeg_bytes(photo, 80))}
    )
    assert response.status_code == 302 and response["Location"] == reverse("declarations:create")
    form = client.get(
        reverse("declarations:create"), {"category": "training", "level": "per_rules"}
    )
    html = form.content.decode()
    assert "ZJ2025001234" in html or 'value="建筑工程质量安全管理"' in html
    assert "由证书识别" in html
    # A picture of nothing: a clear message, nothing stored.
    blank = client.post(
        reverse("recognition:from_photo"),
        {"photo": upload(png(Image.new("RGB", (800, 600), "white")), "空白.png")},
    )
    assert blank.status_code == 400 and "未能识别" in blank.content.decode()


def test_reading_photos_in_the_request_is_rate_limited(client, demo, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "recognition": "2/300"}
    cache.clear()
    act_as(client, demo.professional("钱伟"))
    url = reverse("recognition:from_photo")
    # No file: refused at the field, quickly; the POSTs still count.
    assert [client.post(url).status_code for _ in range(2)] == [400, 400]
    assert client.post(url).status_code == 429
    assert client.get(url).status_code == 200  # the page itself is not limited


# --- the feature off ----------------------------------------------------------------------


def test_feature_hidden_without_the_optional_packages(client, demo, monkeypatch):
    monkeypatch.setattr(engine, "available", lambda: False)
    declaration, role = zhejiang_claim(demo, "钱伟", 24)
    attachment = attachment_add(
        declaration=declaration,
        upload=upload(png(Image.new("RGB", (50, 50), "white")), "a.png"),
        actor=role.user,
        role=role,
    )
    assert not EvidenceRecognition.objects.filter(attachment=attachment).exists()
    act_as(client, role)
    assert client.get(reverse("recognition:from_photo")).status_code == 404
    labels = [item.label for section in menu_for(role) for item in section.items]
    assert "学时登记" in labels and "从证书照片开始" not in labels
    submitted(declaration, role)
    act_as(client, demo.role("zj_jiangong"))
    queue = client.get(reverse("review:queue")).content.decode()
    assert "仅看证书存疑" not in queue
    detail = client.get(reverse("review:detail", args=[declaration.pk])).content.decode()
    assert "证书识别" not in detail


def test_note_is_a_404_outside_the_scope(client, demo, django_capture_on_commit_callbacks):
    declaration, role = zhejiang_claim(demo, "钱伟", 24)
    with django_capture_on_commit_callbacks(execute=False):
        attachment = attachment_add(
            declaration=declaration,
            upload=upload(png(Image.new("RGB", (50, 50), "white")), "a.png"),
            actor=role.user,
            role=role,
        )
    act_as(client, role)
    note = client.get(reverse("recognition:note", args=[attachment.pk])).content.decode()
    assert "等待识别" in note and 'hx-trigger="every 2s"' in note
    act_as(client, demo.professional("吴婷"))
    assert client.get(reverse("recognition:note", args=[attachment.pk])).status_code == 404
