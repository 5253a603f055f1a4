"""Named Zhejiang people and claims for the supplement tests (demo data of seed 003).

钱伟 works at 浙江省建工集团有限责任公司 (工程管理部); zj_jiangong is its unit admin and zj_jst
the provincial 建设行业学时办 (authority). Dates are fixed: the closed year is 2026.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from xueshi.declarations.models import Declaration
from xueshi.declarations.services import DeclarationInput, attachment_add, declaration_save
from xueshi.portal.demo_claims import PNG
from xueshi.review.services import declaration_approve, declaration_submit

CLOSED_YEAR = 2026
IN_WINDOW = datetime.date(2027, 1, 5)
AFTER_WINDOW = datetime.date(2027, 1, 21)
LAST_YEAR = datetime.date(2026, 6, 1)


def png() -> SimpleUploadedFile:
    return SimpleUploadedFile("证书.png", PNG, content_type="image/png")


def zj_fields(title: str, hours: str, year: int = CLOSED_YEAR) -> dict[str, Any]:
    return {
        "credit_year": year,
        "title": title,
        "hours_claimed": Decimal(hours),
        "description": "考核合格",
    }


def draft(
    demo: Any,
    name: str = "钱伟",
    category: str = "training",
    *,
    title: str = "建筑施工安全管理培训",
    hours: str = "16",
    year: int = CLOSED_YEAR,
    today: datetime.date = LAST_YEAR,
    supplement: bool = False,
) -> Declaration:
    role = demo.professional(name)
    declaration = declaration_save(
        person=demo.person(name),
        data=DeclarationInput(
            category, "per_rules", zj_fields(title, hours, year), pledge=True, supplement=supplement
        ),
        actor=role.user,
        role=role,
        today=today,
    )
    attachment_add(declaration=declaration, upload=png(), actor=role.user, role=role)
    return declaration


def approve_all(demo: Any, declaration: Declaration) -> Declaration:
    """Every chain step approves in turn (enterprise, then the province's levels)."""
    reviewers = {"unit": demo.role("zj_jiangong"), "authority": demo.role("zj_jst")}
    declaration.refresh_from_db()
    while declaration.status == "pending":
        step = declaration.chain_steps.get(position=declaration.current_position or 0)
        reviewer = reviewers[step.organization.kind]
        declaration = declaration_approve(
            declaration_id=declaration.pk, actor=reviewer.user, role=reviewer, comment="同意。"
        )
    return declaration


def approved_claim(demo: Any, name: str = "钱伟", category: str = "training") -> Declaration:
    """A 终审通过 claim of 2026, made in 2026."""
    declaration = draft(demo, name, category)
    role = demo.professional(name)
    declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)
    return approve_all(demo, declaration)
