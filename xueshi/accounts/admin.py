"""Django admin for platform administrators: raw access to logins, people and roles."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest

from xueshi.core.admin_actions import ActionIdsChecked
from xueshi.orgs import admin as orgs_admin
from xueshi.orgs.models import Department, Organization

from .models import Person, RoleAssignment, RoleKind, User, id_number_q

# The Django admin is the system admin's (系统管理): organisations and settings. Roles and
# permissions are only shown here; the security admin changes them on audited pages
# (accounts/views_security.py), and nobody changes his own (三员分立).
SYSTEM_KINDS = (RoleKind.PLATFORM_ADMIN, RoleKind.SYSTEM_ADMIN)
PERMISSION_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


def is_platform_admin(user: Any) -> bool:
    """Superusers, and staff accounts that hold the platform or the system admin role."""
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    return RoleAssignment.objects.filter(user_id=user.pk, kind__in=SYSTEM_KINDS).exists()


class PlatformAdminOnly(ActionIdsChecked):
    """Staff status alone is not enough: these pages hold every person's ID number."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_platform_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_platform_admin(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_platform_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_platform_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_platform_admin(request.user)


class XueshiUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "full_name")


class XueshiUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


class RoleAssignmentInline(admin.TabularInline):
    """Shown, not changed: roles are the security admin's (audited) work."""

    model = RoleAssignment
    extra = 0
    fields = ("kind", "organization", "department")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(PlatformAdminOnly, DjangoUserAdmin):
    form = XueshiUserChangeForm
    add_form = XueshiUserCreationForm
    list_display = (
        "username",
        "full_name",
        "organization",
        "must_change_password",
        "is_active",
        "is_staff",
        "last_login",
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "must_change_password")
    search_fields = ("username", "full_name", "organization__name")
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)
    ordering = ("username",)
    inlines = (RoleAssignmentInline,)

    readonly_fields = (*PERMISSION_FIELDS, "last_login", "date_joined")

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # Roles are granted once the login exists (its change page), not on the add page.
        return [] if obj is None else list(self.inlines)

    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("基本信息", {"fields": ("full_name", "organization", "must_change_password")}),
        (
            "权限",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )


@admin.register(Person)
class PersonAdmin(PlatformAdminOnly, admin.ModelAdmin):
    list_display = (
        "name",
        "masked_id",
        "sex",
        "birth_date",
        "unit",
        "department",
        "phone",
        "in_establishment",
    )
    list_filter = ("sex", "in_establishment")
    # The ID number is encrypted: a full one is found by its digest (get_search_results).
    search_fields = ("name", "unit__name")
    list_select_related = ("unit", "department", "user")
    raw_id_fields = ("unit", "department", "user")
    # Birth date and sex are derived from the ID number, so it is fixed after creation too.
    readonly_fields = ("id_number", "birth_date", "sex", "created_at")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # People are created by `person_create` (checks, initial password, role), not here.
        return False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Person], search_term: str
    ) -> tuple[QuerySet[Person], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            found |= queryset.filter(id_number_q(search_term.strip()))
        return found, may_have_duplicates

    @admin.display(description="身份证号")
    def masked_id(self, obj: Person) -> str:
        return obj.masked_id_number


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(PlatformAdminOnly, admin.ModelAdmin):
    """Read-only: roles change on the security admin's pages (audited, never one's own)."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    list_display = ("user", "kind", "organization", "department", "created_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "user__full_name", "organization__name")
    list_select_related = ("user", "organization", "department")
    raw_id_fields = ("user", "organization", "department")


# 系统管理: the system admin (and the platform admin) manage organisations here, by role like
# the pages above (orgs sits below accounts, so the role check is added here).
for _model, _base in (
    (Organization, orgs_admin.OrganizationAdmin),
    (Department, orgs_admin.DepartmentAdmin),
):
    admin.site.unregister(_model)
    admin.site.register(_model, type(_base.__name__, (PlatformAdminOnly, _base), {}))


# Who may do what is the permission registry and the roles (accounts/permissions.py), never
# Django's groups: their admin is not offered (its permission picker was one more form to keep
# safe, and the fuzzing found a huge number there crashing SQLite).
admin.site.unregister(Group)
