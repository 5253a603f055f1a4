"""Named demo people of Xinjiang (seed 004) filing applications: tests say who acts."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xueshi.accounts.roles import ACTIVE_ROLE_SESSION_KEY
from xueshi.applications import services
from xueshi.applications.models import Application

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
YEAR = timezone.localdate().year


def pdf(name: str = "知识更新专项人才培训证书.pdf", size: int | None = None) -> SimpleUploadedFile:
    content = PDF if size is None else PDF + b"0" * (size - len(PDF))
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def act_as(client: Any, role: Any) -> Any:
    client.force_login(role.user)
    session = client.session
    session[ACTIVE_ROLE_SESSION_KEY] = role.pk
    session.save()
    return role


def entry(
    section: str = "advanced_study",
    hours: Any = 40,
    *,
    title: str = "现代信息通信技术与数字领域融合发展",
    kind: str = "高级研修项目",
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> services.EntryInput:
    start = start or datetime.date(YEAR, 1, 5)
    end = end or start
    types = {"advanced_study": kind, "lectures": "专题讲座"}
    return services.EntryInput(
        section, title, "新疆维吾尔自治区通信管理局", types.get(section, ""), start, end, hours
    )


def prepared(demo: Any, name: str = "阿依古丽", region: str = "autonomous_region") -> tuple:
    """An application through the three wizard steps (the first certifier offered)."""
    role = demo.professional(name)
    person = demo.person(name)
    application = services.application_start(person=person, role=role)
    services.application_save_info(application=application, role=role, region_code=region)
    specialty = {
        "阿依古丽": "教师系列/高校教师/教授",
        "石磊": "教师系列/中小学教师/一级教师",
    }[name]
    services.application_save_track(application=application, role=role, specialty=specialty)
    offer = services.certifier_offer(application)
    services.application_save_certifier(
        application=application, role=role, certifier_id=offer.organizations[0].pk
    )
    application.refresh_from_db()
    return application, role


def with_hours(demo: Any, hours: list[tuple[str, int]], name: str = "阿依古丽") -> tuple:
    """A prepared application with an entry (and its evidence) per (section, hours)."""
    application, role = prepared(
        demo, name, "autonomous_region" if name == "阿依古丽" else "urumqi"
    )
    for section, value in hours:
        saved = services.entry_save(application=application, role=role, data=entry(section, value))
        services.evidence_add(entry=saved, role=role, upload=pdf())
    return Application.objects.get(pk=application.pk), role
