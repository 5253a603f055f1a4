from django.urls import path

from . import views as views_unit
from . import views_orgs as views

# Included by config/urls.py under the "orgs" namespace (names and paths unchanged).
urlpatterns = [
    path("units/search/", views.unit_search, name="unit_search"),
    path("units/register/", views.unit_register, name="unit_register"),
    path("units/pending/", views.pending_units, name="pending_units"),
    path("units/<int:pk>/approve/", views.unit_approve, name="unit_approve"),
    path("units/<int:pk>/reject/", views.unit_reject, name="unit_reject"),
    path("my-unit/", views.my_unit, name="my_unit"),
    path("<int:pk>/", views.organization_detail, name="organization_detail"),
    path("<int:pk>/credit-code/", views.credit_code_override, name="credit_code_override"),
    # 单位信息维护, and the supervisor's decisions on a change of name or credit code
    path("unit/info/", views_unit.unit_info, name="unit_info"),
    path("units/changes/", views_unit.unit_change_requests, name="unit_change_requests"),
    path(
        "units/changes/<int:pk>/approve/",
        views_unit.unit_change_approve,
        name="unit_change_approve",
    ),
    path(
        "units/changes/<int:pk>/reject/", views_unit.unit_change_reject, name="unit_change_reject"
    ),
    # 专业技术人员管理
    path("unit/staff/", views_unit.staff_list, name="staff_list"),
    path("unit/staff/export/", views_unit.staff_export, name="staff_export"),
    path("unit/staff/add/", views_unit.staff_add, name="staff_add"),
    path("unit/staff/<int:pk>/", views_unit.staff_edit, name="staff_edit"),
    path("unit/staff/<int:pk>/leave/", views_unit.staff_leave, name="staff_leave"),
    path(
        "unit/staff/<int:pk>/declaring/",
        views_unit.staff_declaring_enabled,
        name="staff_declaring_enabled",
    ),
    # 学时登记权限 (Zhejiang 省属管理权限), granted by the supervising department
    path("units/declaring-access/", views_unit.declaring_access, name="declaring_access"),
    path(
        "units/<int:pk>/declaring-access/",
        views_unit.declaring_access_set,
        name="declaring_access_set",
    ),
    # 单位部门管理
    path("unit/departments/", views_unit.department_list, name="department_list"),
    path("unit/departments/<int:pk>/", views_unit.department_edit, name="department_edit"),
    path(
        "unit/departments/<int:pk>/delete/",
        views_unit.department_delete,
        name="department_delete",
    ),
    # 单位管理员管理
    path("unit/admins/", views_unit.unit_admin_list, name="unit_admin_list"),
    path("unit/admins/add/", views_unit.unit_admin_add, name="unit_admin_add"),
    path("unit/admins/<int:pk>/", views_unit.unit_admin_edit, name="unit_admin_edit"),
    path("unit/admins/<int:pk>/remove/", views_unit.unit_admin_remove, name="unit_admin_remove"),
    # 学时登记开放
    path("unit/windows/", views_unit.declaring_windows, name="declaring_windows"),
    path(
        "unit/windows/<int:pk>/close/",
        views_unit.declaring_window_close,
        name="declaring_window_close",
    ),
]
