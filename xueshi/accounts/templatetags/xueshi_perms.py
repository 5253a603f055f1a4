"""``{% load xueshi_perms %}``: ask the permission registry from a template.

{% if role|may:"review.act" %}…{% endif %}
"""

from __future__ import annotations

from typing import Any

from django import template

from xueshi.accounts.permissions import role_may

register = template.Library()


@register.filter
def may(role: Any, name: str) -> bool:
    """Whether the role holds the named permission (an unknown name raises, as in code)."""
    return role_may(role, name)
