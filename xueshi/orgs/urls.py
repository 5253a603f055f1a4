from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("units/search/", views.unit_search, name="unit_search"),
    path("units/register/", views.unit_register, name="unit_register"),
    path("units/pending/", views.pending_units, name="pending_units"),
    path("units/<int:pk>/approve/", views.unit_approve, name="unit_approve"),
    path("units/<int:pk>/reject/", views.unit_reject, name="unit_reject"),
    path("my-unit/", views.my_unit, name="my_unit"),
    path("<int:pk>/", views.organization_detail, name="organization_detail"),
    path("<int:pk>/credit-code/", views.credit_code_override, name="credit_code_override"),
]
