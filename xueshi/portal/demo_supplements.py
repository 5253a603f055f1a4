"""Demo 增补 requests (seed 003, 浙江建设) so that `make run` shows the feature: 钱伟's request
on last year's 参加远程教育 waits for his enterprise (个人申请中), 吴婷's on 参加培训班… was
agreed (同意), so she can 新增 at once. Made as of 5 January this year (in the window)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.supplements.models import SupplementRequest
from xueshi.supplements.services import (
    supplement_request_agree,
    supplement_request_create,
    supplement_request_send,
)

# (person, category of last year's 终审通过 claim, the enterprise agrees)
PLANS = (("钱伟", "distance", False), ("吴婷", "training", True))


def load_demo_supplements() -> int:
    """Make the demo requests once (none yet for these people); returns how many were made."""
    today = timezone.localdate()
    in_window = datetime.date(today.year, 1, 5)
    people = {
        p.name: p
        for p in Person.objects.select_related("unit", "user").filter(
            name__in=[name for name, _code, _agree in PLANS]
        )
    }
    if (
        len(people) < len(PLANS)
        or SupplementRequest.objects.filter(person__in=people.values()).exists()
    ):
        return 0
    made = 0
    for name, category, agree in PLANS:
        person = people[name]
        role = RoleAssignment.objects.select_related("user").get(
            user=person.user, kind=RoleKind.PROFESSIONAL
        )
        request = supplement_request_create(
            person=person, category_code=category, actor=role.user, role=role, today=in_window
        )
        supplement_request_send(request_id=request.pk, actor=role.user, role=role, today=in_window)
        made += 1
        if agree:
            admin = (
                RoleAssignment.objects.select_related("organization", "user")
                .filter(organization=person.unit, kind=RoleKind.UNIT_ADMIN)
                .exclude(user=person.user)
                .order_by("pk")
                .first()
            )
            if admin is not None:
                supplement_request_agree(request_id=request.pk, actor=admin.user, role=admin)
    return made
