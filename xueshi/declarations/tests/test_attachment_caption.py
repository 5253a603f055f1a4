"""Issue 13 item 10, Zhejiang: a caption per attachment.

Seed 003: “填写时请注意上传图片数量不超过5张（超过5张请做技术压缩上传），附件说明限33个字”.
Profile key ``attachments.caption`` (profiles/zhejiang_construction.yaml: max_length 33).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xueshi.core.models import AuditLog
from xueshi.declarations.models import Declaration
from xueshi.declarations.services import attachment_add, attachment_caption_set
from xueshi.declarations.tests.test_form_views import (
    YEAR,
    act_as,
    draft_for,
    guangxi_post,
    png_bytes,
)

pytestmark = pytest.mark.django_db

FIELDS = {"credit_year": YEAR, "title": "安全培训", "hours_claimed": 24, "description": "合格"}


@pytest.fixture
def zhejiang_draft(demo):
    return draft_for(demo, "钱伟", "training", FIELDS, "per_rules")


def _png(name="结业证书.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def test_a_caption_of_33_characters_is_kept_with_the_file(client, demo, zhejiang_draft):
    act_as(client, demo.professional("钱伟"))
    url = reverse("declarations:attachment_upload", args=[zhejiang_draft.pk])
    caption = "说" * 33
    html = client.post(
        url, {"files": [_png()], "caption": caption}, HTTP_HX_REQUEST="true"
    ).content.decode()
    attachment = zhejiang_draft.attachments.get()
    assert attachment.caption == caption
    assert "附件说明限33个字" in html  # the seed's words beside the field


def test_a_caption_of_34_characters_is_refused_beside_the_field_and_kept(
    client, demo, zhejiang_draft
):
    act_as(client, demo.professional("钱伟"))
    url = reverse("declarations:attachment_upload", args=[zhejiang_draft.pk])
    caption = "长" * 34
    html = client.post(
        url, {"files": [_png()], "caption": caption}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert not zhejiang_draft.attachments.exists()
    assert "附件说明最多 33 个字（已输入 34 个字）。" in html
    assert 'id="attachment-caption-error"' in html
    assert f'value="{caption}"' in html  # nothing lost


def test_each_file_has_its_own_caption_changed_in_place_and_audited(client, demo, zhejiang_draft):
    role = demo.professional("钱伟")
    first = attachment_add(
        declaration=zhejiang_draft,
        upload=_png("第1页.png"),
        actor=role.user,
        role=role,
        caption="培训通知",
    )
    second = attachment_add(
        declaration=zhejiang_draft,
        upload=_png("第2页.png"),
        actor=role.user,
        role=role,
        caption="结业证书",
    )
    act_as(client, role)
    url = reverse("declarations:attachment_caption", args=[zhejiang_draft.pk, second.pk])
    response = client.post(url, {"caption": "结业证书（正面）"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.caption, second.caption) == ("培训通知", "结业证书（正面）")
    assert AuditLog.objects.filter(action="attachment.caption", target_id=str(second.pk)).exists()
    assert "已保存“第2页.png”的附件说明。" in html

    too_long = "很" * 40
    html = client.post(url, {"caption": too_long}, HTTP_HX_REQUEST="true").content.decode()
    second.refresh_from_db()
    assert second.caption == "结业证书（正面）"
    assert "附件说明最多 33 个字（已输入 40 个字）。" in html
    assert f'value="{too_long}"' in html

    detail = client.get(reverse("declarations:detail", args=[zhejiang_draft.pk])).content.decode()
    assert "附件说明：培训通知" in detail


def test_the_service_refuses_a_long_caption_and_other_regions_keep_none(demo):
    role = demo.professional("钱伟")
    draft = draft_for(demo, "钱伟", "training", FIELDS, "per_rules")
    attachment = attachment_add(declaration=draft, upload=_png(), actor=role.user, role=role)
    with pytest.raises(ValidationError) as refused:
        attachment_caption_set(attachment=attachment, caption="字" * 34, actor=role.user, role=role)
    assert refused.value.message_dict == {"caption": ["附件说明最多 33 个字（已输入 34 个字）。"]}


def test_guangxi_has_no_caption_field(client, demo):
    act_as(client, demo.professional("覃海燕"))
    client.post(reverse("declarations:create"), guangxi_post())
    draft = Declaration.objects.get()
    html = client.get(reverse("declarations:edit", args=[draft.pk])).content.decode()
    assert 'name="caption"' not in html
