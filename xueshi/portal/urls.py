from django.urls import path

from . import views, views_audit, views_jobs

# The names stay core:home, core:job_status … (templates, tests and redirects use them).
app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("jobs/<int:pk>/", views_jobs.job_status, name="job_status"),
    path("jobs/<int:pk>/download/", views_jobs.job_download, name="job_download"),
    path("audit/", views_audit.audit_log, name="audit_log"),
    path("audit/export/", views_audit.audit_log_export, name="audit_log_export"),
]
