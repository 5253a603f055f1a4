"""学时转入 through the lifecycle: from Henan to Xinjiang, the ledger once, certificates of this
platform recognised, refusals."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xueshi.certificates.models import Certificate, CertificateStatus
from xueshi.certificates.services import certificate_void
from xueshi.certificates.tests.helpers import (
    GX_PERSON,
    THIS_YEAR,
    approve,
    general_hours,
    training_claim,
)
from xueshi.core.models import AuditLog
from xueshi.declarations.services import AlreadyHandled
from xueshi.ledger.models import EntrySource, LedgerEntry, YearTotal
from xueshi.ledger.selectors import year_records
from xueshi.review.lifecycle import OwnClaim, adapter_for
from xueshi.transfers import services
from xueshi.transfers.models import TransferRequest, TransferStatus, TransferTrailEntry

from .helpers import HENAN, LAST_YEAR, file_from_henan, hours, move, pdf

pytestmark = pytest.mark.django_db


def _year(person_id: int, year: int) -> tuple[Decimal, Decimal]:
    total = YearTotal.objects.filter(person_id=person_id, credit_year=year).first()
    return (total.general_hours, total.professional_hours) if total else (Decimal(0), Decimal(0))


def _approve_all(demo, transfer: TransferRequest, capture) -> TransferRequest:
    """新疆大学 (单位审核) then 自治区人社厅 (认定单位), the bell after commit."""
    with capture(execute=True):
        services.transfer_approve(transfer_id=transfer.pk, role=demo.role("xj_xju"))
        return services.transfer_approve(transfer_id=transfer.pk, role=demo.role("xj_rst"))


def test_a_transfer_from_henan_to_xinjiang_adds_the_hours_once(
    demo, django_capture_on_commit_callbacks
):
    transfer = file_from_henan(demo)
    steps = list(transfer.steps.order_by("position").values_list("organization__name", flat=True))
    assert steps == ["新疆大学", "新疆维吾尔自治区人力资源和社会保障厅"]
    assert transfer.status == TransferStatus.PENDING
    assert _year(transfer.person_id, LAST_YEAR) == (0, 0)

    # The unit passes it on: nothing in the ledger yet.
    services.transfer_approve(transfer_id=transfer.pk, role=demo.role("xj_xju"))
    assert _year(transfer.person_id, LAST_YEAR) == (0, 0)
    with django_capture_on_commit_callbacks(execute=True):
        done = services.transfer_approve(transfer_id=transfer.pk, role=demo.role("xj_rst"))
    assert done.status == TransferStatus.APPROVED
    assert _year(transfer.person_id, LAST_YEAR) == (Decimal(30), Decimal(60))

    # Approving twice is refused by the lifecycle; a replayed event adds nothing.
    with pytest.raises(AlreadyHandled):
        services.transfer_approve(transfer_id=transfer.pk, role=demo.role("xj_rst"))
    adapter_for(TransferRequest).publish("approved", TransferRequest.objects.get(pk=transfer.pk))
    services.transfer_post_to_ledger(TransferRequest.objects.get(pk=transfer.pk))
    assert _year(transfer.person_id, LAST_YEAR) == (Decimal(30), Decimal(60))
    entries = LedgerEntry.objects.filter(person_id=transfer.person_id, source=EntrySource.TRANSFER)
    assert sorted((e.subject, e.hours) for e in entries) == [
        ("general", Decimal(30)),
        ("professional", Decimal(60)),
    ]
    # The person's year shows the lines as 转入 with the source region.
    records = [r for r in year_records(transfer.person, LAST_YEAR) if r.sourced]
    assert {(r.kind, r.title, r.hours) for r in records} == {
        ("转入", f"学时转入（原地区：{HENAN}）", Decimal(30)),
        ("转入", f"学时转入（原地区：{HENAN}）", Decimal(60)),
    }
    year = transfer.years.get()
    assert (year.general_recorded, year.professional_recorded) == (30, 60)
    # Every move is in the trail and the audit log.
    actions = list(
        TransferTrailEntry.objects.filter(request=transfer).values_list("action", flat=True)
    )
    assert actions == ["submit", "approve", "approve"]
    logged = AuditLog.objects.filter(action__startswith="transfer.").values_list(
        "action", flat=True
    )
    assert set(logged) >= {"transfer.create", "transfer.submit", "transfer.approve"}


def test_the_same_years_from_the_same_region_are_not_filed_twice(demo):
    file_from_henan(demo)
    person = demo.person("赵磊")
    with pytest.raises(ValidationError, match="已申请转入"):
        services.transfer_create(
            person=person,
            role=demo.professional("赵磊"),
            years=[hours(LAST_YEAR, "10", "0")],
            source_region_id=demo.organization(HENAN).pk,
            upload=pdf(),
        )


def test_an_uploaded_fake_pdf_is_refused(demo):
    person = move(demo, "赵磊")
    fake = pdf("学时证明.pdf", b"MZ\x90\x00 this is an executable renamed to pdf" * 20)
    with pytest.raises(ValidationError) as refused:
        services.transfer_create(
            person=person,
            role=demo.professional("赵磊"),
            years=[hours(LAST_YEAR, "30", "60")],
            source_region_id=demo.organization(HENAN).pk,
            upload=fake,
        )
    assert "按文件内容识别" in str(refused.value)
    assert not TransferRequest.objects.exists()


def test_the_own_region_is_not_a_source(demo):
    person = move(demo, "赵磊")
    with pytest.raises(ValidationError, match="不能是您现在所在的地区"):
        services.transfer_create(
            person=person,
            role=demo.professional("赵磊"),
            years=[hours(LAST_YEAR, "30", "60")],
            source_region_id=demo.organization("新疆维吾尔自治区人力资源和社会保障厅").pk,
            upload=pdf(),
        )


def test_a_region_not_on_the_platform_by_name(demo, django_capture_on_commit_callbacks):
    person = move(demo, "赵磊")
    transfer = services.transfer_create(
        person=person,
        role=demo.professional("赵磊"),
        years=[hours(LAST_YEAR, "0", "24.5"), hours(LAST_YEAR - 1, "12", "0")],
        source_region_name="北京市",
        upload=pdf("北京市学时证明.pdf"),
    )
    _approve_all(demo, transfer, django_capture_on_commit_callbacks)
    assert _year(person.pk, LAST_YEAR) == (0, Decimal("24.5"))
    assert _year(person.pk, LAST_YEAR - 1) == (Decimal(12), 0)


def test_years_typed_wrong_are_refused_at_the_field():
    today = datetime.date(2026, 11, 28)
    with pytest.raises(ValidationError, match="两次"):
        services.clean_years([("2025", "1", "2"), ("2025", "3", "4")], today=today)
    with pytest.raises(ValidationError, match="2000 至 2026"):
        services.clean_years([("2027", "1", "2")], today=today)
    with pytest.raises(ValidationError, match="不是数字"):
        services.clean_years([("2025", "abc", "2")], today=today)
    with pytest.raises(ValidationError, match="全部为 0"):
        services.clean_years([("2025", "0", "0")], today=today)
    assert services.clean_years([("", "", ""), ("2024", "1.5", "")], today=today) == [
        services.YearHours(2024, Decimal("1.5"), Decimal(0))
    ]


def test_nobody_approves_their_own_request(demo):
    """陈静 is 广西大学's unit admin and a professional there: her own request waits at her
    unit, and her admin role may not pass it."""
    person = demo.person("陈静")
    transfer = services.transfer_create(
        person=person,
        role=demo.professional("陈静"),
        years=[hours(LAST_YEAR, "30", "60")],
        source_region_id=demo.organization(HENAN).pk,
        upload=pdf(),
    )
    admin = demo.role(person.id_number, "unit_admin")
    with pytest.raises(OwnClaim):
        services.transfer_approve(transfer_id=transfer.pk, role=admin)
    assert TransferRequest.objects.get(pk=transfer.pk).current_position == 0


def test_the_new_unit_files_for_its_person_and_the_authority_decides(
    demo, django_capture_on_commit_callbacks
):
    person = move(demo, "赵磊")
    unit = demo.role("xj_xju")
    transfer = services.transfer_create(
        person=person,
        role=unit,
        years=[hours(LAST_YEAR, "30", "60")],
        source_region_id=demo.organization(HENAN).pk,
        upload=pdf(),
    )
    # The unit filed it: its own level is done, the authority acts.
    assert transfer.current_position == 1
    with pytest.raises(PermissionDenied):
        services.transfer_approve(transfer_id=transfer.pk, role=demo.role("gx_rst"))
    with django_capture_on_commit_callbacks(execute=True):
        services.transfer_approve(transfer_id=transfer.pk, role=demo.role("xj_rst"))
    assert _year(person.pk, LAST_YEAR) == (Decimal(30), Decimal(60))


def test_return_needs_a_reason_and_the_person_resubmits(demo):
    transfer = file_from_henan(demo)
    unit = demo.role("xj_xju")
    with pytest.raises(ValidationError, match="审核意见"):
        services.transfer_return(transfer_id=transfer.pk, role=unit, reason=" ")
    services.transfer_return(transfer_id=transfer.pk, role=unit, reason="学时证明不清晰")
    assert TransferRequest.objects.get(pk=transfer.pk).status == TransferStatus.RETURNED
    again = services.transfer_resubmit(transfer_id=transfer.pk, role=demo.professional("赵磊"))
    assert again.status == TransferStatus.PENDING


def test_a_unit_may_not_reject_only_the_authority(demo):
    transfer = file_from_henan(demo)
    with pytest.raises(ValidationError, match="不能作出"):
        services.transfer_reject(transfer_id=transfer.pk, role=demo.role("xj_xju"), reason="否")


# --- certificates of this platform ------------------------------------------------------------


@pytest.fixture
def certified(demo, django_capture_on_commit_callbacks, settings, tmp_path):
    """覃海燕 (广西大学) met this year's requirement: her 继续教育合格证书 is issued."""
    settings.CERTIFICATE_KEYS_DIR = tmp_path / "certificate-keys"
    with django_capture_on_commit_callbacks(execute=True):
        general_hours(demo, GX_PERSON, "30", "GX-1")
        approve(demo, training_claim(demo, days=4, title="教学能力提升培训班"))
    with django_capture_on_commit_callbacks(execute=True):
        approve(demo, training_claim(demo, days=4, title="课程思政研修班", month=2))
    certificate = Certificate.objects.get(person__name=GX_PERSON, status=CertificateStatus.VALID)
    return certificate


def test_a_platform_certificate_is_recognised_and_counts_once(
    demo, certified, django_capture_on_commit_callbacks
):
    person = move(demo, GX_PERSON)
    before = _year(person.pk, THIS_YEAR)
    assert before == (Decimal(30), Decimal(64))
    recognised = services.certificate_recognise(person=person, number=certified.number.lower())
    assert recognised.source_region.name == "广西壮族自治区人力资源和社会保障厅"
    assert recognised.years == [hours(THIS_YEAR, "30", "64")]

    transfer = services.transfer_create(
        person=person,
        role=demo.professional(GX_PERSON),
        years=[],
        certificate_number=certified.number,
    )
    assert transfer.certificate_id == certified.pk and not transfer.evidence
    assert transfer.source_region_name == "广西壮族自治区人力资源和社会保障厅"
    _approve_all(demo, transfer, django_capture_on_commit_callbacks)
    # The certificate's hours are this platform's ledger already: recognised, not doubled.
    assert _year(person.pk, THIS_YEAR) == before
    year = transfer.years.get()
    assert (year.general_recorded, year.professional_recorded) == (0, 0)


def test_a_void_certificate_is_refused(demo, certified):
    certificate_void(certificate_id=certified.pk, reason="学时删除")
    person = move(demo, GX_PERSON)
    with pytest.raises(ValidationError, match="已作废"):
        services.certificate_recognise(person=person, number=certified.number)


def test_another_persons_certificate_is_refused(demo, certified):
    person = move(demo, "赵磊")
    with pytest.raises(ValidationError, match="不属于赵磊"):
        services.transfer_create(
            person=person,
            role=demo.professional("赵磊"),
            years=[],
            certificate_number=certified.number,
        )
    assert not TransferRequest.objects.exists()


def test_a_certificate_of_the_present_region_needs_no_transfer(demo, certified):
    with pytest.raises(ValidationError, match="无需转入"):
        services.certificate_recognise(person=demo.person(GX_PERSON), number=certified.number)


def test_an_unknown_number_is_refused(demo):
    with pytest.raises(ValidationError, match="未查询到"):
        services.certificate_recognise(person=move(demo, "赵磊"), number="GX2099000001")


def test_the_certificate_pdf_uploaded_is_checked_as_a_certificate(
    demo, certified, django_capture_on_commit_callbacks
):
    person = move(demo, GX_PERSON)
    with certified.pdf.open("rb") as stored:
        content = stored.read()
    transfer = services.transfer_create(
        person=person,
        role=demo.professional(GX_PERSON),
        years=[],
        upload=pdf("证书.pdf", content),
    )
    assert transfer.certificate_id == certified.pk
    assert not transfer.evidence
