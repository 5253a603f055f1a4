"""Reads on certificates: a person's, a scope's, one by number."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from xueshi.accounts.models import Person
from xueshi.accounts.permissions import people_in_scope

from .models import Certificate, CertificateKind

_RELATED = ("replaces", "replaced_by", "authority")


def certificates_of(person: Person) -> QuerySet[Certificate]:
    """我的证书: certificates and 学时证明, newest year first."""
    return (
        Certificate.objects.filter(person=person)
        .select_related("replaces", "replaced_by")
        .order_by("-credit_year", "-issued_at", "-id")
    )


def certificates_in_scope(role: Any, credit_year: int | None) -> QuerySet[Certificate]:
    """The certificates of the people a role sees (another unit's are not there)."""
    found = Certificate.objects.filter(
        person__in=people_in_scope(role).values("pk"), kind=CertificateKind.CERTIFICATE
    ).select_related("replaces", "replaced_by")
    if credit_year is not None:
        found = found.filter(credit_year=credit_year)
    return found.order_by("-issued_at", "-id")


def visible_certificate(role: Any, pk: int) -> Certificate | None:
    """One certificate the role may download: the person's own, or one of its scope."""
    return (
        Certificate.objects.filter(pk=pk, person__in=people_in_scope(role).values("pk"))
        .select_related("person")
        .first()
    )


def certificate_by_number(number: str) -> Certificate | None:
    return (
        Certificate.objects.select_related(*_RELATED).filter(number=number.strip().upper()).first()
    )


def public_facts(certificate: Certificate | None, number: str) -> dict[str, Any]:
    """What anyone may read of a certificate: status, name, masked ID number, year, hours."""
    if certificate is None:
        return {"number": number, "status": "unknown", "message": "未查询到该编号的证书。"}
    data: dict[str, Any] = {
        "number": certificate.number,
        "status": certificate.status,
        "status_label": certificate.get_status_display(),
        "kind": certificate.kind,
        "title": certificate.title,
        "name": certificate.person_name,
        "masked_id_number": certificate.masked_id_number,
        "unit": certificate.unit_name,
        "credit_year": certificate.credit_year,
        "general_hours": str(certificate.general_hours),
        "professional_hours": str(certificate.professional_hours),
        "total_hours": str(certificate.total_hours),
        "issuer": certificate.issuer_name,
        "issued_on": timezone.localdate(certificate.issued_at).isoformat(),
        "signed": certificate.signed_label,
    }
    if certificate.kind == CertificateKind.STATEMENT:
        data["years"] = certificate.years
    if not certificate.is_valid and certificate.voided_at:
        data["voided_on"] = timezone.localdate(certificate.voided_at).isoformat()
        data["void_reason"] = certificate.void_reason
    replaced = getattr(certificate, "replaced_by", None)
    if replaced is not None:
        data["replaced_by"] = replaced.number
    if certificate.replaces_id and certificate.replaces is not None:
        data["replaces"] = certificate.replaces.number
    return data
