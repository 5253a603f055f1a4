"""广西 (seed 002) and 新疆 (seed 004, "在我的证书栏目可进行查看：认定单位及签证状态。证书显示：
已签名，即可下载证书"): 覃海燕's year meets the requirement; her certificate is under 我的证书
with 认定单位 and 签证状态 已签名; its 查验 link opens the public page, valid, without login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xueshi.certificates.models import Certificate
from xueshi.certificates.tests.helpers import GX_PERSON, approve, general_hours, training_claim

from .pages import UI


def test_my_certificate_and_its_public_page(
    as_user: Callable[..., UI], viewport: str, demo: Any
) -> None:
    general_hours(demo, GX_PERSON, "30", "GX-B")
    approve(demo, training_claim(demo, days=4, title="教学能力提升培训班"))
    approve(demo, training_claim(demo, days=4, title="课程思政研修班", month=2))
    certificate = Certificate.objects.get(person__name=GX_PERSON)

    me = as_user(GX_PERSON, viewport=viewport)
    me.open_menu("我的证书").expect_text("已签名").expect_text(certificate.number)
    me.expect_text(certificate.issuer_name).shot("mine").axe()
    me.click("查验", role="link").expect_text("证书有效").expect_text(certificate.masked_id_number)
    me.shot("verified").axe()
