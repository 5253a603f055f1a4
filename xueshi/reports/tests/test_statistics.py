"""学时申报统计: known figures, scope, drill-down, and a query count that stays flat."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueshi.accounts.tests.factories import PersonFactory
from xueshi.ledger.models import YearTotal
from xueshi.orgs.models import Organization
from xueshi.reports import selectors
from xueshi.reports.selectors import Filters

from .factories import act_as, guangxi_claims, make_claim

pytestmark = pytest.mark.django_db


def _by_label(table: selectors.StatTable) -> dict[str, tuple[int, Decimal, Decimal]]:
    return {row.label: (row.count, row.hours_claimed, row.hours_granted) for row in table.rows}


def test_counts_and_hours_by_organization_roll_up_subtrees(demo):
    guangxi_claims(demo)
    role = demo.role("gx_rst")
    table = selectors.by_organization(role, Filters(), selectors.default_node(role))
    rows = _by_label(table)
    assert rows["广西壮族自治区教育厅"] == (4, Decimal("24"), Decimal("8"))
    assert rows["南宁市教育局"] == (2, Decimal("24"), Decimal("20"))
    assert table.total.count == 6  # the draft is never counted
    # Drill down: 教育厅 → 广西大学, the whole subtree in one row.
    education = demo.organization("广西壮族自治区教育厅")
    filters = Filters(organization=education)
    rows = _by_label(selectors.by_organization(role, filters, education))
    assert rows == {"广西大学": (4, Decimal("24"), Decimal("8"))}
    university = demo.organization("广西大学")
    rows = _by_label(selectors.by_organization(role, Filters(organization=university), university))
    assert rows == {"广西大学（本级）": (4, Decimal("24"), Decimal("8"))}


def test_tables_by_category_status_year_track_region_month(demo):
    guangxi_claims(demo)
    role = demo.role("gx_rst")
    filters = Filters()
    assert _by_label(selectors.by_category(role, filters)) == {
        "培训班": (4, Decimal("23"), Decimal("8")),
        "发表论文": (2, Decimal("25"), Decimal("20")),
    }
    statuses = {row.key: row.count for row in selectors.by_status(role, filters).rows}
    assert statuses == {"pending": 2, "returned": 1, "approved": 2, "rejected": 1}
    years = {row.key: row.count for row in selectors.by_year(role, filters).rows}
    assert years == {"2024": 1, "2025": 5}
    tracks = {row.label: row.count for row in selectors.by_track(role, filters).rows}
    assert tracks == {"教师系列": 5, "会计系列": 1}
    regions = {row.key: row.count for row in selectors.by_region(role, filters).rows}
    assert regions == {"450102": 6}
    assert sum(row.count for row in selectors.by_month(role, filters).rows) == 6


def test_filters_narrow_every_table(demo):
    guangxi_claims(demo)
    role = demo.role("gx_rst")
    filters = Filters(credit_year=2025, category_code="training", track="教师系列")
    statuses = {row.key: row.count for row in selectors.by_status(role, filters).rows}
    assert statuses == {"approved": 1, "pending": 1}  # qin_approved, liang_pending
    filters = Filters(status="approved", region_code="450100")  # a prefecture: its counties too
    assert selectors.by_status(role, filters).total.count == 2


def test_reviewer_throughput_and_pending_age(demo):
    guangxi_claims(demo)
    role = demo.role("gx_rst")
    throughput = {
        (row.organization_name, row.level_name): (row.approved, row.returned, row.rejected)
        for row in selectors.reviewer_throughput(role, Filters())
    }
    assert throughput[("广西大学", "单位审核")] == (2, 1, 1)
    assert throughput[("广西壮族自治区教育厅", "主管部门审核")] == (1, 0, 0)
    assert throughput[("广西壮族自治区人力资源和社会保障厅", "人社部门审核")] == (2, 0, 0)
    pending = {
        (row.organization_name, row.level_name): row
        for row in selectors.pending_age(role, Filters())
    }
    education = pending[("广西壮族自治区教育厅", "主管部门审核")]
    # Time in level (issue 18): sent 10 days ago, at 教育厅 since the unit passed it 9 days ago.
    assert education.count == 1 and education.average_days == pytest.approx(9, abs=0.1)
    assert education.max_days == pytest.approx(9, abs=0.1)
    assert pending[("南宁市第一中学", "单位审核")].average_days == pytest.approx(2, abs=0.1)
    # Who is slow comes first.
    assert selectors.pending_age(role, Filters())[0].organization_name == "广西壮族自治区教育厅"


def test_compliance_rate_per_unit(demo):
    qin, meng = demo.person("覃海燕"), demo.person("蒙丽")
    YearTotal.objects.create(
        person=qin, credit_year=2025, general_hours=30, professional_hours=70
    )  # 100 ≥ 90
    YearTotal.objects.create(person=meng, credit_year=2025, general_hours=10)
    role = demo.role("gx_rst")
    rows = {row.unit_name: row for row in selectors.compliance_by_unit(role, Filters(), 2025)}
    university = rows["广西大学"]
    assert (university.people, university.met) == (5, 1)
    assert university.rate == pytest.approx(20.0)
    assert university.required_total == Decimal("90")
    assert rows["南宁市第一中学"].met == 0


def test_department_admin_sees_only_their_department(demo):
    guangxi_claims(demo)
    role = demo.role(demo.person("黄伟").user.username, "department_admin")
    total = selectors.by_status(role, Filters()).total
    assert total.count == 3  # 覃海燕 ×2 and 黄伟's returned claim, not 蒙丽 of 财务处


def test_statistics_page_renders_tables_and_chart_data(demo, client: Client):
    guangxi_claims(demo)
    act_as(client, demo.role("gx_rst"))
    response = client.get(reverse("reports:statistics"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="statistics-chart-data"' in html
    assert "vendor/echarts/echarts.min.js" in html
    assert "广西壮族自治区教育厅" in html and "发表论文" in html
    education = demo.organization("广西壮族自治区教育厅")
    response = client.get(reverse("reports:statistics"), {"org": education.pk})
    assert "广西大学" in response.content.decode()


def test_statistics_page_refuses_professionals(demo, client: Client):
    act_as(client, demo.professional("覃海燕"))
    assert client.get(reverse("reports:statistics")).status_code == 403


def test_an_organisation_outside_scope_is_ignored(demo, client: Client):
    guangxi_claims(demo)
    act_as(client, demo.role("gx_rst"))
    anyang = demo.organization("安阳市人民医院")
    response = client.get(reverse("reports:statistics"), {"org": anyang.pk})
    assert response.status_code == 200
    assert response.context["filters"].organization is None


def test_query_count_does_not_grow_with_claims(demo, client: Client):
    role = demo.role("gx_rst")
    act_as(client, role)
    people = [demo.person(name) for name in ("覃海燕", "蒙丽", "梁晓东")]

    def add(count: int) -> None:
        for index in range(count):
            person = people[index % len(people)]
            status = ("approved", "pending", "rejected", "returned")[index % 4]
            make_claim(
                person,
                status=status,
                hours="2",
                granted="2" if status == "approved" else None,
                category=(f"c{index % 3}", f"类型{index % 3}"),
                year=2024 + index % 2,
                submitted_days_ago=index,
            )

    add(5)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("reports:statistics")).status_code == 200
    add(45)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("reports:statistics")).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_page_loads_its_organisation_sections_after_itself(demo, client: Client):
    """Compliance, throughput and pending (a row per organisation, thousands in a province)
    come from their own requests, in the page's conditions; the page does not wait for them."""
    guangxi_claims(demo)
    act_as(client, demo.role("gx_rst"))
    html = client.get(reverse("reports:statistics"), {"year": 2025}).content.decode()
    for key in selectors.SECTIONS:
        url = reverse("reports:statistics_section", args=[key])
        assert f'id="section-{key}" hx-get="{url}?year=2025" hx-trigger="load"' in html
    response = client.get(reverse("reports:statistics_section", args=["throughput"]))
    assert response.status_code == 200
    assert "广西壮族自治区教育厅" in response.content.decode()
    rows = client.get(reverse("reports:statistics_section", args=["pending"])).context["page"]
    assert rows[0].organization_name == "广西壮族自治区教育厅"  # who is slow comes first
    assert client.get(reverse("reports:statistics_section", args=["nope"])).status_code == 404


def test_sections_refuse_who_may_not_see_statistics(demo, client: Client):
    act_as(client, demo.professional("覃海燕"))
    for key in selectors.SECTIONS:
        url = reverse("reports:statistics_section", args=[key])
        assert client.get(url).status_code == 403


def test_a_section_shows_twenty_rows_a_page_and_its_queries_do_not_grow(demo, client: Client):
    """The compliance section of an authority with 45 units: pages of 20, worst first, the
    same number of queries for the first page as for the last, and for 5 units as for 45."""
    role = demo.role("gx_rst")
    act_as(client, role)
    authority = demo.organization("广西壮族自治区人力资源和社会保障厅")
    url = reverse("reports:statistics_section", args=["compliance"])

    def add_units(count: int) -> None:
        start = Organization.objects.filter(name__startswith="分页单位").count()
        for number in range(start, start + count):
            unit = Organization.objects.create(
                kind="unit", name=f"分页单位{number:02d}", region_code="450102", parent=authority
            )
            PersonFactory(unit=unit)

    add_units(5)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_units(40)
    with CaptureQueriesContext(connection) as many:
        first = client.get(url)
    pages = first.context["page"].paginator
    assert len(first.context["page"]) == 20 and pages.count >= 45
    assert "下一页" in first.content.decode()
    with CaptureQueriesContext(connection) as last:
        final = client.get(url, {"page": pages.num_pages})
    assert len(few.captured_queries) == len(many.captured_queries) == len(last.captured_queries)
    rates = [row.rate for page in (first, final) for row in page.context["page"]]
    assert rates == sorted(rates)  # lowest rate first
