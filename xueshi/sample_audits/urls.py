from django.urls import path

from . import views

app_name = "sample_audits"
urlpatterns = [
    path("", views.audit_list, name="list"),
    path("new/", views.audit_start, name="start"),
    path("<int:pk>/", views.audit_detail, name="detail"),
    path("<int:pk>/summary/", views.audit_summary, name="summary"),
    path("<int:pk>/export/", views.audit_export, name="export"),
    path("<int:pk>/items/<int:item_pk>/", views.item_decide, name="decide"),
]
