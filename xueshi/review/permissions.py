"""Who may act in a review chain: the reviewer of a level, the remover of an approved claim.

Nobody reviews their own claim: whoever it was declared for, and whoever declared it, may not
act on it at any level, whatever role they switch to.
"""

from __future__ import annotations

from django.db.models import QuerySet

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.accounts.permissions import permission_kinds
from xueshi.declarations.models import Declaration
from xueshi.declarations.permissions import register_routed_steps

from .models import ChainStep

# The role that acts for each kind of organisation in a review chain.
REVIEWER_ROLES = {
    "unit": (RoleKind.UNIT_ADMIN, RoleKind.DEPARTMENT_ADMIN),
    "supervisor": (RoleKind.SUPERVISOR_ADMIN,),
    "authority": (RoleKind.AUTHORITY_ADMIN,),
}
# Roles that may remove an approved claim, from the permission registry.
REMOVER_ROLES = permission_kinds("review.delete_approved")
# Roles that correct or revoke an approved claim in a sample audit (抽查), from the registry.
AUDITOR_ROLES = permission_kinds("sample_audits.manage")
OWN_CLAIM = "不能审核本人的申报：本人申报，须由本单位其他管理员或上级审核。"


def is_own_claim(declaration: Declaration, role: RoleAssignment | None) -> bool:
    """Declared by or for the user behind `role` (in whatever role they did it)."""
    if role is None:
        return False
    return role.user_id in (declaration.person.user_id, declaration.created_by_id)


def fills_step(declaration: Declaration, role: RoleAssignment | None, step: object) -> bool:
    """Does `role` stand for the organisation (and department) of the chain step `step`?"""
    organization = getattr(step, "organization", None)
    if role is None or organization is None or role.organization_id != organization.pk:
        return False
    if role.kind not in REVIEWER_ROLES.get(organization.kind, ()):
        return False
    if role.kind == RoleKind.DEPARTMENT_ADMIN:
        return declaration.person.department_id == role.department_id
    return True


def may_review_step(declaration: Declaration, role: RoleAssignment | None, step: object) -> bool:
    """May `role` act for the chain step `step` of this declaration? Never on one's own claim."""
    return fills_step(declaration, role, step) and not is_own_claim(declaration, role)


def routed_steps() -> QuerySet[ChainStep]:
    """Chain steps, for declarations' scope: claims routed to an organisation (e.g. sent
    straight to a supervisor) are in its scope though not from its subtree."""
    return ChainStep.objects.all()


def register_scope() -> None:
    """Declarations knows no chain: tell it where claims are routed (its supervisors' scope)."""
    register_routed_steps(routed_steps)
