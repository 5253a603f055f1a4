"""学时查询 pages walked through with the demo people: 李明 (Anyang) and his administrators,
the Guangxi department admin, and the general-record upload page."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xueshi.ledger.models import GeneralRecord
from xueshi.ledger.services import general_records_import
from xueshi.ledger.tests.test_ledger import (  # noqa: F401 (anyang_with_cap is a fixture)
    THIS_YEAR,
    anyang_claim,
    anyang_with_cap,
    approve_all,
    general,
)
from xueshi.orgs.tests.factories import act_as


@pytest.fixture
def li_ming(demo):
    """李明 this year: a 20-hour general course and a 60-hour approved claim (80 of 90)."""
    report = general_records_import(
        rows=[general(demo, "V-1", "20", datetime.date(THIS_YEAR, 3, 1))]
    )
    assert report.ok
    claim = approve_all(demo, anyang_claim(demo, courses=4))
    return demo.person("李明"), claim


def page(client, name, *args, **params):
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200
    return response.content.decode()


def test_person_sees_year_row_badge_and_progress(client, demo, li_ming):
    act_as(client, demo.professional("李明"))
    html = page(client, "ledger:my_years")
    assert "培训总体查询" in html and reverse("declarations:list") in html
    assert f"?year={THIS_YEAR}" in html
    assert "未达标" in html
    assert 'aria-valuenow="88"' in html  # 80 of 90
    assert "80 / 90 学时" in html
    assert "还差 10 学时" in html


def test_year_drilldown_lists_both_sources(client, demo, li_ming):
    _, claim = li_ming
    act_as(client, demo.professional("李明"))
    html = page(client, "ledger:my_years", year=THIS_YEAR)
    assert f"{THIS_YEAR} 年度详细信息" in html
    assert "公需科目：数字经济" in html and "学习平台：河南专技在线" in html
    assert claim.title in html
    assert reverse("declarations:detail", args=(claim.pk,)) in html
    assert html.count('<span class="badge text-bg-info">公需科目</span>') == 1
    assert html.count('<span class="badge text-bg-primary">专业科目</span>') == 1


def test_year_without_records_and_empty_state(client, demo, li_ming):
    act_as(client, demo.professional("李明"))
    html = page(client, "ledger:my_years", year=THIS_YEAR - 3)
    assert f"{THIS_YEAR - 3} 年度暂无公需科目学习记录" in html
    act_as(client, demo.professional("王芳"))
    assert "暂无学时记录" in page(client, "ledger:my_years")


def test_met_year_shows_badge(client, demo, li_ming):
    general_records_import(rows=[general(demo, "V-2", "10", datetime.date(THIS_YEAR, 9, 1))])
    act_as(client, demo.professional("李明"))
    html = page(client, "ledger:my_years")
    assert "达标" in html and "未达标" not in html and "还差" not in html


def test_drilldown_outside_scope_is_404(client, demo, li_ming):
    person, _ = li_ming
    url = reverse("ledger:person_year", args=(person.pk, THIS_YEAR))
    act_as(client, demo.professional("王芳"))  # another person
    assert client.get(url).status_code == 404
    act_as(client, demo.role("ay_yizhong"))  # another unit
    assert client.get(url).status_code == 404
    act_as(client, demo.role("gx_rst"))  # another region's authority
    assert client.get(url).status_code == 404
    for username in ("ay_yiyuan", "ay_weijian", "ay_xiehui"):
        act_as(client, demo.role(username))
        html = page(client, "ledger:person_year", person.pk, THIS_YEAR)
        assert "公需科目：数字经济" in html and "学位课程" in html
        assert person.id_number not in html and person.masked_id_number in html


def test_unit_query_lists_scope_with_hours_and_masked_ids(client, demo, li_ming):
    person, _ = li_ming
    act_as(client, demo.role("ay_yiyuan"))
    html = page(client, "ledger:unit_query")
    assert "专业科目学时查询" in html
    assert "李明" in html and "刘洋" in html and "王芳" not in html  # 王芳: another unit
    assert person.masked_id_number in html and person.id_number not in html
    assert reverse("ledger:person_year", args=(person.pk, THIS_YEAR)) in html
    assert "<strong>2</strong> 人" in html
    # Search by name, by full ID number; filter by compliance.
    assert "刘洋" not in page(client, "ledger:unit_query", q="李")
    assert "刘洋" not in page(client, "ledger:unit_query", q=person.id_number.lower())
    assert "李明" in page(client, "ledger:unit_query", compliance="unmet")
    general_records_import(rows=[general(demo, "V-2", "10", datetime.date(THIS_YEAR, 9, 1))])
    met = page(client, "ledger:unit_query", compliance="met")
    assert "李明" in met and "刘洋" not in met
    assert "李明" not in page(client, "ledger:unit_query", compliance="unmet")
    # Another year: nothing recorded.
    assert "李明" not in page(client, "ledger:unit_query", year=THIS_YEAR - 1, compliance="met")


FIGURES = (
    "general_hours",
    "professional_claimed",
    "professional_hours",
    "total_hours",
    "required_total",
    "met",
)


def figures(demo, name: str) -> dict:
    from xueshi.accounts.permissions import people_in_scope
    from xueshi.ledger.selectors import people_year_hours

    people = people_year_hours(people_in_scope(demo.role("ay_yiyuan")), THIS_YEAR)
    return people.values(*FIGURES).get(name=name)


def test_unit_query_annotations(demo, li_ming):
    row = figures(demo, "李明")
    assert (row["general_hours"], row["professional_hours"], row["total_hours"]) == (
        Decimal(20),
        Decimal(60),
        Decimal(80),
    )
    assert row["required_total"] == Decimal(90) and row["met"] is False
    empty = figures(demo, "刘洋")
    assert (empty["total_hours"], empty["met"]) == (Decimal(0), False)


def test_unit_query_applies_caps(client, demo, anyang_with_cap):  # noqa: F811
    # Both declared before either was approved: each was within the cap when declared.
    first, second = anyang_claim(demo, courses=6), anyang_claim(demo, courses=6)  # 90 + 90
    approve_all(demo, first)
    approve_all(demo, second)  # 180 granted; counted up to the 120 cap
    act_as(client, demo.role("ay_yiyuan"))
    assert "已批准 180" in page(client, "ledger:unit_query")
    row = figures(demo, "李明")
    assert (row["professional_claimed"], row["professional_hours"]) == (Decimal(180), Decimal(120))
    assert row["met"] is False  # no general hours: 公需科目差 30


def test_department_admin_sees_only_their_department(client, demo):
    huang = demo.person("黄伟")
    act_as(client, demo.role(huang.user.username, kind="department_admin"))
    html = page(client, "ledger:unit_query")
    assert "黄伟" in html and "覃海燕" in html
    assert "蒙丽" not in html and "陈静" not in html and "莫新" not in html
    other = demo.person("蒙丽")
    assert client.get(reverse("ledger:person_year", args=(other.pk, THIS_YEAR))).status_code == 404


def test_supervisor_sees_subtree_as_full_query(client, demo):
    act_as(client, demo.role("gx_jyt"))
    html = page(client, "ledger:unit_query")
    assert "全学时查询" in html and "覃海燕" in html and "广西大学" in html
    assert "梁晓东" not in html  # 南宁市第一中学 is under 南宁市教育局


def test_who_may_open_the_pages(client, demo):
    act_as(client, demo.professional("李明"))
    assert client.get(reverse("ledger:unit_query")).status_code == 403
    assert client.get(reverse("ledger:general_import")).status_code == 403
    act_as(client, demo.role("ay_yiyuan"))
    assert client.get(reverse("ledger:my_years")).status_code == 403
    assert client.get(reverse("ledger:general_import")).status_code == 403
    act_as(client, demo.role("ay_xiehui"))
    assert client.get(reverse("ledger:general_import")).status_code == 200
    template = client.get(reverse("ledger:general_import_template"))
    assert template.content.startswith(b"\xef\xbb\xbf") and "身份证号" in template.content.decode()


def csv_upload(text: str, name: str = "records.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def test_upload_page_reports_counts_and_problem_rows(client, demo):
    li, huang = demo.person("李明"), demo.person("黄伟")
    text = (
        "身份证号,姓名,课程名称,学时,完成日期,学习平台,记录号\n"
        f"{li.id_number},李明,公需科目：法治素养,6,{THIS_YEAR}-04-01,河南专技在线,U-1\n"
        f"11010519491231002X,某某,课,3,{THIS_YEAR}-04-01,河南专技在线,U-2\n"
        f"{huang.id_number},黄伟,课,3,{THIS_YEAR}-04-01,河南专技在线,U-3\n"
    )
    act_as(client, demo.role("ay_xiehui"))  # Anyang's association: 黄伟 is in Guangxi
    url = reverse("ledger:general_import")
    html = client.post(url, {"file": csv_upload(text)}).content.decode()
    assert 'data-testid="created">1<' in html and 'data-testid="problems">2<' in html
    assert "第 3 行" in html and "11010519491231002X 在平台中不存在" in html
    assert "第 4 行" in html and "不在本机构管辖范围内" in html
    again = client.post(url, {"file": csv_upload(text)}).content.decode()
    assert 'data-testid="created">0<' in again and 'data-testid="unchanged">1<' in again
    assert GeneralRecord.objects.filter(provider="河南专技在线", record_id="U-1").count() == 1


def test_upload_page_refuses_unreadable_file(client, demo):
    act_as(client, demo.role("admin"))
    response = client.post(
        reverse("ledger:general_import"), {"file": csv_upload("姓名,课程名称\n张三,课\n")}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "缺少列" in html and "身份证号" in html


def test_query_counts_show_zero_when_nobody_meets_the_requirement(client, demo):
    """Nobody at 安阳市人民医院 has hours yet: the summary says 0, never an empty number."""
    act_as(client, demo.role("ay_yiyuan"))
    html = page(client, "ledger:unit_query")
    summary = " ".join(html.split('role="status"', 1)[1].split("</div>", 1)[0].split())
    assert '达标 <strong class="text-success-emphasis">0</strong> 人' in summary
    assert '未达标 <strong class="text-warning-emphasis">2</strong> 人' in summary
    assert "达标率 0%" in summary
