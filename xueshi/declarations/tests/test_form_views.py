"""The declaration form through the test client: fields per category, live hours, errors kept
beside their fields, drafts, evidence files and who may edit what."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from xueshi.accounts.roles import ACTIVE_ROLE_SESSION_KEY
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.services import DeclarationInput, declaration_save
from xueshi.review.services import declaration_submit

YEAR = timezone.localdate().year


def act_as(client, role):
    client.force_login(role.user)
    session = client.session
    session[ACTIVE_ROLE_SESSION_KEY] = role.pk
    session.save()
    return role


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (20, 83, 154)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(padding: int = 0) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 0, 0)).save(buffer, format="JPEG")
    return buffer.getvalue() + b"\0" * padding


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def guangxi_post(**overrides):
    data = {
        "profile_key": "guangxi",
        "profile_version": "2020-01-01",
        "category": "training_course",
        "level": "by_dates",
        "title": "高校教师信息化教学能力培训班",
        "start_date": f"{YEAR}-05-04",
        "end_date": f"{YEAR}-05-08",
        "credit_year": str(YEAR),
        "description": "结业考核合格",
        "pledge": "on",
        "action": "save",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- the form shows the category's own fields ----------------------------------------------------


def test_henan_fields_change_with_the_form_of_study(client, demo):
    act_as(client, demo.professional("赵磊"))
    url = reverse("declarations:create")
    degree = client.get(url, {"category": "degree_education"}).content.decode()
    assert "学校及专业" in degree
    assert 'name="quantity"' in degree and "合格课程门数" in degree
    assert "需要上传当年度成绩单" in degree  # the materials text beside the upload
    assert 'name="months_on_duty"' not in degree
    leave = client.get(url, {"category": "leave_or_abroad"}).content.decode()
    assert "证明材料所载休假月数" in leave
    assert 'name="quantity"' not in leave
    assert "申报等级" in leave and "生育" in leave  # several levels: a select
    assert "学时按实际在岗时间计算" in leave
    # Henan's own word for a category (the profile's category_label).
    assert "请选择学习形式" in leave and "申报类型" not in leave


def test_guangxi_form_has_two_level_types_dates_and_pledge(client, demo):
    act_as(client, demo.professional("覃海燕"))
    page = client.get(reverse("declarations:create"), {"category": "training_course"})
    html = page.content.decode()
    assert page.status_code == 200
    # Seed 002 "认定类型: 请选择类型 / 请选择二级类型": two linked selects (issue 13 item 8).
    assert 'name="category_group"' in html and '<option value="training" selected>' in html
    assert "请选择类型" in html and "请选择二级类型" in html
    assert '<option value="training_course" selected>培训班</option>' in html
    assert 'type="date"' in html and 'name="start_date"' in html
    assert "本人承诺以上信息属实" in html
    # 培训进修类: the hours follow the dates and cannot be typed.
    assert 'name="hours_claimed"' in html and "readonly" in html
    assert 'name="level" value="by_dates"' in html  # one level: hidden


def test_fields_endpoint_returns_the_chosen_category_fields(client, demo):
    act_as(client, demo.professional("赵磊"))
    response = client.get(
        reverse("declarations:fields"),
        {"profile_key": "henan", "profile_version": "2014-01-01", "category": "leave_or_abroad"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="months_on_leave"' in html
    assert 'name="title"' not in html
    assert 'id="materials-block"' in html and 'hx-swap-oob="true"' in html
    assert "生育提供单位证明" in html


def test_hours_endpoint_explains_anyang_degree_education(client, demo):
    act_as(client, demo.professional("李明"))
    response = client.get(
        reverse("declarations:hours"),
        {
            "profile_key": "anyang",
            "profile_version": "2014-01-01",
            "category": "degree_education",
            "level": "course_passed",
            "quantity": "12",
        },
    )
    html = response.content.decode()
    assert "15 学时/门 × 12 门 = 180 学时" in html
    # 申报学时 is computed here: the read-only input is refilled out of band.
    assert 'hx-swap-oob="true"' in html and 'value="180"' in html


def test_hours_endpoint_counts_half_days_for_guangxi(client, demo):
    act_as(client, demo.professional("覃海燕"))
    values = guangxi_post()
    response = client.get(reverse("declarations:hours"), values)
    html = response.content.decode()
    assert "共 5 天 × 2 个半天 × 4 学时 = 40 学时" in html
    assert 'value="40"' in html


def test_hours_endpoint_reports_input_errors_in_chinese(client, demo):
    act_as(client, demo.professional("覃海燕"))
    values = guangxi_post(start_date=f"{YEAR}-05-08", end_date=f"{YEAR}-05-04")
    html = client.get(reverse("declarations:hours"), values).content.decode()
    assert "结束时间不能早于开始时间" in html


# --- errors beside the fields, nothing typed is lost ---------------------------------------------


def test_missing_pledge_is_shown_and_typed_values_stay(client, demo):
    act_as(client, demo.professional("覃海燕"))
    response = client.post(reverse("declarations:create"), guangxi_post(pledge=None))
    html = response.content.decode()
    assert response.status_code == 200
    assert "请勾选“本人承诺以上信息属实”" in html
    assert 'value="高校教师信息化教学能力培训班"' in html
    assert f'value="{YEAR}-05-04"' in html
    assert not Declaration.objects.exists()


def test_zhejiang_description_over_33_characters_is_a_field_error(client, demo):
    act_as(client, demo.professional("钱伟"))
    response = client.post(
        reverse("declarations:create"),
        {
            "profile_key": "zhejiang_construction",
            "profile_version": "2019-01-01",
            "category": "training",
            "credit_year": str(YEAR),
            "title": "建筑施工安全管理培训",
            "hours_claimed": "24",
            "description": "说" * 34,
            "action": "save",
        },
    )
    html = response.content.decode()
    assert "认定内容说明最多 33 个字" in html
    assert 'id="id_description_error"' in html
    assert not Declaration.objects.exists()


def test_xinjiang_declares_no_single_activity(client, demo):
    """Seed 004: hours are certified by the yearly application ("第3项至第11项无需逐项填写，只要
    填写学时累计达到认定课时数 60 即可"); the 4-digit and 5 MB limits are tested there
    (xueshi/applications/tests)."""
    act_as(client, demo.professional("石磊"))
    response = client.post(
        reverse("declarations:create"),
        {
            "profile_key": "xinjiang",
            "profile_version": "2023-01-01",
            "category": "practice",
            "title": "基层支教实践",
            "organizer": "乌鲁木齐市教育局",
            "start_date": f"{YEAR}-06-01",
            "end_date": f"{YEAR}-06-07",
            "hours_claimed": "1000",
            "action": "save",
        },
    )
    html = response.content.decode()
    assert "本地区专业科目学时通过《学时认定申请书》认定，不能逐项申报" in html
    assert 'value="基层支教实践"' in html
    assert not Declaration.objects.exists()


# --- drafts ------------------------------------------------------------------------------------


def test_save_draft_then_edit_it(client, demo):
    act_as(client, demo.professional("覃海燕"))
    response = client.post(reverse("declarations:create"), guangxi_post())
    declaration = Declaration.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("declarations:edit", args=[declaration.pk])
    assert declaration.status == DeclarationStatus.DRAFT
    assert declaration.hours_claimed == Decimal(40)
    assert declaration.pledge is True

    page = client.get(response.url).content.decode()
    assert 'value="高校教师信息化教学能力培训班"' in page
    assert "已保存（待提交）" in page
    assert "选择文件（可多选）" in page

    edit = reverse("declarations:edit", args=[declaration.pk])
    response = client.post(edit, guangxi_post(title="改名后的培训班", end_date=f"{YEAR}-05-05"))
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.title == "改名后的培训班"
    assert declaration.hours_claimed == Decimal(16)


def test_save_and_submit_goes_to_the_list(client, demo):
    act_as(client, demo.professional("覃海燕"))
    response = client.post(reverse("declarations:create"), guangxi_post(action="submit"))
    assert response.status_code == 302
    assert response.url == reverse("declarations:list")
    declaration = Declaration.objects.get()
    assert declaration.status == DeclarationStatus.PENDING


def test_henan_pro_rata_hours_cannot_be_typed_over(client, demo):
    act_as(client, demo.professional("孙丽"))
    response = client.post(
        reverse("declarations:create"),
        {
            "profile_key": "henan",
            "profile_version": "2014-01-01",
            "category": "leave_or_abroad",
            "level": "maternity",
            "credit_year": str(YEAR),
            "months_on_leave": "6",
            "action": "save",
        },
    )
    assert response.status_code == 302
    assert Declaration.objects.get().hours_claimed == Decimal(33)


def test_another_persons_draft_is_404(client, demo):
    owner = demo.professional("覃海燕")
    act_as(client, owner)
    client.post(reverse("declarations:create"), guangxi_post())
    declaration = Declaration.objects.get()
    act_as(client, demo.professional("蒙丽"))
    assert client.get(reverse("declarations:edit", args=[declaration.pk])).status_code == 404
    upload = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    url = reverse("declarations:attachment_upload", args=[declaration.pk])
    assert client.post(url, {"files": [upload]}).status_code == 404


def test_a_submitted_claim_cannot_be_edited(client, demo):
    act_as(client, demo.professional("覃海燕"))
    client.post(reverse("declarations:create"), guangxi_post(action="submit"))
    declaration = Declaration.objects.get()
    edit = reverse("declarations:edit", args=[declaration.pk])
    response = client.get(edit)
    assert response.status_code == 302
    assert response.url == reverse("declarations:detail", args=[declaration.pk])
    response = client.post(edit, guangxi_post(title="偷偷改掉"))
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.title == "高校教师信息化教学能力培训班"
    assert declaration.status == DeclarationStatus.PENDING


# --- evidence files ----------------------------------------------------------------------------


def draft_for(demo, name, category, fields, level):
    role = demo.professional(name)
    return declaration_save(
        person=demo.person(name),
        data=DeclarationInput(category_code=category, level_code=level, fields=fields),
        actor=role.user,
        role=role,
    )


@pytest.fixture
def guangxi_draft(client, demo):
    act_as(client, demo.professional("覃海燕"))
    client.post(reverse("declarations:create"), guangxi_post())
    return Declaration.objects.get()


def test_real_png_and_pdf_are_accepted(client, guangxi_draft):
    url = reverse("declarations:attachment_upload", args=[guangxi_draft.pk])
    files = [
        SimpleUploadedFile("结业证书.png", png_bytes(), content_type="image/png"),
        SimpleUploadedFile("培训通知.pdf", PDF, content_type="application/pdf"),
    ]
    response = client.post(url, {"files": files}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "已上传 2 个文件" in html
    assert "结业证书.png" in html and "培训通知.pdf" in html
    assert sorted(guangxi_draft.attachments.values_list("kind", flat=True)) == ["pdf", "png"]
    attachment = guangxi_draft.attachments.get(kind="png")
    assert reverse("declarations:attachment_download", args=[attachment.pk]) in html

    delete = reverse("declarations:attachment_delete", args=[guangxi_draft.pk, attachment.pk])
    response = client.post(delete, HTTP_HX_REQUEST="true")
    assert "已删除“结业证书.png”" in response.content.decode()
    assert guangxi_draft.attachments.count() == 1


def test_text_named_jpg_is_refused_and_without_js_the_edit_page_says_why(client, guangxi_draft):
    url = reverse("declarations:attachment_upload", args=[guangxi_draft.pk])
    text = b"just some text, not an image"
    fake = SimpleUploadedFile("证书.jpg", text, content_type="image/jpeg")
    response = client.post(url, {"files": [fake]}, follow=True)
    html = response.content.decode()
    assert "“证书.jpg”未上传：只能上传 jpg、png、pdf 文件（按文件内容识别" in html
    assert response.redirect_chain[-1][0] == reverse("declarations:edit", args=[guangxi_draft.pk])
    assert not guangxi_draft.attachments.exists()


def test_zhejiang_sixth_image_is_refused(client, demo):
    declaration = draft_for(
        demo,
        "钱伟",
        "training",
        {"credit_year": YEAR, "title": "安全培训", "hours_claimed": 24, "description": "合格"},
        "per_rules",
    )
    act_as(client, demo.professional("钱伟"))
    url = reverse("declarations:attachment_upload", args=[declaration.pk])
    files = [
        SimpleUploadedFile(f"第{number}页.png", png_bytes(), content_type="image/png")
        for number in range(1, 7)
    ]
    html = client.post(url, {"files": files}, HTTP_HX_REQUEST="true").content.decode()
    assert declaration.attachments.count() == 5
    assert "“第6页.png”未上传：最多上传 5 张图片。" in html


def test_evidence_of_a_submitted_claim_cannot_change(client, demo, guangxi_draft):
    role = demo.professional("覃海燕")
    declaration_submit(declaration_id=guangxi_draft.pk, actor=role.user, role=role)
    url = reverse("declarations:attachment_upload", args=[guangxi_draft.pk])
    upload = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    html = client.post(url, {"files": [upload]}, HTTP_HX_REQUEST="true").content.decode()
    assert "不能再上传附件" in html
    assert not guangxi_draft.attachments.exists()


def test_a_single_level_is_shown_as_text(client, demo):
    """Anyang degree education has one level; its wording tells the declarant what to type."""
    act_as(client, demo.professional("李明"))
    html = client.get(reverse("declarations:create"), {"category": "degree_education"}).content
    assert "考试合格者，每门课程15学时，请在学时系数中输入课程数" in html.decode()
