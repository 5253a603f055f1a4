"""Exports: xlsx and CSV contents, masking by permission, audit, background jobs, LibreOffice."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xueshi.core.exports import Column, write_xlsx
from xueshi.core.identifiers import mask_id_number
from xueshi.core.models import AuditLog, BackgroundJob, JobStatus
from xueshi.policy.words import status_word

from .factories import act_as, full_id_token, guangxi_claims

pytestmark = pytest.mark.django_db

HEADERS = [
    "姓名",
    "证件号码",
    "单位",
    "申报类型",
    "认定内容",
    "计入年度",
    "申请学时",
    "批准学时",
    "状态",
    "提交时间",
]


def _content(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _xlsx_rows(data: bytes) -> tuple[list[list], Any]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    return [list(row) for row in sheet.iter_rows(values_only=True)], sheet


def _export(client: Client, fmt: str, **params) -> bytes:
    response = client.get(reverse("reports:export_declarations"), {"format": fmt, **params})
    assert response.status_code == 200, response
    return _content(response)


def test_xlsx_has_chinese_headers_rows_and_a_frozen_header(demo, client: Client):
    claims = guangxi_claims(demo)
    act_as(client, demo.role("gx_rst"))
    rows, sheet = _xlsx_rows(_export(client, "xlsx"))
    assert rows[0] == HEADERS
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 22
    assert len(rows) == 1 + 6  # the draft is not exported
    qin = claims["qin_approved"]
    first = rows[1]
    assert first[0] == "覃海燕"
    assert first[1] == mask_id_number(qin.person.id_number)
    assert first[2:6] == ["广西大学", "培训班", "覃海燕的培训班", 2025]
    assert (first[6], first[7], first[8]) == (10, 8, "通过认定")


def test_every_column_of_every_claim_is_what_the_claim_holds(demo, client: Client):
    """The export reads the stored ID number and decrypts it itself (once a person): every
    cell must still be the claim's own, in both formats."""
    claims = guangxi_claims(demo)
    act_as(client, demo.role("gx_rst"))
    exported = [claim for claim in claims.values() if claim.status != "draft"]
    exported.sort(key=lambda claim: claim.pk)

    def expected(claim: Any) -> list[Any]:
        return [
            claim.person.name,
            mask_id_number(claim.person.id_number),
            claim.unit.name,
            claim.category_name,
            claim.title,
            claim.credit_year,
            claim.hours_claimed,
            claim.hours_granted,
            status_word(
                claim.policy_profile, claim.profile_version, claim.status, claim.status_level
            ),
            timezone.localtime(claim.submitted_at).replace(tzinfo=None, microsecond=0),
        ]

    rows, sheet = _xlsx_rows(_export(client, "xlsx"))
    assert len(rows) == 1 + len(exported)
    for row, claim in zip(rows[1:], exported, strict=True):
        # xlsx keeps times to the millisecond; the claims' times are whole seconds here or not.
        row[9] = row[9].replace(microsecond=0)
        assert row == expected(claim)
    assert {sheet.cell(row, 10).number_format for row in range(2, len(rows) + 1)} == {
        "yyyy-mm-dd hh:mm:ss"
    }
    text = _export(client, "csv").decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == HEADERS
    for line, claim in zip(lines[1:], exported, strict=True):
        values = expected(claim)
        assert line[:6] == [str(value) for value in values[:6]]
        assert line[8] == values[8]
        assert line[9] == values[9].strftime("%Y-%m-%d %H:%M:%S")


def test_csv_starts_with_bom_and_keeps_chinese(demo, client: Client):
    guangxi_claims(demo)
    act_as(client, demo.role("gx_rst"))
    data = _export(client, "csv", status="approved")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    assert {row[0] for row in rows[1:]} == {"覃海燕", "梁晓东"}
    assert rows[1][8] == "通过认定"


def test_id_numbers_are_full_only_with_the_permission_and_a_reason(demo, client: Client):
    claims = guangxi_claims(demo)
    role = demo.role("gx_rst")
    act_as(client, role)
    full = claims["qin_approved"].person.id_number
    rows, _ = _xlsx_rows(_export(client, "xlsx"))
    assert rows[1][1] == mask_id_number(full) and rows[1][1] != full
    role.user.user_permissions.add(Permission.objects.get(codename="view_full_id_number"))
    act_as(client, role)
    # Holding the permission is not asking: the default export stays masked.
    rows, _ = _xlsx_rows(_export(client, "xlsx"))
    assert rows[1][1] == mask_id_number(full)
    reason = "报送人社厅年度核查名单"
    url = reverse("reports:export_declarations")
    token = full_id_token(client, url)
    rows, _ = _xlsx_rows(
        _export(client, "xlsx", full_id="1", full_id_reason=reason, full_id_token=token)
    )
    assert rows[1][1] == full
    entry = AuditLog.objects.filter(action="export").order_by("-id").first()
    assert entry.details["full_id_numbers"] is True and entry.reason == reason
    assert "full_id" not in entry.details["filters"]
    assert "full_id_token" not in entry.details["filters"]


def test_a_full_number_export_needs_the_form_shown_to_that_user(demo, client: Client):
    """A link someone else made (the export is a GET) shows the form, never exports."""
    guangxi_claims(demo)
    role = demo.role("gx_rst")
    role.user.user_permissions.add(Permission.objects.get(codename="view_full_id_number"))
    act_as(client, role)
    url = reverse("reports:export_declarations")
    planted = {"format": "csv", "full_id": "1", "full_id_reason": "攻击者写的原因"}
    for token in ("", "forged:token", full_id_token(client, url) + "x"):
        page = client.get(url, {**planted, "full_id_token": token})
        assert page.status_code == 200 and "导出原因" in page.content.decode()
    assert not AuditLog.objects.filter(action="export").exists()


def test_full_numbers_asked_without_a_reason_get_the_reason_form(demo, client: Client):
    guangxi_claims(demo)
    role = demo.role("gx_rst")
    role.user.user_permissions.add(Permission.objects.get(codename="view_full_id_number"))
    act_as(client, role)
    url = reverse("reports:export_declarations")
    exports_before = AuditLog.objects.filter(action="export").count()
    asked = client.get(url, {"format": "csv", "full_id": "1", "status": "approved"})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "导出原因" in page and 'name="status" value="approved"' in page
    assert 'name="format" value="csv"' in page
    short = client.get(
        url,
        {
            "format": "csv",
            "full_id": "1",
            "full_id_reason": "核查",
            "full_id_token": full_id_token(client, url),
        },
    )
    assert short.status_code == 400 and "至少 5 个字" in short.content.decode()
    assert AuditLog.objects.filter(action="export").count() == exports_before


def test_full_numbers_asked_without_the_permission_are_refused_and_audited(demo, client: Client):
    guangxi_claims(demo)
    role = demo.role("gx_rst")
    act_as(client, role)
    response = client.get(
        reverse("reports:export_declarations"),
        {"format": "csv", "full_id": "1", "full_id_reason": "想看看完整号码"},
    )
    assert response.status_code == 403
    refused = AuditLog.objects.get(action="export.full_id_refused")
    assert refused.actor == role.user and refused.result == "failure"
    assert not AuditLog.objects.filter(action="export").exists()


def test_every_export_is_audited(demo, client: Client):
    guangxi_claims(demo)
    role = demo.role("gx_rst")
    act_as(client, role)
    _export(client, "csv", year="2025")
    entry = AuditLog.objects.get(action="export")
    assert entry.actor == role.user
    assert entry.role == "authority_admin"
    assert entry.details["what"] == "学时申报明细"
    assert entry.details["format"] == "csv"
    assert entry.details["rows"] == 5
    assert entry.details["filters"] == {"year": "2025"}


def test_department_admin_exports_only_their_department(demo, client: Client):
    guangxi_claims(demo)
    act_as(client, demo.role(demo.person("黄伟").user.username, "department_admin"))
    text = _export(client, "csv").decode("utf-8-sig")
    assert "覃海燕" in text and "黄伟" in text
    for outsider in ("蒙丽", "梁晓东", "陈静"):
        assert outsider not in text
    response = client.get(
        reverse("reports:statistics_export"), {"table": "organization", "format": "csv"}
    )
    text = _content(response).decode("utf-8-sig")
    assert "南宁" not in text and "教育厅" not in text


def test_statistics_table_export(demo, client: Client):
    guangxi_claims(demo)
    act_as(client, demo.role("gx_rst"))
    response = client.get(
        reverse("reports:statistics_export"), {"table": "category", "format": "xlsx"}
    )
    rows, _ = _xlsx_rows(_content(response))
    assert rows[0] == ["申报类型", "申报数", "通过认定数", "申请学时", "批准学时"]
    assert ["培训班", 4, 1, 23, 8] in rows
    assert rows[-1][0] == "合计" and rows[-1][1] == 6
    # RFC 6266: an ASCII fallback name, then the Chinese name percent-encoded in UTF-8.
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="export.xlsx"; ')
    assert f"filename*=UTF-8''{quote('按申报类型统计')}-" in disposition
    assert disposition.endswith(".xlsx")
    assert client.get(reverse("reports:statistics_export"), {"table": "nope"}).status_code == 403


def test_large_export_runs_in_the_background(
    demo, client: Client, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_EXPORT_BACKGROUND_ROWS = 3
    guangxi_claims(demo)
    act_as(client, demo.role("gx_rst"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("reports:export_declarations"), {"format": "xlsx"})
    job = BackgroundJob.objects.get(kind="export")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:job_status", args=[job.pk])
    assert job.status == JobStatus.DONE, job.message
    assert job.total == 6 and job.result["rows"] == 6
    page = client.get(response["Location"])
    assert reverse("core:job_download", args=[job.pk]) in page.content.decode()
    download = client.get(reverse("core:job_download", args=[job.pk]))
    rows, _ = _xlsx_rows(_content(download))
    assert len(rows) == 7 and rows[0] == HEADERS
    audit = AuditLog.objects.get(action="export")
    assert audit.details["background"] is True and audit.details["rows"] == 6


def test_a_background_export_keeps_full_numbers_only_with_a_reason(
    demo, client: Client, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_EXPORT_BACKGROUND_ROWS = 3
    claims = guangxi_claims(demo)
    role = demo.role("gx_rst")
    role.user.user_permissions.add(Permission.objects.get(codename="view_full_id_number"))
    act_as(client, role)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(
            reverse("reports:export_declarations"),
            {
                "format": "xlsx",
                "full_id": "1",
                "full_id_reason": "年度核查名单报送",
                "full_id_token": full_id_token(client, reverse("reports:export_declarations")),
            },
        )
    job = BackgroundJob.objects.get(kind="export")
    rows, _ = _xlsx_rows(_content(client.get(reverse("core:job_download", args=[job.pk]))))
    assert claims["qin_approved"].person.id_number in {row[1] for row in rows[1:]}
    audit = AuditLog.objects.get(action="export")
    assert audit.details["full_id_numbers"] is True and audit.reason == "年度核查名单报送"


def test_formula_like_text_is_not_run_as_a_formula(tmp_path: Path):
    target = tmp_path / "x.xlsx"
    write_xlsx([{"v": "=HYPERLINK(1)"}], [Column("值", "v")], str(target))
    sheet = openpyxl.load_workbook(target).active
    assert sheet["A2"].value == "'=HYPERLINK(1)"
    assert sheet["A2"].data_type == "s"


@pytest.mark.skipif(
    shutil.which("libreoffice") is None,
    reason="libreoffice is not installed (scripts/install-libreoffice.sh installs it; CI runs it)",
)
def test_libreoffice_reads_the_xlsx_back(demo, client: Client, tmp_path: Path):
    guangxi_claims(demo)
    act_as(client, demo.role("gx_rst"))
    data = _export(client, "xlsx")
    source = tmp_path / "export.xlsx"
    source.write_bytes(data)
    profile = tmp_path / "lo-profile"
    subprocess.run(  # noqa: S603 (fixed arguments, our own temporary files)
        [  # noqa: S607 (libreoffice from PATH, as CI installs it)
            "libreoffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",  # comma, quote, UTF-8
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = (tmp_path / "export.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(converted)))
    expected, _ = _xlsx_rows(data)
    assert rows[0] == HEADERS
    assert len(rows) == len(expected)
    for ours, theirs in zip(expected[1:], rows[1:], strict=True):
        assert theirs[:6] == [str(value) for value in ours[:6]]
        assert float(theirs[6]) == float(ours[6])
        assert theirs[8] == ours[8]
