"""Reading notices: what a visitor of a region sees, what a logged-in role sees."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from xueshi.accounts.models import Person, RoleAssignment
from xueshi.orgs.models import Organization, OrganizationKind
from xueshi.policy.loader import ProfileError, ProfileNotFound, get_profile
from xueshi.policy.schema import ProfileVersion

from .models import PUBLIC, Notice, NoticeKind


@dataclass(frozen=True)
class Region:
    authority: Organization
    key: str
    name: str  # the profile's own name for the platform (Henan's is not "学时申报平台")
    version: ProfileVersion | None


def regions() -> list[Region]:
    """One entry per top authority with a profile: the region switch of the public home."""
    found = []
    authorities = Organization.objects.filter(
        kind=OrganizationKind.AUTHORITY, parent__isnull=True
    ).exclude(policy_profile="")
    for authority in authorities.order_by("region_code", "id"):
        try:
            profile = get_profile(authority.policy_profile)
        except (ProfileNotFound, ProfileError):
            continue
        version = profile.version_on(timezone.localdate())
        found.append(Region(authority, authority.policy_profile, profile.name, version))
    return found


def region_by_id(all_regions: list[Region], authority_id: Any) -> Region | None:
    for region in all_regions:
        if str(region.authority.pk) == str(authority_id):
            return region
    return all_regions[0] if all_regions else None


def published(authority: Organization) -> QuerySet[Notice]:
    return Notice.objects.filter(authority=authority, published=True).prefetch_related(
        "attachments"
    )


def public_notices(authority: Organization, kind: str) -> QuerySet[Notice]:
    return published(authority).filter(kind=kind, audience=PUBLIC)


def _authority_of(organization: Organization | None) -> Organization | None:
    # The top of the organisation's path ("/1/5/12/") is its region's authority.
    if organization is None or not organization.path.strip("/"):
        return None
    top = int(organization.path.strip("/").split("/")[0])
    return Organization.objects.filter(pk=top, kind=OrganizationKind.AUTHORITY).first()


def person_unit(user: Any) -> Organization | None:
    """The unit of a logged-in person (their notices come from the unit's region)."""
    if not getattr(user, "is_authenticated", False):
        return None
    person = Person.objects.select_related("unit").filter(user_id=user.pk).first()
    return person.unit if person is not None else None


def notices_for(role: RoleAssignment | None, person_unit: Organization | None = None) -> Any:
    """Published notices of the role's region meant for everyone or for this kind of role."""
    if role is None:
        return Notice.objects.none()
    authority = _authority_of(role.organization or person_unit)
    if authority is None:
        return Notice.objects.none()
    return published(authority).filter(Q(audience=PUBLIC) | Q(audience=role.kind))


def visible_notice(
    notice_id: int, role: RoleAssignment | None, unit: Organization | None
) -> Notice:
    """A notice a visitor (public ones) or a role (theirs too) may read; DoesNotExist → 404."""
    public = Notice.objects.filter(published=True, audience=PUBLIC)
    mine = notices_for(role, unit)
    return (public | mine).prefetch_related("attachments").distinct().get(pk=notice_id)


def kinds() -> list[tuple[str, str]]:
    return list(NoticeKind.choices)
