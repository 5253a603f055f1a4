from django.urls import path

from . import views

app_name = "review"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("export/", views.queue_export, name="queue_export"),
    path("batch/", views.batch, name="batch"),
    path("results/", views.results, name="results"),
    path("results/export/", views.results_export, name="results_export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/return/", views.return_, name="return"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/delete/", views.delete_approved, name="delete_approved"),
    path(
        "<int:pk>/files/<int:attachment_pk>/check/",
        views.evidence_check,
        name="evidence_check",
    ),
]
