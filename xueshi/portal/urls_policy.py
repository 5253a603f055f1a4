from django.urls import path

from . import views_policy

# Included by config/urls.py under the "policy" namespace (policy:profile_detail).
urlpatterns = [
    path("profile/", views_policy.profile_detail, name="profile_detail"),
]
