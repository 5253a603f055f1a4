"""Issue 13 item 8: the person's 学时查询 filters by year and exports.

Seed 002 (Guangxi, 学时查询): “培训总体查询 培训登记详情 年度 … Q 查询 ◎ 重置 导出”, and “在【培训
总体查询】中可查看各年度公需科目学时、专业科目学时以及总学时,点击任意年度,下方列表即可展示该年度
内所获学时的详细信息”.
"""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse

from xueshi.core.models import AuditLog
from xueshi.ledger.services import general_records_import
from xueshi.ledger.tests.test_ledger import THIS_YEAR, general
from xueshi.orgs.tests.factories import act_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_years(demo):
    report = general_records_import(
        rows=[
            general(demo, "V-1", "20", datetime.date(THIS_YEAR, 3, 1)),
            general(demo, "V-2", "12", datetime.date(THIS_YEAR - 1, 3, 1)),
        ]
    )
    assert report.ok


def test_the_year_filter_shows_that_year_alone(client, demo, two_years):
    act_as(client, demo.professional("李明"))
    html = client.get(reverse("ledger:my_years")).content.decode()
    assert 'name="year"' in html and "查询" in html and "导出 Excel" in html
    assert f">{THIS_YEAR - 1}</a>" in html and f">{THIS_YEAR}</a>" in html
    html = client.get(reverse("ledger:my_years"), {"year": THIS_YEAR - 1}).content.decode()
    assert f">{THIS_YEAR - 1}</a>" in html and f">{THIS_YEAR}</a>" not in html
    assert "重置" in html
    assert f"{THIS_YEAR - 1} 年度详细信息" in html


def test_the_person_exports_the_years_records_audited(client, demo, two_years):
    act_as(client, demo.professional("李明"))
    response = client.get(reverse("ledger:my_export"), {"format": "csv", "year": THIS_YEAR - 1})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["年度", "公需/专业科目", "科目名称", "科目类型", "学时", "日期"]
    assert len(rows) == 2 and rows[1][0] == str(THIS_YEAR - 1) and rows[1][4] == "12"
    assert AuditLog.objects.filter(action="export", details__what="本人学时查询").exists()


def test_an_administrator_cannot_use_the_persons_export(client, demo):
    act_as(client, demo.role("ay_yiyuan"))
    assert client.get(reverse("ledger:my_export"), {"format": "csv"}).status_code == 403
