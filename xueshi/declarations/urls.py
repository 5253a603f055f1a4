from django.urls import path

from . import views_form, views_list

app_name = "declarations"
urlpatterns = [
    # The declarant's form (views_form): create, edit, live fields and hours, evidence.
    path("new/", views_form.declaration_create, name="create"),
    path("<int:pk>/edit/", views_form.declaration_edit, name="edit"),
    path("form/fields/", views_form.form_fields, name="fields"),
    path("form/hours/", views_form.form_hours, name="hours"),
    path("<int:pk>/attachments/", views_form.attachment_upload, name="attachment_upload"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/delete/",
        views_form.attachment_delete,
        name="attachment_delete",
    ),
    path("declare-for/", views_form.declare_for, name="declare_for"),
    path("training-base/", views_form.training_base_declare, name="training_base_declare"),
    # Lists, detail, trail, state changes by the declarant, evidence download (views_list).
    path("", views_list.declaration_list, name="list"),
    path("<int:pk>/", views_list.declaration_detail, name="detail"),
    path("<int:pk>/trail/", views_list.declaration_trail, name="trail"),
    path("submit/", views_list.declaration_submit, name="submit"),
    path("<int:pk>/withdraw/", views_list.declaration_withdraw, name="withdraw"),
    path("<int:pk>/delete/", views_list.declaration_delete, name="delete"),
    path("attachments/<int:pk>/", views_list.attachment_download, name="attachment_download"),
]
