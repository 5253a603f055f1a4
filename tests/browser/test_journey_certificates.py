"""广西 (seed 002) and 新疆 (seed 004, "在我的证书栏目可进行查看：认定单位及签证状态。证书显示：
已签名，即可下载证书"): 覃海燕's year meets the requirement; her certificate is under 我的证书
with 认定单位 and 签证状态 已签名; its 查验 link opens the public page, valid, without login."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections
from playwright.sync_api import expect

from xueshi.certificates.models import Certificate
from xueshi.certificates.tests.helpers import GX_PERSON, approve, general_hours, training_claim

from .pages import UI


def in_a_thread(work: Callable[[], Any]) -> Any:
    """Database work beside Playwright's event loop (Django refuses the ORM inside a loop)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except Exception as error:  # handed back to the test's thread
            outcome["error"] = error
        finally:
            connections.close_all()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=120)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _compliant(demo: Any) -> Certificate:
    """公需 30 + two approved 培训班 of 32 学时: the year is met, the certificate issued."""
    general_hours(demo, GX_PERSON, "30", "GX-B")
    approve(demo, training_claim(demo, days=4, title="教学能力提升培训班"))
    approve(demo, training_claim(demo, days=4, title="课程思政研修班", month=2))
    return Certificate.objects.get(person__name=GX_PERSON)


def test_my_certificate_and_its_public_page(
    as_user: Callable[..., UI], viewport: str, demo: Any
) -> None:
    certificate = in_a_thread(lambda: _compliant(demo))

    me = as_user(GX_PERSON, viewport=viewport)
    me.open_menu("我的证书").expect_text("已签名")
    # The number is in its own column on a desktop, under the title on a phone.
    for text in (certificate.number, certificate.issuer_name):
        expect(me.page.get_by_text(text).locator("visible=true").first).to_be_visible()
    me.shot("mine").axe()
    me.click("查验", role="link").expect_text("证书有效").expect_text(certificate.masked_id_number)
    me.shot("verified").axe()
