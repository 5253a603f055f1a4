from django.urls import path

from . import views

app_name = "transfers"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("year-row/", views.year_row, name="year_row"),
    path("certificate/", views.certificate_check, name="certificate_check"),
    path("queue/", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/evidence/", views.evidence, name="evidence"),
    path("<int:pk>/act/", views.act, name="act"),
]
