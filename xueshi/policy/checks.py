"""A system check: a broken profile stops `manage.py check`, `migrate` and the server at start."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from .loader import check_profile_file, profile_files


@register()
def policy_profiles_valid(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    for path in profile_files():
        _, issues = check_profile_file(path)
        errors.extend(
            Error(
                f"政策配置有误：{issue}",
                hint="运行 manage.py check_profiles 查看全部问题。",
                id="policy.E001",
            )
            for issue in issues
        )
    return errors
