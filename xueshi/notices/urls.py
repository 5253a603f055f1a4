from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("list/<str:kind>/", views.notice_list, name="list"),
    path("<int:notice_id>/", views.notice_detail, name="detail"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("guides/<str:topic>/", views.guide, name="guide"),
    path("manage/", views.manage_list, name="manage"),
    path("manage/new/", views.manage_edit, name="create"),
    path("manage/<int:notice_id>/edit/", views.manage_edit, name="edit"),
    path("manage/<int:notice_id>/<str:action>/", views.manage_action, name="action"),
]
