from django.urls import path

from . import views

app_name = "recognition"
urlpatterns = [
    path("from-photo/", views.from_photo, name="from_photo"),
    path("attachments/<int:pk>/", views.note, name="note"),
]
