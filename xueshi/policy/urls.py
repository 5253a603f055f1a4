from django.urls import path

from . import views

app_name = "policy"
urlpatterns = [
    path("profile/", views.profile_detail, name="profile_detail"),
]
