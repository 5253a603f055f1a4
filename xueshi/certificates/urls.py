from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("certificates/mine/", views.mine, name="mine"),
    path("certificates/mine/statement/", views.statement_create, name="statement_create"),
    path("certificates/<int:pk>/download/", views.download, name="download"),
    path("certificates/", views.scope_list, name="list"),
    path("certificates/batch-issue/", views.batch_issue, name="batch_issue"),
    path("certificates/zip/", views.zip_download, name="zip"),
    path("certificates/<int:pk>/void/", views.void, name="void"),
    # Public, no login: 证书查询.
    path("verify/", views.verify, name="verify"),
    path("verify/file/", views.verify_file, name="verify_file"),
    path("verify/<str:number>/", views.verify_number, name="verify_number"),
    path("verify/<str:number>.json", views.verify_json, name="verify_json"),
]
