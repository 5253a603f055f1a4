"""{% sso_links %}: "其他方式登录" with the region's unified identity service, where configured."""

from __future__ import annotations

from typing import Any

from django import template

from xueshi.orgs.models import Organization

from ..sso import PUBLIC_REGION_SESSION_KEY, SsoProvider, sso_providers

register = template.Library()


def providers_for_region(request: Any, region_key: str = "") -> list[SsoProvider]:
    """The providers to offer: the given region's; else the region the visitor chose on the
    public home; else (no region chosen) every configured one, each under its own name."""
    providers = sso_providers()
    if not providers:
        return []
    if not region_key and request is not None:
        chosen = request.session.get(PUBLIC_REGION_SESSION_KEY)
        if chosen is not None:
            region_key = (
                Organization.objects.filter(pk=chosen)
                .values_list("policy_profile", flat=True)
                .first()
                or ""
            )
            if not region_key:
                return []
    if region_key:
        return [providers[region_key]] if region_key in providers else []
    return list(providers.values())


@register.inclusion_tag("accounts/_sso_links.html", takes_context=True)
def sso_links(context: dict[str, Any], region_key: str = "") -> dict[str, Any]:
    request = context.get("request")
    return {"providers": providers_for_region(request, region_key), "next": context.get("next")}
