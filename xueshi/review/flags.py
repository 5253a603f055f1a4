"""Flags on claims in the reviewers' pages, raised by apps above review (the recognition app:
the certificate says something else, or the same certificate is in another claim).

A provider registers at start-up; the review app asks it, never imports it:
- ``enabled()``: whether it flags at all now (an optional feature may be off);
- ``flagged()``: a condition over ``Declaration`` (the queue's filter, batch approval);
- ``flags(role, declarations)``: short badges per claim for one page of the queue, in a
  constant number of queries;
- ``panel(request, role, declaration)``: HTML beside the claim on its review page.
Batch approval leaves flagged claims out: each must be approved one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db.models import Q
from django.http import HttpRequest
from django.utils.safestring import SafeString

from xueshi.accounts.models import RoleAssignment
from xueshi.declarations.models import Declaration


@dataclass(frozen=True)
class Flag:
    label: str  # a badge: "证书与申报不一致", "证书重复使用"
    detail: str = ""  # its title text: "证书 24 学时，申报 40 学时"


class FlagProvider(Protocol):
    def enabled(self) -> bool: ...

    def flagged(self) -> Q: ...

    def flags(
        self, role: RoleAssignment, declarations: Sequence[Declaration]
    ) -> dict[int, list[Flag]]: ...

    def panel(
        self, request: HttpRequest, role: RoleAssignment, declaration: Declaration
    ) -> SafeString | None: ...


_registered: list[FlagProvider] = []


def _active() -> list[FlagProvider]:
    return [provider for provider in _registered if provider.enabled()]


def register_flag_provider(provider: FlagProvider) -> None:
    if provider not in _registered:
        _registered.append(provider)


def unregister_flag_provider(provider: FlagProvider) -> None:
    if provider in _registered:
        _registered.remove(provider)


def any_provider() -> bool:
    return bool(_active())


def flagged_condition() -> Q | None:
    """Claims some provider flags; None when nobody flags anything."""
    condition: Q | None = None
    for provider in _active():
        condition = provider.flagged() if condition is None else condition | provider.flagged()
    return condition


def flags_for(role: RoleAssignment, declarations: Sequence[Declaration]) -> dict[int, list[Flag]]:
    found: dict[int, list[Flag]] = {}
    for provider in _active():
        for pk, flags in provider.flags(role, declarations).items():
            found.setdefault(pk, []).extend(flags)
    return found


def flagged_ids(ids: Sequence[int]) -> set[int]:
    condition = flagged_condition()
    if condition is None or not ids:
        return set()
    return set(
        Declaration.objects.filter(condition, pk__in=ids).values_list("pk", flat=True).distinct()
    )


def panels(
    request: HttpRequest, role: RoleAssignment, declaration: Declaration
) -> list[SafeString]:
    return [
        html
        for provider in _active()
        if (html := provider.panel(request, role, declaration)) is not None
    ]
