from django.contrib import admin

from xueshi.core.admin_actions import ActionIdsChecked

from .models import Application, ApplicationEntry, ApplicationStep, ApplicationTrail


class EntryInline(admin.TabularInline):
    model = ApplicationEntry
    extra = 0
    fields = ("section", "title", "organizer", "activity_type", "start_date", "end_date", "hours")
    readonly_fields = fields
    can_delete = False


class StepInline(admin.TabularInline):
    model = ApplicationStep
    extra = 0
    readonly_fields = ("position", "level_code", "level_name", "organization")
    can_delete = False


@admin.register(Application)
class ApplicationAdmin(ActionIdsChecked, admin.ModelAdmin):
    """Read-only: every change goes through the services and the lifecycle."""

    list_display = ("number", "person", "credit_year", "declaring_region_name", "status")
    list_filter = ("credit_year", "status")
    search_fields = ("number", "person__name")
    inlines = (EntryInline, StepInline)
    readonly_fields = tuple(
        f.name for f in Application._meta.get_fields() if f.concrete and not f.many_to_many
    )

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ApplicationTrail)
class ApplicationTrailAdmin(ActionIdsChecked, admin.ModelAdmin):
    list_display = ("application", "action", "organization", "at")
    readonly_fields = tuple(f.name for f in ApplicationTrail._meta.get_fields() if f.concrete)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
