"""Login by ID number (people), account name, or unified social credit code (organisations)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.http import HttpRequest
from stdnum.cn import ric, uscc

from .models import Person, User, id_number_digest


def normalize_identifier(identifier: str) -> str:
    """ID numbers and credit codes are stored upper-case; a typed lower-case x still matches."""
    text = (identifier or "").strip()
    if len(ric.compact(text)) == 18 and ric.compact(text)[:17].isdigit():
        return str(ric.compact(text))
    return text


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The key axes counts failures under: the account the typed name leads to, whichever of
    its names was typed (ID number with `x` or `X`, account name in any case, credit code), so
    five failures under one name lock them all. A name that leads nowhere counts by itself."""
    raw = ""
    if credentials:
        raw = credentials.get("username", "")
    elif request is not None and hasattr(request, "POST"):
        raw = request.POST.get("username", "")
    key = normalize_identifier(raw)
    user = find_user(key) if key else None
    if user is None and key:
        # Login takes the account name as stored; a failure typed in another case is still
        # an attempt on that account (when the name is unambiguous).
        same = list(
            User.objects.filter(username__iexact=key).values_list("username", flat=True)[:2]
        )
        if len(same) == 1:
            return same[0]
        # axes keeps its key in plain text: an ID number nobody holds is kept as its digest.
        return f"id:{id_number_digest(key)[:32]}" if looks_like_id_number(key) else key
    return user.username if user is not None else key


def looks_like_id_number(key: str) -> bool:
    return len(key) == 18 and key[:17].isdigit()


def find_user(identifier: str) -> User | None:
    """A person logs in by ID number, found by its digest (the login's own name is opaque:
    an ID number is never a username); an organisation account by name or credit code."""
    key = normalize_identifier(identifier)
    if not key:
        return None
    user = None
    if looks_like_id_number(key):
        person = Person.objects.by_id_number(key).select_related("user").first()
        user = person.user if person is not None else None
    if user is None:
        user = User.objects.filter(username=key).first()
    if user is None and len(key) == 18:
        # An organisation account may also log in by its organisation's credit code.
        user = (
            User.objects.filter(organization__credit_code=uscc.compact(key).upper())
            .order_by("id")
            .first()
        )
    return user


class IdentifierBackend(ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        """The user's own and their groups' permissions in one query (ModelBackend asks two),
        remembered on the user object as ModelBackend does (`perms` in a template asks)."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = Permission.objects.all()
            if not user_obj.is_superuser:
                permissions = permissions.filter(Q(user=user_obj) | Q(group__user=user_obj))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in permissions.values_list(
                    "content_type__app_label", "codename"
                ).order_by()
            }
        permission_names: set[str] = user_obj._perm_cache
        return permission_names

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        user = find_user(username)
        if user is None:
            # Same cost as a real check, so timing does not reveal which identifiers exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
