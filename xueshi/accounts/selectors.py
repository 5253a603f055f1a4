"""Reads on people, accounts and roles, with the related rows views need already joined."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from xueshi.core.models import AuditLog
from xueshi.orgs.models import Department, Organization, OrganizationKind
from xueshi.policy.loader import ProfileError, ProfileNotFound, get_profile

from .models import (
    UNIT_ROLE_KINDS,
    Person,
    Registration,
    RegistrationStatus,
    RoleAssignment,
    RoleKind,
    User,
    id_number_q,
)
from .permissions import people_in_scope, role_may

# The department filter's value for people without a department.
NO_DEPARTMENT = "none"


def person_for_user(user: Any) -> Person | None:
    """The person behind a login, or None (organisation accounts, anonymous users)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return (
        Person.objects.select_related("unit", "department", "user").filter(user_id=user.pk).first()
    )


def department_choices_for_person(person: Person) -> QuerySet[Department]:
    """The departments a person may place themselves in: those of their own unit, else none."""
    if person.unit_id is None:
        return Department.objects.none()
    return Department.objects.filter(unit_id=person.unit_id).order_by("name")


def role_of_user(*, user: Any, role_id: int) -> RoleAssignment | None:
    """One of the user's own roles by id; None when it does not exist or is someone else's."""
    return (
        RoleAssignment.objects.select_related("organization", "department")
        .filter(pk=role_id, user_id=user.pk)
        .first()
    )


def first_role_of_user(user: Any) -> RoleAssignment | None:
    """The role a fresh session starts in (the same order ActiveRoleMiddleware falls back on)."""
    return (
        RoleAssignment.objects.select_related("organization", "department")
        .filter(user_id=user.pk)
        .order_by("id")
        .first()
    )


# ---- a unit's staff and admins ------------------------------------------------------------


def staff_in_scope(
    role: RoleAssignment | None, *, query: str = "", department: str = ""
) -> QuerySet[Person]:
    """The people a unit or department admin manages, searched by name or ID number.

    `department` is a department id, NO_DEPARTMENT for people without one, or "" for all.
    Unit, department and login are joined, so a page of any size costs the same queries.
    """
    if role is None or not role_may(role, "unit.manage_staff"):
        return Person.objects.none()
    people = people_in_scope(role)
    text = "".join((query or "").split())
    if text:
        # ID numbers are encrypted: the full number is found (by its digest), not a part.
        people = people.filter(Q(name__icontains=text) | id_number_q(text))
    if department == NO_DEPARTMENT:
        people = people.filter(department__isnull=True)
    elif department.isascii() and department.isdigit():
        # An id past the database's 64-bit integers names no department (and would overflow).
        wanted = int(department)
        people = people.filter(department_id=wanted) if wanted < 2**63 else people.none()
    return people.order_by("name", "pk")


def staff_departments(role: RoleAssignment | None) -> QuerySet[Department]:
    """The departments a unit's admin may filter by and place people in."""
    if role is None or not role_may(role, "unit.manage_staff") or role.organization_id is None:
        return Department.objects.none()
    departments = Department.objects.filter(unit_id=role.organization_id)
    if role.kind == RoleKind.DEPARTMENT_ADMIN:
        departments = departments.filter(pk=role.department_id or 0)
    return departments.order_by("name")


def unit_admins(unit: Organization) -> QuerySet[RoleAssignment]:
    """The unit's admins (总管理员 first, then department admins by department), with names."""
    return (
        RoleAssignment.objects.filter(organization=unit, kind__in=UNIT_ROLE_KINDS)
        .select_related("user", "user__person", "department", "unit_admin_info")
        .order_by(F("department__name").asc(nulls_first=True), "user__full_name", "pk")
    )


def main_admin_count(unit: Organization) -> int:
    """How many main admins (总管理员, role unit_admin) the unit has."""
    return RoleAssignment.objects.filter(organization=unit, kind=RoleKind.UNIT_ADMIN).count()


# ---- security (issue 21) -------------------------------------------------------------------


def login_failures_from(ip_address: str | None) -> int:
    """Failed logins from one address within the lockout window (AXES_COOLOFF_TIME), counted
    from the audit log, where every failure is a row with its address."""
    if not ip_address:
        return 0
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AuditLog.objects.filter(
        action="auth.login_failed", ip_address=ip_address, at__gte=since
    ).count()


def ip_locked_out(ip_address: str | None) -> bool:
    return login_failures_from(ip_address) >= settings.LOGIN_IP_FAILURE_LIMIT


def security_user_search(text: str = "") -> QuerySet[User]:
    """Logins for the security admin's list: by name, account name or a full ID number;
    roles, second factor and open sessions come with each row in a fixed number of queries."""
    users = User.objects.select_related("organization").order_by("-is_superuser", "username")
    text = (text or "").strip()
    if text:
        condition = Q(full_name__icontains=text) | Q(username__iexact=text)
        if len(text) == 18:
            person_ids = Person.objects.filter(id_number_q(text)).values("user_id")
            condition |= Q(pk__in=person_ids)
        users = users.filter(condition)
    return users.annotate(
        session_count=Count("login_sessions", distinct=True),
        totp_count=Count("totpdevice", filter=Q(totpdevice__confirmed=True), distinct=True),
    ).prefetch_related(
        Prefetch(
            "roles",
            queryset=RoleAssignment.objects.select_related("organization", "department"),
        )
    )


def security_user(user_id: int) -> User | None:
    return security_user_search().filter(pk=user_id).first()


# ---- 个人注册 (issue 17 item 3) ---------------------------------------------------------------


def registrations_waiting(role: RoleAssignment | None) -> QuerySet[Registration]:
    """The registrations the role must decide now, oldest first: a unit admin's unit's, or a
    supervising department's after its units approved. Nothing for any other role."""
    registrations = Registration.objects.select_related("person", "unit", "supervisor")
    if role is None or role.organization_id is None:
        return registrations.none()
    if role.kind == RoleKind.UNIT_ADMIN:
        return registrations.filter(
            unit_id=role.organization_id, status=RegistrationStatus.UNIT_REVIEW
        ).order_by("created_at", "id")
    if role.kind in (RoleKind.SUPERVISOR_ADMIN, RoleKind.AUTHORITY_ADMIN):
        return registrations.filter(
            supervisor_id=role.organization_id, status=RegistrationStatus.SUPERVISOR_REVIEW
        ).order_by("created_at", "id")
    return registrations.none()


def registration_regions() -> list[Organization]:
    """The regions (top authorities with a profile) whose profile lets a person register today."""
    found = []
    authorities = Organization.objects.filter(
        kind=OrganizationKind.AUTHORITY, parent__isnull=True
    ).exclude(policy_profile="")
    for authority in authorities.order_by("region_code", "id"):
        try:
            version = get_profile(authority.policy_profile).version_on(timezone.localdate())
        except (ProfileNotFound, ProfileError):
            continue
        if version is not None and version.registration.person:
            found.append(authority)
    return found
