from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/section/<str:key>/", views.statistics_section, name="statistics_section"),
    path("statistics/export/", views.statistics_export, name="statistics_export"),
    path("declarations/export/", views.export_declarations, name="export_declarations"),
]
