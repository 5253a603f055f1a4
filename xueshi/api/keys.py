"""API keys: made by an organisation's admin, shown once, stored as an SM3 digest, revoked.

A key is ``xs_<prefix>_<secret>``; the prefix finds the row, the digest of the whole key is
compared in constant time. A key may carry only scopes its role may use on the pages
(the permission registry decides), so a key never does more than its maker could.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.accounts.permissions import role_may
from xueshi.core.audit import audit_record
from xueshi.core.exports import may_see_full_id_numbers

from .models import ApiKey, ApiScope

KEY_START = "xs_"

# Which page permission a scope stands for: a key gets a scope only where its role holds it.
SCOPE_PERMISSIONS: dict[str, str] = {
    ApiScope.COMPLETIONS_WRITE: "ledger.general_import",
    ApiScope.DECLARATIONS_READ: "declarations.list_unit",
    ApiScope.DECLARATIONS_WRITE: "declarations.training_base",
    ApiScope.REVIEWS_READ: "review.act",
    ApiScope.REVIEWS_WRITE: "review.act",
    ApiScope.LEDGER_READ: "ledger.query",
    ApiScope.ORGANIZATIONS_READ: "api.keys",
}


def sm3(text: str) -> str:
    return hashlib.new("sm3", text.encode()).hexdigest()


def scopes_for(role: RoleAssignment) -> list[tuple[str, str]]:
    """The scopes `role` may put on a key, with their Chinese labels."""
    offered = [
        (scope.value, scope.label)
        for scope in ApiScope
        if scope != ApiScope.ID_NUMBERS_FULL and role_may(role, SCOPE_PERMISSIONS[scope])
    ]
    if may_see_full_id_numbers(role.user):
        offered.append((ApiScope.ID_NUMBERS_FULL.value, ApiScope.ID_NUMBERS_FULL.label))
    return offered


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    secret: str  # the whole key, shown once and never again


def api_key_create(*, role: RoleAssignment, actor: Any, name: str, scopes: Iterable[str]) -> NewKey:
    if not role_may(role, "api.keys") or role.organization is None:
        raise PermissionDenied("当前角色不能创建接口密钥。")
    chosen = sorted(set(scopes))
    allowed = {code for code, _ in scopes_for(role)}
    refused = [scope for scope in chosen if scope not in allowed]
    if refused:
        raise ValidationError({"scopes": f"当前角色不能授予：{'、'.join(refused)}"})
    if not chosen:
        raise ValidationError({"scopes": "请至少选择一项权限范围。"})
    name = name.strip()
    if not name:
        raise ValidationError({"name": "请填写密钥用途，例如“学习平台推送”。"})
    prefix = secrets.token_hex(4)
    secret = f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        key = ApiKey.objects.create(
            role=role,
            organization=role.organization,
            name=name[:100],
            prefix=prefix,
            digest=sm3(secret),
            scopes=chosen,
            created_by=actor,
        )
        audit_record(
            action="api.key_create",
            actor=actor,
            role=role.kind,
            target=key,
            details={"prefix": prefix, "scopes": chosen, "organization": role.organization_id},
        )
    return NewKey(key, secret)


def api_key_revoke(*, key_id: int, role: RoleAssignment, actor: Any) -> ApiKey:
    with transaction.atomic():
        key = keys_of(role).select_for_update().get(pk=key_id)
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.revoked_by = actor
            key.save(update_fields=["revoked_at", "revoked_by"])
            audit_record(
                action="api.key_revoke",
                actor=actor,
                role=role.kind,
                target=key,
                details={"prefix": key.prefix},
            )
    return key


def keys_of(role: RoleAssignment) -> Any:
    """The keys an admin manages: those of their organisation (the platform admin: all)."""
    keys = ApiKey.objects.select_related("created_by", "role")
    if role.kind == RoleKind.PLATFORM_ADMIN or role.organization is None:
        return keys if role.kind == RoleKind.PLATFORM_ADMIN else keys.none()
    return keys.filter(organization=role.organization)


def authenticate(secret: str) -> ApiKey | None:
    """The active key for `secret`, or None. Each use is stamped (and audited by the caller)."""
    if not secret.startswith(KEY_START):
        return None
    prefix = secret[len(KEY_START) :].split("_", 1)[0]
    key = (
        ApiKey.objects.select_related("role", "role__user", "role__organization", "organization")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.digest, sm3(secret)):
        return None
    if not key.role.user.is_active:
        return None
    return key
