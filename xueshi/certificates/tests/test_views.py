"""The pages: 我的证书 (seed 004), downloads within scope only, 证书管理 with its background
batch and ZIP, 学时证明, public verification's rate limit, and query counts that do not grow."""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.services import person_create
from xueshi.certificates import views
from xueshi.certificates.models import Certificate, CertificateKind, CertificateStatus
from xueshi.core.models import AuditLog, BackgroundJob, JobStatus
from xueshi.core.testing import make_id_number
from xueshi.declarations.tests.test_form_views import act_as
from xueshi.portal.menu import menu_for

from .helpers import GX_PERSON, THIS_YEAR, pdftotext


def _certificate(compliant_demo: Any) -> Certificate:
    return Certificate.objects.get(person=compliant_demo.person(GX_PERSON))


def test_my_certificates_shows_signed_and_download(compliant, client):
    """Seed 004: "在我的证书栏目可进行查看：认定单位及签证状态。证书显示：已签名，即可下载证书。"""
    demo, *_ = compliant
    certificate = _certificate(demo)
    act_as(client, demo.professional(GX_PERSON))
    page = client.get(reverse("certificates:mine")).content.decode()
    for words in ("我的证书", "认定单位", "签证状态", "已签名", "下载证书", certificate.number):
        assert words in page
    assert certificate.issuer_name in page
    download = client.get(reverse("certificates:download", args=(certificate.pk,)))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == certificate.pdf.open("rb").read()


def test_the_menu_has_my_certificates_for_a_professional(demo):
    labels = [
        item.label for section in menu_for(demo.professional(GX_PERSON)) for item in section.items
    ]
    assert "我的证书" in labels


def test_an_empty_my_certificates_says_what_to_do(demo, client):
    act_as(client, demo.professional(GX_PERSON))
    page = client.get(reverse("certificates:mine")).content.decode()
    assert "暂无证书" in page and "学时达到要求后" in page


def test_another_units_admin_and_another_person_get_404(compliant, client):
    demo, *_ = compliant
    certificate = _certificate(demo)
    url = reverse("certificates:download", args=(certificate.pk,))
    act_as(client, demo.role("gx_nnyz"))  # 南宁市第一中学: another unit
    assert client.get(url).status_code == 404
    act_as(client, demo.role("gx_gxu"))  # her own unit: allowed, and the read is audited
    assert client.get(url).status_code == 200
    assert AuditLog.objects.filter(action="certificates.download").count() == 1
    act_as(client, demo.professional("陈静"))  # a colleague in her professional role
    assert client.get(url).status_code == 404


def test_a_statement_lists_the_last_three_years_signed_and_verifiable(
    compliant,
    client,
    tmp_path,
):
    demo, *_ = compliant
    act_as(client, demo.professional(GX_PERSON))
    response = client.post(reverse("certificates:statement_create"), {"years": "3"})
    assert response.status_code == 302
    statement = Certificate.objects.get(kind=CertificateKind.STATEMENT)
    assert statement.number.startswith(f"GXZM{timezone.localdate().year}")
    assert [row["credit_year"] for row in statement.years] == [
        THIS_YEAR,
        THIS_YEAR - 1,
        THIS_YEAR - 2,
    ]
    assert [row["met"] for row in statement.years] == [True, False, False]
    path = tmp_path / "statement.pdf"
    path.write_bytes(statement.pdf.read())
    text = pdftotext(str(path))
    assert "学时证明" in text and GX_PERSON in text and "未达标" in text and "达标" in text
    assert str(THIS_YEAR - 2) in text
    data = client.get(reverse("certificates:verify_json", args=(statement.number,))).json()
    assert data["status"] == "valid" and len(data["years"]) == 3
    bad = client.post(reverse("certificates:statement_create"), {"years": "4"}, follow=True)
    assert "请选择近 3 年或近 5 年" in bad.content.decode()


def test_public_verification_is_rate_limited(db, client, settings):
    settings.CERTIFICATE_VERIFY_RATE = 2
    url = reverse("certificates:verify_json", args=("GX2099000001",))
    assert client.get(url).status_code == 404
    assert client.get(url).status_code == 404
    refused = client.get(url)
    assert refused.status_code == 429
    assert "查验过于频繁" in refused.json()["message"]
    page = client.get(reverse("certificates:verify_number", args=("GX2099000001",)))
    assert page.status_code == 429 and "查验过于频繁" in page.content.decode()


def test_verification_by_number_form(db, client):
    page = client.get(reverse("certificates:verify"))
    assert page.status_code == 200 and "证书编号" in page.content.decode()
    empty = client.get(reverse("certificates:verify"), {"number": " "})
    assert "请输入证书编号" in empty.content.decode()
    found = client.get(reverse("certificates:verify"), {"number": "gx2099000001"})
    assert found.status_code == 302 and found["Location"].endswith("/verify/GX2099000001/")


def test_batch_issue_is_a_background_job_with_progress(
    compliant,
    client,
    django_capture_on_commit_callbacks,
):
    demo, *_ = compliant
    Certificate.objects.all().delete()
    act_as(client, demo.role("gx_rst"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("certificates:batch_issue"), {"credit_year": THIS_YEAR})
    job = BackgroundJob.objects.get(kind="certificates.batch_issue")
    assert response["Location"] == reverse("core:job_status", args=(job.pk,))
    assert job.status == JobStatus.DONE, job.message
    assert job.done == job.total and job.total >= 1
    assert job.result["issued"] == 1
    assert Certificate.objects.filter(status=CertificateStatus.VALID).count() == 1


def test_batch_issue_for_one_unit_of_the_authoritys_tree(
    compliant, client, django_capture_on_commit_callbacks
):
    demo, *_ = compliant
    Certificate.objects.all().delete()
    act_as(client, demo.role("gx_rst"))
    unit = demo.organization("南宁市第一中学")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("certificates:batch_issue"), {"credit_year": THIS_YEAR, "unit": unit.pk}
        )
    job = BackgroundJob.objects.get(kind="certificates.batch_issue")
    assert job.status == JobStatus.DONE and job.result["issued"] == 0  # 覃海燕 is not there
    other = demo.organization("新疆大学")
    response = client.post(
        reverse("certificates:batch_issue"), {"credit_year": THIS_YEAR, "unit": other.pk}
    )
    assert response.status_code == 404


def test_a_unit_may_not_batch_issue(demo, client):
    act_as(client, demo.role("gx_gxu"))
    response = client.post(reverse("certificates:batch_issue"), {"credit_year": THIS_YEAR})
    assert response.status_code == 403


def test_a_unit_downloads_its_peoples_certificates_of_a_year_as_one_zip(
    compliant,
    client,
    django_capture_on_commit_callbacks,
):
    demo, *_ = compliant
    certificate = _certificate(demo)
    act_as(client, demo.role("gx_gxu"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("certificates:zip"), {"credit_year": THIS_YEAR})
    job = BackgroundJob.objects.get(kind="certificates.zip")
    assert job.status == JobStatus.DONE, job.message
    archive = zipfile.ZipFile(io.BytesIO(job.file.read()))
    assert archive.namelist() == [f"{certificate.number}-{GX_PERSON}.pdf"]
    assert archive.read(archive.namelist()[0]) == certificate.pdf.open("rb").read()
    assert AuditLog.objects.filter(action="certificates.zip_export").exists()
    # Another unit's ZIP does not hold her certificate.
    act_as(client, demo.role("gx_nnyz"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("certificates:zip"), {"credit_year": THIS_YEAR})
    other = BackgroundJob.objects.filter(kind="certificates.zip").latest("pk")
    assert zipfile.ZipFile(io.BytesIO(other.file.read())).namelist() == []


# --- pagination and query counts -------------------------------------------------------------


@pytest.fixture
def _one_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 100)


def _rows(demo: Any, start: int, count: int) -> None:
    """Certificate rows as issued (the PDF content does not matter to a list)."""
    unit = demo.organization("广西大学")
    authority = demo.organization("广西壮族自治区人力资源和社会保障厅")
    for index in range(start, start + count):
        person = person_create(
            id_number=make_id_number("450103", datetime.date(1990, 1, 1), 300 + index),
            name=f"测试人员{index:02d}",
            unit=unit,
            can_log_in=False,
        )
        certificate = Certificate(
            number=f"GX{THIS_YEAR}{900000 + index}",
            title="继续教育合格证书",
            person=person,
            profile_key="guangxi",
            credit_year=THIS_YEAR,
            person_name=person.name,
            masked_id_number=person.masked_id_number,
            unit_name=unit.name,
            general_hours=Decimal(30),
            professional_hours=Decimal(60),
            total_hours=Decimal(90),
            authority=authority,
            issuer_name=authority.name,
            issued_at=timezone.now(),
            sm3_digest="0" * 64,
            sm2_signature="00",
        )
        certificate.pdf.save("x.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
        certificate.save()


def _count(client: Any, expected: int) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("certificates:list"), {"year": THIS_YEAR})
    assert response.status_code == 200
    assert response.content.decode().count("测试人员") >= expected
    return len(context.captured_queries)


@pytest.mark.usefixtures("_one_page")
def test_the_certificate_list_queries_do_not_grow_with_rows(demo, client):
    act_as(client, demo.role("gx_gxu"))
    _rows(demo, 0, 3)
    few = _count(client, 3)
    _rows(demo, 3, 40)
    assert _count(client, 43) == few


def test_the_certificate_list_is_paginated(demo, client):
    act_as(client, demo.role("gx_gxu"))
    _rows(demo, 0, views.PAGE_SIZE + 1)
    page = client.get(reverse("certificates:list"), {"year": THIS_YEAR}).content.decode()
    assert "第 1 / 2 页" in page
    assert f"year={THIS_YEAR}&amp;page=2" in page


def test_the_demo_shows_a_certificate_for_a_compliant_person(demo_claims, client):
    """`make run`: 覃海燕 (广西大学) met last year's requirement (公需 30 + 专业 64)."""
    person = demo_claims.person(GX_PERSON)
    [certificate] = Certificate.objects.filter(person=person, status=CertificateStatus.VALID)
    assert certificate.credit_year == THIS_YEAR - 1
    act_as(client, demo_claims.professional(GX_PERSON))
    assert certificate.number in client.get(reverse("certificates:mine")).content.decode()


def test_the_authority_sees_batch_issue_by_unit_the_unit_does_not(demo, client):
    act_as(client, demo.role("gx_rst"))
    page = client.get(reverse("certificates:list")).content.decode()
    assert "批量发证" in page and "南宁市第一中学" in page and "全部单位" in page
    act_as(client, demo.role("gx_gxu"))
    page = client.get(reverse("certificates:list")).content.decode()
    assert "批量发证" not in page and "下载本年度证书（ZIP）" in page
