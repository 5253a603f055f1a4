from django.contrib import admin

from .models import Department, Organization


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    fields = ("name", "note")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "status", "region_code", "credit_code")
    list_filter = ("kind", "status")
    search_fields = ("name", "credit_code", "code")
    list_select_related = ("parent",)
    raw_id_fields = ("parent", "registered_by", "reviewed_by")
    readonly_fields = ("path", "created_at")
    inlines = (DepartmentInline,)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "note")
    search_fields = ("name", "unit__name")
    list_select_related = ("unit",)
    raw_id_fields = ("unit",)
