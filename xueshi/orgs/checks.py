"""A system check: organisations that point at a profile no file defines any more (a file
removed or renamed while a region still uses it) are reported at every start and `check`."""

from __future__ import annotations

from typing import Any

from django.core.checks import Warning, register
from django.db import DatabaseError

from xueshi.policy.loader import profile_keys

from .models import Organization


@register()
def organizations_point_at_known_profiles(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    try:
        used = set(
            Organization.objects.exclude(policy_profile="")
            .values_list("policy_profile", flat=True)
            .distinct()
        )
    except DatabaseError:
        # Before the first migrate (or with no database at all, as in `check --deploy` on CI)
        # there is nothing to compare.
        return []
    missing = sorted(used - set(profile_keys()))
    return [
        Warning(
            f"有机构的政策配置为 {key}，但 profiles/ 中没有 {key}.yaml："
            "这些机构及其下级单位无法申报。",
            hint="恢复该配置文件，或在后台把这些机构的政策配置改为现有的配置。",
            obj=key,
            id="orgs.W001",
        )
        for key in missing
    ]
