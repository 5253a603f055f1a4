"""The public home and publishing (issue 17 items 1 and 2): a visitor reads the region's
notices, policies and guides without logging in; authority admins publish, pin, unpublish and
delete (audited); the body is sanitised; attachments are checked by content; a notice for one
role is seen by that role only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from xueshi.core.models import AuditLog
from xueshi.notices.models import Notice
from xueshi.notices.services import NoticeInput, notice_publish, notice_save, sanitise
from xueshi.orgs.tests.factories import act_as
from xueshi.review.tests.test_views import PNG

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def publish(demo, account: str, title: str, *, kind: str = "notice", audience: str = "public"):
    role = demo.role(account)
    notice = notice_save(
        role=role,
        actor=role.user,
        data=NoticeInput(kind=kind, title=title, body="第一段\n第二段", audience=audience),
    )
    return notice_publish(role=role, actor=role.user, notice_id=notice.pk, publish=True)


def test_a_visitor_sees_the_regions_public_home_without_logging_in(demo, client):
    publish(demo, "gx_rst", "关于开展2026年度专业技术人员继续教育学时登记工作的通知")
    publish(demo, "gx_rst", "广西壮族自治区专业技术人员继续教育条例", kind="policy")
    region = demo.organization("广西壮族自治区人力资源和社会保障厅")

    page = client.get(reverse("core:home"), {"region": region.pk}).content.decode()

    assert "广西壮族自治区专业技术人员继续教育学时登记" in page  # the profile's own name
    assert "点击登录" in page
    assert "关于开展2026年度专业技术人员继续教育学时登记工作的通知" in page
    assert "广西壮族自治区专业技术人员继续教育条例" in page
    assert "操作指南" in page and "如何登记和申报学时" in page
    assert "年度重要时间" in page and "每年不少于 90" in page


def test_the_region_switch_shows_another_regions_notices(demo, client):
    publish(demo, "gx_rst", "广西的通知")
    publish(demo, "zj_jst", "浙江的通知")
    zhejiang = demo.organization("浙江省住房和城乡建设厅（建设行业学时办）")
    page = client.get(reverse("core:home"), {"region": zhejiang.pk}).content.decode()
    assert "浙江的通知" in page
    assert "广西的通知" not in page
    # The choice is remembered for the next pages.
    listing = client.get(reverse("notices:list", args=["notice"])).content.decode()
    assert "浙江的通知" in listing


def test_an_unpublished_notice_is_not_shown_and_its_page_is_404(demo, client):
    role = demo.role("gx_rst")
    draft = notice_save(
        role=role,
        actor=role.user,
        data=NoticeInput(kind="notice", title="草稿通知", body="", audience="public"),
    )
    assert "草稿通知" not in client.get(reverse("core:home")).content.decode()
    assert client.get(reverse("notices:detail", args=[draft.pk])).status_code == 404


def test_a_notice_for_unit_admins_is_theirs_only(demo, client):
    notice = publish(demo, "gx_rst", "请各单位管理员于月底前完成审核", audience="unit_admin")
    assert client.get(reverse("notices:detail", args=[notice.pk])).status_code == 404
    assert "请各单位管理员" not in client.get(reverse("core:home")).content.decode()

    unit = Client()
    act_as(unit, demo.role("gx_gxu"))
    assert "请各单位管理员于月底前完成审核" in unit.get(reverse("core:home")).content.decode()
    assert unit.get(reverse("notices:detail", args=[notice.pk])).status_code == 200

    other_region = Client()
    act_as(other_region, demo.role("zj_jiangong"))
    assert other_region.get(reverse("notices:detail", args=[notice.pk])).status_code == 404
    person = Client()
    act_as(person, demo.professional("覃海燕"))
    assert person.get(reverse("notices:detail", args=[notice.pk])).status_code == 404


def test_the_body_is_sanitised_server_side():
    cleaned = sanitise(
        '<p onclick="steal()">通知<script>alert(1)</script></p><a href="javascript:x">链接</a>'
        '<img src="http://evil/x.png"><iframe src="x"></iframe><strong>重要</strong>'
    )
    assert "script" not in cleaned and "onclick" not in cleaned
    assert "javascript" not in cleaned and "<img" not in cleaned and "iframe" not in cleaned
    assert "<strong>重要</strong>" in cleaned
    assert sanitise("第一段\n\n第二段") == "<p>第一段</p><p>第二段</p>"


def test_publishing_pinning_and_deleting_are_audited_and_scoped(demo):
    gx = Client()
    act_as(gx, demo.role("gx_rst"))
    response = gx.post(
        reverse("notices:create"),
        {
            "kind": "notice",
            "title": "继续教育学时登记开放",
            "body": "请于 3 月 31 日前登记。",
            "audience": "public",
            "attachments": [SimpleUploadedFile("通知.pdf", PDF, content_type="application/pdf")],
        },
    )
    assert response.status_code == 302
    notice = Notice.objects.get(title="继续教育学时登记开放")
    assert notice.attachments.count() == 1 and not notice.published
    for action in ("publish", "pin"):
        gx.post(reverse("notices:action", args=[notice.pk, action]))
    notice.refresh_from_db()
    assert notice.published and notice.pinned

    zhejiang = Client()
    act_as(zhejiang, demo.role("zj_jst"))
    assert zhejiang.post(reverse("notices:action", args=[notice.pk, "delete"])).status_code == 404
    assert zhejiang.get(reverse("notices:edit", args=[notice.pk])).status_code == 404

    gx.post(reverse("notices:action", args=[notice.pk, "delete"]))
    assert not Notice.objects.filter(pk=notice.pk).exists()
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"notice.create", "notice.publish", "notice.pin", "notice.delete"} <= actions


def test_an_attachment_renamed_to_look_like_a_pdf_is_refused_and_nothing_is_lost(demo):
    gx = Client()
    act_as(gx, demo.role("gx_rst"))
    response = gx.post(
        reverse("notices:create"),
        {
            "kind": "policy",
            "title": "条例全文",
            "body": "正文保留",
            "audience": "public",
            "attachments": [SimpleUploadedFile("条例.pdf", PNG, content_type="application/pdf")],
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "只能上传 pdf、doc、docx、xlsx 文件" in page
    assert "条例全文" in page and "正文保留" in page
    assert not Notice.objects.exists()


def test_only_authority_admins_publish(demo):
    unit = Client()
    act_as(unit, demo.role("gx_gxu"))
    assert unit.get(reverse("notices:manage")).status_code == 403


def test_attachments_download_only_where_the_notice_is_visible(demo, client):
    role = demo.role("gx_rst")
    notice = notice_save(
        role=role,
        actor=role.user,
        data=NoticeInput(kind="notice", title="附件通知", body="", audience="unit_admin"),
        files=[SimpleUploadedFile("名单.pdf", PDF, content_type="application/pdf")],
    )
    notice_publish(role=role, actor=role.user, notice_id=notice.pk, publish=True)
    attachment = notice.attachments.get()
    assert client.get(reverse("notices:attachment", args=[attachment.pk])).status_code == 404
    unit = Client()
    act_as(unit, demo.role("gx_gxu"))
    download = unit.get(reverse("notices:attachment", args=[attachment.pk]))
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"


def test_every_guide_renders(client):
    for topic in ("declare", "review", "import"):
        page = client.get(reverse("notices:guide", args=[topic]))
        assert page.status_code == 200
        assert "<ol" in page.content.decode()
    assert client.get(reverse("notices:guide", args=["nothing"])).status_code == 404


def test_the_lists_queries_do_not_grow_with_rows(demo, client, django_assert_max_num_queries):
    publish(demo, "gx_rst", "通知 0")
    gx = Client()
    act_as(gx, demo.role("gx_rst"))
    with django_assert_max_num_queries(30) as few:
        gx.get(reverse("notices:manage"))
        client.get(reverse("core:home"))
    for number in range(1, 9):
        publish(demo, "gx_rst", f"通知 {number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        gx.get(reverse("notices:manage"))
        client.get(reverse("core:home"))
