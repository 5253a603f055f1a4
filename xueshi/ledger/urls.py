from django.urls import path

from . import views

app_name = "ledger"
urlpatterns = [
    path("", views.my_years, name="my_years"),
    path("export/", views.my_export, name="my_export"),
    path("query/", views.unit_query, name="unit_query"),
    path("query/export/", views.unit_query_export, name="unit_query_export"),
    path("people/<int:pk>/<int:year>/", views.person_year, name="person_year"),
    path("general-import/", views.general_import, name="general_import"),
    path(
        "general-import/template/",
        views.general_import_template,
        name="general_import_template",
    ),
]
