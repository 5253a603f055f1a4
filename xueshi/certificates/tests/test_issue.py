"""Issuing, voiding and re-issuing follow the ledger (issue 15 items 1 and 4).

Seed 002 (Guangxi): "若是已通过审核又被删除学时的，如已生成过《继续教育合格证书》的，
则删除学时后原证书自动失效。因此，请单位管理员谨慎使用删除功能。"
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from xueshi.certificates.models import Certificate, CertificateKind, CertificateStatus
from xueshi.certificates.services import (
    CertificateRefused,
    certificate_issue,
    certificate_void,
)
from xueshi.core.models import AuditLog
from xueshi.declarations.tests.test_form_views import act_as
from xueshi.review.services import approved_declaration_delete

from .helpers import GX_PERSON, THIS_YEAR, approve, general_hours, training_claim


def _valid(person) -> list[Certificate]:
    return list(
        Certificate.objects.filter(
            person=person, credit_year=THIS_YEAR, status=CertificateStatus.VALID
        )
    )


def test_a_year_reaching_the_requirement_issues_one_certificate(compliant):
    demo, _first, _second = compliant
    person = demo.person(GX_PERSON)
    [certificate] = _valid(person)
    assert re.fullmatch(rf"GX{THIS_YEAR}\d{{6}}", certificate.number)
    assert certificate.kind == CertificateKind.CERTIFICATE
    assert certificate.title == "继续教育合格证书"
    assert certificate.person_name == GX_PERSON
    assert "*" in certificate.masked_id_number
    assert certificate.unit_name == "广西大学"
    assert (certificate.general_hours, certificate.professional_hours) == (30, 64)
    assert certificate.total_hours == 94
    assert certificate.issuer_name == certificate.authority.name
    # 签证状态 (seed 004: "证书显示：已签名，即可下载证书").
    assert certificate.signed_label == "已签名"
    assert AuditLog.objects.filter(action="certificates.issue").count() == 1


def test_before_the_requirement_is_met_nothing_is_issued(demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        general_hours(demo, GX_PERSON, "30", "GX-1")
        approve(demo, training_claim(demo, days=4))  # 30 + 32 < 90
    assert not Certificate.objects.exists()


def test_more_hours_after_issue_keep_the_one_certificate(
    compliant, django_capture_on_commit_callbacks
):
    demo, *_ = compliant
    with django_capture_on_commit_callbacks(execute=True):
        approve(demo, training_claim(demo, days=1, title="学术讲座", month=3))
    person = demo.person(GX_PERSON)
    assert len(_valid(person)) == 1
    # Asking again returns the valid one; it never makes a second.
    again = certificate_issue(person_id=person.pk, credit_year=THIS_YEAR)
    assert again is not None and again.pk == _valid(person)[0].pk
    assert Certificate.objects.filter(person=person).count() == 1


def test_a_region_without_certificates_issues_none(demo, django_capture_on_commit_callbacks):
    """Anyang's seed shows no certificate: its profile has no `certificate` block."""
    person = demo.person("李明")
    assert certificate_issue(person_id=person.pk, credit_year=THIS_YEAR) is None


def test_deleting_an_approved_claim_voids_the_certificate_and_the_public_page_says_void(
    compliant, client, django_capture_on_commit_callbacks
):
    """Seed 002: "删除学时后原证书自动失效" — 94 − 32 = 62 < 90: void, and no new one."""
    demo, first, _second = compliant
    person = demo.person(GX_PERSON)
    [certificate] = _valid(person)
    remover = demo.role("gx_gxu")
    with django_capture_on_commit_callbacks(execute=True):
        approved_declaration_delete(
            declaration_id=first.pk, actor=remover.user, role=remover, reason="重复登记"
        )
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VOID
    assert certificate.voided_at is not None
    assert "教学能力提升培训班" in certificate.void_reason
    assert "原证书自动失效" in certificate.void_reason
    assert not _valid(person)

    page = client.get(reverse("certificates:verify_number", args=(certificate.number,)))
    text = page.content.decode()
    assert page.status_code == 200
    assert "证书已作废" in text and "原证书自动失效" in text
    assert GX_PERSON in text and certificate.masked_id_number in text
    data = client.get(reverse("certificates:verify_json", args=(certificate.number,))).json()
    assert data["status"] == "void"
    assert data["voided_on"] and "原证书自动失效" in data["void_reason"]


def test_still_met_after_a_deletion_reissues_with_a_new_number_linked_from_the_old(
    compliant, client, django_capture_on_commit_callbacks
):
    demo, first, _second = compliant
    with django_capture_on_commit_callbacks(execute=True):
        approve(demo, training_claim(demo, days=4, title="学术会议", month=3))  # 126
    person = demo.person(GX_PERSON)
    [old] = _valid(person)
    remover = demo.role("gx_gxu")
    with django_capture_on_commit_callbacks(execute=True):
        approved_declaration_delete(
            declaration_id=first.pk, actor=remover.user, role=remover, reason="重复登记"
        )
    old.refresh_from_db()
    [new] = _valid(person)
    assert old.status == CertificateStatus.VOID
    assert new.number != old.number
    assert new.replaces_id == old.pk and old.replaced_by == new
    assert new.total_hours == Decimal(94)
    data = client.get(reverse("certificates:verify_json", args=(old.number,))).json()
    assert data["replaced_by"] == new.number
    page = client.get(reverse("certificates:verify_number", args=(old.number,))).content.decode()
    assert new.number in page and "已换发新证书" in page
    assert (
        client.get(reverse("certificates:verify_json", args=(new.number,))).json()["replaces"]
        == old.number
    )


def test_an_authority_voids_by_hand_with_a_reason_audited(compliant, client):
    demo, *_ = compliant
    [certificate] = _valid(demo.person(GX_PERSON))
    act_as(client, demo.role("gx_rst"))
    url = reverse("certificates:void", args=(certificate.pk,))
    confirm = client.get(url)
    assert confirm.status_code == 200 and "确认作废" in confirm.content.decode()
    empty = client.post(url, {"reason": ""})
    assert "请填写作废原因" in empty.content.decode()
    certificate.refresh_from_db()
    assert certificate.is_valid  # nothing lost on bad input
    done = client.post(url, {"reason": "证书信息有误，经核实作废"})
    assert done.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VOID
    assert certificate.void_reason == "证书信息有误，经核实作废"
    log = AuditLog.objects.get(action="certificates.void")
    assert log.reason == "证书信息有误，经核实作废"
    with pytest.raises(CertificateRefused):
        certificate_void(certificate_id=certificate.pk, reason="再次作废")


def test_a_unit_admin_may_not_void(compliant, client):
    demo, *_ = compliant
    [certificate] = _valid(demo.person(GX_PERSON))
    act_as(client, demo.role("gx_gxu"))
    response = client.post(
        reverse("certificates:void", args=(certificate.pk,)), {"reason": "不应作废"}
    )
    assert response.status_code == 403
    certificate.refresh_from_db()
    assert certificate.is_valid


def test_an_unknown_number_says_unknown(db, client):
    page = client.get(reverse("certificates:verify_number", args=("GX2099000001",)))
    assert page.status_code == 404
    assert "未查询到该证书" in page.content.decode()
    data = client.get(reverse("certificates:verify_json", args=("GX2099000001",)))
    assert data.status_code == 404 and data.json()["status"] == "unknown"
