from typing import Any

from django import forms
from django.contrib import admin

from xueshi.policy.loader import get_profile, profile_keys

from .models import Department, Organization


class OrganizationAdminForm(forms.ModelForm):
    """政策配置 offers the profiles found in profiles/ (it was a free text box: ``hubie`` saved)."""

    class Meta:
        model = Organization
        fields = "__all__"  # noqa: DJ007 (the admin shows the model as it is)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("policy_profile")
        if field is None:
            return
        choices = [("", "（沿用上级机构的配置）")] + [
            (key, f"{key} · {get_profile(key).name}") for key in profile_keys()
        ]
        current = self.instance.policy_profile if self.instance else ""
        if current and current not in profile_keys():
            # Keep showing a key whose file went away, so the error below is visible.
            choices.append((current, f"{current}（配置文件不存在）"))
        self.fields["policy_profile"] = forms.ChoiceField(
            label=field.label, choices=choices, required=False, help_text=field.help_text
        )


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    fields = ("name", "note")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    form = OrganizationAdminForm
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
