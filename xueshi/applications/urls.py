from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.start, name="start"),
    path("review/", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/wizard/<int:step>/", views.wizard, name="wizard"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/photo/", views.photo, name="photo"),
    path("<int:pk>/sections/<slug:section>/new/", views.entry_form, name="entry_new"),
    path("<int:pk>/entries/<int:entry_pk>/edit/", views.entry_form, name="entry_edit"),
    path("<int:pk>/entries/<int:entry_pk>/delete/", views.entry_delete, name="entry_delete"),
    path(
        "<int:pk>/entries/<int:entry_pk>/evidence/",
        views.evidence_upload,
        name="evidence_upload",
    ),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.evidence_view, name="evidence_view"),
    path("<int:pk>/evidence/<int:evidence_pk>/move/", views.evidence_move, name="evidence_move"),
    path(
        "<int:pk>/evidence/<int:evidence_pk>/delete/",
        views.evidence_delete,
        name="evidence_delete",
    ),
]
