from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xueshi.core"
    verbose_name = "公共"
