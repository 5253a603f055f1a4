from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def active_role(request: HttpRequest) -> dict[str, Any]:
    return {
        "active_role": getattr(request, "active_role", None),
        "available_roles": getattr(request, "available_roles", []),
    }
