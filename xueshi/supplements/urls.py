from django.urls import path

from . import views

app_name = "supplements"
urlpatterns = [
    path("", views.supplement_index, name="index"),
    path("request/", views.supplement_request, name="request"),
    path("<int:pk>/send/", views.supplement_send, name="send"),
    path("<int:pk>/cancel/", views.supplement_cancel, name="cancel"),
    path("<int:pk>/new/", views.supplement_new_claim, name="new_claim"),
    path("decisions/", views.supplement_decisions, name="decisions"),
    path("decisions/<int:pk>/agree/", views.supplement_agree, name="agree"),
    path("decisions/<int:pk>/refuse/", views.supplement_refuse, name="refuse"),
    # Last: "<year>/<category>/" would also match "<pk>/send/".
    path("<int:year>/<slug:category>/", views.supplement_category, name="category"),
]
