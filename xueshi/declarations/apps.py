from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "xueshi.declarations"
    verbose_name = "学时申报"
