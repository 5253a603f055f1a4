from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_otp, views_recovery, views_registration, views_security, views_sso

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("recover/", views_recovery.recover, name="recover"),
    path(
        "recover/username/",
        views_recovery.recover,
        {"purpose": "username"},
        name="recover_username",
    ),
    path("recover/reset/", views_recovery.recover_reset, name="recover_reset"),
    # Single sign-on with the region's unified identity service (accounts/sso.py).
    path("sso/callback/", views_sso.SsoCallbackView.as_view(), name="sso_callback"),
    path("sso/<slug:key>/", views_sso.SsoStartView.as_view(), name="sso_start"),
    # 个人注册 (public) and its approval queue
    path("register/", views_registration.register, name="register"),
    path(
        "register/units/",
        views_registration.register_unit_search,
        name="register_unit_search",
    ),
    path("registrations/", views_registration.registration_queue, name="registrations"),
    path(
        "registrations/<int:pk>/<str:action>/",
        views_registration.registration_decide,
        name="registration_decide",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("role/switch/", views.role_switch, name="role_switch"),
    path("me/", views.my_info, name="my_info"),
    # Second factor (under /accounts/otp/: the only pages open before the code is given).
    path("otp/setup/", views_otp.otp_setup, name="otp_setup"),
    path("otp/verify/", views_otp.otp_verify, name="otp_verify"),
    path("otp/", views_otp.otp_manage, name="otp_manage"),
    path("otp/recovery-codes/", views_otp.otp_recovery_codes, name="otp_recovery_codes"),
    # The security admin (三员分立): accounts, roles, locks, sessions, second factors.
    path("security/users/", views_security.user_list, name="security_users"),
    path("security/users/<int:user_id>/", views_security.user_detail, name="security_user"),
    path(
        "security/users/<int:user_id>/<str:action>/",
        views_security.user_action,
        name="security_user_action",
    ),
    path("me/photo/", views.my_photo, name="my_photo"),
]
