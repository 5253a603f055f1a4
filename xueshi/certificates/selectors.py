"""Reads on certificates: a person's, a scope's, one by number."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

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
