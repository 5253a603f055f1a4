from django.urls import path

from . import views

app_name = "oversight"
urlpatterns = [
    path("overdue-below/", views.overdue_below, name="overdue_below"),
    path("short-people/", views.short_people, name="short_people"),
    path("short-people/export/", views.short_people_export, name="short_people_export"),
]
