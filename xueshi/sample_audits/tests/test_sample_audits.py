"""Sample audits (issue 18 item 1): the draw over the authority's approved claims, verdicts that
move the ledger through the lifecycle, the certificate following, scope, pages and exports."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from xueshi.certificates.models import Certificate, CertificateStatus
from xueshi.certificates.tests.helpers import GX_PERSON, general_hours
from xueshi.core.models import AuditLog
from xueshi.declarations.models import DeclarationStatus
from xueshi.declarations.services import AlreadyHandled
from xueshi.declarations.tests.test_form_views import act_as
from xueshi.ledger.models import EntrySource, LedgerEntry, YearTotal
from xueshi.portal.menu import menu_for
from xueshi.review.models import TrailAction, TrailEntry
from xueshi.review.services import approved_declaration_delete
from xueshi.sample_audits import views
from xueshi.sample_audits.models import AuditVerdict, SampleAudit, SampledItem
from xueshi.sample_audits.services import sampled_item_decide

from .helpers import AUTHORITY, THIS_YEAR, approved_claim, start


def _professional_hours(demo, name=GX_PERSON) -> Decimal:
    return YearTotal.objects.get(person=demo.person(name), credit_year=THIS_YEAR).professional_hours


def _valid_certificates(demo, name=GX_PERSON) -> list[Certificate]:
    return list(
        Certificate.objects.filter(
            person=demo.person(name), credit_year=THIS_YEAR, status=CertificateStatus.VALID
        )
    )


def _decide(demo, item, verdict, **kwargs):
    role = demo.role(AUTHORITY)
    return sampled_item_decide(
        role=role, actor=role.user, item_id=item.pk, verdict=verdict, **kwargs
    )


@pytest.fixture
def population(demo):
    """Five approved claims: three at 广西大学 (覃海燕), two at 南宁市第一中学 (梁晓东)."""
    claims = [approved_claim(demo, GX_PERSON, number) for number in range(3)]
    claims += [approved_claim(demo, "梁晓东", number) for number in range(3, 5)]
    return claims


@pytest.fixture
def compliant(demo, django_capture_on_commit_callbacks):
    """覃海燕's year meets the requirement: 公需 30 + 32 + 32 (+ 8) → a valid certificate."""
    with django_capture_on_commit_callbacks(execute=True):
        general_hours(demo, GX_PERSON, "30", "GX-1")
        first = approved_claim(demo, GX_PERSON, 1, days=4)
    with django_capture_on_commit_callbacks(execute=True):
        second = approved_claim(demo, GX_PERSON, 2, days=4)
    assert len(_valid_certificates(demo)) == 1
    return first, second


# --- the draw --------------------------------------------------------------------------------


def test_the_same_seed_draws_the_same_sample_and_the_seed_is_recorded(demo, population):
    first = start(demo, size_value=Decimal(2), seed=11)
    again = start(demo, size_value=Decimal(2), seed=11)
    drawn = list(first.items.values_list("declaration_id", flat=True))
    assert drawn == list(again.items.values_list("declaration_id", flat=True))
    assert first.seed == 11 and first.population_size == 5 and first.sample_size == 2
    assert set(drawn) <= {claim.pk for claim in population}
    others = {
        tuple(
            start(demo, size_value=Decimal(2), seed=seed).items.values_list(
                "declaration_id", flat=True
            )
        )
        for seed in range(12, 17)
    }
    assert len(others | {tuple(drawn)}) > 1  # other seeds draw other samples
    log = AuditLog.objects.filter(action="sample_audit.start").first()
    assert log is not None and log.details["seed"] in (11, *range(12, 17))


def test_without_a_seed_a_random_one_is_recorded_and_redraws_the_same(demo, population):
    audit = start(demo, size_kind="percent", size_value=Decimal(50))
    assert audit.sample_size == 3  # ceil(5 × 50%)
    again = start(demo, size_kind="percent", size_value=Decimal(50), seed=audit.seed)
    assert list(audit.items.values_list("declaration_id", flat=True)) == list(
        again.items.values_list("declaration_id", flat=True)
    )


def test_stratified_by_unit_draws_from_every_unit(demo, population):
    for seed in range(5):
        audit = start(demo, size_value=Decimal(2), stratify="unit", seed=seed)
        units = set(audit.items.values_list("unit__name", flat=True))
        assert units == {"广西大学", "南宁市第一中学"}
        assert set(audit.items.values_list("stratum", flat=True)) == units


def test_a_year_without_approved_claims_cannot_be_audited(demo):
    with pytest.raises(ValidationError) as refused:
        start(demo, size_value=Decimal(2), credit_year=THIS_YEAR - 3)
    assert "没有" in str(refused.value)


# --- verdicts through the lifecycle --------------------------------------------------------------


def test_revoking_a_sampled_claim_reduces_the_ledger_and_voids_the_certificate(
    demo, compliant, django_capture_on_commit_callbacks
):
    first, _second = compliant
    [certificate] = _valid_certificates(demo)
    before = _professional_hours(demo)
    audit = start(demo, size_value=Decimal(2), seed=1)
    item = audit.items.get(declaration=first)
    with django_capture_on_commit_callbacks(execute=True):
        _decide(demo, item, AuditVerdict.REVOKED, reason="培训证明系伪造")
    assert _professional_hours(demo) == before - Decimal(32)
    entry = LedgerEntry.objects.get(declaration=first, source=EntrySource.AUDIT_REVOCATION)
    assert entry.hours == Decimal(-32)
    first.refresh_from_db()
    assert first.status == DeclarationStatus.REJECTED
    trail = TrailEntry.objects.filter(declaration=first).last()
    assert trail.action == TrailAction.AUDIT_REVOKE and trail.comment == "培训证明系伪造"
    assert AuditLog.objects.filter(action="declaration.audit_revoke").exists()
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VOID  # 30 + 32 < 90: not re-issued
    assert "抽查撤销认定" in certificate.void_reason
    assert not _valid_certificates(demo)
    item.refresh_from_db()
    assert item.verdict == AuditVerdict.REVOKED and item.hours_after == 0
    item.declaration.refresh_from_db()
    assert item.declaration.hours_granted == 0  # the statistics sum no revoked hours


def test_correcting_hours_reduces_the_ledger_by_the_difference_and_reissues(
    demo, compliant, django_capture_on_commit_callbacks
):
    first, _second = compliant
    with django_capture_on_commit_callbacks(execute=True):
        approved_claim(demo, GX_PERSON, 3, days=2)  # 30 + 80: still met after 6 fewer
    [old] = _valid_certificates(demo)
    before = _professional_hours(demo)
    audit = start(demo, size_value=Decimal(3), seed=2)
    item = audit.items.get(declaration=first)
    with django_capture_on_commit_callbacks(execute=True):
        _decide(
            demo, item, AuditVerdict.CORRECTED, hours_after=Decimal(26), reason="实际参训 3 天余"
        )
    assert _professional_hours(demo) == before - Decimal(6)
    first.refresh_from_db()
    assert first.status == DeclarationStatus.APPROVED and first.hours_granted == Decimal(26)
    old.refresh_from_db()
    [new] = _valid_certificates(demo)
    assert old.status == CertificateStatus.VOID and new.replaces_id == old.pk
    assert "抽查核减学时" in old.void_reason


def test_a_correction_may_only_lower_the_hours_and_needs_a_reason(demo, compliant):
    first, _second = compliant
    item = start(demo, size_value=Decimal(2), seed=1).items.get(declaration=first)
    with pytest.raises(ValidationError):
        _decide(demo, item, AuditVerdict.CORRECTED, hours_after=Decimal(40), reason="多报")
    with pytest.raises(ValidationError):
        _decide(demo, item, AuditVerdict.CORRECTED, hours_after=Decimal(20), reason="")
    item.refresh_from_db()
    first.refresh_from_db()
    assert item.verdict == "" and first.hours_granted == Decimal(32)
    assert not LedgerEntry.objects.filter(declaration=first).exclude(source=EntrySource.APPROVAL)


def test_a_claim_corrected_by_one_audit_is_not_corrected_again_by_another(demo, compliant):
    first, _second = compliant
    one = start(demo, size_value=Decimal(2), seed=1).items.get(declaration=first)
    _decide(demo, one, AuditVerdict.CORRECTED, hours_after=Decimal(24), reason="少半天")
    other = start(demo, size_value=Decimal(2), seed=2).items.get(declaration=first)
    with pytest.raises(ValidationError) as refused:
        _decide(demo, other, AuditVerdict.CORRECTED, hours_after=Decimal(16), reason="再核减")
    assert "不能再次核减" in str(refused.value)
    first.refresh_from_db()
    other.refresh_from_db()
    assert first.hours_granted == Decimal(24) and other.verdict == ""
    assert _professional_hours(demo) == Decimal(24 + 32)


def test_deleting_a_corrected_claim_takes_back_only_what_it_still_holds(demo, compliant):
    first, _second = compliant
    before = _professional_hours(demo)
    item = start(demo, size_value=Decimal(2), seed=1).items.get(declaration=first)
    _decide(demo, item, AuditVerdict.CORRECTED, hours_after=Decimal(24), reason="少半天")
    assert _professional_hours(demo) == before - Decimal(8)
    remover = demo.role("gx_gxu")
    approved_declaration_delete(
        declaration_id=first.pk, actor=remover.user, role=remover, reason="重复登记"
    )
    # 32 approved, 8 taken back by the audit: the deletion takes the remaining 24, not 32.
    assert _professional_hours(demo) == before - Decimal(32)
    net = sum(LedgerEntry.objects.filter(declaration=first).values_list("hours", flat=True))
    assert net == 0


def test_confirming_changes_nothing_and_an_item_is_decided_once(demo, population):
    audit = start(demo, size_value=Decimal(1), seed=5)
    item = audit.items.get()
    entries = LedgerEntry.objects.count()
    _decide(demo, item, AuditVerdict.CONFIRMED)
    assert LedgerEntry.objects.count() == entries
    with pytest.raises(AlreadyHandled):
        _decide(demo, item, AuditVerdict.REVOKED, reason="再查")
    assert AuditLog.objects.filter(action="sample_audit.verdict").count() == 1


# --- pages ----------------------------------------------------------------------------------


def test_an_audit_of_another_authority_is_a_404(demo, population, client):
    audit = start(demo, size_value=Decimal(2), seed=3)
    item = audit.items.first()
    act_as(client, demo.role("zj_jst"))  # 浙江 建设厅: an authority, not this one
    assert client.get(reverse("sample_audits:detail", args=(audit.pk,))).status_code == 404
    assert client.get(reverse("sample_audits:export", args=(audit.pk,))).status_code == 404
    post = client.post(
        reverse("sample_audits:decide", args=(audit.pk, item.pk)),
        {"verdict": "revoked", "reason": "越权"},
    )
    assert post.status_code == 404
    item.refresh_from_db()
    assert item.verdict == ""
    listed = client.get(reverse("sample_audits:list")).content.decode()
    assert reverse("sample_audits:detail", args=(audit.pk,)) not in listed


def test_a_unit_admin_has_no_audits_and_the_menu_shows_them_to_the_authority(demo, client):
    act_as(client, demo.role("gx_gxu"))
    assert client.get(reverse("sample_audits:list")).status_code == 403
    labels = [item.label for section in menu_for(demo.role(AUTHORITY)) for item in section.items]
    assert "学时抽查" in labels
    unit_labels = [
        item.label for section in menu_for(demo.role("gx_gxu")) for item in section.items
    ]
    assert "学时抽查" not in unit_labels


def test_start_page_draws_and_shows_the_sample(demo, population, client):
    act_as(client, demo.role(AUTHORITY))
    bad = client.post(
        reverse("sample_audits:start"),
        {"credit_year": THIS_YEAR, "size_kind": "percent", "size_value": "150", "stratify": "none"},
    )
    assert bad.status_code == 400 and "不能超过 100%" in bad.content.decode()
    response = client.post(
        reverse("sample_audits:start"),
        {
            "credit_year": THIS_YEAR,
            "size_kind": "count",
            "size_value": "3",
            "stratify": "unit",
            "seed": "99",
        },
    )
    audit = SampleAudit.objects.get()
    assert response["Location"] == reverse("sample_audits:detail", args=(audit.pk,))
    page = client.get(response["Location"]).content.decode()
    assert "随机种子" in page and "99" in page and "已核查 <strong" in page
    assert page.count('id="sampled-item-') == 3


def test_a_verdict_by_htmx_returns_the_row_and_refreshes_the_summary(
    demo, compliant, client, django_capture_on_commit_callbacks
):
    first, _ = compliant
    audit = start(demo, size_value=Decimal(2), seed=1)
    item = audit.items.get(declaration=first)
    act_as(client, demo.role(AUTHORITY))
    url = reverse("sample_audits:decide", args=(audit.pk, item.pk))
    missing = client.post(url, {"verdict": "revoked", "reason": ""}, HTTP_HX_REQUEST="true")
    assert missing.status_code == 400 and "必须填写原因" in missing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url,
            {"verdict": "corrected", "hours_after": "30", "reason": "少计半天"},
            HTTP_HX_REQUEST="true",
        )
    assert done.status_code == 200 and done["HX-Trigger"] == "sample-audit-changed"
    assert "核减学时" in done.content.decode() and "核定 30" in done.content.decode()
    summary = client.get(reverse("sample_audits:summary", args=(audit.pk,))).content.decode()
    assert "100.0%" in summary  # 1 finding of 1 decided, 广西大学


def test_the_report_exports_the_sample_findings_and_unit_rates(
    demo, compliant, client, django_capture_on_commit_callbacks
):
    first, _ = compliant
    audit = start(demo, size_value=Decimal(2), seed=1)
    with django_capture_on_commit_callbacks(execute=True):
        _decide(demo, audit.items.get(declaration=first), AuditVerdict.REVOKED, reason="伪造")
    act_as(client, demo.role(AUTHORITY))
    response = client.get(reverse("sample_audits:export", args=(audit.pk,)))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "姓名", "证件号码")
    assert len(rows) == 3 and any(row[8] == "撤销认定" and row[10] == "伪造" for row in rows)
    assert all("*" in row[2] for row in rows[1:])  # ID numbers masked
    units = client.get(
        reverse("sample_audits:export", args=(audit.pk,)) + "?table=units&format=csv"
    )
    text = b"".join(units.streaming_content).decode("utf-8-sig")
    assert "广西大学,2,1,1,100\r\n" in text
    assert AuditLog.objects.filter(action__contains="export").exists()


def _audits(demo, count: int) -> None:
    for seed in range(count):
        start(demo, size_value=Decimal(2), seed=seed)


def test_the_lists_query_count_does_not_grow_with_rows(demo, population, client):
    act_as(client, demo.role(AUTHORITY))
    _audits(demo, 2)
    url = reverse("sample_audits:list")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _audits(demo, 8)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).content.decode().count('btn-outline-primary" href') == 10
    assert len(many.captured_queries) == len(few.captured_queries)

    small = start(demo, size_value=Decimal(1), seed=1)
    large = start(demo, size_value=Decimal(5), seed=1)
    _decide(demo, large.items.first(), AuditVerdict.CONFIRMED)
    _decide(demo, small.items.first(), AuditVerdict.CONFIRMED)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("sample_audits:detail", args=(small.pk,)))
    with CaptureQueriesContext(connection) as five:
        page = client.get(reverse("sample_audits:detail", args=(large.pk,))).content.decode()
    assert page.count('id="sampled-item-') == 5
    assert len(five.captured_queries) == len(one.captured_queries)


def test_the_sample_is_paginated(demo, population, monkeypatch, client):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    audit = start(demo, size_value=Decimal(5), seed=1)
    act_as(client, demo.role(AUTHORITY))
    page = client.get(reverse("sample_audits:detail", args=(audit.pk,))).content.decode()
    assert page.count('id="sampled-item-') == 2 and "第 1 / 3 页" in page
    assert SampledItem.objects.filter(audit=audit).count() == 5
