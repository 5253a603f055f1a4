"""Named demo people moving between the bundled regions: tests say who acts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xueshi.accounts.models import Person
from xueshi.transfers import services
from xueshi.transfers.models import TransferRequest
from xueshi.units.organizations import person_change_unit

LAST_YEAR = timezone.localdate().year - 1
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
HENAN = "河南省人力资源和社会保障厅"
XINJIANG_UNIT = "新疆大学"


def pdf(name: str = "河南省继续教育学时证明.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def move(demo: Any, name: str, unit: str = XINJIANG_UNIT) -> Person:
    """The person joins a unit of another region (更换单位)."""
    person = demo.person(name)
    person_change_unit(person=person, unit_or_none=demo.organization(unit), actor=person.user)
    return demo.person(name)


def hours(year: int, general: str, professional: str) -> services.YearHours:
    return services.YearHours(year, Decimal(general), Decimal(professional))


def file_from_henan(
    demo: Any, name: str = "赵磊", years: list[services.YearHours] | None = None
) -> TransferRequest:
    """赵磊 (郑州大学, Henan) joined 新疆大学 and brings Henan's 学时证明 of last year."""
    person = move(demo, name)
    return services.transfer_create(
        person=person,
        role=demo.professional(name),
        years=years or [hours(LAST_YEAR, "30", "60")],
        source_region_id=demo.organization(HENAN).pk,
        upload=pdf(),
    )
