"""Exports of the list pages: 学时查询, 审核, 审核结果, 专业技术人员管理, 单位申报记录.

For each: the CSV (UTF-8 with a BOM) has the Chinese header and the page's rows, the xlsx opens
with openpyxl, the scope is the page's (a department admin's file holds only their department),
ID numbers are masked without the permission, and the export is in the audit log.
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xueshi.core.identifiers import mask_id_number
from xueshi.core.models import AuditLog, BackgroundJob, JobStatus
from xueshi.ledger.services import GeneralRecordRow, general_records_import, ledger_record_approval

from .factories import act_as, full_id_token, guangxi_claims, make_claim

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
OUTSIDERS_OF_HUANG = ("蒙丽", "陈静", "莫新")  # 广西大学, other departments or none

LEDGER_HEADERS = [
    "姓名",
    "证件号码",
    "单位",
    "部门",
    "公需科目学时",
    "专业科目学时",
    "总学时",
    "是否达标",
]
QUEUE_HEADERS = [
    "姓名",
    "证件号码",
    "单位",
    "部门",
    "登记机构",
    "申报类型",
    "认定内容",
    "申请学时",
    "计入年度",
    "提交时间",
    "审核环节",
    "到达本级时间",  # when it reached this level (issue 18: time in level)
]
RESULT_HEADERS = [
    "姓名",
    "证件号码",
    "单位",
    "部门",
    "申报类型",
    "认定内容",
    "申请学时",
    "批准学时",
    "计入年度",
    "审核状态",
    "审核环节",
    "审核意见",
    "审核时间",
]
STAFF_HEADERS = ["姓名", "证件号码", "单位", "部门", "在编/非编", "认定专业", "可登录"]


# --- helpers -------------------------------------------------------------------------------


def _content(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _get(client: Client, url_name: str, fmt: str, **params: Any) -> bytes:
    response = client.get(reverse(url_name), {"format": fmt, **params})
    assert response.status_code == 200, response
    return _content(response)


def csv_rows(client: Client, url_name: str, **params: Any) -> list[list[str]]:
    data = _get(client, url_name, "csv", **params)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(client: Client, url_name: str, **params: Any) -> list[list[Any]]:
    data = _get(client, url_name, "xlsx", **params)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.freeze_panes == "A2"
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def names(rows: list[list[Any]]) -> list[str]:
    return [row[0] for row in rows[1:]]


def last_export() -> AuditLog:
    return AuditLog.objects.filter(action="export").latest("pk")


def huang_department_admin(demo: Any) -> Any:
    return demo.role(demo.person("黄伟").user.username, "department_admin")


def general_hours(demo: Any, name: str, record_id: str, hours: str) -> None:
    person = demo.person(name)
    report = general_records_import(
        rows=[
            GeneralRecordRow(
                row_number=2,
                id_number=person.id_number,
                name=person.name,
                course="公需科目：数字经济",
                hours=hours,
                completed_on=datetime.date(THIS_YEAR, 3, 1),
                provider="广西专技天空",
                record_id=record_id,
            )
        ]
    )
    assert report.ok


# --- 学时查询 (ledger:unit_query) ------------------------------------------------------------


@pytest.fixture
def gxu_hours(demo: Any) -> None:
    """覃海燕: 20 general hours and an approved 8-hour claim this year; 蒙丽: 6 general hours."""
    general_hours(demo, "覃海燕", "GX-1", "20")
    general_hours(demo, "蒙丽", "GX-2", "6")
    claim = make_claim(
        demo.person("覃海燕"), status="approved", hours="10", granted="8", year=THIS_YEAR
    )
    ledger_record_approval(declaration=claim)


def test_ledger_csv_has_the_page_rows_with_hours(demo, client: Client, gxu_hours):
    act_as(client, demo.role("gx_gxu"))
    rows = csv_rows(client, "ledger:unit_query_export", year=THIS_YEAR)
    assert rows[0] == LEDGER_HEADERS
    by_name = {row[0]: row for row in rows[1:]}
    assert {"覃海燕", "蒙丽", "陈静", "黄伟", "莫新"} <= set(by_name)
    assert "梁晓东" not in by_name  # 南宁市第一中学
    qin = demo.person("覃海燕")
    assert by_name["覃海燕"][1] == mask_id_number(qin.id_number) != qin.id_number
    assert by_name["覃海燕"][2:4] == ["广西大学", "计算机与电子信息学院"]
    assert [float(value) for value in by_name["覃海燕"][4:7]] == [20, 8, 28]
    assert by_name["覃海燕"][7] == "未达标"
    assert [float(value) for value in by_name["陈静"][4:7]] == [0, 0, 0]
    # The page's search and compliance filters apply.
    assert names(csv_rows(client, "ledger:unit_query_export", year=THIS_YEAR, q="覃")) == ["覃海燕"]
    assert csv_rows(client, "ledger:unit_query_export", compliance="met")[1:] == []


def test_ledger_xlsx_opens_and_is_audited(demo, client: Client, gxu_hours):
    role = demo.role("gx_gxu")
    act_as(client, role)
    rows = xlsx_rows(client, "ledger:unit_query_export", year=THIS_YEAR, q="覃")
    assert rows[0] == LEDGER_HEADERS
    assert rows[1][0] == "覃海燕" and rows[1][4:8] == [20, 8, 28, "未达标"]
    entry = last_export()
    assert entry.actor == role.user
    assert entry.details["what"] == "学时查询"
    assert entry.details["format"] == "xlsx" and entry.details["rows"] == 1
    assert entry.details["filters"] == {"year": str(THIS_YEAR), "q": "覃"}


def test_ledger_department_admin_exports_only_their_department(demo, client: Client, gxu_hours):
    act_as(client, huang_department_admin(demo))
    text = _get(client, "ledger:unit_query_export", "csv").decode("utf-8-sig")
    assert "覃海燕" in text and "黄伟" in text
    for outsider in OUTSIDERS_OF_HUANG:
        assert outsider not in text


def test_ledger_supervisor_exports_the_subtree(demo, client: Client, gxu_hours):
    act_as(client, demo.role("gx_jyt"))
    exported = names(csv_rows(client, "ledger:unit_query_export"))
    assert "覃海燕" in exported and "梁晓东" not in exported


# --- 审核 (review:queue) ---------------------------------------------------------------------


@pytest.fixture
def gxu_queue(demo: Any) -> None:
    """Two claims waiting at 广西大学's own level, in two departments; one elsewhere."""
    make_claim(demo.person("覃海燕"), status="pending", hours="6", pending_at=1)
    make_claim(
        demo.person("蒙丽"),
        status="pending",
        hours="4",
        pending_at=1,
        category=("paper", "发表论文"),
        year=2024,
    )
    make_claim(demo.person("梁晓东"), status="pending", hours="2", pending_at=1)


def test_review_queue_csv_has_the_level_rows(demo, client: Client, gxu_queue):
    act_as(client, demo.role("gx_gxu"))
    rows = csv_rows(client, "review:queue_export")
    assert rows[0] == QUEUE_HEADERS
    assert sorted(names(rows)) == sorted(["覃海燕", "蒙丽"])  # not 梁晓东 (another unit)
    qin = next(row for row in rows[1:] if row[0] == "覃海燕")
    assert qin[1] == mask_id_number(demo.person("覃海燕").id_number)
    assert qin[2:8] == [
        "广西大学",
        "计算机与电子信息学院",
        "本人登记",
        "培训班",
        "覃海燕的培训班",
        "6",
    ]
    assert qin[10] == "单位审核"
    # The page's filters.
    assert names(csv_rows(client, "review:queue_export", name="蒙")) == ["蒙丽"]
    assert names(csv_rows(client, "review:queue_export", credit_year="2024")) == ["蒙丽"]
    assert names(csv_rows(client, "review:queue_export", category_code="paper")) == ["蒙丽"]


def test_review_queue_xlsx_and_audit(demo, client: Client, gxu_queue):
    role = demo.role("gx_gxu")
    act_as(client, role)
    rows = xlsx_rows(client, "review:queue_export", name="覃")
    assert rows[0] == QUEUE_HEADERS
    assert len(rows) == 2 and rows[1][0] == "覃海燕" and rows[1][7] == 6
    assert isinstance(rows[1][9], datetime.datetime)
    entry = last_export()
    assert entry.actor == role.user and entry.details["what"] == "待审核申报"
    assert entry.details["rows"] == 1 and entry.details["filters"] == {"name": "覃"}


def test_review_queue_department_admin_scope(demo, client: Client, gxu_queue):
    act_as(client, huang_department_admin(demo))
    text = _get(client, "review:queue_export", "csv").decode("utf-8-sig")
    assert "覃海燕" in text
    assert "蒙丽" not in text and "梁晓东" not in text


def test_review_queue_of_a_supervisor_is_its_level_only(demo, client: Client, gxu_queue):
    guangxi_claims(demo)  # qin_pending waits at 教育厅 (position 2)
    act_as(client, demo.role("gx_jyt"))
    rows = csv_rows(client, "review:queue_export")
    assert names(rows) == ["覃海燕"] and rows[1][6] == "覃海燕的发表论文"


# --- 审核结果 (review:results) ---------------------------------------------------------------


def test_review_results_csv_rows_and_filters(demo, client: Client):
    guangxi_claims(demo)
    act_as(client, demo.role("gx_gxu"))
    rows = csv_rows(client, "review:results_export")
    assert rows[0] == RESULT_HEADERS
    assert sorted(set(names(rows))) == sorted(["覃海燕", "蒙丽", "黄伟"])  # 梁晓东: another unit
    # Every status (issue 13 item 8: "待提交、待审核、通过认定、不予认定"); the decided ones:
    decided = [row for row in rows[1:] if row[9] in ("通过认定", "不予认定", "已退回")]
    assert {row[9] for row in rows[1:]} - {row[9] for row in decided} <= {"待提交", "待审核"}
    by_name = {row[0]: row for row in decided}
    assert by_name["覃海燕"][6:10] == ["10", "8", "2025", "通过认定"]
    assert by_name["蒙丽"][7] == "" and by_name["蒙丽"][9] == "不予认定"
    assert by_name["黄伟"][9] == "已退回" and by_name["黄伟"][10] == "单位审核"
    assert names(csv_rows(client, "review:results_export", status="approved")) == ["覃海燕"]
    assert names(csv_rows(client, "review:results_export", credit_year="2024")) == ["黄伟"]
    assert names(csv_rows(client, "review:results_export", query="蒙丽")) == ["蒙丽"]


def test_review_results_xlsx_and_audit(demo, client: Client):
    guangxi_claims(demo)
    role = demo.role("gx_rst")
    act_as(client, role)
    rows = xlsx_rows(client, "review:results_export", status="approved")
    assert rows[0] == RESULT_HEADERS
    assert sorted(names(rows)) == sorted(["覃海燕", "梁晓东"])
    entry = last_export()
    assert entry.actor == role.user and entry.details["what"] == "审核结果"
    assert entry.details["format"] == "xlsx" and entry.details["rows"] == 2


def test_review_results_department_admin_scope(demo, client: Client):
    guangxi_claims(demo)
    act_as(client, huang_department_admin(demo))
    text = _get(client, "review:results_export", "csv").decode("utf-8-sig")
    assert "覃海燕" in text and "黄伟" in text
    assert "蒙丽" not in text and "梁晓东" not in text


# --- 专业技术人员管理 (orgs:staff_list) ------------------------------------------------------


def test_staff_csv_rows_and_filters(demo, client: Client):
    act_as(client, demo.role("gx_gxu"))
    rows = csv_rows(client, "orgs:staff_export")
    assert rows[0] == STAFF_HEADERS
    assert {"覃海燕", "蒙丽", "陈静", "黄伟", "莫新"} <= set(names(rows))
    assert "梁晓东" not in names(rows)
    qin = demo.person("覃海燕")
    row = next(row for row in rows[1:] if row[0] == "覃海燕")
    assert row[1] == mask_id_number(qin.id_number)
    assert row[2:4] == ["广西大学", "计算机与电子信息学院"]
    assert row[4] == ("在编" if qin.in_establishment else "非编")
    assert names(csv_rows(client, "orgs:staff_export", q="覃")) == ["覃海燕"]
    department = qin.department
    assert sorted(names(csv_rows(client, "orgs:staff_export", department=department.pk))) == (
        sorted(["覃海燕", "黄伟"])
    )
    assert "莫新" in names(csv_rows(client, "orgs:staff_export", department="none"))


def test_staff_xlsx_full_ids_with_the_permission_and_audit(demo, client: Client):
    role = demo.role("gx_gxu")
    role.user.user_permissions.add(Permission.objects.get(codename="view_full_id_number"))
    act_as(client, role)
    rows = xlsx_rows(
        client,
        "orgs:staff_export",
        q="覃",
        full_id="1",
        full_id_reason="单位年度名册备案",
        full_id_token=full_id_token(client, reverse("orgs:staff_export")),
    )
    assert rows[0] == STAFF_HEADERS
    assert rows[1][1] == demo.person("覃海燕").id_number
    entry = last_export()
    assert entry.actor == role.user and entry.details["what"] == "专业技术人员名单"
    assert entry.details["full_id_numbers"] is True and entry.details["filters"] == {"q": "覃"}
    assert entry.reason == "单位年度名册备案"


def test_staff_department_admin_scope(demo, client: Client):
    act_as(client, huang_department_admin(demo))
    text = _get(client, "orgs:staff_export", "csv").decode("utf-8-sig")
    assert "覃海燕" in text and "黄伟" in text
    for outsider in OUTSIDERS_OF_HUANG:
        assert outsider not in text


# --- 单位申报记录 (declarations:list → reports:export_declarations) -------------------------


def test_claim_list_export_uses_the_list_search(demo, client: Client):
    guangxi_claims(demo)
    role = demo.role("gx_gxu")
    act_as(client, role)
    rows = csv_rows(client, "reports:export_declarations", q="覃海燕")
    assert rows[0][0] == "姓名" and set(names(rows)) == {"覃海燕"} and len(rows) == 3
    assert names(csv_rows(client, "reports:export_declarations", q="发表论文")) == ["覃海燕"]
    qin = demo.person("覃海燕")
    assert names(csv_rows(client, "reports:export_declarations", q=qin.id_number.lower())) == [
        "覃海燕",
        "覃海燕",
    ]
    rows = xlsx_rows(client, "reports:export_declarations", status="approved", year="2025")
    assert names(rows) == ["覃海燕"]
    assert last_export().details["filters"] == {"status": "approved", "year": "2025"}


def test_claim_list_department_admin_scope(demo, client: Client):
    guangxi_claims(demo)
    act_as(client, huang_department_admin(demo))
    text = _get(client, "reports:export_declarations", "csv").decode("utf-8-sig")
    assert "覃海燕" in text and "黄伟" in text
    assert "蒙丽" not in text and "梁晓东" not in text


def test_claim_list_shows_the_export_buttons_to_admins_only(demo, client: Client):
    guangxi_claims(demo)
    export_url = reverse("reports:export_declarations")
    act_as(client, demo.role("gx_gxu"))
    html = client.get(reverse("declarations:list"), {"status": "approved", "q": "覃"}).content
    assert f"{export_url}?format=xlsx&amp;status=approved&amp;q=%E8%A6%83" in html.decode()
    assert f"{export_url}?format=csv" in html.decode()
    # Drafts are never exported: no button on the 待提交 tab.
    assert (
        export_url
        not in client.get(reverse("declarations:list"), {"status": "draft"}).content.decode()
    )
    act_as(client, demo.professional("覃海燕"))
    assert export_url not in client.get(reverse("declarations:list")).content.decode()


# --- the buttons, the gate, the background ---------------------------------------------------


@pytest.mark.parametrize(
    ("page", "export", "username", "params", "expected_query"),
    [
        ("ledger:unit_query", "ledger:unit_query_export", "gx_gxu", {"q": "覃"}, "q=%E8%A6%83"),
        ("review:queue", "review:queue_export", "gx_gxu", {"name": "覃"}, "name=%E8%A6%83"),
        (
            "review:results",
            "review:results_export",
            "gx_gxu",
            {"status": "approved"},
            "status=approved",
        ),
        ("orgs:staff_list", "orgs:staff_export", "gx_gxu", {"q": "覃"}, "q=%E8%A6%83"),
    ],
)
def test_list_pages_link_to_their_exports_with_the_filters(
    demo, client: Client, gxu_queue, page, export, username, params, expected_query
):
    guangxi_claims(demo)
    act_as(client, demo.role(username))
    response = client.get(reverse(page), {**params, "page": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    url = reverse(export)
    assert f"{url}?format=xlsx&amp;{expected_query}" in html
    assert f"{url}?format=csv&amp;{expected_query}" in html
    assert "page=1" not in html.split(f"{url}?format=csv", 1)[1].split('"', 1)[0]


@pytest.mark.parametrize(
    "export",
    [
        "ledger:unit_query_export",
        "review:queue_export",
        "review:results_export",
        "orgs:staff_export",
    ],
)
def test_a_professional_may_not_export_the_lists(demo, client: Client, export):
    act_as(client, demo.professional("覃海燕"))
    assert client.get(reverse(export), {"format": "csv"}).status_code == 403
    assert not AuditLog.objects.filter(action="export").exists()


def test_unknown_format_is_refused(demo, client: Client):
    act_as(client, demo.role("gx_gxu"))
    assert client.get(reverse("orgs:staff_export"), {"format": "pdf"}).status_code == 403


def test_a_large_list_export_runs_in_the_background(
    demo, client: Client, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_EXPORT_BACKGROUND_ROWS = 1
    role = huang_department_admin(demo)
    act_as(client, role)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("orgs:staff_export"), {"format": "csv"})
    job = BackgroundJob.objects.get(kind="export")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:job_status", args=[job.pk])
    assert job.status == JobStatus.DONE, job.message
    download = client.get(reverse("core:job_download", args=[job.pk]))
    text = _content(download).decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(STAFF_HEADERS)
    assert "覃海燕" in text and "黄伟" in text
    for outsider in OUTSIDERS_OF_HUANG:  # the worker keeps the department admin's scope
        assert outsider not in text
    assert last_export().details["background"] is True


def test_rows_builders_keep_the_page_gate_in_the_worker(demo):
    """A background job rebuilds rows from the role alone: a role outside the page gets none."""
    from xueshi.core.exports import get_export

    guangxi_claims(demo)
    professional = demo.professional("覃海燕")
    for key in ("ledger_hours", "review_queue", "review_results", "staff"):
        assert list(get_export(key).rows(professional, {})) == []
        assert list(get_export(key).rows(None, {})) == []
