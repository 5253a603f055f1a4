from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/file/", views.plan_file, name="file"),
    path(
        "<int:pk>/trainings/<int:training_pk>/delete/",
        views.training_delete,
        name="training_delete",
    ),
]
