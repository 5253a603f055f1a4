from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("claims/", views.claims, name="claims"),
    path("claims/template/", views.claims_template, name="claims_template"),
    path("staff/", views.staff, name="staff"),
    path("staff/template/", views.staff_template, name="staff_template"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/state/", views.batch_state, name="batch_state"),
    path("batches/<int:pk>/errors.xlsx", views.batch_errors, name="batch_errors"),
]
