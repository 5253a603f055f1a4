from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("role/switch/", views.role_switch, name="role_switch"),
    path("me/", views.my_info, name="my_info"),
    path("me/photo/", views.my_photo, name="my_photo"),
]
