"""Making a Guangxi person's year meet the requirement (90: 公需 30 + 专业 60) through the real
routes: a general-subject record and claims approved by the unit and the final review."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from typing import Any

from django.utils import timezone

from xueshi.declarations.models import Declaration
from xueshi.ledger.services import GeneralRecordRow, general_records_import
from xueshi.review.services import declaration_approve
from xueshi.review.tests.test_views import declare

THIS_YEAR = timezone.localdate().year
GX_PERSON = "覃海燕"


def general_hours(demo: Any, name: str, hours: str, record_id: str, year: int = THIS_YEAR) -> None:
    person = demo.person(name)
    report = general_records_import(
        rows=[
            GeneralRecordRow(
                row_number=2,
                id_number=person.id_number,
                name=person.name,
                course="公需科目：数字经济与创新驱动",
                hours=hours,
                completed_on=datetime.date(year, 3, 1),
                provider="广西专技天空",
                record_id=record_id,
            )
        ]
    )
    assert report.ok, report.problems


def training_claim(
    demo: Any,
    name: str = GX_PERSON,
    *,
    days: int,
    title: str = "教学能力提升培训班",
    month: int = 1,
) -> Declaration:
    """A 培训班 of `days` days: 4 学时 per half-day (seed 002), so 8 per day."""
    start = datetime.date(THIS_YEAR, month, 5)
    return declare(
        demo,
        name,
        "training_course",
        "by_dates",
        {
            "title": title,
            "start_date": start,
            "end_date": start + datetime.timedelta(days=days - 1),
            "description": "自治区教育厅主办",
            "credit_year": THIS_YEAR,
        },
        pledge=True,
    )


def unit_pass(demo: Any, declaration: Declaration) -> Declaration:
    unit = demo.role("gx_gxu")
    return declaration_approve(declaration_id=declaration.pk, actor=unit.user, role=unit)


def final_pass(demo: Any, declaration: Declaration) -> Declaration:
    final = demo.role("gx_jyt")
    return declaration_approve(declaration_id=declaration.pk, actor=final.user, role=final)


def approve(demo: Any, declaration: Declaration) -> Declaration:
    return final_pass(demo, unit_pass(demo, declaration))


def poppler(tool: str, *args: str) -> str:
    """Run a poppler-utils tool (pdftotext, pdfinfo, pdffonts) on our own files; its output."""
    executable = shutil.which(tool)
    assert executable, "poppler-utils: run scripts/install-certificate-tools.sh"
    done = subprocess.run([executable, *args], check=True, capture_output=True, text=True)  # noqa: S603
    return done.stdout


def pdftotext(path: str) -> str:
    text = poppler("pdftotext", "-layout", path, "-")
    # pdftotext marks right-to-left runs with embedding controls; the letters are what count.
    return text.replace("\u202b", "").replace("\u202c", "")
