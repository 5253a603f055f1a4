"""Writes on transfer requests: filing one (with its evidence), the reviewers' verdicts through
the review lifecycle, and the ledger on the final approval."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest

from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.accounts.permissions import people_in_scope
from xueshi.certificates.models import Certificate, CertificateKind, CertificateStatus
from xueshi.certificates.selectors import certificate_by_number
from xueshi.certificates.services import verify_file
from xueshi.core.audit import audit_record
from xueshi.declarations.evidence import check_upload
from xueshi.ledger.models import EntrySource
from xueshi.ledger.services import AlreadyRecorded, ledger_record_source
from xueshi.policy.schema import AttachmentRules
from xueshi.review.lifecycle import Action, transition

from .models import TransferRequest, TransferStatus, TransferYear
from .selectors import ledger_years, platform_regions, region_of

ZERO = Decimal(0)
# The old region's certificate or 学时证明: a PDF or a photo of it, read by content.
EVIDENCE_RULES = AttachmentRules(kinds=["pdf", "jpg", "png"], max_size_mb=Decimal(10))
# Transferred professional hours have no category of this region: no yearly cap applies.
TRANSFER_CATEGORY = "transferred"
MAX_YEARS = 10
MAX_HOURS = Decimal(999)
OPEN_STATUSES = (
    TransferStatus.DRAFT,
    TransferStatus.PENDING,
    TransferStatus.RETURNED,
    TransferStatus.APPROVED,
)


@dataclass(frozen=True)
class YearHours:
    credit_year: int
    general_hours: Decimal
    professional_hours: Decimal


@dataclass(frozen=True)
class Recognised:
    """A certificate this platform issued, checked for a transfer: its region and years."""

    certificate: Certificate
    source_region: Any  # Organization | None
    years: list[YearHours]


def _field(name: str, message: str) -> ValidationError:
    return ValidationError({name: message})


# --- a certificate of this platform --------------------------------------------------------


def certificate_recognise(
    *, person: Person, number: str = "", content: bytes | None = None
) -> Recognised:
    """Find and check a certificate of this platform for `person`'s transfer: by number, or by
    the file itself (its signatures, `certificates.services.verify_file`). Refused: unknown,
    void, someone else's (by ID number), or issued in the person's present region."""
    if content is not None:
        verification = verify_file(content)
        certificate = verification.certificate
        if certificate is None or not verification.ok:
            raise _field("evidence", "该文件不是本平台出具的证书，或签名校验未通过。")
    else:
        number = (number or "").strip()
        if not number:
            raise _field("certificate_number", "请填写证书编号。")
        certificate = certificate_by_number(number)
        if certificate is None:
            raise _field("certificate_number", f"未查询到编号为“{number}”的证书，请核对。")
    if certificate.status != CertificateStatus.VALID:
        raise _field(
            "certificate_number",
            f"证书“{certificate.number}”已作废（{certificate.void_reason or '无原因'}），"
            "不能用于学时转入。",
        )
    # One ID number is one Person (its digest is unique): the same row, whichever lookup key
    # wrote the digest (a rotation may be under way).
    if certificate.person_id != person.pk:
        raise _field(
            "certificate_number",
            f"证书“{certificate.number}”不属于{person.name}（身份证号不一致），不能用于学时转入。",
        )
    source = region_of(certificate.authority)
    if source is not None and person.unit is not None and source == region_of(person.unit):
        raise _field(
            "certificate_number",
            "该证书由您现在所在地区出具，学时已在本地区台账中，无需转入。",
        )
    return Recognised(certificate, source, _certificate_years(certificate))


def _certificate_years(certificate: Certificate) -> list[YearHours]:
    if certificate.kind == CertificateKind.CERTIFICATE and certificate.credit_year:
        return [
            YearHours(
                certificate.credit_year,
                certificate.general_hours,
                certificate.professional_hours,
            )
        ]
    return [
        YearHours(
            int(row["credit_year"]),
            Decimal(row["general_hours"]),
            Decimal(row["professional_hours"]),
        )
        for row in certificate.years
        if Decimal(row["general_hours"]) or Decimal(row["professional_hours"])
    ]


# --- filing a request ------------------------------------------------------------------------


def clean_years(rows: list[tuple[str, str, str]], *, today: datetime.date) -> list[YearHours]:
    """The typed rows (year, general, professional) as figures, or the reason at the field."""
    years: list[YearHours] = []
    for year_text, general_text, professional_text in rows:
        if not (year_text.strip() or general_text.strip() or professional_text.strip()):
            continue  # an empty row added and left
        if not year_text.strip().isascii() or not year_text.strip().isdigit():
            raise _field("years", f"年度“{year_text}”应为四位数字，如 {today.year - 1}。")
        year = int(year_text.strip()[:6])
        if not 2000 <= year <= today.year:
            raise _field("years", f"年度应在 2000 至 {today.year} 之间（填写的是 {year}）。")
        hours = []
        for text in (general_text, professional_text):
            try:
                value = Decimal((text or "0").strip() or "0")
            except InvalidOperation:
                raise _field("years", f"{year} 年度的学时“{text}”不是数字。") from None
            if not value.is_finite() or value < 0 or value > MAX_HOURS:
                raise _field("years", f"{year} 年度的学时应在 0 至 {MAX_HOURS} 之间。")
            if value != value.quantize(Decimal("0.1")):
                raise _field("years", f"{year} 年度的学时最多保留一位小数。")
            hours.append(value)
        if any(found.credit_year == year for found in years):
            raise _field("years", f"{year} 年度填写了两次，请合并为一行。")
        years.append(YearHours(year, hours[0], hours[1]))
    if not years:
        raise _field("years", "请至少填写一个年度的转入学时。")
    if len(years) > MAX_YEARS:
        raise _field("years", f"一次最多转入 {MAX_YEARS} 个年度的学时。")
    if not any(y.general_hours or y.professional_hours for y in years):
        raise _field("years", "转入学时不能全部为 0。")
    return sorted(years, key=lambda y: -y.credit_year)


def _may_file_for(role: RoleAssignment, person: Person) -> None:
    if role.kind == RoleKind.PROFESSIONAL and person.user_id == role.user_id:
        return
    if role.kind == RoleKind.UNIT_ADMIN and people_in_scope(role).filter(pk=person.pk).exists():
        return
    raise PermissionDenied("只能为本人或本单位人员申请学时转入。")


@transaction.atomic
def transfer_create(
    *,
    person: Person,
    role: RoleAssignment,
    years: list[YearHours],
    source_region_id: int | None = None,
    source_region_name: str = "",
    certificate_number: str = "",
    upload: UploadedFile | None = None,
    http_request: HttpRequest | None = None,
) -> TransferRequest:
    """File a transfer and send it to the first level (提交). With a certificate of this
    platform (its number, or its PDF uploaded) the region and hours are the certificate's;
    otherwise the old region's certificate or 学时证明 is uploaded (checked by content)."""
    _may_file_for(role, person)
    if person.unit is None:
        raise ValidationError("请先在“我的信息”中选择现工作单位，再申请学时转入。")
    own_region = region_of(person.unit)
    recognised: Recognised | None = None
    kind = ""
    if certificate_number.strip():
        recognised = certificate_recognise(person=person, number=certificate_number)
    elif upload is not None:
        try:
            kind, _content_type = check_upload(upload, EVIDENCE_RULES, existing_count=0)
        except ValidationError as error:
            raise _field("evidence", error.messages[0]) from error
        if kind == "pdf" and _platform_signed(upload):
            upload.seek(0)
            recognised = certificate_recognise(person=person, content=upload.read())
            upload = None
    else:
        raise _field("evidence", "请上传原地区的证书或学时证明，或填写本平台证书编号。")
    if recognised is not None:
        source = recognised.source_region
        source_name = source.name if source is not None else recognised.certificate.issuer_name
        years = recognised.years
    else:
        source, source_name = _source(source_region_id, source_region_name, own_region)
    # Two submissions at once (a double click, two tabs) wait here one after the other, so the
    # second sees the first's years and is refused.
    Person.objects.select_for_update().only("pk").get(pk=person.pk)
    _no_open_duplicate(person, source_name, years)
    transfer = TransferRequest(
        person=person,
        created_by=role.user,
        source_region=source,
        source_region_name=source_name,
        certificate=recognised.certificate if recognised is not None else None,
    )
    if upload is not None:
        transfer.evidence_name = (upload.name or "证明材料")[:200]
        transfer.evidence_kind = kind
        transfer.evidence.save(f"evidence.{kind}", upload, save=False)
    transfer.save()
    TransferYear.objects.bulk_create(
        TransferYear(
            request=transfer,
            credit_year=y.credit_year,
            general_hours=y.general_hours,
            professional_hours=y.professional_hours,
        )
        for y in years
    )
    audit_record(
        action="transfer.create",
        actor=role.user,
        role=role.kind,
        request=http_request,
        target=transfer,
        to_state=TransferStatus.DRAFT,
        details={
            "person_id": person.pk,
            "source_region": source_name,
            "certificate": recognised.certificate.number if recognised is not None else "",
            "years": [y.credit_year for y in years],
        },
    )
    result: TransferRequest = transition(
        TransferRequest,
        item_id=transfer.pk,
        action=Action.SUBMIT,
        actor=role.user,
        role=role,
        request=http_request,
    )
    return result


def _platform_signed(upload: UploadedFile) -> bool:
    """Does the PDF carry a signature of one of this platform's authorities (a certificate or
    学时证明 it issued)? Such a file is checked as a certificate, not kept as a scan."""
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    return verify_file(content).pades_present


def _source(region_id: int | None, name: str, own_region: Any) -> tuple[Any, str]:
    if region_id is not None:
        region = platform_regions().filter(pk=region_id).first()
        if region is None:
            raise _field("source_region", "请选择原地区。")
        if own_region is not None and region.pk == own_region.pk:
            raise _field("source_region", "原地区不能是您现在所在的地区。")
        return region, region.name
    name = (name or "").strip()
    if not name:
        raise _field("source_region", "请选择原地区，或填写不在本平台的原地区名称。")
    if len(name) > 100:
        raise _field("source_region", "原地区名称不能超过 100 个字。")
    return None, name


def _no_open_duplicate(person: Person, source_name: str, years: list[YearHours]) -> None:
    """The same region's hours of a year are transferred once (a new request after 不予认定)."""
    taken = sorted(
        TransferYear.objects.filter(
            request__person=person,
            request__source_region_name=source_name,
            request__status__in=OPEN_STATUSES,
            credit_year__in=[y.credit_year for y in years],
        ).values_list("credit_year", flat=True)
    )
    if taken:
        listed = "、".join(str(year) for year in taken)
        raise _field("years", f"{listed} 年度自{source_name}的学时已申请转入，不能重复申请。")


# --- the verdicts (the review lifecycle) ----------------------------------------------------


def transfer_approve(
    *, transfer_id: int, role: RoleAssignment, comment: str = "", http_request: Any = None
) -> TransferRequest:
    result: TransferRequest = transition(
        TransferRequest,
        item_id=transfer_id,
        action=Action.APPROVE,
        actor=role.user,
        role=role,
        request=http_request,
        comment=comment,
    )
    return result


def transfer_return(
    *, transfer_id: int, role: RoleAssignment, reason: str, http_request: Any = None
) -> TransferRequest:
    result: TransferRequest = transition(
        TransferRequest,
        item_id=transfer_id,
        action=Action.RETURN,
        actor=role.user,
        role=role,
        request=http_request,
        reason=reason,
    )
    return result


def transfer_reject(
    *, transfer_id: int, role: RoleAssignment, reason: str, http_request: Any = None
) -> TransferRequest:
    result: TransferRequest = transition(
        TransferRequest,
        item_id=transfer_id,
        action=Action.REJECT,
        actor=role.user,
        role=role,
        request=http_request,
        reason=reason,
    )
    return result


def transfer_resubmit(
    *, transfer_id: int, role: RoleAssignment, http_request: Any = None
) -> TransferRequest:
    result: TransferRequest = transition(
        TransferRequest,
        item_id=transfer_id,
        action=Action.SUBMIT,
        actor=role.user,
        role=role,
        request=http_request,
    )
    return result


def transfer_discard(*, transfer_id: int, role: RoleAssignment, http_request: Any = None) -> None:
    transition(
        TransferRequest,
        item_id=transfer_id,
        action=Action.DISCARD,
        actor=role.user,
        role=role,
        request=http_request,
    )


# --- the ledger --------------------------------------------------------------------------------


def ledger_ref(transfer: TransferRequest, credit_year: int) -> str:
    return f"transfer:{transfer.pk}:{credit_year}"


@transaction.atomic
def transfer_post_to_ledger(transfer: TransferRequest) -> None:
    """The final approval's hours, per year, as 转入 with the source region; once: a replayed
    approval finds each year's reference recorded and adds nothing.

    A certificate of this platform states hours this platform's ledger already holds for the
    person (a person keeps one ledger across regions): only what the ledger lacks of it is
    added, so nothing counts twice."""
    years = list(TransferYear.objects.select_for_update().filter(request=transfer))
    held = (
        ledger_years(transfer.person, [y.credit_year for y in years])
        if transfer.certificate_id
        else {}
    )
    for year in years:
        general_held, professional_held = held.get(year.credit_year, (ZERO, ZERO))
        general = max(year.general_hours - general_held, ZERO)
        professional = max(year.professional_hours - professional_held, ZERO)
        try:
            ledger_record_source(
                person_id=transfer.person_id,
                credit_year=year.credit_year,
                source_ref=ledger_ref(transfer, year.credit_year),
                label=transfer.ledger_label,
                hours_by_category={TRANSFER_CATEGORY: professional},
                source=EntrySource.TRANSFER,
                general_hours=general,
            )
        except AlreadyRecorded:
            continue  # recorded by the first approval
        if year.general_recorded is None:
            year.general_recorded, year.professional_recorded = general, professional
            year.save(update_fields=["general_recorded", "professional_recorded"])
