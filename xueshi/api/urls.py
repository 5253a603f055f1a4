from django.urls import path

from . import views
from .api import api

app_name = "api"

urlpatterns = [
    path("keys/", views.key_list, name="keys"),
    path("keys/<int:key_id>/revoke/", views.key_revoke, name="key_revoke"),
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/<int:webhook_id>/delete/", views.webhook_delete_view, name="webhook_delete"),
]

api_urlpatterns = [path("v1/", api.urls)]
