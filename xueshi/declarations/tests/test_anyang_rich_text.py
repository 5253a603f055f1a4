"""Anyang (issue 13 item 12), seed 000: "详细及附件中输入学校、课程、成绩和学历扫描件、成绩单等
内容"; "上传扫描件的具体操作为，点击详细及附件工具条中的图片…选择本地上传"; and type 16
"平时工作中好的体会或经验做成小课件上传到安阳市继续教育网上供大家学习参考"."""

from __future__ import annotations

import datetime
import io
import zipfile
from typing import Any

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from xueshi.declarations.models import Attachment, AttachmentPurpose, DeclarationStatus
from xueshi.declarations.richtext import image_url, sanitize
from xueshi.declarations.services import (
    DeclarationInput,
    attachment_add,
    declaration_save,
    inline_image_add,
)
from xueshi.orgs.tests.factories import act_as
from xueshi.policy.loader import profiles_dir
from xueshi.policy.resolver import resolve_version
from xueshi.policy.schema import PolicyProfile, semantic_issues
from xueshi.review.services import declaration_submit
from xueshi.review.tests.test_declarations_views import PNG

YEAR = timezone.localdate().year
ANYANG = resolve_version("anyang", datetime.date(YEAR, 1, 1))
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pptx_bytes() -> bytes:
    """A minimal Office Open XML presentation: what filetype reads as pptx."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<p:presentation/>")
    return buffer.getvalue()


def degree_claim(demo: Any, details: str = "") -> Any:
    role = demo.professional("李明")
    return declaration_save(
        person=demo.person("李明"),
        data=DeclarationInput(
            "degree_education",
            "course_passed",
            {
                "credit_year": YEAR,
                "description": "参加学位教育",
                "quantity": 12,
                "details": details,
            },
        ),
        actor=role.user,
        role=role,
    )


def upload_picture(demo: Any, declaration: Any, content: bytes = PNG, name: str = "成绩单.png"):
    role = demo.professional("李明")
    return inline_image_add(
        declaration=declaration,
        upload=SimpleUploadedFile(name, content, content_type="image/png"),
        actor=role.user,
        role=role,
    )


# --- the profile says so -------------------------------------------------------------------


def test_details_is_rich_text_that_takes_pictures():
    """ "点击详细及附件工具条中的图片": the field is rich text and pictures go inside it."""
    spec = ANYANG.fields["details"]
    assert (spec.label, spec.type) == ("详细及附件", "rich_text")
    assert set(spec.image_kinds) == {"jpg", "png", "gif"}


def test_check_profiles_refuses_pictures_where_there_is_no_rich_text():
    data = yaml.safe_load((profiles_dir() / "anyang.yaml").read_text(encoding="utf-8"))
    data["versions"][0]["fields"]["description"]["image_kinds"] = ["png"]
    data["versions"][0]["fields"]["details"]["image_kinds"] = ["pdf"]
    issues = dict(semantic_issues(PolicyProfile.model_validate(data)))
    assert "只有 rich_text" in issues["versions[0].fields.description.image_kinds"]
    assert "不是图片格式" in issues["versions[0].fields.details.image_kinds[0]"]


# --- sanitised on the server ---------------------------------------------------------------


def test_sanitize_keeps_formatting_and_own_pictures_only():
    dirty = (
        '<p onclick="steal()">学校：<b style="color:red">郑州大学</b><script>alert(1)</script>'
        f'<img src="{image_url(7)}" onerror="x()">'
        '<img src="https://example.com/a.png"><img src="//example.com/b.png">'
        '<img src="data:image/png;base64,AAAA"><a href="http://example.com">链接</a></p>'
    )
    clean = sanitize(dirty, images={7})
    assert clean == f'<p>学校：<b>郑州大学</b><img src="{image_url(7)}">链接</p>'
    assert "<img" not in sanitize(dirty, images={8})  # another claim's picture


def test_image_url_is_the_pages_address():
    assert reverse("declarations:inline_image", args=[7]) == image_url(7)


def test_saved_details_are_sanitised(demo):
    """Whatever the browser sends, what is stored holds no script and no external address."""
    claim = degree_claim(
        demo, '<p>成绩单如下</p><script>alert(1)</script><img src="http://x/y.png">'
    )
    assert claim.extra["details"] == "<p>成绩单如下</p>"
    empty = degree_claim(demo, "<p><br></p>")
    assert "details" not in empty.extra


def test_picture_inside_details_uploaded_checked_and_shown(client, demo):
    """ "选择本地上传…完成上传": a picture of the claim, by content, shown in 详细及附件."""
    claim = degree_claim(demo, "<p>学历扫描件</p>")
    picture = upload_picture(demo, claim)
    assert picture.purpose == AttachmentPurpose.INLINE
    role = demo.professional("李明")
    claim = declaration_save(
        person=claim.person,
        data=DeclarationInput(
            "degree_education",
            "course_passed",
            {
                "credit_year": YEAR,
                "description": "参加学位教育",
                "quantity": 12,
                "details": f'<p>学历扫描件</p><img src="{image_url(picture.pk)}">',
            },
        ),
        actor=role.user,
        role=role,
        declaration=claim,
    )
    assert image_url(picture.pk) in claim.extra["details"]
    act_as(client, role)
    page = client.get(reverse("declarations:detail", args=[claim.pk])).content.decode()
    assert f'<img src="{image_url(picture.pk)}">' in page
    shown = client.get(image_url(picture.pk))
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert "attachment" not in shown.get("Content-Disposition", "")
    # The reviewer sees it on the review page after submission.
    declaration_submit(declaration_id=claim.pk, actor=role.user, role=role)
    unit = demo.role("ay_yiyuan")
    act_as(client, unit)
    review_page = client.get(reverse("review:detail", args=[claim.pk])).content.decode()
    assert f'<img src="{image_url(picture.pk)}">' in review_page
    assert client.get(image_url(picture.pk)).status_code == 200
    # Another unit does not.
    act_as(client, demo.role("ay_yizhong"))
    assert client.get(image_url(picture.pk)).status_code == 404


def test_a_picture_is_checked_by_content(demo):
    claim = degree_claim(demo)
    with pytest.raises(ValidationError, match="按文件内容识别"):
        upload_picture(demo, claim, content=PDF, name="假图片.png")
    assert not Attachment.objects.filter(declaration=claim).exists()


def test_picture_upload_view_answers_json(client, demo):
    claim = degree_claim(demo)
    act_as(client, demo.professional("李明"))
    url = reverse("declarations:inline_image_upload", args=[claim.pk])
    ok = client.post(url, {"image": SimpleUploadedFile("扫描件.png", PNG)})
    assert ok.status_code == 200 and ok.json()["url"].startswith("/declarations/images/")
    bad = client.post(url, {"image": SimpleUploadedFile("x.png", b"not a picture")})
    assert bad.status_code == 400 and "只能上传" in bad.json()["error"]
    # The form carries the upload address for the editor; the editor is a static file.
    form = client.get(reverse("declarations:edit", args=[claim.pk])).content.decode()
    assert f'data-image-upload-url="{url}"' in form
    assert 'data-rich-text="1"' in form and "js/rich-text.js" in form


def test_another_persons_claim_takes_no_picture(client, demo):
    claim = degree_claim(demo)
    act_as(client, demo.professional("赵磊"))  # Henan: not in scope
    url = reverse("declarations:inline_image_upload", args=[claim.pk])
    assert client.post(url, {"image": SimpleUploadedFile("a.png", PNG)}).status_code == 404


def test_pictures_do_not_count_as_evidence_files(demo):
    claim = degree_claim(demo)
    upload_picture(demo, claim)
    assert claim.evidence().count() == 0


# --- type 16: 小课件上传 ----------------------------------------------------------------------


def courseware_claim(demo: Any) -> Any:
    role = demo.professional("李明")
    return declaration_save(
        person=demo.person("李明"),
        data=DeclarationInput(
            "courseware",
            "courseware_uploaded",
            {"credit_year": YEAR, "description": "静脉输液经验小课件", "hours_claimed": 4},
        ),
        actor=role.user,
        role=role,
    )


def test_courseware_is_the_upload_of_type_16():
    """ "做成小课件上传": the profile says type 16 takes the courseware, and which files."""
    rules = ANYANG.attachments_for("courseware")
    assert rules.label == "小课件" and rules.required
    assert {"pptx", "ppt", "pdf"} <= set(rules.kinds)
    assert ANYANG.attachments_for("degree_education").label == "佐证材料"


def test_courseware_claim_is_not_sent_without_its_courseware(demo):
    role = demo.professional("李明")
    claim = courseware_claim(demo)
    with pytest.raises(ValidationError, match="请上传小课件"):
        declaration_submit(declaration_id=claim.pk, actor=role.user, role=role)
    # A picture in 详细及附件 is not the courseware.
    upload_picture(demo, claim)
    with pytest.raises(ValidationError, match="请上传小课件"):
        declaration_submit(declaration_id=claim.pk, actor=role.user, role=role)
    with pytest.raises(ValidationError, match="只能上传"):
        attachment_add(
            declaration=claim,
            upload=SimpleUploadedFile("课件.png", PNG),
            actor=role.user,
            role=role,
        )
    attachment_add(
        declaration=claim,
        upload=SimpleUploadedFile("静脉输液.pptx", pptx_bytes()),
        actor=role.user,
        role=role,
    )
    sent = declaration_submit(declaration_id=claim.pk, actor=role.user, role=role)
    assert sent.status == DeclarationStatus.PENDING


def test_courseware_form_names_the_upload(client, demo):
    claim = courseware_claim(demo)
    act_as(client, demo.professional("李明"))
    page = client.get(reverse("declarations:edit", args=[claim.pk])).content.decode()
    assert ">小课件</h2>" in page
    assert "小课件上传：" in page
    assert ".pptx" in page  # the file picker offers slides
