"""Writes on certificates: issue, void, re-issue after the ledger changed, 学时证明, batches.

Every certificate is issued by `certificate_issue`, from the one compliance rule
(`ledger.selectors.year_compliance`), under a lock on the person's row, so concurrent approvals
give one valid certificate (the database's partial unique constraint is the last word). The
ledger announces every change (`ledger.events.year_totals_changed`, see `receivers.py`):
hours leaving a year void its certificate at once, in the same transaction, with the reason;
issuing (PDF, two signatures) runs after the commit as a task.
"""

from __future__ import annotations

import datetime
import io
import logging
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.models import Person
from xueshi.accounts.permissions import load_role, people_in_scope
from xueshi.core.audit import audit_record
from xueshi.core.jobs import job_create, job_enqueue, job_finish, job_progress
from xueshi.core.models import BackgroundJob
from xueshi.declarations.models import Declaration
from xueshi.ledger.models import EntrySource
from xueshi.ledger.selectors import person_years, year_compliance
from xueshi.orgs.models import Organization, OrganizationKind
from xueshi.policy.resolver import profile_key_of, try_resolve_version
from xueshi.policy.schema import CertificateRules

from . import events, tasks
from .keys import AuthorityKeys, ensure_authority_keys, keys_exist, load_authority_keys
from .models import Certificate, CertificateKind, CertificateStatus, NumberSequence
from .pdf import (
    CertificateContent,
    Holder,
    StatementContent,
    StatementRow,
    certificate_pdf,
    statement_pdf,
)
from .signing import pades_sign, pades_validate, sm2_sign, sm2_verify, sm3_hex

logger = logging.getLogger(__name__)

STATEMENT_YEARS = (3, 5)  # what title committees ask for: the last 3 or 5 credit years
VOID_REASON_MAX = 500


class CertificateRefused(ValidationError):
    """A certificate or 学时证明 that cannot be issued, with the reason in Chinese."""


# --- the region's rules and the issuer ------------------------------------------------------


def certificate_rules(person: Person, credit_year: int) -> tuple[str, CertificateRules | None]:
    """(profile key, the certificate rules of the version in force for the year)."""
    key = profile_key_of(person.unit) if person.unit_id else ""
    version = try_resolve_version(key, credit_year=credit_year) if key else None
    return key, version.certificate if version is not None else None


def authority_of(person: Person) -> Organization | None:
    """The authority at the top of the person's unit's tree (认定单位)."""
    if person.unit is None:
        return None
    ids = [int(part) for part in person.unit.path.strip("/").split("/") if part]
    return Organization.objects.filter(pk__in=ids, kind=OrganizationKind.AUTHORITY).first()


def authority_keys(authority: Organization) -> AuthorityKeys:
    """The authority's keys and seal; made on its first certificate if the key command has not
    been run for it yet (audited)."""
    if not keys_exist(authority.pk):
        ensure_authority_keys(authority.pk, authority.name)
        audit_record(action="certificates.keys_created", target=authority)
    return load_authority_keys(authority.pk)


def certificate_photo(person: Person) -> bytes | None:
    """The person's one-inch photo (一寸照, 我的信息) for a profile whose certificate carries one;
    None prints an empty, labelled frame."""
    if not person.photo:
        return None
    with person.photo.open("rb") as photo:
        return bytes(photo.read())


def verify_url(number: str) -> str:
    return settings.CERTIFICATE_VERIFY_BASE_URL.rstrip("/") + reverse(
        "certificates:verify_number", args=(number,)
    )


def _holder(person: Person) -> Holder:
    return Holder(
        name=person.name,
        masked_id_number=person.masked_id_number,
        unit=person.unit_display,
        specialty=person.specialty,
    )


def _next_number(prefix: str, year: int) -> str:
    """prefix + year + six-digit sequence; the sequence row is locked, so two issues at once
    never share a number (the number's unique constraint says so too)."""
    try:
        with transaction.atomic():
            NumberSequence.objects.get_or_create(prefix=prefix, year=year)
    except IntegrityError:
        pass  # created by a concurrent issue a moment ago
    sequence = NumberSequence.objects.select_for_update().get(prefix=prefix, year=year)
    NumberSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
    return f"{prefix}{year}{sequence.last + 1:06d}"


def _sign(pdf: bytes, keys: AuthorityKeys, *, reason: str, location: str) -> tuple[bytes, str, str]:
    """PAdES-sign, then SM2-sign the signed file's SM3 digest: (file, digest, signature)."""
    signed = pades_sign(pdf, keys, reason=reason, location=location)
    digest = sm3_hex(signed)
    return signed, digest, sm2_sign(digest, keys)


# --- issuing --------------------------------------------------------------------------------


def certificate_issue(
    *,
    person_id: int,
    credit_year: int,
    replaces_id: int | None = None,
    actor: Any = None,
) -> Certificate | None:
    """Issue the year's certificate if the year meets the requirement and none is valid.

    Returns the valid certificate (new or existing), or None when the region issues none or
    the year does not meet the requirement.
    """
    try:
        with transaction.atomic():
            return _issue_locked(person_id, credit_year, replaces_id, actor)
    except IntegrityError:
        # Another process issued it between our check and insert: theirs is the one.
        return Certificate.objects.filter(
            person_id=person_id,
            credit_year=credit_year,
            kind=CertificateKind.CERTIFICATE,
            status=CertificateStatus.VALID,
        ).first()


def _issue_locked(
    person_id: int, credit_year: int, replaces_id: int | None, actor: Any
) -> Certificate | None:
    person = Person.objects.select_for_update(of=("self",)).select_related("unit").get(pk=person_id)
    profile_key, rules = certificate_rules(person, credit_year)
    if rules is None:
        return None
    existing = Certificate.objects.filter(
        person=person,
        credit_year=credit_year,
        profile_key=profile_key,
        kind=CertificateKind.CERTIFICATE,
        status=CertificateStatus.VALID,
    ).first()
    if existing is not None:
        return existing
    compliance = year_compliance(person, credit_year)
    if not compliance.met:
        return None
    authority = authority_of(person)
    if authority is None:
        return None
    keys = authority_keys(authority)
    issuer = rules.issuer_name or authority.name
    now = timezone.now()
    number = _next_number(rules.number_prefix, credit_year)
    content = CertificateContent(
        title=rules.title,
        number=number,
        holder=_holder(person),
        credit_year=credit_year,
        general_hours=compliance.general_hours,
        professional_hours=compliance.professional_hours,
        total_hours=compliance.total_hours,
        issuer=issuer,
        issued_on=timezone.localdate(now),
        verify_url=verify_url(number),
        seal_png=keys.seal_png,
        uses_photo=rules.photo,
        photo=certificate_photo(person) if rules.photo else None,
    )
    signed, digest, signature = _sign(
        certificate_pdf(content), keys, reason=rules.title, location=authority.region_name
    )
    certificate = Certificate(
        kind=CertificateKind.CERTIFICATE,
        number=number,
        title=rules.title,
        person=person,
        profile_key=profile_key,
        credit_year=credit_year,
        person_name=person.name,
        masked_id_number=person.masked_id_number,
        unit_name=person.unit_display,
        specialty=person.specialty,
        general_hours=compliance.general_hours,
        professional_hours=compliance.professional_hours,
        total_hours=compliance.total_hours,
        authority=authority,
        issuer_name=issuer,
        issued_at=now,
        sm3_digest=digest,
        sm2_signature=signature,
        replaces_id=replaces_id,
    )
    certificate.pdf.save(f"{number}.pdf", ContentFile(signed), save=False)
    certificate.save()
    audit_record(
        action="certificates.issue",
        actor=actor,
        target=certificate,
        to_state=CertificateStatus.VALID,
        details={"number": number, "credit_year": credit_year, "replaces": replaces_id},
    )
    events.certificate_issued.send(sender=Certificate, certificate=certificate)
    return certificate


def certificate_issue_later(
    *, person_id: int, credit_year: int, replaces_id: int | None = None
) -> None:
    """Issue once the current transaction has committed (the ledger's entries are visible)."""
    transaction.on_commit(
        lambda: tasks.issue_certificate.enqueue(person_id, credit_year, replaces_id)
    )


# --- voiding and following the ledger -------------------------------------------------------


@transaction.atomic
def certificate_void(
    *,
    certificate_id: int,
    reason: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    role: str = "",
) -> Certificate:
    """Void a valid certificate with a reason (audited). Voiding twice changes nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateRefused("请填写作废原因。")
    certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
    if not certificate.is_valid:
        raise CertificateRefused(f"证书 {certificate.number} 已于此前作废。")
    certificate.status = CertificateStatus.VOID
    certificate.voided_at = timezone.now()
    certificate.void_reason = reason[:VOID_REASON_MAX]
    certificate.voided_by = actor
    certificate.save(update_fields=["status", "voided_at", "void_reason", "voided_by"])
    audit_record(
        action="certificates.void",
        actor=actor,
        request=request,
        role=role,
        target=certificate,
        from_state=CertificateStatus.VALID,
        to_state=CertificateStatus.VOID,
        reason=certificate.void_reason,
        details={"number": certificate.number},
    )
    events.certificate_voided.send(sender=Certificate, certificate=certificate)
    return certificate


# Ledger sources of a sample audit (抽查), as the void reason words them.
AUDIT_SOURCES: dict[str, str] = {
    EntrySource.AUDIT_CORRECTION: "核减学时",
    EntrySource.AUDIT_REVOCATION: "撤销认定",
}


def _removal_reason(change: Decimal, declaration: Declaration | None, source: str = "") -> str:
    hours = f"{-change:g}" if change == change.to_integral() else f"{-change}"
    if declaration is not None and source in AUDIT_SOURCES:
        return (
            f"所依据的学时经抽查{AUDIT_SOURCES[source]}：已通过的申报“{declaration.title}”"
            f"减少 {hours} 学时，原证书自动失效"
        )
    if declaration is not None:
        return (
            f"所依据的学时已被删除：已通过的申报“{declaration.title}”（{hours} 学时）"
            "被删除，原证书自动失效"
        )
    return f"所依据的学时已减少 {hours} 学时，原证书自动失效"


def certificates_follow_ledger(
    *,
    person_id: int,
    credit_year: int,
    change: Decimal,
    declaration: Declaration | None = None,
    source: str = "",
) -> None:
    """The ledger moved a person's year (inside its transaction).

    Hours left the year: its valid certificate becomes void with the reason, and a new one is
    issued (linked from the old) if the year still meets the requirement. Hours came in: the
    certificate is issued if the year now meets it and none is valid.
    """
    valid = Certificate.objects.filter(
        person_id=person_id,
        credit_year=credit_year,
        kind=CertificateKind.CERTIFICATE,
        status=CertificateStatus.VALID,
    )
    if change < 0:
        for certificate in valid.select_for_update():
            voided = certificate_void(
                certificate_id=certificate.pk, reason=_removal_reason(change, declaration, source)
            )
            certificate_issue_later(
                person_id=person_id, credit_year=credit_year, replaces_id=voided.pk
            )
        return
    if change > 0 and not valid.exists():
        person = (
            # The claim's person, loaded (with the unit) by the move that approved it.
            declaration.person
            if declaration is not None and declaration.person_id == person_id
            else Person.objects.select_related("unit").get(pk=person_id)
        )
        if certificate_rules(person, credit_year)[1] is not None and (
            year_compliance(person, credit_year).met
        ):
            certificate_issue_later(person_id=person_id, credit_year=credit_year)


# --- 学时证明 --------------------------------------------------------------------------------


def statement_issue(*, person: Person, years: int, actor: Any = None) -> Certificate:
    """One signed 学时证明 listing the person's last `years` credit years (3 or 5)."""
    if years not in STATEMENT_YEARS:
        raise CertificateRefused("请选择近 3 年或近 5 年。")
    last_year = timezone.localdate().year
    wanted = list(range(last_year - years + 1, last_year + 1))
    profile_key, rules = certificate_rules(person, last_year)
    if rules is None:
        raise CertificateRefused("本地区未开通继续教育合格证书及学时证明。")
    authority = authority_of(person)
    if authority is None:
        raise CertificateRefused("未找到您所在单位的认定单位，无法出具学时证明。")
    by_year = {row.credit_year: row for row in person_years(person)}
    rows = []
    for year in reversed(wanted):
        compliance = by_year.get(year) or year_compliance(person, year)
        rows.append(
            StatementRow(
                credit_year=year,
                general_hours=compliance.general_hours,
                professional_hours=compliance.professional_hours,
                total_hours=compliance.total_hours,
                required_total=compliance.required_total,
                met=compliance.met,
            )
        )
    keys = authority_keys(authority)
    issuer = rules.issuer_name or authority.name
    with transaction.atomic():
        now = timezone.now()
        number = _next_number(f"{rules.number_prefix}ZM", now.year)
        content = StatementContent(
            number=number,
            holder=_holder(person),
            rows=rows,
            issuer=issuer,
            issued_on=timezone.localdate(now),
            verify_url=verify_url(number),
            seal_png=keys.seal_png,
        )
        signed, digest, signature = _sign(
            statement_pdf(content), keys, reason="学时证明", location=authority.region_name
        )
        statement = Certificate(
            kind=CertificateKind.STATEMENT,
            number=number,
            title="学时证明",
            person=person,
            profile_key=profile_key,
            years=[
                {
                    "credit_year": row.credit_year,
                    "general_hours": str(row.general_hours),
                    "professional_hours": str(row.professional_hours),
                    "total_hours": str(row.total_hours),
                    "met": row.met,
                }
                for row in rows
            ],
            person_name=person.name,
            masked_id_number=person.masked_id_number,
            unit_name=person.unit_display,
            specialty=person.specialty,
            general_hours=sum((row.general_hours for row in rows), Decimal(0)),
            professional_hours=sum((row.professional_hours for row in rows), Decimal(0)),
            total_hours=sum((row.total_hours for row in rows), Decimal(0)),
            authority=authority,
            issuer_name=issuer,
            issued_at=now,
            sm3_digest=digest,
            sm2_signature=signature,
        )
        statement.pdf.save(f"{number}.pdf", ContentFile(signed), save=False)
        statement.save()
        audit_record(
            action="certificates.statement",
            actor=actor,
            target=statement,
            details={"number": number, "years": wanted},
        )
    return statement


# --- verifying a file ------------------------------------------------------------------------


@dataclass(frozen=True)
class FileVerification:
    certificate: Certificate | None  # the record whose SM3 digest the file has
    pades_ok: bool
    pades_present: bool
    sm2_ok: bool
    signer: str = ""

    @property
    def ok(self) -> bool:
        return self.pades_ok and self.sm2_ok


def verify_file(content: bytes) -> FileVerification:
    """Check an uploaded file: its PAdES signature against the platform's authority
    certificates, and the SM2 record of its SM3 digest against the issuer's public key."""
    digest = sm3_hex(content)
    certificate = Certificate.objects.select_related("authority").filter(sm3_digest=digest).first()
    sm2_ok = False
    if certificate is not None and keys_exist(certificate.authority_id):
        keys = load_authority_keys(certificate.authority_id)
        sm2_ok = sm2_verify(digest, certificate.sm2_signature, keys.sm2_public)
    candidates = (
        [certificate.authority_id]
        if certificate is not None
        else list(
            Organization.objects.filter(kind=OrganizationKind.AUTHORITY).values_list(
                "pk", flat=True
            )
        )
    )
    present = False
    for authority_id in candidates:
        if not keys_exist(authority_id):
            continue
        result = pades_validate(content, load_authority_keys(authority_id))
        present = present or result.present
        if result.ok:
            return FileVerification(certificate, True, True, sm2_ok, result.signer)
        if not result.present:
            break
    return FileVerification(certificate, False, present, sm2_ok)


# --- batches (background jobs) ---------------------------------------------------------------


def batch_issue_start(*, role: Any, credit_year: int, unit_id: int | None = None) -> BackgroundJob:
    """批量发证 for the authority's people (or one unit's) of a year, as a background job."""
    where = Organization.objects.get(pk=unit_id).name if unit_id else str(role.organization or "")
    job = job_create(
        kind="certificates.batch_issue",
        created_by=role.user,
        title=f"批量发证：{where} {credit_year} 年度",
    )
    job_enqueue(job, tasks.batch_issue, role.pk, credit_year, unit_id)
    return job


def batch_issue_run(job_id: int, role_id: int, credit_year: int, unit_id: int | None) -> None:
    role = load_role(role_id)
    people = people_in_scope(role)
    if unit_id:
        people = people.filter(unit_id=unit_id)
    ids = list(people.order_by("pk").values_list("pk", flat=True))
    BackgroundJob.objects.filter(pk=job_id).update(total=len(ids))
    issued = 0
    for done, person_id in enumerate(ids, start=1):
        before = Certificate.objects.filter(
            person_id=person_id, credit_year=credit_year, status=CertificateStatus.VALID
        ).exists()
        certificate = certificate_issue(
            person_id=person_id, credit_year=credit_year, actor=role.user if role else None
        )
        if certificate is not None and not before:
            issued += 1
        if done % 10 == 0 or done == len(ids):
            job_progress(job_id, done=done)
    job_finish(
        job_id,
        message=f"共 {len(ids)} 人，新发证书 {issued} 份（未达标或已有有效证书的人员未发证）。",
        result={"people": len(ids), "issued": issued},
    )


def zip_start(*, role: Any, credit_year: int) -> BackgroundJob:
    """The valid certificates of a year for the people in the role's scope, as one ZIP."""
    job = job_create(
        kind="certificates.zip",
        created_by=role.user,
        title=f"下载证书：{credit_year} 年度",
    )
    job_enqueue(job, tasks.certificates_zip, role.pk, credit_year)
    return job


def zip_run(job_id: int, role_id: int, credit_year: int) -> None:
    role = load_role(role_id)
    certificates = Certificate.objects.filter(
        person__in=people_in_scope(role).values("pk"),
        kind=CertificateKind.CERTIFICATE,
        credit_year=credit_year,
        status=CertificateStatus.VALID,
    ).order_by("number")
    total = certificates.count()
    BackgroundJob.objects.filter(pk=job_id).update(total=total)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, certificate in enumerate(certificates.iterator(chunk_size=200), start=1):
            with certificate.pdf.open("rb") as handle:
                archive.writestr(
                    f"{certificate.number}-{certificate.person_name}.pdf", handle.read()
                )
            if done % 20 == 0 or done == total:
                job_progress(job_id, done=done)
    audit_record(
        action="certificates.zip_export",
        actor=role.user if role else None,
        details={"credit_year": credit_year, "count": total},
    )
    job_finish(
        job_id,
        message=f"共 {total} 份有效证书。",
        result={"count": total},
        file_name=f"继续教育合格证书-{credit_year}.zip",
        content=out.getvalue(),
    )


def issued_on(certificate: Certificate) -> datetime.date:
    return timezone.localdate(certificate.issued_at)
