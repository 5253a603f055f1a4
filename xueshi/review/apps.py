from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "xueshi.review"
    verbose_name = "审核"
