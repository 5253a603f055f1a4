"""The pages: the person's form and list (HTMX year row, certificate check), the authority's
queue (paginated, its query count flat), a request's detail with its trail; 404 outside the
scope."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueshi.applications.tests.helpers import act_as
from xueshi.core.models import AuditLog
from xueshi.ledger.models import YearTotal
from xueshi.transfers import services
from xueshi.transfers.models import TransferRequest, TransferStatus

from .helpers import HENAN, LAST_YEAR, file_from_henan, hours, move, pdf

pytestmark = pytest.mark.django_db


def test_the_person_files_through_the_form(client, demo):
    move(demo, "赵磊")
    act_as(client, demo.professional("赵磊"))
    page = client.get(reverse("transfers:index"))
    assert page.status_code == 200
    assert "学时转入" in page.content.decode() and "还没有学时转入申请" in page.content.decode()
    regions = [str(label) for _, label in page.context["form"].fields["source_region"].choices]
    assert HENAN in regions and "新疆维吾尔自治区人力资源和社会保障厅" not in regions
    row = client.get(reverse("transfers:year_row"), HTTP_HX_REQUEST="true")
    assert row.status_code == 200 and 'name="professional_hours"' in row.content.decode()

    sent = client.post(
        reverse("transfers:create"),
        {
            "source_region": demo.organization(HENAN).pk,
            "year": [str(LAST_YEAR), str(LAST_YEAR - 1), ""],
            "general_hours": ["30", "12", ""],
            "professional_hours": ["60", "", ""],
            "evidence": pdf(),
        },
    )
    transfer = TransferRequest.objects.get()
    assert sent.status_code == 302 and sent.url == reverse("transfers:detail", args=[transfer.pk])
    assert transfer.status == TransferStatus.PENDING
    assert sorted(transfer.years.values_list("credit_year", "general_hours")) == [
        (LAST_YEAR - 1, Decimal(12)),
        (LAST_YEAR, Decimal(30)),
    ]
    detail = client.get(sent.url).content.decode()
    assert HENAN in detail and "新疆大学（单位审核）" in detail
    assert "审核通过" not in detail  # the person has no verdict buttons


def test_a_fake_pdf_is_refused_at_the_field(client, demo):
    move(demo, "赵磊")
    act_as(client, demo.professional("赵磊"))
    answer = client.post(
        reverse("transfers:create"),
        {
            "source_region": demo.organization(HENAN).pk,
            "year": [str(LAST_YEAR)],
            "general_hours": ["30"],
            "professional_hours": ["60"],
            "evidence": pdf("学时证明.pdf", b"GIF89a not really a pdf at all" * 10),
        },
    )
    assert answer.status_code == 400
    assert "按文件内容识别" in answer.content.decode()
    assert not TransferRequest.objects.exists()


def test_the_certificate_check_says_why_it_is_refused(client, demo):
    move(demo, "赵磊")
    act_as(client, demo.professional("赵磊"))
    answer = client.post(
        reverse("transfers:certificate_check"),
        {"certificate_number": "GX2099000001"},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    assert "未查询到编号为“GX2099000001”的证书" in answer.content.decode()


def test_the_authority_approves_from_the_detail_page(
    client, demo, django_capture_on_commit_callbacks
):
    transfer = file_from_henan(demo)
    services.transfer_approve(transfer_id=transfer.pk, role=demo.role("xj_xju"))
    act_as(client, demo.role("xj_rst"))
    page = client.get(reverse("transfers:detail", args=[transfer.pk])).content.decode()
    assert "审核通过" in page and "不予认定" in page
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("transfers:act", args=[transfer.pk]), {"action": "approve"})
    assert done.status_code == 302
    total = YearTotal.objects.get(person=transfer.person, credit_year=LAST_YEAR)
    assert (total.general_hours, total.professional_hours) == (30, 60)
    # The person's bell says so.
    assert transfer.person.user.notifications.filter(message__contains="已认定").exists()
    # The person's ledger page shows the line as 转入 with the region.
    act_as(client, demo.professional("赵磊"))
    ledger = client.get(reverse("ledger:my_years"), {"year": LAST_YEAR}).content.decode()
    assert "转入" in ledger and f"学时转入（原地区：{HENAN}）" in ledger


def test_outside_the_scope_is_a_404(client, demo):
    transfer = file_from_henan(demo)
    for role in (demo.role("gx_gxu"), demo.professional("孙丽"), demo.role("gx_rst")):
        act_as(client, role)
        for name in ("transfers:detail", "transfers:evidence"):
            assert client.get(reverse(name, args=[transfer.pk])).status_code == 404
        answer = client.post(reverse("transfers:act", args=[transfer.pk]), {"action": "approve"})
        assert answer.status_code == 404
    assert TransferRequest.objects.get(pk=transfer.pk).current_position == 0


def test_the_evidence_is_read_in_scope_and_audited(client, demo):
    transfer = file_from_henan(demo)
    act_as(client, demo.role("xj_xju"))
    answer = client.get(reverse("transfers:evidence", args=[transfer.pk]))
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content).startswith(b"%PDF")
    assert AuditLog.objects.filter(action="transfer.evidence_read").exists()


def test_the_reviewers_see_the_menu_entries(client, demo):
    act_as(client, demo.role("xj_rst"))
    assert "学时转入审核" in client.get(reverse("core:home")).content.decode()
    act_as(client, demo.professional("赵磊"))
    home = client.get(reverse("core:home")).content.decode()
    assert reverse("transfers:index") in home


def _queue_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(reverse("transfers:queue"))
    assert answer.status_code == 200
    return len(queries)


def test_the_queue_is_paginated_and_its_queries_do_not_grow(client, demo):
    file_from_henan(demo, "赵磊")
    act_as(client, demo.role("xj_xju"))
    one = _queue_queries(client)
    for name in ("孙丽", "周强"):
        person = move(demo, name)
        services.transfer_create(
            person=person,
            role=demo.professional(name),
            years=[hours(LAST_YEAR, "30", "60"), hours(LAST_YEAR - 1, "30", "60")],
            source_region_name="北京市",
            upload=pdf(),
        )
    page = client.get(reverse("transfers:queue")).content.decode()
    assert "孙丽" in page and "周强" in page and "赵磊" in page
    assert _queue_queries(client) == one


def test_a_department_admin_sees_their_department_only(client, demo):
    """广西大学: 黄伟 manages 计算机与电子信息学院 only; 蒙丽 (财务处) is not his to see."""
    for name in ("覃海燕", "蒙丽"):
        services.transfer_create(
            person=demo.person(name),
            role=demo.professional(name),
            years=[hours(LAST_YEAR, "30", "60")],
            source_region_id=demo.organization(HENAN).pk,
            upload=pdf(),
        )
    huang = demo.person("黄伟")
    act_as(client, demo.role(huang.id_number, "department_admin"))
    page = client.get(reverse("transfers:queue")).content.decode()
    assert "覃海燕" in page and "蒙丽" not in page


def test_the_persons_list_queries_do_not_grow(client, demo):
    file_from_henan(demo, "赵磊", [hours(LAST_YEAR, "30", "60")])
    act_as(client, demo.professional("赵磊"))
    with CaptureQueriesContext(connection) as first:
        assert client.get(reverse("transfers:index")).status_code == 200
    person = demo.person("赵磊")
    for region in ("北京市", "上海市"):
        services.transfer_create(
            person=person,
            role=demo.professional("赵磊"),
            years=[hours(LAST_YEAR, "1", "2"), hours(LAST_YEAR - 1, "3", "4")],
            source_region_name=region,
            upload=pdf(),
        )
    with CaptureQueriesContext(connection) as then:
        page = client.get(reverse("transfers:index"))
    assert "上海市" in page.content.decode()
    assert len(then) == len(first)
