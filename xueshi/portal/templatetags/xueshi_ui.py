"""Layout tags: the role menu and small presentation helpers."""

from __future__ import annotations

from typing import Any

from django import template

from xueshi.core.identifiers import mask_id_number
from xueshi.portal.menu import menu_for

register = template.Library()

# Django message level tags -> Bootstrap alert colours.
ALERT_CLASSES = {
    "debug": "secondary",
    "info": "info",
    "success": "success",
    "warning": "warning",
    "error": "danger",
}


@register.inclusion_tag("includes/sidebar_menu.html", takes_context=True)
def sidebar_menu(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    role = context.get("active_role")
    path = request.path if request is not None else None
    return {"sections": menu_for(role, path)}


@register.filter
def alert_class(message: Any) -> str:
    """The Bootstrap alert colour for a django.contrib.messages message."""
    return ALERT_CLASSES.get(getattr(message, "level_tag", ""), "info")


@register.filter
def masked(id_number: Any) -> str:
    """An ID number with only the first 6 and last 4 characters shown."""
    return mask_id_number(str(id_number or ""))
