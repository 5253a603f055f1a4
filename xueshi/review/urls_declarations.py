"""The declarations pages (namespace "declarations"): drafting from the declarations app, and
the declarant's moves and the progress pages from here.

Assembled in the review app, the lowest one that knows both: the drafting views are given the
lifecycle's moves they offer ("保存并提交", a training base's submission) as view arguments, so
declarations itself never imports review.
"""

from django.urls import path

from xueshi.declarations import views_form

from . import services
from . import views_declarations as views_list
from .views_declarations import submit_after_save

SUBMIT = {"submit": submit_after_save}

app_name = "declarations"
urlpatterns = [
    # The declarant's form (views_form): create, edit, live fields and hours, evidence.
    path("new/", views_form.declaration_create, SUBMIT, name="create"),
    path("<int:pk>/edit/", views_form.declaration_edit, SUBMIT, name="edit"),
    path("form/fields/", views_form.form_fields, name="fields"),
    path("form/hours/", views_form.form_hours, name="hours"),
    path("<int:pk>/attachments/", views_form.attachment_upload, name="attachment_upload"),
    path("<int:pk>/images/", views_form.inline_image_upload, name="inline_image_upload"),
    path("images/<int:pk>/", views_form.inline_image, name="inline_image"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/delete/",
        views_form.attachment_delete,
        name="attachment_delete",
    ),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/caption/",
        views_form.attachment_caption,
        name="attachment_caption",
    ),
    path("declare-for/", views_form.declare_for, SUBMIT, name="declare_for"),
    path(
        "training-base/",
        views_form.training_base_declare,
        {"declare": services.training_base_declare},
        name="training_base_declare",
    ),
    # Lists, detail, trail, the declarant's moves, evidence download (views_declarations).
    path("", views_list.declaration_list, name="list"),
    path("<int:pk>/", views_list.declaration_detail, name="detail"),
    path("<int:pk>/trail/", views_list.declaration_trail, name="trail"),
    path("submit/", views_list.declaration_submit, name="submit"),
    path("delete/", views_list.declaration_delete_many, name="delete_many"),
    path("<int:pk>/withdraw/", views_list.declaration_withdraw, name="withdraw"),
    path("<int:pk>/delete/", views_list.declaration_delete, name="delete"),
    path("attachments/<int:pk>/", views_list.attachment_download, name="attachment_download"),
]
