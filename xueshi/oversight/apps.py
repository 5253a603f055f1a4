from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "xueshi.oversight"
    verbose_name = "督办提醒"
