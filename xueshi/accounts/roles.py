"""The roles a user holds and the one they are acting in."""

from __future__ import annotations

from typing import Any

from .models import RoleAssignment

ACTIVE_ROLE_SESSION_KEY = "active_role_id"


def user_roles(user: Any) -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.filter(user=user)
        .select_related("organization", "department")
        .order_by("id")
    )
