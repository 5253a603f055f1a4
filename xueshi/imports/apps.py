from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "xueshi.imports"
    verbose_name = "批量导入"
