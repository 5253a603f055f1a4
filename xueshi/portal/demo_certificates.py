"""Demo certificates: every demo person whose year meets the requirement, in a region whose
profile issues certificates, holds that year's certificate at once (覃海燕, 广西大学, last
year: 公需 30 + 专业 64), so `make run` shows 我的证书, 证书管理 and /verify/ without waiting
for the background worker (which would issue the same, idempotently)."""

from __future__ import annotations

from django.utils import timezone

from xueshi.accounts.models import Person
from xueshi.certificates.services import certificate_issue, certificate_rules
from xueshi.ledger.models import YearTotal


def load_demo_certificates() -> int:
    """Issue what the ledger already earns; returns how many valid certificates there are."""
    this_year = timezone.localdate().year
    years = (this_year - 1, this_year)
    issued = 0
    totals = YearTotal.objects.filter(credit_year__in=years).values_list("person_id", "credit_year")
    people = Person.objects.select_related("unit").in_bulk({pk for pk, _ in totals})
    for person_id, credit_year in totals:
        person = people.get(person_id)
        if person is None or certificate_rules(person, credit_year)[1] is None:
            continue
        if certificate_issue(person_id=person_id, credit_year=credit_year) is not None:
            issued += 1
    return issued
