from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "xueshi.reports"
    verbose_name = "统计与导出"
